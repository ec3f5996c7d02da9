"""Ideas list page: requests per second against a bare Litestar page rendering the same template with static data.

Usage::

    python benchmarks/ideation_list.py [--ideas 1000] [--comments 10000] [--requests 300] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names an empty PostgreSQL database),
seeds one ideation phase with ``--ideas`` ideas and ``--comments`` comments (plus topics, areas and reactions), then
in the same process and run:

1. serves ``GET /p/{phase}/ideation`` through the full Townhall app (tenant from Host, per-request session, permission
   checks, the database queries) and counts the SQL statements per request with a ``before_cursor_execute``
   listener, for an anonymous visitor and for a signed-in resident, on page 1 and on a deep page;
2. captures the exact template context of one such request and serves it from a bare Litestar app whose only handler
   renders the same template (``ideation/browse.html``) with that static data;

and prints requests per CPU second of both (``time.process_time``: SQLite and the app share this one process, so
the figure does not depend on what else the machine runs) and the ratio Townhall / bare (1.0 would mean the database
and framework work is free), with wall-clock requests/s for reference.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import timedelta
from typing import Any

from _app import (  # benchmarks/ is on sys.path when a script runs
    HOST,
    analyze,
    captured_render,
    client_for,
    fresh_app,
    paired_rates,
    print_page_figures,
    statements_per_request,
)


async def seed(state: Any, n_ideas: int, n_comments: int) -> tuple[int, Any]:
    from core.db.base import utcnow
    from core.models import Area, Comment, Phase, Project, Reaction, Topic
    from core.testing.factories import Factory
    from plugins.ideation.items import KIND
    from plugins.ideation.models import Idea, IdeaTopic

    factory = Factory(state)
    tenant = await factory.tenant(HOST)
    resident = await factory.user(tenant)
    likers = [resident, *[await factory.user(tenant) for _ in range(19)]]
    rng = random.Random(1)
    async with state.db.session(tenant.id, write=True) as session:
        topics = [Topic(name={"en": f"Topic {i}"}, position=i) for i in range(8)]
        areas = [Area(name={"en": f"Area {i}"}, position=i) for i in range(6)]
        session.add_all(topics + areas)
        project = Project(slug="bench", title={"en": "Bench"}, description={"en": "x"}, status="published")
        session.add(project)
        await session.flush()
        now = utcnow()
        phase = Phase(
            project_id=project.id, title={"en": "Ideas"}, description={}, method="ideation", config={},
            permissions={}, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
        )  # fmt: skip
        session.add(phase)
        await session.flush()
        words = ["trees", "park", "bike", "lanes", "library", "bench", "square", "market", "river", "school"]
        ideas = []
        for i in range(n_ideas):
            title = " ".join(rng.sample(words, 4)).capitalize() + f" {i}"
            ideas.append(
                Idea(
                    phase_id=phase.id,
                    author_id=resident.id,
                    title=title,
                    body=f"**{title}** " * 8,
                    area_id=areas[i % 6].id,
                    created_at=now - timedelta(minutes=i),
                )
            )
        session.add_all(ideas)
        await session.flush()
        session.add_all(IdeaTopic(idea_id=idea.id, topic_id=topics[i % 8].id) for i, idea in enumerate(ideas))
        for _ in range(n_comments):
            idea = ideas[rng.randrange(n_ideas)]
            session.add(
                Comment(
                    item_kind=KIND, item_id=idea.id, phase_id=phase.id, author_id=resident.id,
                    body="A comment about this idea.",
                )
            )  # fmt: skip
        session.add_all(
            Reaction(item_kind=KIND, item_id=idea.id, user_id=user.id, phase_id=phase.id, kind="like")
            for idea in ideas
            for user in rng.sample(likers, rng.randint(0, len(likers)))
        )
        await session.flush()
        return phase.id, resident


async def main(args: argparse.Namespace) -> None:
    from core.testing.factories import Factory

    app = fresh_app("ideation", args.database_url)
    state = app.state.townhall
    phase_id, resident = await seed(state, args.ideas, args.comments)
    await analyze(state)  # PostgreSQL's statistics, as a live database has them (nothing on SQLite)
    path = f"/p/{phase_id}/ideation"
    deep = {"page": "40", "sort": "newest"}
    queries: dict[str, int] = {}
    async with client_for(app) as client:
        assert (await client.get(path)).status_code == 200  # a worker's first request fills its caches
        queries["anonymous, page 1"] = await statements_per_request(app, client, path)
        queries["anonymous, page 40"] = await statements_per_request(app, client, path, params=deep)
        with captured_render() as seen_anonymous:
            await client.get(path)
        anonymous, bare_anonymous = await paired_rates(client, path, app, seen_anonymous, args.requests)
        await Factory(state).login(client, resident)
        queries["signed in, page 1"] = await statements_per_request(app, client, path)
        queries["signed in, page 40"] = await statements_per_request(app, client, path, params=deep)
        with captured_render() as seen_signed_in:
            await client.get(path)
        signed_in, bare_signed_in = await paired_rates(client, path, app, seen_signed_in, args.requests)
    bare = {"anonymous": bare_anonymous, "signed in": bare_signed_in}
    await state.db.dispose()

    print(f"database: {state.db.dialect}; {args.ideas} ideas, {args.comments} comments; page size 20")
    print_page_figures("ideas list", queries, bare, {"anonymous": anonymous, "signed in": signed_in})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
