"""core: reactions and reports may lose their person (retention keeps them counting, anonymised)

Revision ID: 0006_core_retention_anon
Revises: 0005_core_sign_in_ban
Create Date: 2026-12-02 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_core_retention_anon"
down_revision: str | Sequence[str] | None = "0005_core_sign_in_ban"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("reaction") as batch:
        batch.alter_column("user_id", existing_type=ID, nullable=True)
    with op.batch_alter_table("report") as batch:
        batch.alter_column("reporter_id", existing_type=ID, nullable=True)


def downgrade() -> None:
    # Anonymised rows cannot get their person back: they go, as forgetting a person would have removed them.
    op.execute("DELETE FROM reaction WHERE user_id IS NULL")
    op.execute("DELETE FROM report WHERE reporter_id IS NULL")
    with op.batch_alter_table("reaction") as batch:
        batch.alter_column("user_id", existing_type=ID, nullable=False)
    with op.batch_alter_table("report") as batch:
        batch.alter_column("reporter_id", existing_type=ID, nullable=False)
