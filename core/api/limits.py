"""How often one client address may read the public API: a sliding window kept in the worker's memory.

Reads are not counted in the database like residents' writes (core.throttle): a GET must not take a write lock,
and the API is cacheable, so a well-behaved client re-reads with ``If-None-Match`` and a 304. The window is per
worker, so with N workers an address gets at most N times ``READS_PER_MINUTE`` (docs/api.md says so).
"""

from __future__ import annotations

import time
from collections import deque

from core.context import RequestContext
from core.throttle import RateLimited

READS_PER_MINUTE = 600
WINDOW = 60.0
_MAX_TRACKED = 50_000  # addresses remembered at once; the oldest windows are dropped beyond it

_seen: dict[str, deque[float]] = {}


def count_read(ctx: RequestContext, *, now: float | None = None, limit: int | None = None) -> None:
    """Count one read by the request's address; ``RateLimited`` (429, Retry-After) when its window is full."""
    moment = time.monotonic() if now is None else now
    allowed = READS_PER_MINUTE if limit is None else limit
    key = f"{ctx.tenant_id}:{ctx.client_ip or '-'}"
    window = _seen.get(key)
    if window is None:
        if len(_seen) >= _MAX_TRACKED:
            _seen.pop(next(iter(_seen)))
        window = _seen[key] = deque()
    while window and window[0] <= moment - WINDOW:
        window.popleft()
    if len(window) >= allowed:
        raise RateLimited(int(window[0] + WINDOW - moment) + 1)
    window.append(moment)


def forget_all() -> None:
    """Empty every window (tests)."""
    _seen.clear()
