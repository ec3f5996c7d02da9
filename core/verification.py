"""Verified residents: the one function that grants or withdraws the ``verified`` flag, and leaves a trace.

Verification is what lets a municipality open an action only to residents it has checked (``level: verified`` in a
phase's permissions). Two kinds of callers use :func:`set_verified`:

- an administrator, from the admin UI (``actor`` is the admin; anyone else is refused here as well as by the route
  guard, so a bug in a handler cannot hand out verification);
- a verification plugin (eID, BankID, itsme, a postcode-and-letter code...): it mounts its own routes with
  ``register_routes``, runs its flow, and when the proof checks out calls ``set_verified(session, user, True,
  actor=None, method="<plugin key>", evidence={...})`` in the request's session. ``actor=None`` means "the system".
  The plugin stores its own proof in its own tables if it must keep any; ``evidence`` goes into the audit entry
  and must stay small and free of secrets (e.g. ``{"level": "substantial"}``, never a national id number).

Every call writes an :class:`~core.models.AuditEntry` (``user.verified`` / ``user.unverified``) so the municipality
can answer "who verified this account, when and how".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AuditEntry, User


class VerificationRefused(PermissionError):
    """Raised when someone who is not an administrator of the user's municipality tries to change verification."""


async def set_verified(
    session: AsyncSession,
    user: User,
    verified: bool,
    actor: User | None,
    *,
    method: str = "admin",
    evidence: dict[str, Any] | None = None,
) -> AuditEntry:
    """Grant or withdraw verification and record who did it; returns the audit entry (already flushed)."""
    if actor is not None and (actor.role != "admin" or actor.tenant_id != user.tenant_id):
        raise VerificationRefused("only an administrator of the municipality may change verification")
    previous = bool(user.verified)
    user.verified = bool(verified)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action="user.verified" if verified else "user.unverified",
        target_type="user",
        target_id=user.id,
        data={"method": method[:40], "previous": previous, **(evidence or {})},
    )
    session.add(entry)
    await session.flush()
    return entry
