"""The audit log: who did what to which record. Moderation and staff acts are recorded here, in the same
transaction as the act itself, so a rolled-back act leaves no entry and a committed one always has its entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AuditEntry


def _target(target: Any) -> tuple[str, int | None]:
    if target is None:
        return "", None
    if isinstance(target, tuple):
        kind, ident = target
        return str(kind), (int(ident) if ident is not None else None)
    return getattr(target, "__tablename__", type(target).__name__.lower()), getattr(target, "id", None)


def record(
    session: AsyncSession,
    actor: Any,
    action: str,
    target: Any = None,
    data: dict[str, Any] | None = None,
    *,
    public: bool = False,
) -> AuditEntry:
    """Add an entry; ``actor`` is a User, a user id or None (system); ``target`` a model instance or (type, id).

    ``public`` entries (for example a status change of an idea) may be shown to residents; the rest is staff-only.
    """
    actor_id = getattr(actor, "id", actor)
    target_type, target_id = _target(target)
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=dict(data or {}),
        public=public,
    )
    session.add(entry)
    return entry
