"""The method's tables: a resident's support of a phase, at most once (a UNIQUE constraint, not a check), and the
phase's own state as a participation item.

Data retention (``retention`` hook) keeps a support but drops its ``user_id``: the count stays, the person goes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, TenantScoped, utcnow


class DummySupport(IdMixin, TenantScoped, Base):
    __tablename__ = "dummy_support"
    __table_args__ = (UniqueConstraint("phase_id", "user_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DummyPhaseState(IdMixin, TenantScoped, Base):
    """The phase as a participation item (``dummy.phase``): its status and whether a moderator hid it."""

    __tablename__ = "dummy_phase_state"
    __table_args__ = (UniqueConstraint("phase_id"),)

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(40), default=None)
