"""``phase.opened`` / ``phase.closed`` reach the plugins once per phase, however many schedulers run."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import AuditEntry
from core.db.base import utcnow
from core.jobs.runner import run_periodic


async def _delivered(state: Any, tenant_id: int) -> list[tuple[str, int]]:
    async with state.db.session(tenant_id) as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.target_id)
            .where(AuditEntry.action.in_(["phase.opened", "phase.closed"]))
            .order_by(AuditEntry.id)
        )
        return [(a, t) for a, t in rows.all()]


async def test_each_phase_is_announced_once(
    state: Any, second_state: Any, factory: Any, tenant: Any, other_tenant: Any
) -> None:
    project = await factory.project(tenant)
    active = await factory.phase(project, "dummy", state="active")
    ended = await factory.phase(project, "dummy", state="ended")
    upcoming = await factory.phase(project, "dummy", state="upcoming")
    elsewhere = await factory.phase(await factory.project(other_tenant), "dummy", state="active")
    spec = state.registry.jobs["core.phase_events"]

    now = utcnow()
    await asyncio.gather(run_periodic(state, spec, now), run_periodic(second_state, spec, now))
    delivered = await _delivered(state, tenant.id)
    expected = [("phase.opened", active.id), ("phase.opened", ended.id), ("phase.closed", ended.id)]
    assert sorted(delivered) == sorted(expected)
    assert await _delivered(state, other_tenant.id) == [("phase.opened", elsewhere.id)]

    # Later slots announce nothing again, until the upcoming phase starts.
    await run_periodic(state, spec, now + timedelta(minutes=1))
    assert len(await _delivered(state, tenant.id)) == 3
    async with state.db.session(tenant.id, write=True) as session:
        from core.models import Phase

        row = await session.get(Phase, upcoming.id)
        row.starts_at = utcnow() - timedelta(seconds=1)
    later = now + timedelta(minutes=2)
    await asyncio.gather(run_periodic(state, spec, later), run_periodic(second_state, spec, later))
    assert (await _delivered(state, tenant.id))[3:] == [("phase.opened", upcoming.id)]
