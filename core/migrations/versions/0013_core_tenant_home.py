"""core: the municipality's home page: a banner image and an introduction (tenant.banner_path, tenant.intro)

Revision ID: 0013_core_tenant_home
Revises: 0012_core_tenant_version
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db.base import JsonDoc

revision: str = "0013_core_tenant_home"
down_revision: str | Sequence[str] | None = "0012_core_tenant_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("banner_path", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("intro", JsonDoc(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("intro")
        batch.drop_column("banner_path")
