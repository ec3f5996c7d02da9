"""How many live connections (server-sent event streams) one person holds, counted across every web worker.

A live page costs the server an open connection for as long as it is open; a client that opens hundreds would slow
everyone else. ``live_slot(ctx, name, limit)`` claims one of ``limit`` slots for ``name`` (e.g. a person on one
board) and returns the function that gives it back (pass it as ``sse_response(on_close=...)``), or None when all are
taken. With Redis (``settings.redis_url``) the count is one Redis counter shared by every worker; a key expires an
hour after its last claim, so slots of a worker killed mid-stream come back. Without Redis (one embedded process)
it is counted in memory. If Redis is unreachable the worker falls back to its own count: a limit that holds loosely
beats refusing every live page.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

log = logging.getLogger("townhall.live_slots")

TTL_SECONDS = 3600


class LiveSlots:
    def __init__(self, redis: Any | None, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._local: Counter[str] = Counter()
        self._pending: set[asyncio.Task[Any]] = set()

    async def acquire(self, key: str, limit: int) -> Callable[[], None] | None:
        name = f"{self._prefix}:slots:{key}"
        if self._redis is not None:
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    count, _ = await pipe.incr(name).expire(name, TTL_SECONDS).execute()
                if count > limit:
                    await self._redis.decr(name)
                    return None
                return self._release_once(lambda: self._redis.decr(name))
            except Exception:  # Redis down: count in this worker only
                log.warning("live slots: Redis unreachable, counting in this worker", exc_info=True)
        if self._local[name] >= limit:
            return None
        self._local[name] += 1
        return self._release_once(lambda: self._drop_local(name))

    def _drop_local(self, name: str) -> None:
        self._local[name] -= 1
        if self._local[name] <= 0:
            del self._local[name]

    def _release_once(self, give_back: Callable[[], Any]) -> Callable[[], None]:
        """A release that is safe to call twice and from a cancelled stream (the Redis call runs as its own task)."""
        done = False

        def release() -> None:
            nonlocal done
            if done:
                return
            done = True
            result = give_back()
            if asyncio.iscoroutine(result):
                task = asyncio.get_running_loop().create_task(result)
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)

        return release


async def live_slot(ctx: Any, name: str, limit: int) -> Callable[[], None] | None:
    """Claim one of ``limit`` live connections named ``name`` in the request's municipality (see module docstring)."""
    from core.realtime import hub

    return await hub(ctx.app).slots.acquire(f"{ctx.tenant_id}:{name}", limit)
