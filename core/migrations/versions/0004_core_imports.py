"""core imports: the import_batch table of offline input waiting for confirmation

Revision ID: 0004_core_imports
Revises: 0003_core_participation
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db.base

revision: str = "0004_core_imports"
down_revision: str | Sequence[str] | None = "0003_core_participation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("phase_id", ID, nullable=False),
        sa.Column("spec_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("header", core.db.base.JsonDoc(), nullable=False),
        sa.Column("rows", core.db.base.JsonDoc(), nullable=False),
        sa.Column("mapping", core.db.base.JsonDoc(), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_import_batch_actor_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["phase.id"], name=op.f("fk_import_batch_phase_id_phase"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_import_batch_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_phase_id"), ["phase_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_batch_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_import_batch_phase_id"))
    op.drop_table("import_batch")
