"""core: a version number on the municipality, bumped by every change to what workers cache (tenant.version)

Revision ID: 0012_core_tenant_version
Revises: 0011_core_verification_help
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_core_tenant_version"
down_revision: str | Sequence[str] | None = "0011_core_verification_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("version")
