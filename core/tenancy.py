"""Finding the municipality a request is for, from its Host header, and who is signed in there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.scoping import TENANT_JOINED_OPTION
from core.models import AuthSession, Tenant, TenantHost, User


def normalise_host(raw: str | None) -> str:
    """Lower-case, without port or trailing dot: ``Example.org:8000`` and ``example.org.`` are the same tenant."""
    host = (raw or "").strip().lower()
    host = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
    return host.rstrip(".")


# Built once: every request runs one of the two, and building a statement (and SQLAlchemy's walk of it for its cache
# key) cost about as much as running it. The values are bound parameters.
_TENANT_ONLY = (
    select(Tenant).join(TenantHost, TenantHost.tenant_id == Tenant.id).where(TenantHost.host == bindparam("host"))
)


def _tenant_and_user_statement() -> Any:
    now = bindparam("now")
    not_banned = or_(User.sign_in_banned.is_(False), User.banned_until.is_(None), User.banned_until <= now)
    return (
        select(Tenant, User)
        .select_from(TenantHost)
        .join(Tenant, Tenant.id == TenantHost.tenant_id)
        .outerjoin(
            AuthSession,
            and_(
                AuthSession.tenant_id == Tenant.id,
                AuthSession.token_hash == bindparam("token_hash"),
                AuthSession.expires_at > now,
            ),
        )
        .outerjoin(User, and_(User.id == AuthSession.user_id, User.tenant_id == Tenant.id, not_banned))
        .where(TenantHost.host == bindparam("host"))
        .execution_options(**{TENANT_JOINED_OPTION: True})
    )


_TENANT_AND_USER = _tenant_and_user_statement()


async def tenant_for_host(session: AsyncSession, raw_host: str | None) -> Tenant | None:
    host = normalise_host(raw_host)
    if not host:
        return None
    # One statement on every request: the tenant's other hosts are not loaded (nothing per request reads them).
    return (await session.execute(_TENANT_ONLY, {"host": host})).scalar_one_or_none()


async def tenant_and_user_for_host(
    session: AsyncSession, raw_host: str | None, session_token_hash: str, now: datetime
) -> tuple[Tenant | None, User | None]:
    """The host's municipality and the person its session cookie signs in, in one statement (every signed-in
    request's first; two round trips were a tenth of a ballot submit).

    It runs before the session has a tenant, so the scoping hook cannot add the tenant criterion: the statement
    joins the session and the person on the tenant it finds instead (``TENANT_JOINED_OPTION``, core.db.scoping),
    so a token or a person of another municipality matches nothing. A ban that blocks signing in ends its
    sessions; this also covers a session started meanwhile.
    """
    host = normalise_host(raw_host)
    if not host:
        return None, None
    params = {"host": host, "token_hash": session_token_hash, "now": now}
    row = (await session.execute(_TENANT_AND_USER, params)).one_or_none()
    return (row[0], row[1]) if row is not None else (None, None)
