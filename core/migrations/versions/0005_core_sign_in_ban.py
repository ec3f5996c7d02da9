"""core: a ban may also block signing in (user_account.sign_in_banned)

Revision ID: 0005_core_sign_in_ban
Revises: 0004_core_imports
Create Date: 2026-12-02 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_core_sign_in_ban"
down_revision: str | Sequence[str] | None = "0004_core_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("sign_in_banned", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("sign_in_banned")
