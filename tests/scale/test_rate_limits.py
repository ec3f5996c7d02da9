"""Issue 8 on a real deployment shape: participation limits are shared by every worker.

One resident fires more comments than their limit at once over connections spread across both uvicorn workers
(PostgreSQL, Redis): exactly the limit is accepted, every other answer is 429 with Retry-After, and the database
holds exactly that many comments. A per-process counter would let each worker accept the limit.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack

import pytest

from tests.scale.conftest import COMMENT_LIMIT, WORKERS, Pinned, Seed, Server, csrf_header, on_every_worker

pytestmark = pytest.mark.redis

PER_WORKER = COMMENT_LIMIT  # each worker alone could accept the whole limit


async def comment_rows(seed: Seed, user_id: int) -> int:
    from sqlalchemy import func, select

    from core.db.engine import Database
    from core.models import Comment
    from core.settings import normalise_database_url

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            stmt = select(func.count()).select_from(Comment).where(Comment.author_id == user_id)
            return int(await session.scalar(stmt) or 0)
    finally:
        await db.dispose()


async def test_one_accounts_comments_over_both_workers_meet_one_limit(redis_server: Server, scale_db: Seed) -> None:
    if scale_db.phase_id is None:
        pytest.fail("the dummy method (tests.dummy_method.plugin) is not installed")
    user = scale_db.users[3]
    path = f"/items/dummy.phase/{scale_db.phase_id}/comments"
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, await csrf_header(p)

        clients = await on_every_worker(redis_server.base, PER_WORKER, ready, stack, token=user["token"])
        pids = {await p.refresh() for p, _ in clients}  # where each connection is right before the burst
        responses = await asyncio.gather(
            *(
                p.client.post(path, data={"body": f"Comment {i}"}, headers=h, follow_redirects=False)
                for i, (p, h) in enumerate(clients)
            )
        )
    assert len(pids) == WORKERS
    codes = Counter(r.status_code for r in responses)
    assert codes == {303: COMMENT_LIMIT, 429: len(clients) - COMMENT_LIMIT}, codes
    for response in responses:
        if response.status_code == 429:
            assert 1 <= int(response.headers["retry-after"]) <= 3600
            assert "too often" in response.text
    assert await comment_rows(scale_db, user["id"]) == COMMENT_LIMIT
