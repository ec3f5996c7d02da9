"""Budgeting results computed on request: 40,000 ballots and 400,000 votes against a plain SQL GROUP BY.

Usage::

    python benchmarks/budgeting_tally.py [--voters 40000] [--choices 10] [--repeat 3] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names an empty PostgreSQL database),
seeds one ended budgeting phase with one budget of 40 options and ``--voters`` approval ballots of ``--choices``
options each (popularity skewed, six areas, 5% paper ballots), then times in the same process and run (wall clock,
best of ``--repeat``; the database server's work counts, which process CPU time would miss on PostgreSQL):

1. ``services.tally``: for approval ballots under greedy (this benchmark) on PostgreSQL the *counts path* — the
   database counts votes per option, source and area, and greedy runs on the votes per option; on SQLite, and for
   other ballot types and rules (MES), the *profile path*, which reads every ballot and compiles the rule's profile
   (``services.counts_path``). Both paths are timed for the same greedy rule, then the tally and the anonymous
   results page with the Method of Equal Shares. The outcome cache is emptied before every run, and the path that
   ran is printed;
2. ``GET /p/{phase}/budgeting/results`` through the full app for an anonymous visitor (tally, stats and the page)
   and as an administrator (who also gets the weighted estimates), and the number of SQL statements one such page
   costs: for staff, for an anonymous visitor and for a signed-in resident (issue 16: at most 6 and 8, whatever
   the number of ballots);
3. the baseline: one plain SQL ``GROUP BY`` counting the votes per option.

It checks the votes per option of (1) equal the SQL counts and that the profile path (timed once, for reference)
gives the same figures and winners, and prints (1)/(3) and (2)/(3). Consul Democracy computes these figures by cron
every 30 minutes; issue 16 asks the tally to stay within 3x the GROUP BY.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import timedelta
from typing import Any

from _app import (  # benchmarks/ is on sys.path when a script runs
    HOST,
    analyze,
    client_for,
    fresh_app,
    statements_line,
    statements_per_request,
    visitor_statements,
)

OPTIONS = 40


async def seed(state: Any, voters: int, choices: int) -> tuple[Any, Any, int, int]:
    from sqlalchemy import insert

    from core.db.base import utcnow
    from core.models import Area, Phase, Project
    from core.testing.factories import Factory
    from plugins.budgeting.models import Ballot, Budget, Option

    factory = Factory(state)
    tenant = await factory.tenant(HOST)
    admin = await factory.user(tenant, role="admin")
    resident = await factory.user(tenant)
    rng = random.Random(16)
    async with state.db.session(tenant.id, write=True) as session:
        areas = [Area(name={"en": f"District {i}"}, position=i) for i in range(6)]
        session.add_all(areas)
        project = Project(slug="bench", title={"en": "Bench"}, description={"en": "x"}, status="published")
        session.add(project)
        await session.flush()
        now = utcnow()
        phase = Phase(
            project_id=project.id, title={"en": "Budget"}, description={}, method="budgeting",
            config={"ballot_type": "approval", "max_choices": choices}, permissions={},
            starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=1),
        )  # fmt: skip
        session.add(phase)
        await session.flush()
        budget = Budget(phase_id=phase.id, name={"en": "City"}, amount=5_000_000_00, rule="greedy")
        session.add(budget)
        await session.flush()
        options = [
            Option(
                phase_id=phase.id,
                budget_id=budget.id,
                code=f"P{i:02d}",
                title={"en": f"Option {i}"},
                cost=rng.randint(50, 900) * 1000_00,
                position=i,
            )
            for i in range(OPTIONS)
        ]
        session.add_all(options)
        await session.flush()
        ids = [o.id for o in options]
        weights = [1 / (1 + i) ** 0.7 for i in range(OPTIONS)]  # a few popular options, a long tail
        area_ids = [a.id for a in areas]
        rows = []
        for n in range(voters):
            chosen: list[int] = []
            while len(chosen) < choices:
                pick = rng.choices(ids, weights)[0]
                if pick not in chosen:
                    chosen.append(pick)
            rows.append(
                {
                    "tenant_id": tenant.id, "budget_id": budget.id, "option_ids": chosen,
                    "area_id": rng.choice(area_ids), "source": "paper" if n % 20 == 0 else "online",
                    "receipt": f"{n:032x}",
                }
            )  # fmt: skip
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Ballot), rows[start : start + 5000])
    return admin, resident, phase.id, budget.id


async def sql_group_by(state: Any, budget_id: int) -> dict[int, int]:
    from sqlalchemy import text

    if state.db.dialect == "postgresql":
        stmt = text(
            "SELECT v::bigint, count(*) FROM budgeting_ballot, jsonb_array_elements_text(option_ids) AS v "
            "WHERE budget_id = :b GROUP BY v"
        )
    else:
        stmt = text(
            "SELECT j.value, count(*) FROM budgeting_ballot, json_each(budgeting_ballot.option_ids) AS j "
            "WHERE budget_id = :b GROUP BY j.value"
        )
    async with state.db.session(unscoped=True) as session:
        return {int(k): int(v) for k, v in (await session.execute(stmt, {"b": budget_id})).all()}


def best_of(repeat: int, run: Any) -> tuple[float, Any, float]:
    """Best wall-clock seconds, the last value, and best process CPU seconds (SQLite works in this process)."""

    async def timed() -> tuple[float, Any, float]:
        best, cpu, value = float("inf"), float("inf"), None
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            value = await run()
            best = min(best, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - started_cpu)
        return best, value, cpu

    return timed()


async def main(args: argparse.Namespace) -> None:
    from core.testing.factories import Factory
    from plugins.budgeting import services
    from plugins.budgeting.models import Budget
    from plugins.budgeting.spec import BudgetingConfig

    app = fresh_app("tally", args.database_url)
    state = app.state.townhall
    admin, resident, phase_id, budget_id = await seed(state, args.voters, args.choices)
    await analyze(state)  # the tally and its baseline alike, as on a live database

    baseline, counts, baseline_cpu = await best_of(args.repeat, lambda: sql_group_by(state, budget_id))

    def tally(counting: Any = services.tally) -> Any:
        """A run of ``counting`` (``services.tally`` or one of its two paths), the outcome cache emptied first: the
        rule is measured too, not the cache of identical tallies."""

        async def run() -> Any:
            services._OUTCOMES.clear()
            async with state.db.session(admin.tenant_id) as session:
                budget = await session.get(Budget, budget_id)
                options = await services.options_of(session, budget_id)
                config = BudgetingConfig(ballot_type="approval", max_choices=args.choices)
                return await counting(session, config, budget, options, "EUR")

        return run

    tally_seconds, result, tally_cpu = await best_of(args.repeat, tally())
    assert result.votes == counts, "the tally's votes per option differ from the SQL count"
    assert result.ballots == args.voters and sum(counts.values()) == args.voters * args.choices
    counts_seconds, counted, counts_cpu = await best_of(args.repeat, tally(services.tally_counts))
    assert counted.outcome == result.outcome and counted.votes == counts
    profile_seconds, general, profile_cpu = await best_of(args.repeat, tally(services.tally_profile))
    assert general.outcome == result.outcome, "the counts path and the profile path select differently"
    for name in ("votes", "scores", "by_source", "votes_by_source", "votes_by_area", "ballots_by_area"):
        assert getattr(general, name) == getattr(result, name), f"{name} differ between the two paths"

    path = f"/p/{phase_id}/budgeting/results"

    async def page(client: Any) -> Any:
        services._OUTCOMES.clear()
        response = await client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    async with client_for(app) as client:
        public_seconds, _, public_cpu = await best_of(args.repeat, lambda: page(client))
        await Factory(state).login(client, admin)
        page_seconds, _, page_cpu = await best_of(args.repeat, lambda: page(client))
        services._OUTCOMES.clear()
        staff_statements = await statements_per_request(app, client, path)
    visitors = await visitor_statements(app, path, resident)

    # The same ballots under the Method of Equal Shares: the profile path, the rule reading every ballot.
    async with state.db.session(admin.tenant_id, write=True) as session:
        (await session.get(Budget, budget_id)).rule = "equalshares"
    mes_seconds, mes, mes_cpu = await best_of(args.repeat, tally())
    assert mes.path == "profile" and mes.error is None and mes.votes == counts
    async with client_for(app) as client:
        mes_page_seconds, _, mes_page_cpu = await best_of(args.repeat, lambda: page(client))
    await state.db.dispose()

    votes = args.voters * args.choices
    print(f"database: {state.db.dialect}; {args.voters} ballots, {votes} votes, {OPTIONS} options; wall clock best of"
          f" {args.repeat}")  # fmt: skip

    def line(label: str, seconds: float, cpu: float, note: str) -> None:
        ratios = f"ratio {seconds / baseline:5.2f}x"
        if state.db.dialect == "sqlite":  # all the work is in this process: CPU time is the steadier figure
            ratios += f"  CPU {cpu * 1000:7.1f} ms ratio {cpu / baseline_cpu:5.2f}x"
        print(f"{label:<35}{seconds * 1000:8.1f} ms  {ratios}  {note}".rstrip())

    line("plain SQL GROUP BY of the votes:", baseline, baseline_cpu, "(baseline)")
    how = f"[{result.path} path, rule {result.budget.rule}]"
    line("services.tally, rule greedy:", tally_seconds, tally_cpu, how)
    line("results page, anonymous visitor:", public_seconds, public_cpu, "(tally, stats, HTML)")
    line("results page as staff:", page_seconds, page_cpu, f"[+ weighted estimates; {staff_statements} SQL statements]")
    line("the counts path, same rule:", counts_seconds, counts_cpu, "(same figures and winners)")
    line("the profile path, same rule:", profile_seconds, profile_cpu, "(same figures and winners)")
    line("services.tally, rule equalshares:", mes_seconds, mes_cpu, f"[{mes.path} path: MES on every ballot]")
    line("results page, equalshares:", mes_page_seconds, mes_page_cpu, "(anonymous visitor)")
    print(statements_line("results page", visitors))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=40_000)
    parser.add_argument("--choices", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
