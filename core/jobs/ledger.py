"""The claims in ``job_run`` that make each run happen once, whoever else is trying at the same moment.

A periodic slot is claimed by INSERTing its row: the UNIQUE (job_key, for_tenant, slot) constraint lets exactly one
of two racing schedulers in; the loser gets an IntegrityError and skips. A one-off job is a ``pending`` row,
claimed by ``UPDATE ... SET status = 'running' WHERE status = 'pending'``: it acts only if a row changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from core.db.base import utcnow
from core.models.jobs import GLOBAL, JobRun


def _tenant_ref(tenant_id: int | None) -> int:
    return GLOBAL if tenant_id is None else tenant_id


async def claim_slot(db: Any, key: str, tenant_id: int | None, slot: str) -> int | None:
    """Insert the run's row in its own committed transaction; None when another scheduler got there first.

    A plain look first keeps the common case (the slot was taken long ago) free of constraint violations; the
    INSERT and its UNIQUE constraint still decide the race.
    """
    async with db.session() as session:
        taken = await session.scalar(
            select(JobRun.id).where(
                JobRun.job_key == key, JobRun.for_tenant == _tenant_ref(tenant_id), JobRun.slot == slot
            )
        )
    if taken is not None:
        return None
    try:
        async with db.session(write=True) as session:
            row = JobRun(job_key=key, for_tenant=_tenant_ref(tenant_id), slot=slot, status="running")
            row.started_at = utcnow()
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        return None


async def add_pending(
    db: Any, key: str, tenant_id: int | None, run_at: datetime, payload: dict[str, Any], slot: str | None
) -> int | None:
    """A one-off run waiting for ``run_at``; a given ``slot`` makes enqueueing idempotent (None if it exists)."""
    try:
        async with db.session(write=True) as session:
            row = JobRun(
                job_key=key,
                for_tenant=_tenant_ref(tenant_id),
                slot=slot or f"once:{uuid.uuid4().hex}",
                status="pending",
                run_at=run_at,
                payload=payload,
            )
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        return None


async def due_pending(db: Any, now: datetime, limit: int = 100) -> list[int]:
    async with db.session() as session:
        stmt = (
            select(JobRun.id)
            .where(JobRun.status == "pending", JobRun.run_at <= now)
            .order_by(JobRun.run_at, JobRun.id)
            .limit(limit)
        )
        return list((await session.scalars(stmt)).all())


async def claim_pending(db: Any, run_id: int) -> JobRun | None:
    """pending -> running by a conditional UPDATE; the row when this caller won it, else None."""
    async with db.session(write=True) as session:
        result = await session.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == "pending")
            .values(status="running", started_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        return await session.get(JobRun, run_id)


async def prune(db: Any, before: datetime) -> int:
    """Forget finished runs older than ``before``. Safe: a periodic job only ever claims its latest slot."""
    async with db.session(write=True) as session:
        result = await session.execute(
            delete(JobRun)
            .where(JobRun.status.in_(["done", "failed"]), JobRun.finished_at < before)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


async def finish(db: Any, run_id: int, error: str | None = None) -> None:
    async with db.session(write=True) as session:
        await session.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == "running")
            .values(status="failed" if error else "done", finished_at=utcnow(), error=error)
            .execution_options(synchronize_session=False)
        )
