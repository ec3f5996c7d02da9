"""core: the municipality's own text on how residents get verified (tenant.verification_help)

Revision ID: 0011_core_verification_help
Revises: 0010_core_demographics
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.base import JsonDoc

revision: str = "0011_core_verification_help"
down_revision: str | Sequence[str] | None = "0010_core_demographics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("verification_help", JsonDoc(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("verification_help")
