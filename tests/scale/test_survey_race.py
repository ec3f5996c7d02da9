"""Survey responses on a real deployment shape: identical submits race over two uvicorn workers on PostgreSQL.

10 identical submits (one form, one submission key: a double click and retries after a timeout) store one response
and answer 303 (or 429 from the core's rate limit); 10 submits of fresh forms by the same resident in a
one-response phase store one response too, the others refused with 409 (or 429). The anonymous variant keeps one
response per person through the participation mark.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from tests.scale.conftest import WORKERS, Pinned, Seed, Server, csrf_header, on_every_worker

pytestmark = pytest.mark.redis

BURST = 10


async def seed_survey(seed: Seed, config: dict) -> tuple[int, int]:
    """A running survey phase with one required short question: (phase id, question id)."""
    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import Phase, Project
    from core.settings import normalise_database_url
    from plugins.survey.models import SurveyQuestion

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            # A slug of its own per call: two tests of this file seeded within one second took the same one.
            project = Project(slug=f"survey-race-{uuid.uuid4().hex[:12]}", title={"en": "Race"},
                              description={"en": "x"}, status="published")  # fmt: skip
            session.add(project)
            await session.flush()
            now = utcnow()
            phase = Phase(project_id=project.id, title={"en": "survey"}, description={}, method="survey",
                          config=config, permissions={}, starts_at=now - timedelta(days=1),
                          ends_at=now + timedelta(days=7))  # fmt: skip
            session.add(phase)
            await session.flush()
            question = SurveyQuestion(phase_id=phase.id, kind="short", page=1, required=True, text={"en": "Street?"})
            session.add(question)
            await session.flush()
            return phase.id, question.id
    finally:
        await db.dispose()


async def responses(seed: Seed, phase_id: int) -> int:
    from sqlalchemy import func, select

    from core.db.engine import Database
    from core.settings import normalise_database_url
    from plugins.survey.models import SurveyResponse

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            stmt = select(func.count()).select_from(SurveyResponse).where(SurveyResponse.phase_id == phase_id)
            return int(await session.scalar(stmt) or 0)
    finally:
        await db.dispose()


async def burst(server: Server, token: str, phase_id: int, question_id: int, keys: list[str]) -> tuple[set, list]:
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, await csrf_header(p)

        clients = await on_every_worker(server.base, len(keys) // WORKERS, ready, stack, token=token)
        pids = {await p.refresh() for p, _ in clients}
        form = {"page": "1", "state": json.dumps({}), "action": "next", f"q{question_id}": "Main street"}
        calls = [
            p.client.post(f"/p/{phase_id}/survey/take", headers=headers, data={**form, "key": key})
            for (p, headers), key in zip(clients, keys, strict=True)
        ]
        answered = await asyncio.gather(*calls)
    return pids, [r.status_code for r in answered]


@pytest.mark.parametrize("config", [{}, {"anonymous": True}])
async def test_identical_submits_store_one_response(redis_server: Server, scale_db: Seed, config: dict) -> None:
    phase_id, question_id = await seed_survey(scale_db, config)
    user = scale_db.users[3]
    pids, statuses = await burst(redis_server, user["token"], phase_id, question_id, ["same-key-" * 3] * BURST)
    assert len(pids) == WORKERS
    # a retry that finds its response stored answers 303 before counting; the core's rate limit (SUBMITTING, per
    # account) may refuse some of the burst with 429 before they reach the database: never anything else
    assert 303 in statuses and set(statuses) <= {303, 429}, statuses
    assert await responses(scale_db, phase_id) == 1


async def test_fresh_forms_of_one_resident_store_one_response(redis_server: Server, scale_db: Seed) -> None:
    phase_id, question_id = await seed_survey(scale_db, {"anonymous": True})
    user = scale_db.users[3]
    keys = [f"fresh-key-{i:04d}-xxxxxx" for i in range(BURST)]
    pids, statuses = await burst(redis_server, user["token"], phase_id, question_id, keys)
    assert len(pids) == WORKERS
    assert statuses.count(303) == 1 and set(statuses) <= {303, 409, 429}, statuses
    assert await responses(scale_db, phase_id) == 1
