"""Finding the municipality a request is for, from its Host header."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Tenant, TenantHost


def normalise_host(raw: str | None) -> str:
    """Lower-case, without port or trailing dot: ``Example.org:8000`` and ``example.org.`` are the same tenant."""
    host = (raw or "").strip().lower()
    host = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
    return host.rstrip(".")


async def tenant_for_host(session: AsyncSession, raw_host: str | None) -> Tenant | None:
    host = normalise_host(raw_host)
    if not host:
        return None
    # One statement on every request: the tenant's other hosts are not loaded (nothing per request reads them).
    stmt = select(Tenant).join(TenantHost, TenantHost.tenant_id == Tenant.id).where(TenantHost.host == host)
    return (await session.execute(stmt)).scalar_one_or_none()
