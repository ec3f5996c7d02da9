"""The workshop board across two uvicorn workers with Redis: a card posted through either worker reaches the live
board streams (``GET /p/<phase>/workshop/<session>/events``) open on both workers, and the board fragment each
stream then refetches shows it whichever worker serves it. The per-person live-connection cap refuses the extra
stream with 429, not a 5xx.
"""

from __future__ import annotations

import json
import secrets
import time
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest

from tests.scale.conftest import WORKERS, Pinned, Seed, Server, csrf_header, new_client, on_every_worker
from tests.scale.sse import Stream, open_stream

pytestmark = pytest.mark.redis

DELIVERY_BOUND = 3.0  # seconds within which every open board must hear of a change (measured: tens of ms)


def _db(seed: Seed) -> Any:
    from core.db.engine import Database
    from core.settings import normalise_database_url

    return Database(normalise_database_url(seed.database_url))


async def seed_session(seed: Seed) -> tuple[int, int]:
    """A live session in a fresh workshop phase; the first two seeded residents hold seats. (phase id, session id)"""
    from core.db.base import utcnow
    from core.models import Phase, Project
    from plugins.workshop.models import Registration, WorkshopSession

    db = _db(seed)
    now = utcnow()
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            project = Project(slug=f"workshop-{secrets.token_hex(4)}", title={"en": "W"}, description={"en": "x"},
                              status="published")  # fmt: skip
            session.add(project)
            await session.flush()
            phase = Phase(project_id=project.id, title={"en": "workshop"}, description={}, method="workshop",
                          config={}, permissions={}, starts_at=now - timedelta(days=1),
                          ends_at=now + timedelta(days=30))  # fmt: skip
            session.add(phase)
            await session.flush()
            ws = WorkshopSession(phase_id=phase.id, title={"en": "Live"}, agenda={"en": ["One", "Two"]},
                                 starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=2))  # fmt: skip
            session.add(ws)
            await session.flush()
            for user in seed.users[:2]:
                session.add(Registration(session_id=ws.id, user_id=user["id"], status="registered"))
            return phase.id, ws.id
    finally:
        await db.dispose()


async def test_a_card_posted_on_either_worker_reaches_every_board(redis_server: Server, scale_db: Seed) -> None:
    phase_id, session_id = await seed_session(scale_db)
    base = f"/p/{phase_id}/workshop/{session_id}"
    watcher, poster = scale_db.users[0], scale_db.users[1]
    async with AsyncExitStack() as stack:

        async def open_board(p: Pinned) -> Stream:
            return await open_stream(p.client, f"{base}/events", stack, p.pid)

        streams = await on_every_worker(redis_server.base, 2, open_board, stack, token=watcher["token"])
        streams += await on_every_worker(redis_server.base, 1, open_board, stack, token=poster["token"])
        assert len({s.pid for s in streams}) == WORKERS

        posted_by: set[int] = set()
        latencies = []

        async def post_card(p: Pinned) -> None:
            text = f"card from worker {p.pid} #{len(posted_by)}"
            started = time.monotonic()
            response = await p.client.post(f"{base}/cards", data={"kind": "idea", "body": text},
                                            headers=await csrf_header(p), follow_redirects=False)  # fmt: skip
            assert response.status_code == 303, response.text
            posted_by.add(p.pid)
            for stream in streams:
                event = await stream.next_event(timeout=DELIVERY_BOUND)
                assert event["event"] == "board" and json.loads(event["data"]) == {"what": "card"}, event
            latencies.append(time.monotonic() - started)
            # What an htmx page then fetches (from whichever worker answers): the card is there.
            async with new_client(redis_server.base, token=watcher["token"]) as client:
                fragment = await client.get(f"{base}/live", headers={"HX-Request": "true"})
                assert fragment.status_code == 200 and text in fragment.text

        await on_every_worker(redis_server.base, 1, post_card, stack, token=poster["token"])
        assert len(posted_by) == WORKERS
        assert max(latencies) < DELIVERY_BOUND


async def test_the_live_connection_cap_holds_across_workers(redis_server: Server, scale_db: Seed) -> None:
    """Streams opened on both workers count against one cap: the one after MAX_STREAMS is refused wherever it lands."""
    from plugins.workshop.controllers import MAX_STREAMS

    phase_id, session_id = await seed_session(scale_db)
    path = f"/p/{phase_id}/workshop/{session_id}/events"
    user = scale_db.users[1]
    async with AsyncExitStack() as stack:
        per_worker = (MAX_STREAMS - 1) // WORKERS

        async def hold_stream(p: Pinned) -> int:
            response = await stack.enter_async_context(p.client.stream("GET", path))
            assert response.status_code == 200
            return p.pid

        pids = await on_every_worker(redis_server.base, per_worker, hold_stream, stack, token=user["token"])
        assert len(set(pids)) == WORKERS, "streams must be open on every worker for this test to mean anything"
        codes = []
        for _ in range(MAX_STREAMS - len(pids) + 1):
            client = new_client(redis_server.base, token=user["token"])
            stack.push_async_callback(client.aclose)
            response = await stack.enter_async_context(client.stream("GET", path))
            codes.append(response.status_code)
            if response.status_code == 429:
                assert b"too many live pages" in await response.aread()
        assert codes == [200] * (MAX_STREAMS - len(pids)) + [429], codes
