"""The concurrency class test (issue "hardening"): every one-per-person fact and limited resource that an installed
method registers (``register_concurrency_cases``, core/concurrency.py), fired as 50 identical requests at once by
one resident over both workers of ``townhall run --workers 2`` on PostgreSQL: no 5xx, every answer a success or a
refusal the case accepts, and exactly the rows the rule allows.

The cases come from the plugins the scale servers load, so a new method is covered by declaring its cases.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest

from tests.scale.conftest import (
    WORKERS,
    Pinned,
    Seed,
    Server,
    add_resident,
    csrf_header,
    extra_plugins,
    on_every_worker,
)

pytestmark = pytest.mark.redis

BURST = 50


def installed_cases() -> dict[str, Any]:
    from core.plugins import Registry, build_plugin_manager

    return Registry.gather(build_plugin_manager(extra_plugins())).concurrency_cases


CASES = installed_cases()


def test_the_built_in_methods_declare_their_one_per_person_facts() -> None:
    """A method that forgets to register its cases is not tested: the built-in ones must at least be present."""
    assert {"ideation.idea_reaction", "ideation.idea_follow", "ideation.idea_report", "budgeting.ballot"} <= set(CASES)


async def prepare(seed: Seed, key: str) -> tuple[Any, dict[str, Any]]:
    """A running phase of the case's method with what the case needs; a fresh resident to fire the burst."""
    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import Phase, Project
    from core.settings import normalise_database_url

    case = CASES[key]
    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id, write=True) as session:
            tag = uuid.uuid4().hex[:8]
            actor = await add_resident(session, f"burst-{tag}@example.org", f"Burst {tag}")
            author = await add_resident(session, f"author-{tag}@example.org", f"Author {tag}")
            project = Project(slug=f"burst-{tag}", title={"en": key}, description={"en": "x"}, status="published")
            session.add(project)
            await session.flush()
            now = utcnow()
            phase = Phase(
                project_id=project.id, title={"en": key}, description={}, method=case.method, config={},
                permissions={}, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7),
            )  # fmt: skip
            session.add(phase)
            await session.flush()
            request = await case.prepare(session, phase, actor["id"], author["id"])
        return request, actor
    finally:
        await db.dispose()


async def count_rows(seed: Seed, statement: Any) -> int:
    from core.db.engine import Database
    from core.settings import normalise_database_url

    db = Database(normalise_database_url(seed.database_url))
    try:
        async with db.session(seed.tenant_id) as session:
            return int(await session.scalar(statement) or 0)
    finally:
        await db.dispose()


@pytest.mark.parametrize("key", sorted(CASES))
async def test_fifty_identical_requests_at_once_leave_exactly_the_allowed_rows(
    redis_server: Server, scale_db: Seed, key: str
) -> None:
    request, actor = await prepare(scale_db, key)
    # Each case from a client address of its own (the servers trust 127.0.0.1 as a proxy): the per-IP limits one
    # burst spends do not refuse the next case's first request. Per-account limits apply as in production.
    address = {"x-forwarded-for": f"10.77.{sorted(CASES).index(key) // 250}.{sorted(CASES).index(key) % 250 + 1}"}
    async with AsyncExitStack() as stack:

        async def ready(p: Pinned) -> tuple[Pinned, dict[str, str]]:
            return p, {**await csrf_header(p), **address}

        clients = await on_every_worker(redis_server.base, BURST // WORKERS, ready, stack, token=actor["token"])
        pids = {await p.refresh() for p, _ in clients}  # where each connection is right before the burst
        responses = await asyncio.gather(
            *(p.client.post(request.path, data=request.form, headers=headers) for p, headers in clients)
        )
    assert len(pids) == WORKERS
    statuses = sorted(r.status_code for r in responses)
    assert all(code < 400 or code in request.accepted for code in statuses), statuses
    assert any(code < 400 for code in statuses), statuses  # the rule let one through: the burst was not all refused
    assert await count_rows(scale_db, request.rows) == request.expected, statuses
