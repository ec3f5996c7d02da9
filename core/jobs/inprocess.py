"""The embedded default: a scheduler task inside each web worker, started and stopped with the app's lifespan.

Several uvicorn workers each run one; the claims in ``job_run`` keep every run single. No extra service to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from core.jobs.runner import Seen, tick

log = logging.getLogger("townhall.jobs")


class InProcessScheduler:
    def __init__(self, state: Any, interval: float) -> None:
        self.state = state
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._loop_of: asyncio.AbstractEventLoop | None = None
        self._seen: Seen = {}

    async def start(self) -> None:
        if self._task is None:
            self._loop_of = asyncio.get_running_loop()
            self._task = asyncio.create_task(self._loop(), name="townhall-jobs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def kick(self, run_at: datetime) -> None:
        """A one-off job was enqueued: look now instead of at the next tick (it runs when ``run_at`` is due)."""
        loop = self._loop_of
        if loop is None or loop.is_closed():
            return
        if loop is asyncio.get_running_loop():
            self._wake.set()
        else:  # enqueued from another thread's loop (a test client, a sync bridge)
            loop.call_soon_threadsafe(self._wake.set)

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            try:
                await tick(self.state, seen=self._seen)
            except Exception:  # never let the scheduler die with the app still serving
                log.exception("job tick failed")


class NoScheduler:
    """``TOWNHALL_JOBS=off``: nothing runs here (tests, or a deployment that runs ``townhall worker`` elsewhere
    and does not enqueue one-off jobs)."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def kick(self, run_at: datetime) -> None:
        return None
