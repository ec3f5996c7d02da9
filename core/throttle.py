"""Counting residents' writes against their declared rate limits, shared by every worker.

``rate_limit(ctx, key, limit)`` is the one call: it counts one attempt for the signed-in account and for the client
address in every window of the limit, in the request's own transaction and BEFORE the work it guards, and raises
``RateLimited`` (HTTP 429 with ``Retry-After`` and a translated sentence) when any window is full. The counts are
``rate_limit_hit`` rows taken under a per-bucket lock (``core.accounts.lock_buckets``), so two workers cannot both
let the last attempt through. A refused attempt records nothing, and a 4xx rolls the transaction back, so a refused
request writes nothing at all; a request that fails validation (422) is not counted either.

Methods do not call this directly: ``PhaseContext.attempt(action)`` reads the limit the action declares on its
``ActionSpec``; the core's participation primitives (comments, reactions, follows, reports) count themselves.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import lock_buckets
from core.db.base import utcnow
from core.i18n import format_duration
from core.i18n import gettext as _
from core.models import RateLimitHit
from core.ratelimits import DEFAULT, MAX_WINDOW_SECONDS, Rate, RateLimit
from core.web.errors import UserFacingError

COARSE_IDS = 2**61


class RateLimited(UserFacingError):
    """429: the person (or their address) did this too often; ``retry_after`` seconds until a window frees."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        message = _(
            "You have done this too often in a short time. Please wait %(wait)s and try again.",
            wait=format_duration(self.retry_after),
        )
        super().__init__(detail=message, status_code=429, headers={"Retry-After": str(self.retry_after)})


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def buckets(key: str, tenant_id: int, user_id: int | None, ip: str | None, limit: RateLimit) -> list[tuple[str, Rate]]:
    """The (bucket, rate) pairs one attempt is counted in; a bucket has one window, named in it, so pruning a bucket
    by its own window never removes another window's hits. Addresses are stored hashed."""
    out: list[tuple[str, Rate]] = []
    if user_id is not None:
        out += [(f"rl:{tenant_id}:{key}:a{user_id}:{rate.seconds}"[:200], rate) for rate in limit.account]
    if ip:
        out += [(f"rl:{tenant_id}:{key}:i{_digest(ip)}:{rate.seconds}"[:200], rate) for rate in limit.ip]
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def count(session: AsyncSession, checks: list[tuple[str, Rate]], *, coarse: bool = False) -> int | None:
    """Record one attempt in every bucket and return None, or return the seconds to wait and record nothing.

    The wait is until enough of the oldest hits leave the fullest window for one more attempt to fit. ``coarse``
    (a ``RateLimit.coarse`` limit): the hits are stamped with the start of the UTC day and get random ids, so they
    tell neither the time of the attempt nor its order among others.
    """
    if not checks:
        return None
    await lock_buckets(session, [name for name, _rate in checks])
    now = utcnow()
    stamp = now.replace(hour=0, minute=0, second=0, microsecond=0) if coarse else now
    wait = 0
    for name, rate in checks:
        since = now - timedelta(seconds=rate.seconds)
        await session.execute(
            delete(RateLimitHit)
            .where(RateLimitHit.bucket == name, RateLimitHit.created_at < since)
            .execution_options(synchronize_session=False)
        )
        used = int(
            await session.scalar(select(func.count()).select_from(RateLimitHit).where(RateLimitHit.bucket == name)) or 0
        )
        if used >= rate.count:
            oldest = await session.scalar(
                select(RateLimitHit.created_at)
                .where(RateLimitHit.bucket == name)
                .order_by(RateLimitHit.created_at, RateLimitHit.id)
                .offset(used - rate.count)
                .limit(1)
            )
            frees_at = _aware(oldest) + timedelta(seconds=rate.seconds) if oldest is not None else now
            wait = max(wait, math.ceil((frees_at - now).total_seconds()), 1)
    if wait:
        return wait
    if coarse:  # ids far above any sequence value, in no order
        session.add_all([RateLimitHit(id=COARSE_IDS + secrets.randbelow(COARSE_IDS), bucket=name, created_at=stamp)
                         for name, _rate in checks])  # fmt: skip
    else:
        session.add_all([RateLimitHit(bucket=name, created_at=now) for name, _rate in checks])
    await session.flush()
    return None


def effective_limit(app: Any, key: str, declared: RateLimit | None) -> RateLimit:
    """An operator's override for the key (``Settings.rate_limits``) wins, then the declared limit, then DEFAULT."""
    overrides = getattr(app, "rate_limits", None) or {}
    if key in overrides:
        return overrides[key].made_coarse() if declared is not None and declared.coarse else overrides[key]
    return declared if declared is not None else DEFAULT


async def rate_limit(ctx: Any, key: str, limit: RateLimit | None) -> None:
    """Count one attempt at ``key`` for the signed-in person and their address; raise ``RateLimited`` when full.

    Call it after the permission check and before the work, inside the request's transaction. ``key`` names what
    is counted (an action key such as ``ideation.post``); ``limit`` is what the code declares, overridable per key
    in the settings.
    """
    effective = effective_limit(ctx.app, key, limit)
    if effective.unlimited:
        return
    user_id = ctx.user.id if ctx.user is not None else None
    checks = buckets(key, ctx.tenant_id, user_id, ctx.client_ip, effective)
    wait = await count(ctx.session, checks, coarse=effective.coarse)
    if wait is not None:
        raise RateLimited(wait)


async def prune(session: AsyncSession) -> int:
    """Forget hits older than the longest window any limit may use (buckets nobody touches again)."""
    result = await session.execute(
        delete(RateLimitHit)
        .where(RateLimitHit.created_at < utcnow() - timedelta(seconds=MAX_WINDOW_SECONDS))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
