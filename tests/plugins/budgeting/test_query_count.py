"""The public results page of a budgeting phase costs a fixed number of SQL statements: one budget of 5 options and
a few ballots or three budgets of 50 options and 60 ballots (online and paper, two areas, greedy and equal shares),
for a visitor and for a signed-in resident (no statement per budget, option or ballot)."""

from __future__ import annotations

from typing import Any

from core.models import Area
from core.testing.statements import assert_constant_within, page_statements
from plugins.budgeting import services
from plugins.budgeting.models import Ballot, Budget, Option
from plugins.budgeting.spec import BudgetingConfig

from .test_tally_paths import FIGURES

# Statements per results page (issue 16 asked for at most 6 and 8): a ceiling, so a new query per page is noticed.
# Anonymous: BEGIN, the tenant by host, the project through the phase, its phases, the budgets with their options,
# every budget's ballots counted (services.count_ballots). Signed in adds the person by session cookie and the
# moderator check. Areas come from the worker's cache (core.tenant_cache).
ANONYMOUS_CEILING = 6
SIGNED_IN_CEILING = 8


async def _ended_phase_with(factory: Any, tenant: Any, budgets: int, options: int, ballots: int) -> Any:
    """An ended approval phase: ``budgets`` budgets (greedy, then equal shares, alternately) of ``options`` options,
    each with ``ballots`` ballots, one in three on paper, spread over two areas."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "budgeting", state="ended", config={"ballot_type": "approval"})
    voters = [await factory.user(tenant) for _ in range(ballots)]
    async with factory.db.session(tenant.id, write=True) as session:
        areas = [Area(name={"en": f"District {i}"}, position=i) for i in range(2)]
        session.add_all(areas)
        await session.flush()
        for b in range(budgets):
            budget = Budget(
                phase_id=phase.id,
                name={"en": f"Budget {b}"},
                amount=options * 1000,
                rule="greedy" if b % 2 == 0 else "equalshares",
                position=b,
            )
            session.add(budget)
            await session.flush()
            rows = [
                Option(
                    phase_id=phase.id,
                    budget_id=budget.id,
                    code=f"P{i:02d}",
                    title={"en": f"Option number {i:02d}"},
                    cost=1000 + 100 * i,
                    position=i,
                )
                for i in range(options)
            ]
            session.add_all(rows)
            await session.flush()
            for n, voter in enumerate(voters):
                paper = n % 3 == 0
                session.add(
                    Ballot(
                        budget_id=budget.id,
                        user_id=None if paper else voter.id,
                        reference=f"paper-{n}" if paper else None,
                        source="paper" if paper else "online",
                        area_id=areas[n % 2].id,
                        option_ids=[rows[(n + k) % options].id for k in range(3)],
                        receipt=f"{b:04x}{n:028x}",
                    )
                )
    return phase


async def test_the_results_page_costs_the_same_statements_for_small_and_large_phases(
    app: Any, factory: Any, tenant: Any, client: Any
) -> None:
    small = await _ended_phase_with(factory, tenant, budgets=1, options=5, ballots=4)
    large = await _ended_phase_with(factory, tenant, budgets=3, options=50, ballots=60)
    counts = {}
    for who in ("anonymous", "signed in"):
        if who == "signed in":
            await factory.login(client, await factory.user(tenant))
        few = await page_statements(app, client, f"/p/{small.id}/budgeting/results", "Option number 04")
        many = await page_statements(app, client, f"/p/{large.id}/budgeting/results", "Option number 49")
        counts[who] = (len(few), len(many))
    assert_constant_within(counts, ANONYMOUS_CEILING, SIGNED_IN_CEILING)


async def test_one_counting_statement_gives_every_budget_its_own_tally(factory: Any, tenant: Any) -> None:
    """Budgets counted together (greedy's counts and equal shares' grouped ballots in one UNION ALL) get exactly
    the figures and outcome each budget gets counted alone."""
    phase = await _ended_phase_with(factory, tenant, budgets=4, options=7, ballots=12)
    config = BudgetingConfig(ballot_type="approval")
    async with factory.db.session(tenant.id) as session:
        together = await services.phase_results(session, phase, config, tenant.currency)
        greedy = "counts" if factory.db.dialect == "postgresql" else "profile"  # services.counts_path
        assert [r.path for r in together] == [greedy, "profile", greedy, "profile"]
        for result in together:
            services._OUTCOMES.clear()
            alone = await services.tally(session, config, result.budget, result.options, tenant.currency)
            assert alone.outcome == result.outcome and alone.outcome is not None
            for name in FIGURES:
                assert getattr(alone, name) == getattr(result, name), (result.budget.name, name)
            assert result.ballots == 12 and result.by_source == {"online": 8, "paper": 4}
            assert sum(result.votes.values()) == 36 and result.votes_by_source["paper"]
