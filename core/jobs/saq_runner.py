"""The scale-out path: SAQ on the deployment's Redis. Web workers only enqueue; ``townhall worker`` runs the jobs.

SAQ triggers, the database decides: each periodic job becomes a SAQ cron job that calls the same
``run_periodic`` as the in-process scheduler, so the ``job_run`` claims keep a slot single even when two workers
(or SAQ's retries) fire it twice. One-off jobs are rows in ``job_run``; enqueueing also pushes a SAQ job that runs
the due ones at ``run_at``, and a cron job every 10 seconds picks up any whose push was lost.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.jobs.runner import run_pending, run_periodic
from core.jobs.spec import JobSpec

log = logging.getLogger("townhall.jobs")

PENDING = "core.pending"
# SAQ cancels a job after 10 s by default; a digest round or a retention purge of a big phase may take longer.
# Cancelling is safe (the work is transactional and conditional) but would waste the slot, so allow an hour.
JOB_TIMEOUT = 3600


def queue_for(settings: Any) -> Any:
    from saq import Queue

    if not settings.redis_url:
        raise RuntimeError("TOWNHALL_JOBS=saq needs REDIS_URL")
    return Queue.from_url(settings.redis_url, name=settings.jobs_queue)


def saq_cron(spec: JobSpec) -> str:
    """When SAQ should fire the job: its own cron, or often enough for ``every`` (the slot claim does the rest)."""
    if spec.cron is not None:
        return spec.cron
    every = spec.every or 60
    if every < 60 and 60 % every == 0:
        return f"* * * * * */{every}"  # croniter's sixth field is seconds
    return "* * * * * */5" if every < 60 else "* * * * *"


def _named(name: str, fn: Any) -> Any:
    fn.__qualname__ = fn.__name__ = name  # SAQ registers and keys cron jobs by the function's qualified name
    return fn


def build_worker(state: Any, concurrency: int = 4) -> Any:
    from saq import CronJob, Worker

    def periodic(spec: JobSpec) -> Any:
        async def run(ctx: Any, **_: Any) -> int:
            return await run_periodic(state, spec)

        return _named(spec.key, run)

    async def pending(ctx: Any, **_: Any) -> int:
        return await run_pending(state)

    periodic_fns = [periodic(s) for s in _periodic(state)]
    pending_fn = _named(PENDING, pending)
    queue = queue_for(state.settings)

    async def startup(ctx: Any) -> None:
        # SAQ fires a cron job at its next time only: catch up on the slots due now (a daily job missed during a
        # restart), as the in-process scheduler does. A slot already run is skipped by its claim.
        for fn in [*periodic_fns, pending_fn]:
            await queue.enqueue(fn.__qualname__, timeout=JOB_TIMEOUT)

    async def shutdown(ctx: Any) -> None:
        await state.db.dispose()

    cron_jobs = [
        CronJob(fn, cron=saq_cron(spec), timeout=JOB_TIMEOUT)
        for fn, spec in zip(periodic_fns, _periodic(state), strict=True)
    ]
    cron_jobs.append(CronJob(pending_fn, cron="* * * * * */10", timeout=JOB_TIMEOUT))
    return Worker(
        queue,
        functions=[pending_fn],
        cron_jobs=cron_jobs,
        concurrency=concurrency,
        startup=[startup],
        shutdown=[shutdown],
    )


def _periodic(state: Any) -> list[JobSpec]:
    return [s for s in state.registry.jobs.values() if s.periodic]


class SaqEnqueuer:
    """What a web worker keeps in SAQ mode: a queue to push one-off jobs to; it runs nothing itself."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self._queue: Any = None

    async def start(self) -> None:
        self._queue = queue_for(self.state.settings)
        await self._queue.connect()

    async def stop(self) -> None:
        if self._queue is not None:
            await self._queue.disconnect()
            self._queue = None

    async def kick(self, run_at: datetime) -> None:
        if self._queue is None:
            await self.start()
        try:
            await self._queue.enqueue(PENDING, scheduled=int(run_at.timestamp()), timeout=JOB_TIMEOUT)
        except Exception:  # the row is stored; the worker's 10-second sweep runs it anyway
            log.warning("could not push a one-off job to SAQ; the worker's sweep will pick it up", exc_info=True)
