"""budgeting options remember the earlier phase and output they were taken from

Revision ID: 0002_budgeting
Revises: 0001_budgeting
Create Date: 2026-11-23 03:21:54.998110
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002_budgeting"
down_revision: str | Sequence[str] | None = "0001_budgeting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("budgeting_option", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_phase_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("source_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_budgeting_option_budget_id_source_phase_id_source_key"),
            ["budget_id", "source_phase_id", "source_key"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_budgeting_option_source_phase_id_phase"),
            "phase",
            ["source_phase_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("budgeting_option", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_budgeting_option_source_phase_id_phase"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_budgeting_option_budget_id_source_phase_id_source_key"), type_="unique")
        batch_op.drop_column("source_key")
        batch_op.drop_column("source_phase_id")
