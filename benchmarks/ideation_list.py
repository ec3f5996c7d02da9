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
import time
from datetime import timedelta
from typing import Any

from _app import fresh_app  # benchmarks/ is on sys.path when a script runs
from litestar import Litestar, Response, get

HOST = "bench.test"


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


def client_for(app: Any, base_url: str) -> Any:
    """An in-process ASGI client on the running loop (no thread hop), the same for both apps."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def rate(client: Any, path: str, n: int, **kwargs: Any) -> tuple[float, float]:
    """Requests per CPU second and per wall-clock second, after 10 warm-up requests."""
    for _ in range(10):
        assert (await client.get(path, **kwargs)).status_code == 200
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        response = await client.get(path, **kwargs)
        assert response.status_code == 200
    return n / (time.process_time() - cpu), n / (time.perf_counter() - wall)


async def main(args: argparse.Namespace) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from sqlalchemy import event

    from core.testing.factories import Factory
    from core.web import render as render_module

    app = fresh_app("ideation", args.database_url)
    state = app.state.townhall
    phase_id, resident = await seed(state, args.ideas, args.comments)
    path = f"/p/{phase_id}/ideation"

    statements: list[str] = []
    event.listen(state.db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    captured: dict[str, Any] = {}
    original = render_module.render_html

    def capture(request: Any, template: str, context: dict[str, Any]) -> str:
        captured.setdefault("template", template)
        captured.setdefault("context", {**render_module.base_context(request), **context})
        return original(request, template, context)

    async with client_for(app, f"http://{HOST}") as client:
        assert (await client.get(path)).status_code == 200  # a worker's first request fills its caches
        queries: dict[str, int] = {}
        for label, params in (("anonymous, page 1", {}), ("anonymous, page 40", {"page": "40", "sort": "newest"})):
            statements.clear()
            assert (await client.get(path, params=params)).status_code == 200
            queries[label] = len(statements)
        render_module.render_html = capture
        try:
            await client.get(path)
        finally:
            render_module.render_html = original
        townhall_anonymous = await rate(client, path, args.requests)
        await Factory(state).login(client, resident)
        for label, params in (("signed in, page 1", {}), ("signed in, page 40", {"page": "40", "sort": "newest"})):
            statements.clear()
            assert (await client.get(path, params=params)).status_code == 200
            queries[label] = len(statements)
        townhall_signed_in = await rate(client, path, args.requests)

    template = state.templates.get_template(captured["template"])
    static = captured["context"]

    @get("/static-page", media_type="text/html")
    async def bare_page() -> Response[str]:
        return Response(template.render(static), media_type="text/html")

    bare = Litestar(route_handlers=[bare_page])
    async with client_for(bare, "http://bare.test") as client:
        bare_rps = await rate(client, "/static-page", args.requests)
    await state.db.dispose()

    print(f"database: {state.db.dialect}; {args.ideas} ideas, {args.comments} comments; page size 20")
    for label, count in queries.items():
        print(f"SQL statements per request ({label}): {count}")
    print(f"bare Litestar, same template, static data: {bare_rps[0]:8.1f} req/CPU s ({bare_rps[1]:.1f} req/s wall)")
    for label, (cpu, wall) in (("anonymous", townhall_anonymous), ("signed in", townhall_signed_in)):
        print(
            f"Townhall ideas list ({label}): {cpu:8.1f} req/CPU s ({wall:.1f} req/s wall)  "
            f"ratio Townhall/bare {cpu / bare_rps[0]:.2f} CPU ({wall / bare_rps[1]:.2f} wall)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
