"""Proposals list page: requests per CPU second against a bare Litestar page rendering the same template.

Usage::

    python benchmarks/proposals_list.py [--proposals 1000] [--requests 300] [--database-url URL]

The sibling of ``ideation_list.py`` (same method; the helpers are in ``_app.py``): a fresh database with one
proposals phase holding ``--proposals`` public proposals (topics, areas, signature counts) and a few of the
resident's drafts; SQL statements per request for an anonymous visitor and a signed-in resident; then requests per
CPU second of ``GET /p/{phase}/proposals/`` against a bare Litestar app rendering ``proposals/browse.html`` with the
captured context.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
from datetime import timedelta
from typing import Any

from _app import (  # benchmarks/ is on sys.path when a script runs
    HOST,
    captured_render,
    client_for,
    fresh_app,
    paired_rates,
    print_page_figures,
    statements_per_request,
)


async def seed(state: Any, n: int) -> tuple[int, Any]:
    from core.db.base import utcnow
    from core.models import Area, Phase, Project, Topic
    from core.testing.factories import Factory
    from plugins.proposals import rules
    from plugins.proposals.models import Proposal

    factory = Factory(state)
    tenant = await factory.tenant(HOST)
    resident = await factory.user(tenant, verified=True)
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
            project_id=project.id, title={"en": "Proposals"}, description={}, method="proposals", config={},
            permissions={}, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
        )  # fmt: skip
        session.add(phase)
        await session.flush()
        for i in range(n + 3):
            public = i < n
            session.add(
                Proposal(
                    phase_id=phase.id, author_id=resident.id, title=f"Proposal {i}", body="Night buses. " * 8,
                    state=rules.COLLECTING if public else "draft", invite_token=secrets.token_urlsafe(32),
                    threshold=500 if public else None, online_count=rng.randint(0, 400),
                    paper_count=rng.randint(0, 50), topic_id=topics[i % 8].id, area_id=areas[i % 6].id,
                    published_at=now - timedelta(minutes=i) if public else None,
                    deadline_at=now + timedelta(days=10) if public else None,
                )
            )  # fmt: skip
        return phase.id, resident


async def main(args: argparse.Namespace) -> None:
    from core.testing.factories import Factory

    app = fresh_app("proposals", args.database_url)
    state = app.state.townhall
    phase_id, resident = await seed(state, args.proposals)
    path = f"/p/{phase_id}/proposals/"
    queries: dict[str, int] = {}
    async with client_for(app) as client:
        assert (await client.get(path)).status_code == 200  # a worker's first request fills its caches
        queries["anonymous"] = await statements_per_request(app, client, path)
        with captured_render() as seen_anonymous:
            await client.get(path)
        anonymous, bare_anonymous = await paired_rates(client, path, app, seen_anonymous, args.requests)
        await Factory(state).login(client, resident)
        queries["signed in"] = await statements_per_request(app, client, path)
        with captured_render() as seen_signed_in:
            await client.get(path)
        signed_in, bare_signed_in = await paired_rates(client, path, app, seen_signed_in, args.requests)
    bare = {"anonymous": bare_anonymous, "signed in": bare_signed_in}
    await state.db.dispose()

    print(f"database: {state.db.dialect}; {args.proposals} proposals (the list shows at most 200)")
    print_page_figures("proposals list", queries, bare, {"anonymous": anonymous, "signed in": signed_in})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
