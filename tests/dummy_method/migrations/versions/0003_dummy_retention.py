"""dummy_support: a support may outlive the link to its person (data retention keeps the count)

Revision ID: 0003_dummy_retention
Revises: 0002_dummy
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_dummy_retention"
down_revision: str | Sequence[str] | None = "0002_dummy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("dummy_support", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=BIG_ID, nullable=True)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM dummy_support WHERE user_id IS NULL"))
    with op.batch_alter_table("dummy_support", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=BIG_ID, nullable=False)
