"""Per-phase data retention: ``retention_days`` after a phase ends, its method purges or anonymises personal data.

Each method says what that means for its rows through the ``retention(phase)`` hook and returns a
``RetentionResult`` (what it deleted and anonymised, with counts); counts and results of the phase stay. The core's
own participation rows on the phase's items are handled by core/participation/retention.py in the same pass. The daily
``core.retention`` job claims a phase by a conditional UPDATE of ``retention_done_at`` in the same transaction as
the methods' work, so a phase is purged once, and a failing method leaves the phase unclaimed for the next run.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.db.base import utcnow
from core.jobs.spec import JobContext
from core.models import Phase

log = logging.getLogger("townhall.retention")


@dataclass
class RetentionResult:
    """What a method did to a phase's personal data: ``{what: count}`` per kind of row (e.g. ``"ballots": 12``)."""

    anonymised: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def merge(self, other: RetentionResult) -> RetentionResult:
        out = RetentionResult(dict(self.anonymised), dict(self.deleted))
        for target, source in ((out.anonymised, other.anonymised), (out.deleted, other.deleted)):
            for key, count in source.items():
                target[key] = target.get(key, 0) + int(count)
        return out

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"anonymised": dict(self.anonymised), "deleted": dict(self.deleted)}


def due_at(phase: Phase) -> datetime | None:
    if phase.retention_days is None:
        return None
    return phase.ends_at + timedelta(days=phase.retention_days)


async def apply_retention(pm: Any, session: Any, phase: Phase) -> RetentionResult:
    """Ask every plugin's ``retention`` hook about the phase and await what they hand back, in this session."""
    total = RetentionResult()
    for action in pm.hook.retention(phase=phase):
        if action is None:
            continue
        outcome = action(session)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if isinstance(outcome, RetentionResult):
            total = total.merge(outcome)
    return total


async def purge_phase(state: Any, tenant_id: int, phase_id: int, now: datetime) -> RetentionResult | None:
    """Claim and purge one phase; None when it was not due or someone else already did it.

    The methods' hooks purge their rows, then the core's participation pass anonymises the comments, reactions,
    follows, reports and status changes on the phase's items, all in the claiming transaction."""
    from core.participation.retention import retain as participation_retention

    async with state.db.session(tenant_id, write=True) as session:
        claimed = await session.execute(
            update(Phase)
            .where(Phase.id == phase_id, Phase.retention_done_at.is_(None), Phase.retention_days.is_not(None))
            .values(retention_done_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return None
        phase = await session.get(Phase, phase_id, populate_existing=True)
        assert phase is not None
        when = due_at(phase)
        if when is None or when > now:  # the setting changed since the phase was selected
            await session.rollback()
            return None
        result = await apply_retention(state.pm, session, phase)
        result = result.merge(await participation_retention(session, phase, state.registry.item_kinds))
        phase.retention_result = result.as_dict()
    return result


async def run_retention(job_ctx: JobContext) -> int:
    """The ``core.retention`` job for one municipality: every phase past its retention date, once."""
    now = utcnow()
    async with job_ctx.session(write=False) as session:
        stmt = select(Phase).where(Phase.retention_days.is_not(None), Phase.retention_done_at.is_(None))
        due = [p.id for p in (await session.scalars(stmt)).all() if (d := due_at(p)) is not None and d <= now]
    done = 0
    for phase_id in due:
        try:
            if await purge_phase(job_ctx.state, job_ctx.tenant_id, phase_id, now) is not None:  # type: ignore[arg-type]
                done += 1
        except Exception:
            log.exception("retention of phase %s failed; it is retried on the next run", phase_id)
    return done
