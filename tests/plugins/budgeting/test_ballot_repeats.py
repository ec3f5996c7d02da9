"""``Ballot.repeats`` (whether a ballot names an option twice) is what lets the tally count the distinct ballots per
option with a plain count: it must be right for every way a ballot is written, and for ballots stored before it
existed (migration 0003_budgeting's backfill, run here on this test database's dialect)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import insert, select, text

from plugins.budgeting.models import Ballot

from .web_support import setup_phase

MIGRATION = Path(__file__).parents[3] / "plugins/budgeting/migrations/versions/0003_budgeting_ballot_repeats.py"


def _backfill_sql(dialect: str) -> str:
    spec = importlib.util.spec_from_file_location("budgeting_0003", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.REPEATS[dialect]


async def test_repeats_is_set_by_objects_core_inserts_and_the_backfill(factory, tenant) -> None:
    s = await setup_phase(factory, tenant, ballot_type="approval")
    a, b = s.options[0].id, s.options[1].id
    async with factory.db.session(tenant.id, write=True) as session:
        session.add_all(
            [
                Ballot(budget_id=s.budget.id, source="paper", reference="P1", option_ids=[a, b], receipt="r1"),
                Ballot(budget_id=s.budget.id, source="paper", reference="P2", option_ids=[a, b, a], receipt="r2"),
            ]
        )
        await session.flush()
        rows = [
            {
                "tenant_id": tenant.id,
                "budget_id": s.budget.id,
                "source": "import",
                "reference": ref,
                "option_ids": ids,
                "receipt": ref,
            }
            for ref, ids in (("I1", [b]), ("I2", [b, b]), ("I3", []))
        ]
        await session.execute(insert(Ballot), rows)
    async with factory.db.session(tenant.id) as session:
        found = dict((await session.execute(select(Ballot.reference, Ballot.repeats))).all())
    assert found == {"P1": False, "P2": True, "I1": False, "I2": True, "I3": False}

    # Rows written before the column existed all hold its server default; the migration's UPDATE finds the repeats.
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(text("UPDATE budgeting_ballot SET repeats = false"))
        await session.execute(text(_backfill_sql(factory.db.dialect)))
    async with factory.db.session(tenant.id) as session:
        assert dict((await session.execute(select(Ballot.reference, Ballot.repeats))).all()) == found
