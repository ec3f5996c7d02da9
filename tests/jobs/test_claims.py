"""Exactly once: two runners racing for the same slot or one-off run, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import AuditEntry, enqueue
from core.db.base import utcnow
from core.jobs import JobSpecError, ledger
from core.jobs.runner import run_pending, run_periodic, tick
from core.jobs.schedule import due_slot, slot_key
from core.models import JobRun
from tests.jobs import jobs_plugin


async def _audit(state: Any, tenant_id: int, action: str) -> list[AuditEntry]:
    async with state.db.session(tenant_id) as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.scalars(stmt)).all())


async def _runs(state: Any, key: str) -> list[JobRun]:
    async with state.db.session() as session:
        return list((await session.scalars(select(JobRun).where(JobRun.job_key == key).order_by(JobRun.id))).all())


async def test_two_claims_of_one_slot_let_exactly_one_in(state: Any, second_state: Any) -> None:
    for attempt in range(5):
        slot = f"2026-12-02T10:00:0{attempt}Z"
        first, second = await asyncio.gather(
            ledger.claim_slot(state.db, "jobstest.tick", 7, slot),
            ledger.claim_slot(second_state.db, "jobstest.tick", 7, slot),
        )
        assert [first is None, second is None].count(True) == 1, (first, second)
    # Another municipality, or the same slot of another job, is a different claim.
    assert await ledger.claim_slot(state.db, "jobstest.tick", 8, "2026-12-02T10:00:00Z") is not None
    assert await ledger.claim_slot(state.db, "jobstest.export", 7, "2026-12-02T10:00:00Z") is not None


async def test_two_runners_of_the_same_periodic_job_run_it_once_per_municipality(
    state: Any, second_state: Any, tenant: Any, other_tenant: Any
) -> None:
    jobs_plugin.RUNS.clear()
    spec = state.registry.jobs["jobstest.tick"]
    now = utcnow()
    made = await asyncio.gather(run_periodic(state, spec, now), run_periodic(second_state, spec, now))
    assert sum(made) == 2  # one run per municipality, split between the runners however the race went
    assert sorted(t for _k, t, _s in jobs_plugin.RUNS) == sorted([tenant.id, other_tenant.id])
    assert len(await _audit(state, tenant.id, "jobstest.tick")) == 1
    assert len(await _audit(state, other_tenant.id, "jobstest.tick")) == 1
    # The same instant again: the slot is taken, nothing runs.
    assert await run_periodic(state, spec, now) == 0
    assert {r.status for r in await _runs(state, "jobstest.tick")} == {"done"}


async def test_a_one_off_job_runs_once_with_its_payload(state: Any, second_state: Any, tenant: Any) -> None:
    jobs_plugin.RUNS.clear()
    later = utcnow() + timedelta(hours=1)
    run_id = await enqueue(state, "jobstest.export", run_at=later, tenant_id=tenant.id, fmt="xlsx", phase_id=3)
    assert run_id is not None
    assert await run_pending(state) == 0  # not due yet
    ran = await asyncio.gather(run_pending(state, later), run_pending(second_state, later))
    assert sum(ran) == 1
    (entry,) = await _audit(state, tenant.id, "jobstest.export")
    assert entry.data == {"fmt": "xlsx", "phase_id": 3, "pid": os.getpid()}
    assert await run_pending(state, later + timedelta(days=1)) == 0
    (row,) = await _runs(state, "jobstest.export")
    assert row.status == "done" and row.finished_at is not None


async def test_enqueue_with_a_slot_is_idempotent_and_unknown_jobs_are_refused(state: Any, tenant: Any) -> None:
    assert await enqueue(state, "jobstest.export", tenant_id=tenant.id, slot="phase:1:closing") is not None
    assert await enqueue(state, "jobstest.export", tenant_id=tenant.id, slot="phase:1:closing") is None
    try:
        await enqueue(state, "jobstest.nothing")
    except JobSpecError as exc:
        assert "jobstest.nothing" in str(exc)
    else:
        raise AssertionError("an unknown job was enqueued")


async def test_old_finished_runs_are_pruned_and_their_slots_never_rerun(state: Any, tenant: Any) -> None:
    spec = state.registry.jobs["jobstest.tick"]
    now = utcnow()
    old = now - timedelta(days=20)
    assert await run_periodic(state, spec, old) == 1
    assert await run_periodic(state, spec, now) == 1
    async with state.db.session(write=True) as session:
        first = (await session.scalars(select(JobRun).order_by(JobRun.id))).first()
        first.finished_at = old
    assert await run_periodic(state, state.registry.jobs["core.prune_runs"], now) == 1
    assert [r.slot for r in await _runs(state, "jobstest.tick")] == [slot_key(due_slot(spec, now))]
    assert await run_periodic(state, spec, now) == 0  # the current slot is still claimed


async def test_a_failing_job_is_recorded_and_not_rerun_in_its_slot(state: Any, tenant: Any) -> None:
    spec = state.registry.jobs["jobstest.broken"]
    now = utcnow()
    assert await run_periodic(state, spec, now) == 1
    (row,) = await _runs(state, "jobstest.broken")
    assert row.status == "failed" and "this job always fails" in (row.error or "")
    assert row.for_tenant == 0
    assert await run_periodic(state, spec, now) == 0
    # A tick runs the others regardless.
    jobs_plugin.RUNS.clear()
    await tick(state, now)
    assert ("jobstest.tick", tenant.id) in {(k, t) for k, t, _s in jobs_plugin.RUNS}


async def test_a_ticking_scheduler_asks_the_database_once_per_slot(state: Any, tenant: Any) -> None:
    from sqlalchemy import delete

    spec = state.registry.jobs["jobstest.tick"]
    now = utcnow()
    seen: dict = {}
    assert await run_periodic(state, spec, now, seen) == 1
    assert seen == {("jobstest.tick", tenant.id): slot_key(due_slot(spec, now))}
    async with state.db.session(write=True) as session:
        await session.execute(delete(JobRun))
    assert await run_periodic(state, spec, now, seen) == 0  # settled for this runner: no query, no claim
    assert await run_periodic(state, spec, now + timedelta(seconds=1), seen) == 1  # a new slot is asked about
