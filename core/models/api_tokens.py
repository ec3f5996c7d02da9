"""API tokens: a municipality's keys for machines (its data warehouse, a scanning station) to use the JSON API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow


class ApiToken(IdMixin, TenantScoped, Base):
    """Only the SHA-256 of the token is kept (it is shown once, when created); ``prefix`` names it in lists.

    ``created_by`` is the admin the token acts for: it stops working when that account is gone or no longer an
    admin, like a session would.
    """

    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list] = mapped_column(default=list)
    created_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
