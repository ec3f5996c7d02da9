"""The embedded default: the scheduler starts with the app, runs due jobs on its own and stops with it."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select

from core import AuditEntry, enqueue
from core.settings import Settings


@pytest.fixture
def townhall_settings(townhall_settings: Settings) -> Settings:
    return msgspec.structs.replace(townhall_settings, jobs="inprocess", jobs_tick_seconds=0.2)


async def _count(state: Any, tenant_id: int, action: str) -> int:
    async with state.db.session(tenant_id) as session:
        stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        return int(await session.scalar(stmt) or 0)


async def _eventually(check: Any, timeout: float = 15) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.1)


async def test_the_app_runs_its_jobs_in_process(app: Any, factory: Any, tenant: Any) -> None:
    from litestar.testing import AsyncTestClient

    state = app.state.townhall
    project = await factory.project(tenant)
    phase = await factory.phase(project, "dummy", state="active")
    async with AsyncTestClient(app=app, base_url="http://city.test") as client:
        assert (await client.get("/healthz")).status_code == 200
        # A periodic job (every second) and the core's phase events run without anybody asking.
        await _eventually(lambda: _has(state, tenant.id, "jobstest.tick"))
        await _eventually(lambda: _has(state, tenant.id, "phase.opened"))
        # A one-off job enqueued by the app runs promptly.
        await enqueue(state, "jobstest.export", tenant_id=tenant.id, what="ideas")
        await _eventually(lambda: _has(state, tenant.id, "jobstest.export"))
        await asyncio.sleep(1.2)  # more ticks: nothing is announced or exported twice
        assert await _count(state, tenant.id, "phase.opened") == 1
        assert await _count(state, tenant.id, "jobstest.export") == 1
    assert phase.id
    stopped = await _count(state, tenant.id, "jobstest.tick")
    await asyncio.sleep(1.5)
    assert await _count(state, tenant.id, "jobstest.tick") == stopped  # the scheduler stopped with the app


async def _has(state: Any, tenant_id: int, action: str) -> bool:
    return await _count(state, tenant_id, action) > 0
