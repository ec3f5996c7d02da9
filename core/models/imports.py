"""Offline input waiting for confirmation: one uploaded CSV/XLSX file of one phase (see core/imports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, TenantScoped, utcnow

IMPORT_STATUSES = ("pending", "confirmed")


class ImportBatch(IdMixin, TenantScoped, Base):
    """The file's header and rows as text, kept until staff confirm the column mapping; nothing is imported before.

    ``spec_key`` names the method's ImportSpec (``ideation.ideas``). ``status`` goes from ``pending`` to
    ``confirmed`` by one conditional UPDATE, so a double submit imports once. ``mapping`` is the confirmed
    ``{column key: header index}``; the counts say what the confirmation did.
    """

    __tablename__ = "import_batch"

    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"), index=True)
    spec_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    filename: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    header: Mapped[list] = mapped_column(default=list)
    rows: Mapped[list] = mapped_column(default=list)
    mapping: Mapped[dict] = mapped_column(default=dict)
    actor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    row_count: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
