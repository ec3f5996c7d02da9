"""jobs: the job_run ledger, phase announcement and retention columns

Revision ID: 0002_core_jobs
Revises: 0001_core
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.db.base

revision: str = "0002_core_jobs"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("job_key", sa.String(length=120), nullable=False),
        sa.Column("for_tenant", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", core.db.base.JsonDoc(), nullable=False),
        sa.Column("run_at", core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job_key", "for_tenant", "slot", name=op.f("uq_job_run_job_key_for_tenant_slot")),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index("ix_job_run_status_run_at", ["status", "run_at"], unique=False)

    with op.batch_alter_table("phase", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_announced_at", core.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_announced_at", core.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retention_done_at", core.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retention_result", core.db.base.JsonDoc(), nullable=True))

    # Phases that already started or ended were announced by nobody, but announcing them now would flood the
    # plugins with old news: mark them as announced at the upgrade.
    now = datetime.now(UTC)
    phase = sa.table(
        "phase",
        sa.column("starts_at", core.db.base.UTCDateTime(timezone=True)),
        sa.column("ends_at", core.db.base.UTCDateTime(timezone=True)),
        sa.column("opened_announced_at", core.db.base.UTCDateTime(timezone=True)),
        sa.column("closed_announced_at", core.db.base.UTCDateTime(timezone=True)),
    )
    op.execute(phase.update().where(phase.c.starts_at <= now).values(opened_announced_at=now))
    op.execute(phase.update().where(phase.c.ends_at <= now).values(closed_announced_at=now))


def downgrade() -> None:
    with op.batch_alter_table("phase", schema=None) as batch_op:
        batch_op.drop_column("retention_result")
        batch_op.drop_column("retention_done_at")
        batch_op.drop_column("retention_days")
        batch_op.drop_column("closed_announced_at")
        batch_op.drop_column("opened_announced_at")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index("ix_job_run_status_run_at")
    op.drop_table("job_run")
