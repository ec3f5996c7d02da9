"""The hourly ``core.import_cleanup`` job deletes import batches left pending for a day, per municipality, and keeps
confirmed ones and fresh previews."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.db.base import utcnow
from core.jobs.runner import run_periodic
from core.models import ImportBatch


async def _batch(factory: Any, tenant: Any, phase: Any, status: str, age: timedelta) -> int:
    async with factory.db.session(tenant.id, write=True) as session:
        batch = ImportBatch(
            phase_id=phase.id,
            spec_key="ideation.ideas",
            status=status,
            header=["title"],
            rows=[["Written on paper by Ann Example"]],
            row_count=1,
            created_at=utcnow() - age,
        )
        session.add(batch)
        await session.flush()
        return batch.id


async def _left(factory: Any, tenant: Any) -> set[int]:
    async with factory.db.session(tenant.id) as session:
        return set((await session.scalars(select(ImportBatch.id))).all())


async def test_unconfirmed_batches_older_than_a_day_are_deleted_once(
    state: Any, second_state: Any, factory: Any, tenant: Any, other_tenant: Any
) -> None:
    spec = state.registry.jobs["core.import_cleanup"]
    assert spec.periodic and spec.per_tenant
    phase = await factory.phase(await factory.project(tenant), "ideation")
    there = await factory.phase(await factory.project(other_tenant), "ideation")
    stale = await _batch(factory, tenant, phase, "pending", timedelta(hours=25))
    fresh = await _batch(factory, tenant, phase, "pending", timedelta(hours=1))
    done = await _batch(factory, tenant, phase, "confirmed", timedelta(days=30))
    stale_there = await _batch(factory, other_tenant, there, "pending", timedelta(days=3))

    now = utcnow()
    await asyncio.gather(run_periodic(state, spec, now), run_periodic(second_state, spec, now))
    assert await _left(factory, tenant) == {fresh, done}
    assert stale not in await _left(factory, tenant)
    assert await _left(factory, other_tenant) == set()
    assert stale_there not in await _left(factory, other_tenant)

    # A day later the preview left behind goes too; the confirmed batch stays, it is the record of the import.
    await run_periodic(state, spec, now + timedelta(hours=24))
    assert await _left(factory, tenant) == {done}
