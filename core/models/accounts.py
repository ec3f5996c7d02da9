"""Accounts, their login sessions and one-time email tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow

ROLES = ("resident", "admin")


class User(IdMixin, TenantScoped, Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    role: Mapped[str] = mapped_column(String(16), default="resident")
    verified: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    area_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("area.id", ondelete="SET NULL"), default=None)
    notification_prefs: Mapped[dict] = mapped_column(default=dict)
    banned_until: Mapped[datetime | None] = mapped_column(default=None)
    # The ban until banned_until also blocks signing in (not only posting); its sessions were ended when it was set.
    sign_in_banned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class ProjectModerator(IdMixin, TenantScoped, Base):
    """Moderation rights are granted per project, as municipalities delegate per department."""

    __tablename__ = "project_moderator"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))


class AuthSession(IdMixin, TenantScoped, Base):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "auth_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class EmailToken(IdMixin, TenantScoped, Base):
    """One-time links sent by mail (confirm address, reset password, change address)."""

    __tablename__ = "email_token"

    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    payload: Mapped[str | None] = mapped_column(String(320), default=None)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class RateLimitHit(IdMixin, Base):
    """Attempts counted in the database so every worker sees the same limit without needing Redis."""

    __tablename__ = "rate_limit_hit"

    bucket: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
