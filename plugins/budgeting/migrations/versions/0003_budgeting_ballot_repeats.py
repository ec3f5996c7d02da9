"""budgeting ballots note whether they name an option twice (the tally counts the others with a plain count)

Revision ID: 0003_budgeting
Revises: 0002_budgeting
Create Date: 2026-12-05 01:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003_budgeting"
down_revision: str | Sequence[str] | None = "0002_budgeting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Ballots already stored: whether their option list has fewer distinct entries than entries, in SQL.
REPEATS = {
    "postgresql": (
        "UPDATE budgeting_ballot SET repeats = true WHERE (SELECT count(*) <> count(DISTINCT e.value) "
        "FROM jsonb_array_elements_text(budgeting_ballot.option_ids) AS e)"
    ),
    "sqlite": (
        "UPDATE budgeting_ballot SET repeats = 1 WHERE (SELECT count(*) <> count(DISTINCT e.value) "
        "FROM json_each(budgeting_ballot.option_ids) AS e)"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("budgeting_ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeats", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(REPEATS[op.get_bind().dialect.name])


def downgrade() -> None:
    with op.batch_alter_table("budgeting_ballot", schema=None) as batch_op:
        batch_op.drop_column("repeats")
