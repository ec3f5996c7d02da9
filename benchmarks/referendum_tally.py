"""Referendum count and audit of 100,000 ballots with a ranked question, against a plain SQL count.

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names an empty PostgreSQL database),
migrates it, seeds one municipality,
an ended referendum phase with a yes/no question and a ranked question over five options, and N ballots straight
into the box (random answers, some blank). Then times, on the same database server:

1. the close — ``services.count``: loading every ballot, counting, instant-runoff with every round, the chain;
2. publishing the ballot box and auditing it — ``services.published`` + JSON round trip + ``rules.audit``
   (recomputing every chain hash, the head and the tally, as a resident's audit does);
3. the baseline: one plain SQL ``GROUP BY`` count of the yes/no answers and of the ranked first preferences.

And checks the yes/no counts and first preferences of (1) and (2) equal the SQL counts. Last, through the full
app, the first results page after the end (the phase page; it closes the box — mix, count, store — since the
benchmark runs no jobs), the next one, and the SQL statements of the results page for an anonymous visitor and a
signed-in resident (issue 16: at most 6 and 8, whatever the number of ballots).

    .venv/bin/python benchmarks/referendum_tally.py [--ballots 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _app import fresh_app, statements_line, visitor_statements  # noqa: E402 - benchmarks/ is on sys.path

OPTIONS = 5


async def seed(db: Any, ballots: int) -> tuple[int, int, list[int]]:
    import secrets

    from sqlalchemy import insert

    from core.db.base import utcnow
    from core.models import Phase, Project
    from core.tenants import create_tenant
    from plugins.referendum import rules
    from plugins.referendum.models import Ballot, Box, Question

    rng = random.Random(2026)
    if True:
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


async def measure(db: Any, tid: int, phase_id: int, qids: list[int]) -> dict[str, Any]:
    from sqlalchemy import text

    from core.models import Phase
    from plugins.referendum import rules, services
    from plugins.referendum.models import Box
    from plugins.referendum.spec import ReferendumConfig

    if db.dialect == "postgresql":
        answer, ranked_first = "choices->>:q", "(choices->:q->>0)::int"
    else:  # SQLite reads a numeric label after ->> as an array index: a quoted JSON path instead
        answer = "json_extract(choices, '$.\"' || :q || '\"')"
        ranked_first = "json_extract(choices, '$.\"' || :q || '\"[0]')"
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
                    text(f"SELECT {answer}, count(*) FROM referendum_ballot WHERE phase_id = :p GROUP BY 1"),
                    {"q": str(qids[0]), "p": phase_id},
                )
            ).all()
        )
        first = dict(
            (
                await session.execute(
                    text(f"SELECT {ranked_first}, count(*) FROM referendum_ballot WHERE phase_id = :p GROUP BY 1"),
                    {"q": str(qids[1]), "p": phase_id},
                )
            ).all()
        )
        sql_s = time.perf_counter() - started
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


async def first_page(app: Any, phase_id: int) -> dict[str, float]:
    """The first results page after the end, for an anonymous visitor: it closes the box (mix, count, store) unless
    the close job already did. Wall and this process's CPU seconds (on SQLite all the work is in this process)."""
    from _app import client_for

    async with client_for(app) as client:
        wall, cpu = time.perf_counter(), time.process_time()
        response = await client.get(f"/projects/ref/phases/{phase_id}")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 200, response.status_code
        wall2 = time.perf_counter()
        assert (await client.get(f"/projects/ref/phases/{phase_id}")).status_code == 200
        wall2 = time.perf_counter() - wall2
    return {"first_page_seconds": round(wall, 3), "first_page_cpu_seconds": round(cpu, 3),
            "next_page_seconds": round(wall2, 3)}  # fmt: skip


async def page_statements(app: Any, tid: int, phase_id: int) -> dict[str, int]:
    """The results page's SQL statements per visitor (``_app.visitor_statements``) on the benchmark's database."""
    from core.models import Tenant
    from core.testing.factories import Factory

    state = app.state.townhall
    async with state.db.session(unscoped=True) as session:
        tenant = await session.get(Tenant, tid)
    resident = await Factory(state).user(tenant)
    return await visitor_statements(app, f"/projects/ref/phases/{phase_id}", resident)


async def run(app: Any, ballots: int) -> None:
    db = app.state.townhall.db
    try:
        tid, phase_id, qids = await seed(db, ballots)
        print(f"database: {db.dialect}, {ballots} ballots")
        figures = await measure(db, tid, phase_id, qids)
        figures.update(await first_page(app, phase_id))
        figures["first_page_vs_sql"] = round(figures["first_page_seconds"] / figures["plain_sql_count_seconds"], 1)
        print(json.dumps(figures, indent=1))
        print(statements_line("results page", await page_statements(app, tid, phase_id)))
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    asyncio.run(run(fresh_app("referendum", args.database_url), args.ballots))


if __name__ == "__main__":
    main()
