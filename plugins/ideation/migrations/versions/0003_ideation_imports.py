"""ideation imports: idea imports moved onto the core's import_batch; drop ideation_import_batch

Pending uploads of the old table are not carried over: a batch only lives between an upload and its confirmation,
so staff upload the file again.

Revision ID: 0003_ideation_imports
Revises: 0002_ideation_participation
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core

revision: str = "0003_ideation_imports"
down_revision: str | Sequence[str] | None = "0002_ideation_participation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "ideation_import_batch"


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideation_import_batch_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ideation_import_batch_phase_id"))
    op.drop_table(TABLE)


def downgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("phase_id", ID, nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("header", core.JsonDoc(), nullable=False),
        sa.Column("rows", core.JsonDoc(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("created_at", core.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_ideation_import_batch_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["phase.id"], name=op.f("fk_ideation_import_batch_phase_id_phase"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ideation_import_batch_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideation_import_batch")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideation_import_batch_phase_id"), ["phase_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideation_import_batch_tenant_id"), ["tenant_id"], unique=False)
