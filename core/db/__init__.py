"""Database foundation: declarative base, tenant scoping, engine and session factories."""

from core.db import versioning  # noqa: F401  (registers the tenant version bumps)
from core.db.base import Base, IdMixin, TenantScoped, TimestampMixin, utcnow
from core.db.engine import Database
from core.db.scoping import TenantScopeError, scoped_session, unscoped_session

__all__ = [
    "Base",
    "Database",
    "IdMixin",
    "TenantScopeError",
    "TenantScoped",
    "TimestampMixin",
    "scoped_session",
    "unscoped_session",
    "utcnow",
]
