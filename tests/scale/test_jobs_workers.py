"""Two ``townhall worker`` processes on one Redis queue and one PostgreSQL database: every transition once.

The workers run the test plugin ``tests.jobs.jobs_plugin`` (a job every second writing one audit row per
municipality and slot, one-off exports) next to the core's jobs. A phase that closes while they run must reach
``on_event`` once; a one-off job pushed to SAQ twenty times (so both workers race for it) must run once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.scale.conftest import DUMMY, ROOT, Seed, Services

JOBS_PLUGIN = "tests.jobs.jobs_plugin"


class WorkerProcess:
    def __init__(self, seed: Seed, redis_url: str, queue: str, log_dir: Path, n: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_") and k != "REDIS_URL"}
        env.update(
            DATABASE_URL=seed.database_url,
            REDIS_URL=redis_url,
            TOWNHALL_JOBS_QUEUE=queue,
            TOWNHALL_PLUGINS=f"{JOBS_PLUGIN},{DUMMY}",
            TOWNHALL_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        self.log_path = log_dir / f"worker-{n}.log"
        townhall = Path(sys.executable).with_name("townhall")
        command = [str(townhall)] if townhall.exists() else [sys.executable, "-c", "from core.cli import main; main()"]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*command, "worker", "--concurrency", "4"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group (start_new_session)
                self.proc.wait(5)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture
def state_on_private_scale_db(private_scale_db: Seed, scale_services: Services) -> Iterator[Any]:
    from core.app import create_app
    from core.settings import Settings, normalise_database_url

    settings = Settings(
        database_url=normalise_database_url(private_scale_db.database_url),
        plugins=[JOBS_PLUGIN, DUMMY],
        redis_url=scale_services.redis_url,
        jobs_queue=f"th-jobs-test-{uuid.uuid4().hex[:10]}",
        jobs="saq",  # as a web worker in SAQ mode: it only enqueues, the workers run the jobs
    )
    yield create_app(settings).state.townhall


async def _audit(state: Any, tenant_id: int, action: str) -> list[Any]:
    from core import AuditEntry

    async with state.db.session(tenant_id) as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.scalars(stmt)).all())


# On a database of its own: the shared scale servers run the in-process scheduler on theirs, and would announce the
# phases (without this test's plugin to record it) and sweep the one-off job before the workers see them.
async def test_two_saq_workers_run_each_transition_once(
    private_scale_db: Seed, scale_services: Services, state_on_private_scale_db: Any, tmp_path: Path
) -> None:
    from core import enqueue
    from core.db.base import utcnow
    from core.models import Phase

    state = state_on_private_scale_db
    tenant_id = private_scale_db.tenant_id
    now = utcnow()
    async with state.db.session(tenant_id, write=True) as session:
        project_id = (await session.get(Phase, private_scale_db.phase_id)).project_id  # type: ignore[union-attr]
        closing = Phase(
            project_id=project_id,
            title={"en": "closing"},
            description={},
            method="dummy",
            config={},
            permissions={},
            starts_at=now - timedelta(days=2),
            ends_at=now + timedelta(seconds=3),
            opened_announced_at=now,  # opened long ago: only its closing is news
        )
        session.add(closing)
    queue = state.settings.jobs_queue
    workers = [WorkerProcess(private_scale_db, scale_services.redis_url, queue, tmp_path, n) for n in range(2)]
    try:
        # A one-off job enqueued as the app does (stored once, pushed to SAQ), then pushed twenty times more:
        # both workers race for the same row.
        assert await enqueue(state, "jobstest.export", tenant_id=tenant_id, what="race") is not None
        for _ in range(20):
            await state.jobs.kick(now)

        deadline = time.monotonic() + 120  # generous: a loaded 2-core machine slows the workers
        while time.monotonic() < deadline:
            for w in workers:
                assert w.proc.poll() is None, f"worker exited:\n{w.log_tail()}"
            closed = await _audit(state, tenant_id, "phase.closed")
            ticks = await _audit(state, tenant_id, "jobstest.tick")
            exports = await _audit(state, tenant_id, "jobstest.export")
            if closed and exports and len({t.data["slot"] for t in ticks}) >= 5:
                break
            await asyncio.sleep(0.5)
        else:
            pytest.fail("the workers did not run the jobs in time:\n" + "\n".join(w.log_tail() for w in workers))
        await asyncio.sleep(3)  # more slots and sweeps go by: still nothing twice

        closed = await _audit(state, tenant_id, "phase.closed")
        assert [e.target_id for e in closed] == [closing.id]
        opened = await _audit(state, tenant_id, "phase.opened")
        assert [e.target_id for e in opened] == [private_scale_db.phase_id]  # the seeded phase, announced once
        exports = await _audit(state, tenant_id, "jobstest.export")
        assert len(exports) == 1 and exports[0].data["what"] == "race"
        ticks = await _audit(state, tenant_id, "jobstest.tick")
        slots = [t.data["slot"] for t in ticks]
        assert len(slots) == len(set(slots)) >= 5
        # The other municipality gets its own runs of the per-tenant job, also once per slot.
        other = [t.data["slot"] for t in await _audit(state, private_scale_db.other_tenant_id, "jobstest.tick")]
        assert len(other) == len(set(other)) >= 1
    finally:
        for w in workers:
            w.stop()
        await state.jobs.stop()
        await state.db.dispose()
    for w in workers:
        assert w.proc.returncode == 0, w.log_tail()
