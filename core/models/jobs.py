"""The scheduler's ledger: one row per run of a job, the claim that makes a run happen once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, BigId, IdMixin, utcnow

GLOBAL = 0  # ``for_tenant`` of a job that runs once for the whole deployment


class JobRun(IdMixin, Base):
    """A periodic job's slot or a one-off job, claimed by INSERT (UNIQUE) or by a conditional UPDATE.

    Not ``TenantScoped``: the scheduler reads it across municipalities before it knows whose work a row is.
    ``for_tenant`` names the municipality the run works for (0 = global); it is not a foreign key so the ledger
    outlives a deleted municipality's rows without blocking the deletion.
    """

    __tablename__ = "job_run"
    __table_args__ = (
        UniqueConstraint("job_key", "for_tenant", "slot"),
        Index("ix_job_run_status_run_at", "status", "run_at"),
    )

    job_key: Mapped[str] = mapped_column(String(120))
    for_tenant: Mapped[int] = mapped_column(BigId, default=GLOBAL)
    slot: Mapped[str] = mapped_column(String(64))
    # pending (a one-off waiting for run_at) -> running -> done | failed
    status: Mapped[str] = mapped_column(String(16), default="running")
    payload: Mapped[dict] = mapped_column(default=dict)
    run_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
