"""The method's table: one sign-up per resident and phase, enforced by a UNIQUE constraint rather than a check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow


class @@{Key}Signup(IdMixin, TenantScoped, Base):
    __tablename__ = "@@{key}_signup"
    __table_args__ = (UniqueConstraint("phase_id", "user_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
