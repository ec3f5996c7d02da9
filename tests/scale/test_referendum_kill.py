"""A ``kill -9`` of the server in the middle of a burst of 500 voters (PostgreSQL, two workers).

After a restart every acknowledged vote (answered 200 with its receipt) is in the ballot box exactly once, roll
marks equal ballots (a vote is one transaction: mark and ballot commit together or not at all), and retrying
every unacknowledged submission with the same receipt records each once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scale.conftest import Seed, Server

pytestmark = pytest.mark.redis

VOTERS = 500
KILL_AFTER = 150
PARALLEL = 24


async def seed_voters(seed: Seed) -> tuple[int, int, list[dict[str, Any]]]:
    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import AuthSession, Phase, Project, User
    from core.passwords import new_token, token_hash
    from core.settings import normalise_database_url
    from plugins.referendum.models import Question

    db = Database(normalise_database_url(seed.database_url))
    tag = uuid.uuid4().hex[:8]
    voters = []
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            first = await create_user(
                session, email=f"k0-{tag}@example.org", password="x" * 12, display_name="K0", verified=True,
                confirmed=True,
            )  # fmt: skip
            users = [first]
            for i in range(1, VOTERS):
                user = User(
                    email=f"k{i}-{tag}@example.org", password_hash=first.password_hash, display_name=f"K{i}",
                    verified=True, email_confirmed_at=utcnow(),
                )  # fmt: skip
                session.add(user)
                users.append(user)
            await session.flush()
            for user in users:
                token = new_token()
                session.add(
                    AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME)
                )
                voters.append({"id": user.id, "token": token})
            project = Project(slug=f"kill-{tag}", title={"en": "K"}, description={"en": "x"}, status="published")
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
            return phase.id, question.id, voters
    finally:
        await db.dispose()


async def box_state(seed: Seed, phase_id: int) -> tuple[int, list[str]]:
    from sqlalchemy import func, select

    from core.db.engine import Database
    from core.settings import normalise_database_url
    from plugins.referendum.models import Ballot, RollEntry

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            marks = await session.scalar(
                select(func.count()).where(RollEntry.phase_id == phase_id, RollEntry.voted.is_(True))
            )
            hashes = (await session.scalars(select(Ballot.receipt_hash).where(Ballot.phase_id == phase_id))).all()
            return int(marks or 0), list(hashes)
    finally:
        await db.dispose()


async def vote(base: str, phase_id: int, form: dict[str, str], token: str) -> int | None:
    """The status of one voter's submission, or None when no answer came (connection refused or cut)."""
    try:
        async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10, read=20)) as client:
            client.cookies.set("th_session", token)
            await client.get("/")
            headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
            response = await client.post(f"/p/{phase_id}/referendum/vote", data=form, headers=headers)
            return response.status_code
    except httpx.HTTPError:
        return None


async def test_kill_9_in_a_burst_of_500_voters(
    scale_db: Seed, scale_services: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plugins.referendum.rules import receipt_hash
    from plugins.referendum.services import new_receipt
    from tests.scale import conftest

    # 500 residents voting from this one machine meet the per-address limit by design: off for this server
    monkeypatch.setattr(conftest, "RATE_LIMITS", f"{conftest.RATE_LIMITS} | referendum.vote=off")

    phase_id, question_id, voters = await seed_voters(scale_db)
    forms = [{"receipt": new_receipt(), f"q{question_id}": "yes" if i % 3 else "no"} for i in range(VOTERS)]
    server = Server(scale_db, tmp_path, redis_url=scale_services.redis_url)
    server.wait_ready()
    answers: dict[int, int | None] = {}
    killed = asyncio.Event()
    gate = asyncio.Semaphore(PARALLEL)

    async def one(i: int) -> None:
        async with gate:
            if killed.is_set():
                return
            answers[i] = await vote(server.base, phase_id, forms[i], voters[i]["token"])
            if not killed.is_set() and sum(1 for s in answers.values() if s == 200) >= KILL_AFTER:
                killed.set()
                os.killpg(server.proc.pid, signal.SIGKILL)

    try:
        await asyncio.gather(*(one(i) for i in range(VOTERS)))
    finally:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
    acknowledged = {i for i, status in answers.items() if status == 200}
    assert killed.is_set() and len(acknowledged) >= KILL_AFTER
    assert len(acknowledged) < VOTERS, "the kill came after the burst"

    restarted = Server(scale_db, tmp_path, redis_url=scale_services.redis_url)
    restarted.wait_ready()
    try:
        marks, hashes = await box_state(scale_db, phase_id)
        assert marks == len(hashes)
        for i in acknowledged:
            assert hashes.count(receipt_hash(forms[i]["receipt"])) == 1
        # every voter not acknowledged retries the very same submission: each is recorded once
        retry = [i for i in range(VOTERS) if i not in acknowledged]
        statuses = []
        for start in range(0, len(retry), PARALLEL):
            batch = retry[start : start + PARALLEL]
            statuses += await asyncio.gather(
                *(vote(restarted.base, phase_id, forms[i], voters[i]["token"]) for i in batch)
            )
        assert statuses == [200] * len(retry), sorted(set(map(str, statuses)))
        marks, hashes = await box_state(scale_db, phase_id)
        assert marks == len(hashes) == VOTERS and len(set(hashes)) == VOTERS
    finally:
        restarted.stop()
