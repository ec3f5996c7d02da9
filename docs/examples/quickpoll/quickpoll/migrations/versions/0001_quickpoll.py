"""quickpoll_vote: one vote per resident and poll

Revision ID: 0001_quickpoll
Revises:
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_quickpoll"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "quickpoll_vote",
        sa.Column("phase_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["phase.id"], name=op.f("fk_quickpoll_vote_phase_id_phase"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_quickpoll_vote_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_quickpoll_vote_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quickpoll_vote")),
        sa.UniqueConstraint("phase_id", "user_id", name=op.f("uq_quickpoll_vote_phase_id_user_id")),
    )
    with op.batch_alter_table("quickpoll_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quickpoll_vote_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quickpoll_vote_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("quickpoll_vote")
