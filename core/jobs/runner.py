"""Running what is due: the one code path shared by the in-process scheduler and the SAQ worker."""

from __future__ import annotations

import logging
import traceback
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db.base import utcnow
from core.jobs import ledger
from core.jobs.schedule import due_slot, slot_key
from core.jobs.spec import JobContext, JobSpec
from core.models import Tenant
from core.models.jobs import GLOBAL

log = logging.getLogger("townhall.jobs")


async def tenant_ids(state: Any) -> list[int]:
    async with state.db.session(unscoped=True) as session:
        return list((await session.scalars(select(Tenant.id).order_by(Tenant.id))).all())


async def _execute(state: Any, spec: JobSpec, run_id: int, job_ctx: JobContext) -> bool:
    """Run the job after its claim; the outcome is written to its ``job_run`` row. True when it succeeded."""
    try:
        await spec.run(job_ctx)
    except Exception:
        log.exception("job %s failed (tenant %s, slot %s)", spec.key, job_ctx.tenant_id, job_ctx.slot)
        await ledger.finish(state.db, run_id, traceback.format_exc(limit=5)[-4000:])
        return False
    await ledger.finish(state.db, run_id)
    return True


Seen = dict[tuple[str, int | None], str]


async def run_periodic(state: Any, spec: JobSpec, now: datetime | None = None, seen: Seen | None = None) -> int:
    """Claim and run ``spec``'s due slot for each municipality (or once); returns how many runs this caller made.

    ``seen`` remembers, per job and municipality, the last slot this runner already settled (won or lost), so a
    scheduler ticking every few seconds asks the database only when a new slot begins.
    """
    now = now or utcnow()
    moment = due_slot(spec, now)
    if moment is None:
        return 0
    slot = slot_key(moment)
    ran = 0
    for tenant_id in await tenant_ids(state) if spec.per_tenant else [None]:
        if seen is not None and seen.get((spec.key, tenant_id)) == slot:
            continue
        run_id = await ledger.claim_slot(state.db, spec.key, tenant_id, slot)
        if seen is not None:
            seen[(spec.key, tenant_id)] = slot
        if run_id is None:
            continue  # another scheduler has this slot
        job_ctx = JobContext(state=state, key=spec.key, tenant_id=tenant_id, slot=slot, scheduled_for=moment)
        await _execute(state, spec, run_id, job_ctx)
        ran += 1
    return ran


async def run_pending(state: Any, now: datetime | None = None) -> int:
    """Claim and run the one-off jobs whose time has come; returns how many this caller ran."""
    ran = 0
    for run_id in await ledger.due_pending(state.db, now or utcnow()):
        row = await ledger.claim_pending(state.db, run_id)
        if row is None:
            continue
        spec = state.registry.jobs.get(row.job_key)
        if spec is None:
            log.error("one-off job %s (run %s): no installed plugin declares it", row.job_key, run_id)
            await ledger.finish(state.db, run_id, "job not installed")
            continue
        tenant_id = None if row.for_tenant == GLOBAL else row.for_tenant
        job_ctx = JobContext(
            state=state,
            key=row.job_key,
            tenant_id=tenant_id,
            slot=row.slot,
            scheduled_for=row.run_at,
            payload=dict(row.payload or {}),
        )
        await _execute(state, spec, run_id, job_ctx)
        ran += 1
    return ran


async def tick(state: Any, now: datetime | None = None, seen: Seen | None = None) -> int:
    """Everything due now: every periodic job's slot, then the pending one-offs."""
    now = now or utcnow()
    ran = 0
    for spec in state.registry.jobs.values():
        if spec.periodic:
            try:
                ran += await run_periodic(state, spec, now, seen)
            except Exception:  # a database hiccup must not stop the other jobs or the scheduler
                log.exception("scheduling %s failed", spec.key)
    try:
        ran += await run_pending(state, now)
    except Exception:
        log.exception("running one-off jobs failed")
    return ran
