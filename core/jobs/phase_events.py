"""``phase.opened`` / ``phase.closed``: emitted once per phase, when its start or end has passed.

Each event is claimed by a conditional UPDATE on ``opened_announced_at`` / ``closed_announced_at``; the events
are dispatched to the plugins' ``on_event`` after that UPDATE committed. Phases that had already started or ended
when the columns were added were marked by the migration, so an upgrade announces nothing old.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from core.db.base import utcnow
from core.jobs.spec import JobContext
from core.models import Phase
from core.specs import DomainEvent

OPENED = "phase.opened"
CLOSED = "phase.closed"


def _event(name: str, phase: Phase) -> DomainEvent:
    data = {"phase_id": phase.id, "project_id": phase.project_id, "method": phase.method}
    return DomainEvent(name=name, tenant_id=phase.tenant_id, data=data)


async def _announce(session: Any, column: Any, due: Any, name: str, now: Any) -> list[DomainEvent]:
    phases = (await session.scalars(select(Phase).where(column.is_(None), due <= now).order_by(Phase.id))).all()
    events = []
    for phase in phases:
        result = await session.execute(
            update(Phase)
            .where(Phase.id == phase.id, column.is_(None))
            .values({column.key: now})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            events.append(_event(name, phase))
    return events


async def announce_phases(job_ctx: JobContext) -> int:
    now = utcnow()
    async with job_ctx.session() as session:
        events = await _announce(session, Phase.opened_announced_at, Phase.starts_at, OPENED, now)
        events += await _announce(session, Phase.closed_announced_at, Phase.ends_at, CLOSED, now)
    await job_ctx.dispatch(events)
    return len(events)
