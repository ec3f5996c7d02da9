"""The referendum's one-vote rule on a real deployment shape: 50 votes by one voter at once over two uvicorn
workers on PostgreSQL, half repeating one submission and half each a different ballot with its own receipt,
fired before anything snapshotted the roll (so the snapshot races too): no 5xx, one roll mark, one ballot."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest

from tests.scale.conftest import WORKERS, Pinned, Seed, Server, add_resident, csrf_header, on_every_worker

pytestmark = pytest.mark.redis

BURST = 50


async def seed_referendum(seed: Seed) -> tuple[int, int, dict[str, Any]]:
    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import Phase, Project
    from core.settings import normalise_database_url
    from plugins.referendum.models import Question

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            tag = uuid.uuid4().hex[:8]
            voter = await add_resident(session, f"referendum-{tag}@example.org", f"Voter {tag}")
            project = Project(slug=f"ref-{tag}", title={"en": "Ref"}, description={"en": "x"}, status="published")
            session.add(project)
            await session.flush()
            now = utcnow()
            phase = Phase(
                project_id=project.id, title={"en": "vote"}, description={}, method="referendum", config={},
                permissions={}, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7),
            )  # fmt: skip
            session.add(phase)
            await session.flush()
            question = Question(phase_id=phase.id, kind="yesno", title={"en": "Agreed?"})
            session.add(question)
            await session.flush()
            return phase.id, question.id, voter
    finally:
        await db.dispose()


async def counts(seed: Seed, phase_id: int) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from core.db.engine import Database
    from core.settings import normalise_database_url
    from plugins.referendum.models import Ballot, Box, RollEntry

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            marks = await session.scalar(
                select(func.count()).where(RollEntry.phase_id == phase_id, RollEntry.voted.is_(True))
            )
            ballots = await session.scalar(select(func.count()).where(Ballot.phase_id == phase_id))
            boxes = await session.scalar(select(func.count()).where(Box.phase_id == phase_id))
            return int(marks or 0), int(ballots or 0), int(boxes or 0)
    finally:
        await db.dispose()


async def test_fifty_votes_by_one_voter_over_two_workers(redis_server: Server, scale_db: Seed) -> None:
    from plugins.referendum.services import new_receipt

    phase_id, question_id, voter = await seed_referendum(scale_db)
    same = new_receipt()
    forms = [
        {"receipt": same, f"q{question_id}": "yes"}
        if i % 2
        else {"receipt": new_receipt(), f"q{question_id}": "no" if i % 4 else "yes"}
        for i in range(BURST)
    ]
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, await csrf_header(p)

        clients = await on_every_worker(redis_server.base, BURST // WORKERS, ready, stack, token=voter["token"])
        pids = {await p.refresh() for p, _ in clients}
        responses = await asyncio.gather(
            *(
                p.client.post(f"/p/{phase_id}/referendum/vote", data=form, headers=headers)
                for (p, headers), form in zip(clients, forms, strict=True)
            )
        )
    assert len(pids) == WORKERS
    statuses = sorted(r.status_code for r in responses)
    assert all(code in (200, 409, 429) for code in statuses), statuses  # 429: the account's submit limit
    assert statuses.count(200) >= 1, statuses
    assert await counts(scale_db, phase_id) == (1, 1, 1), statuses
