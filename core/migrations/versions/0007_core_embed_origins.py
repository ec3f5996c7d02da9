"""core: the websites that may embed a municipality's widget (tenant.embed_origins)

Revision ID: 0007_core_embed_origins
Revises: 0006_core_retention_anon
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.base import JsonDoc

revision: str = "0007_core_embed_origins"
down_revision: str | Sequence[str] | None = "0006_core_retention_anon"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("embed_origins", JsonDoc(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("embed_origins")
