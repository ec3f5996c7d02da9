"""Per-worker caches of what a municipality rarely changes (topics, areas, a method's own statuses, ...).

Each worker (each app: ``AppState``) keeps a value per (tenant, name) together with the tenant's ``version`` it was
read under. The tenant row is read on every request anyway (core.tenancy), and every change to a cached table bumps
that version in the changing transaction (core/db/versioning.py: tables opt in with ``__tenant_cached__ = True``),
so the next request of any worker sees a new version and reloads. No statement is spent to validate a cache.

A session that changed cached rows itself (an admin's POST) reads fresh and stores nothing: its changes are not
committed yet and might be rolled back.

Values must not be tied to the request's session: cache ORM rows as ``copies`` (transient instances holding the
column values: read them, never change, add or link them), or load plain data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from core.db.versioning import BUMPED_KEY
from core.models import Area, Topic

T = TypeVar("T")
STORE_ATTRIBUTE = "_tenant_cache"


def _store(app_state: Any) -> dict[tuple[int, str], tuple[int, Any]]:
    store = app_state.__dict__.get(STORE_ATTRIBUTE)
    if store is None:
        store = app_state.__dict__[STORE_ATTRIBUTE] = {}
    return store


async def tenant_cached(ctx: Any, name: str, load: Callable[[Any], Awaitable[T]]) -> T:
    """The value ``await load(session)`` of the request's tenant, from this worker's cache when the tenant's version
    has not changed since it was loaded. ``name`` is unique per kind of value (prefix it with the method key)."""
    tenant, session = ctx.tenant, ctx.session
    fresh = session.info.get(BUMPED_KEY, False)
    store = _store(ctx.app)
    key = (tenant.id, name)
    hit = store.get(key)
    if hit is not None and hit[0] == tenant.version and not fresh:
        return hit[1]
    version = tenant.version
    value = await load(session)
    if not fresh and not session.info.get(BUMPED_KEY, False):
        store[key] = (version, value)
    return value


def copies(rows: list[Any]) -> list[Any]:
    """Transient copies of ORM rows (their column values only), unknown to any session: they outlive the request
    and leave its identity map alone (for a cached value)."""
    out = []
    for row in rows:
        mapper = sa_inspect(type(row))
        out.append(type(row)(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs}))
    return out


async def _load_taxonomy(session: Any) -> tuple[list[Topic], list[Area]]:
    topics = list((await session.scalars(select(Topic).order_by(Topic.position, Topic.id))).all())
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    return copies(topics), copies(areas)


async def taxonomy(ctx: Any) -> tuple[list[Topic], list[Area]]:
    """The municipality's topics and areas in their order (cached per worker; read-only rows)."""
    return await tenant_cached(ctx, "core.taxonomy", _load_taxonomy)
