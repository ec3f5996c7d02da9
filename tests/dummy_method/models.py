"""The method's one table: a resident's support of a phase, at most once (a UNIQUE constraint, not a check)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow


class DummySupport(IdMixin, TenantScoped, Base):
    __tablename__ = "dummy_support"
    __table_args__ = (UniqueConstraint("phase_id", "user_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
