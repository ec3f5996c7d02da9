"""Referendum count and audit of 100,000 ballots with a ranked question, against a plain SQL count.

Creates (drops and re-creates) the PostgreSQL database ``th_referendum_bench``, migrates it, seeds one municipality,
an ended referendum phase with a yes/no question and a ranked question over five options, and N ballots straight
into the box (random answers, some blank). Then times, on the same database server:

1. the close — ``services.count``: loading every ballot, counting, instant-runoff with every round, the chain;
2. publishing the ballot box and auditing it — ``services.published`` + JSON round trip + ``rules.audit``
   (recomputing every chain hash, the head and the tally, as a resident's audit does);
3. the baseline: one plain SQL ``GROUP BY`` count of the yes/no answers and of the ranked first preferences.

And checks the yes/no counts and first preferences of (1) and (2) equal the SQL counts. Last, through the full
app, the results page (the counted phase page; its first request closes and counts the box) and its SQL statements
for an anonymous visitor and a signed-in resident (issue 16: at most 6 and 8, whatever the number of ballots).

    .venv/bin/python benchmarks/referendum_tally.py [--ballots 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _app import fresh_app, statements_line, visitor_statements  # noqa: E402 - benchmarks/ is on sys.path

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "th_referendum_bench"
DB_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
OPTIONS = 5


async def recreate() -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


def migrate() -> None:
    from core import migrate as core_migrate
    from core.plugins import Registry, build_plugin_manager
    from core.settings import normalise_database_url

    core_migrate.upgrade(normalise_database_url(DB_URL), Registry.gather(build_plugin_manager()))


async def seed(ballots: int) -> tuple[int, int, list[int]]:
    import secrets

    from sqlalchemy import insert

    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import Phase, Project
    from core.settings import normalise_database_url
    from core.tenants import create_tenant
    from plugins.referendum import rules
    from plugins.referendum.models import Ballot, Box, Question

    db = Database(normalise_database_url(DB_URL))
    rng = random.Random(2026)
    try:
        async with db.session(unscoped=True, write=True) as session:
            tenant = await create_tenant(
                session, slug="bench", name={"en": "Bench"}, hosts=["bench.test"], locales=["en"],
                default_locale="en", enabled_methods=["referendum"],
            )  # fmt: skip
            tid = tenant.id
        now = utcnow()
        async with db.session(tid, write=True) as session:
            project = Project(slug="ref", title={"en": "Ref"}, description={}, status="published")
            session.add(project)
            await session.flush()
            phase = Phase(
                project_id=project.id, title={"en": "Vote"}, description={}, method="referendum", config={},
                permissions={}, starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1),
            )  # fmt: skip
            session.add(phase)
            await session.flush()
            yesno = Question(phase_id=phase.id, position=0, kind="yesno", title={"en": "Yes?"})
            ranked = Question(
                phase_id=phase.id, position=1, kind="ranked", title={"en": "Rank"},
                choices=[{"en": f"Option {i}"} for i in range(OPTIONS)],
            )  # fmt: skip
            session.add_all([yesno, ranked])
            await session.flush()
            session.add(Box(phase_id=phase.id, roll_size=ballots * 2, frozen_at=now - timedelta(days=8)))
            await session.flush()
            qids = [yesno.id, ranked.id]
            phase_id = phase.id
        weights = [5, 4, 3, 2, 1]
        rows = []
        for i in range(ballots):
            yes = "blank" if i % 50 == 0 else rng.choice(["yes", "yes", "no"])
            order = sorted(range(OPTIONS), key=lambda o: rng.random() / weights[o])[: rng.randint(1, OPTIONS)]
            receipt = secrets.token_hex(8)
            rows.append(
                {
                    "id": secrets.token_hex(16),
                    "tenant_id": tid,
                    "phase_id": phase_id,
                    "receipt_hash": rules.receipt_hash(receipt),
                    "choices": {str(qids[0]): yes, str(qids[1]): order},
                }
            )
        async with db.session(tid, write=True) as session:
            for start in range(0, len(rows), 5000):
                await session.execute(insert(Ballot), rows[start : start + 5000])
        return tid, phase_id, qids
    finally:
        await db.dispose()


async def measure(tid: int, phase_id: int, qids: list[int]) -> dict[str, Any]:
    from sqlalchemy import text

    from core.db.engine import Database
    from core.models import Phase
    from core.settings import normalise_database_url
    from plugins.referendum import rules, services
    from plugins.referendum.models import Box
    from plugins.referendum.spec import ReferendumConfig

    db = Database(normalise_database_url(DB_URL))
    try:
        async with db.session(tid) as session:
            phase = await session.get(Phase, phase_id)
            box = await services.box_of(session, phase)
            assert isinstance(box, Box)
            started = time.perf_counter()
            results = await services.count(session, phase, ReferendumConfig(), box)
            count_s = time.perf_counter() - started

            started = time.perf_counter()
            document = json.loads(json.dumps(await services.published(session, phase)))
            report = rules.audit(document, results["head"])
            audit_s = time.perf_counter() - started
            assert report.ok, report.problems

            started = time.perf_counter()
            yes_no = dict(
                (
                    await session.execute(
                        text("SELECT choices->>:q, count(*) FROM referendum_ballot WHERE phase_id = :p GROUP BY 1"),
                        {"q": str(qids[0]), "p": phase_id},
                    )
                ).all()
            )
            first = dict(
                (
                    await session.execute(
                        text(
                            "SELECT (choices->:q->>0)::int, count(*) FROM referendum_ballot WHERE phase_id = :p "
                            "GROUP BY 1"
                        ),
                        {"q": str(qids[1]), "p": phase_id},
                    )
                ).all()
            )
            sql_s = time.perf_counter() - started
    finally:
        await db.dispose()
    tally = results["tally"]
    assert tally[str(qids[0])]["yes"] == yes_no.get("yes", 0) and tally[str(qids[0])]["no"] == yes_no.get("no", 0)
    first_round = tally[str(qids[1])]["irv"]["rounds"][0]["counts"]
    assert {int(k): v for k, v in first_round.items() if v} == {k: v for k, v in first.items() if k is not None}
    assert report.tally["questions"] == tally
    return {
        "ballots": results["ballots"],
        "irv_rounds": len(tally[str(qids[1])]["irv"]["rounds"]),
        "count_seconds": round(count_s, 3),
        "publish_and_audit_seconds": round(audit_s, 3),
        "plain_sql_count_seconds": round(sql_s, 3),
        "count_vs_sql": round(count_s / sql_s, 1),
        "audit_vs_sql": round(audit_s / sql_s, 1),
    }


async def page_statements(tid: int, phase_id: int) -> dict[str, int]:
    """The results page's SQL statements per visitor (``_app.visitor_statements``) on the benchmark's database."""
    from core.models import Tenant
    from core.testing.factories import Factory

    app = fresh_app("referendum", DB_URL)  # migrated already: the upgrade finds nothing to do
    state = app.state.townhall
    try:
        async with state.db.session(unscoped=True) as session:
            tenant = await session.get(Tenant, tid)
        resident = await Factory(state).user(tenant)
        started = time.perf_counter()
        counts = await visitor_statements(app, f"/projects/ref/phases/{phase_id}", resident)
        print(f"results pages (the first closes and counts the box): {time.perf_counter() - started:.1f} s")
        return counts
    finally:
        await state.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(recreate())
    migrate()
    tid, phase_id, qids = asyncio.run(seed(args.ballots))
    print(json.dumps(asyncio.run(measure(tid, phase_id, qids)), indent=1))
    print(statements_line("results page", asyncio.run(page_statements(tid, phase_id))))


if __name__ == "__main__":
    main()
