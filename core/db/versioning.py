"""The municipality's version number: every change to a row that per-worker caches keep bumps ``tenant.version``.

Caches of rarely changing, per-request data (topics, areas, a method's own statuses, ...) are kept by each worker
under ``(tenant id, version)`` (core/tenant_cache.py). The tenant row is read on every request anyway, so a worker
sees the new version on its next request and reloads: no extra statement validates a cache, and several workers
(or app instances) sharing one database stay right.

A mapped class opts in with ``__tenant_cached__ = True``. Its rows' changes bump the version of their tenant in the
same transaction: ORM flushes (``after_flush``) and ORM bulk ``insert``/``update``/``delete`` statements
(``do_orm_execute``); the ``Tenant`` row itself opts in too, so a settings change bumps its own version. Raw SQL on
such tables bypasses this and must bump ``tenant.version`` itself.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import column, event, select, table, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value

from core.db.scoping import TENANT_KEY

# A session that bumped a version holds changes other workers cannot see yet: it must not fill a shared cache.
BUMPED_KEY = "tenant_version_bumped"

_tenant = table("tenant", column("id"), column("version"))


def _cached(cls: type) -> bool:
    return bool(getattr(cls, "__tenant_cached__", False))


def _tenant_of(obj: Any) -> int | None:
    if getattr(obj, "__tablename__", None) == "tenant":
        return obj.id
    return getattr(obj, "tenant_id", None)


def bump(session: Session, tenant_ids: set[int] | None) -> None:
    """Add one to the version of these tenants (``None``: of every tenant) and keep loaded Tenant rows in step."""
    stmt = update(_tenant).values(version=_tenant.c.version + 1)
    if tenant_ids is not None:
        if not tenant_ids:
            return
        stmt = stmt.where(_tenant.c.id.in_(sorted(tenant_ids)))
    connection = session.connection()
    connection.execute(stmt)
    session.info[BUMPED_KEY] = True
    loaded = [o for o in session.identity_map.values() if getattr(o, "__tablename__", None) == "tenant"]
    wanted = [o for o in loaded if tenant_ids is None or o.id in tenant_ids]
    if wanted:
        rows = connection.execute(
            select(_tenant.c.id, _tenant.c.version).where(_tenant.c.id.in_([o.id for o in wanted]))
        )
        versions = dict(rows.all())
        for obj in wanted:
            if obj.id in versions:
                set_committed_value(obj, "version", versions[obj.id])


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, _flush_context: Any) -> None:
    changed: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not _cached(type(obj)):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        tenant_id = _tenant_of(obj)
        if tenant_id is not None:
            changed.add(tenant_id)
    if changed:
        bump(session, changed)


@event.listens_for(Session, "do_orm_execute")
def _bump_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if not any(_cached(mapper.class_) for mapper in state.all_mappers):
        return
    tenant_id = state.session.info.get(TENANT_KEY)
    bump(state.session, {tenant_id} if tenant_id is not None else None)
