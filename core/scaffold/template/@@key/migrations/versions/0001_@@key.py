"""@@{key}_signup: one sign-up per resident and phase

Revision ID: 0001_@@key
Revises:
Create Date: @@date
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core

revision: str = "0001_@@key"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "@@{key}_signup",
        sa.Column("phase_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", core.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["phase.id"], name=op.f("fk_@@{key}_signup_phase_id_phase"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_@@{key}_signup_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_@@{key}_signup_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_@@{key}_signup")),
        sa.UniqueConstraint("phase_id", "user_id", name=op.f("uq_@@{key}_signup_phase_id_user_id")),
    )
    with op.batch_alter_table("@@{key}_signup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_@@{key}_signup_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_@@{key}_signup_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("@@{key}_signup")
