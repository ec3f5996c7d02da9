"""Issue 9 on a real deployment shape: the signature that reaches the threshold, raced over two uvicorn workers.

49 signatures are seeded with a threshold of 50; then 30 different verified residents sign at once, 5 of them twice,
over connections spread across both workers (PostgreSQL). Exactly 79 signatures, the counter equals the rows, one
"threshold reached" transition, one notification of it per recipient, no 5xx. And the expiry job run by two runners
at the same instant (two engines, two connections) expires the proposal once.
"""

from __future__ import annotations

import asyncio
import secrets
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest

from tests.scale.conftest import WORKERS, Pinned, Seed, Server, csrf_header, on_every_worker

pytestmark = pytest.mark.redis

SEEDED, THRESHOLD, SIGNERS, TWICE = 49, 50, 30, 5


def _db(seed: Seed) -> Any:
    from core.db.engine import Database
    from core.settings import normalise_database_url

    return Database(normalise_database_url(seed.database_url))


async def seed_proposal(seed: Seed, *, deadline_in: timedelta = timedelta(days=10)) -> dict[str, Any]:
    """A collecting proposal at 49 of 50 online signatures, its author and two followers, and 30 fresh signers."""
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Follow, Phase, Project, User
    from core.passwords import new_token, token_hash
    from plugins.proposals.models import Proposal, Signature

    db = _db(seed)
    now = utcnow()
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            project = Project(
                slug=f"proposals-{secrets.token_hex(4)}", title={"en": "P"}, description={"en": "x"}, status="published"
            )
            session.add(project)
            await session.flush()
            phase = Phase(
                project_id=project.id,
                title={"en": "proposals"},
                description={},
                method="proposals",
                config={"threshold": THRESHOLD, "signing_after_threshold": True},
                permissions={},
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=30),
            )
            session.add(phase)
            await session.flush()
            people = [
                User(
                    email=f"signer-{secrets.token_hex(6)}@example.org",
                    password_hash="!",
                    display_name=f"S{i}",
                    verified=True,
                    email_confirmed_at=now,
                )
                for i in range(SEEDED + SIGNERS)
            ]
            session.add_all(people)
            await session.flush()
            author, followers = seed.users[0]["id"], [seed.users[1]["id"], seed.users[2]["id"]]
            proposal = Proposal(
                phase_id=phase.id,
                author_id=author,
                title="Night buses",
                body="Every hour.",
                state="collecting",
                invite_token=secrets.token_urlsafe(32),
                threshold=THRESHOLD,
                published_at=now - timedelta(days=1),
                deadline_at=now + deadline_in,
                online_count=SEEDED,
            )
            session.add(proposal)
            await session.flush()
            session.add_all(Signature(proposal_id=proposal.id, user_id=u.id) for u in people[:SEEDED])
            session.add_all(
                Follow(item_kind="proposals.proposal", item_id=proposal.id, user_id=uid) for uid in [author, *followers]
            )
            tokens = []
            for person in people[SEEDED:]:
                token = new_token()
                session.add(
                    AuthSession(token_hash=token_hash(token), user_id=person.id, expires_at=now + SESSION_LIFETIME)
                )
                tokens.append(token)
            return {
                "phase_id": phase.id,
                "proposal_id": proposal.id,
                "tokens": tokens,
                "recipients": sorted([author, *followers]),
            }
    finally:
        await db.dispose()


async def outcome(seed: Seed, proposal_id: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from core.models import Notification
    from plugins.proposals.models import Proposal, Signature, Transition

    db = _db(seed)
    try:
        async with db.session(seed.tenant_id) as session:
            proposal = await session.get(Proposal, proposal_id)
            rows = await session.scalar(
                select(func.count()).select_from(Signature).where(Signature.proposal_id == proposal_id)
            )
            steps = list(
                (
                    await session.scalars(
                        select(Transition.event).where(Transition.proposal_id == proposal_id).order_by(Transition.id)
                    )
                ).all()
            )
            notified = list(
                (
                    await session.execute(
                        select(Notification.user_id, Notification.kind).where(Notification.url.like(f"%/{proposal_id}"))
                    )
                ).all()
            )
            return {
                "state": proposal.state,
                "online": proposal.online_count,
                "rows": int(rows or 0),
                "steps": steps,
                "notified": notified,
            }
    finally:
        await db.dispose()


async def test_thirty_signers_racing_over_both_workers_reach_the_threshold_once(
    redis_server: Server, scale_db: Seed
) -> None:
    made = await seed_proposal(scale_db)
    path = f"/p/{made['phase_id']}/proposals/{made['proposal_id']}/sign"
    attempts = made["tokens"] + made["tokens"][:TWICE]  # 35 requests: 5 residents twice
    async with AsyncExitStack() as stack:

        async def pinned(p: Pinned) -> Pinned:
            return p

        clients = await on_every_worker(redis_server.base, (len(attempts) + 1) // 2, pinned, stack)
        ready = []
        for p, token in zip(clients, attempts, strict=False):
            p.client.cookies.set("th_session", token)
            p.client.cookies.delete("csrftoken")  # CSRF tokens are bound to the session: get one for this person
            ready.append((p, await csrf_header(p)))
        pids = {await p.refresh() for p, _ in ready}
        responses = await asyncio.gather(*(p.client.post(path, headers=h) for p, h in ready))
    assert len(pids) == WORKERS
    statuses = sorted(r.status_code for r in responses)
    assert all(code < 500 for code in statuses), statuses
    assert statuses == [303] * SIGNERS + [409] * TWICE, [r.text[:300] for r in responses if r.status_code == 403][:1]
    result = await outcome(scale_db, made["proposal_id"])
    assert result["rows"] == result["online"] == SEEDED + SIGNERS == 79
    assert result["state"] == "threshold_reached"
    assert result["steps"].count("reach") == 1
    reached = sorted(uid for uid, kind in result["notified"] if kind == "proposals.reach")
    assert reached == made["recipients"]  # one notification per recipient
    assert not [kind for _uid, kind in result["notified"] if kind == "proposals.milestone"]  # 33/66 passed before


async def test_expiry_run_by_two_runners_at_the_same_instant_transitions_once(
    redis_server: Server, scale_db: Seed
) -> None:
    from core.db.base import utcnow
    from plugins.proposals import jobs

    # due for the runners' clock (5 minutes ahead), not yet for the servers' own scheduled expiry job
    made = await seed_proposal(scale_db, deadline_in=timedelta(minutes=2))
    moment = utcnow() + timedelta(minutes=5)
    start = asyncio.Event()

    async def runner() -> list[int]:
        db = _db(scale_db)
        try:
            await start.wait()
            async with db.session(scale_db.tenant_id, write=True) as session:
                ids, _notes = await jobs.expire_due(session, moment)
                await asyncio.sleep(0.2)  # hold the transaction open so the other runner meets its row locks
                return [i for i in ids if i == made["proposal_id"]]
        finally:
            await db.dispose()

    tasks = [asyncio.create_task(runner()) for _ in range(2)]
    await asyncio.sleep(0.1)
    start.set()
    results = await asyncio.gather(*tasks)
    assert sorted(results, key=len) == [[], [made["proposal_id"]]]
    result = await outcome(scale_db, made["proposal_id"])
    assert result["state"] == "expired" and result["steps"].count("expire") == 1
    expired = sorted(uid for uid, kind in result["notified"] if kind == "proposals.expire")
    assert expired == made["recipients"]
