"""ideation list index: the phase's visible ideas read from one covering index

``ix_ideation_idea_phase_created`` (phase, created) becomes ``ix_ideation_idea_listed`` (phase, hidden, withdrawn,
created, tenant): a list page filters on the first three, sorts "newest" on the fourth and checks the tenant on the
last without reading the ideas' rows (plugins/ideation/services.py, ``_page_statement``).

Revision ID: 0004_ideation_list_index
Revises: 0003_ideation_imports
Create Date: 2026-12-06 02:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_ideation_list_index"
down_revision: str | Sequence[str] | None = "0003_ideation_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ideation_idea"
LISTED = ["phase_id", "hidden", "withdrawn_at", "created_at", "tenant_id"]


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_ideation_idea_listed", LISTED, unique=False)
        batch_op.drop_index("ix_ideation_idea_phase_created")


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_ideation_idea_phase_created", ["phase_id", "created_at"], unique=False)
        batch_op.drop_index("ix_ideation_idea_listed")
