"""referendum roll: a birth date from the imported register, for a minimum age (cleared at the snapshot)

Revision ID: 0002_referendum_born_on
Revises: 0001_referendum
Create Date: 2026-12-03 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_referendum_born_on"
down_revision: str | Sequence[str] | None = "0001_referendum"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referendum_roll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("born_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referendum_roll", schema=None) as batch_op:
        batch_op.drop_column("born_on")
