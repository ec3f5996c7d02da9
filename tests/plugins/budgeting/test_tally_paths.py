"""The tally's counts path (database counts, greedy on votes per option) against the profile path and the rule.

``services.tally`` takes the counts path for approval-type ballots under a greedy rule: the database counts votes per
option, source and area, and the rule runs on the distinct ballots per option. These tests put random small
elections in the database — online, paper and imported ballots, several areas, empty ballots, ballots naming an
option twice (a pabulib import can) or an option that is no longer offered — and check that the counts path gives
exactly the profile path's figures and outcome, and the outcome ``compute`` gives on one voter per ballot.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from core.models import Area
from plugins.budgeting import services
from plugins.budgeting.adapter import budget_meta
from plugins.budgeting.models import Ballot
from plugins.budgeting.rules import (
    VOTES_ONLY_RULES,
    Election,
    ElectionError,
    Project,
    Voter,
    compute,
    compute_from_votes,
)
from plugins.budgeting.spec import BudgetingConfig

from .web_support import setup_phase

FIGURES = ("ballots", "by_source", "votes", "scores", "votes_by_source", "votes_by_area", "ballots_by_area")
TIE_BREAKS = ("min_cost,max_votes,id", "max_votes,max_cost,id", "id", "file_order")


def _full_profile_outcome(config: BudgetingConfig, s, ballots: list[list[int]], currency: str):
    """The rule on an election with one voter per stored ballot (no grouping, no counting shortcut)."""
    scale = 10**2
    code_of = {o.id: o.code for o in s.options}
    projects = {o.code: Project(o.code, Fraction(o.cost, scale), {}) for o in s.options}
    voters = [Voter(f"v{n}", tuple(code_of[i] for i in ids if i in code_of), None, {}) for n, ids in enumerate(ballots)]
    election = Election(budget_meta(config, s.budget, currency), projects, voters)
    return compute(election, s.budget.rule, tie_break=config.tie_break)


async def _random_election(factory, tenant, rng: random.Random, area_ids: list[int]):
    ballot_type = rng.choice(["approval", "knapsack", "choose-one"])
    rule = rng.choice(sorted(VOTES_ONLY_RULES))
    n_options = rng.randint(1, 7)
    costs = tuple(rng.choice([500, 1000, 1500, 2500, 4000]) for _ in range(n_options))  # ties in cost happen
    amount = rng.randint(1, 12) * 1000
    s = await setup_phase(
        factory, tenant, ballot_type=ballot_type, state="ended", costs=costs, amount=amount, rule=rule
    )
    config = BudgetingConfig(ballot_type=ballot_type, tie_break=rng.choice(TIE_BREAKS))
    ids = [o.id for o in s.options]
    gone = max(ids) + 1000  # an option id no longer offered (the option was deleted after the vote)
    ballots: list[list[int]] = []
    rows = []
    for n in range(rng.randint(0, 40)):
        chosen = [rng.choice(ids)] if ballot_type == "choose-one" else rng.sample(ids, rng.randint(0, len(ids)))
        source = rng.choice(["online", "online", "online", "paper", "import"])
        if source == "import" and chosen and rng.random() < 0.4:
            chosen.append(rng.choice(chosen))  # a pabulib file may name a project twice in one vote
        if rng.random() < 0.1:
            chosen.insert(rng.randint(0, len(chosen)), gone)
        ballots.append(chosen)
        area_id = rng.choice([None, *area_ids])
        rows.append(
            {
                "tenant_id": tenant.id,
                "budget_id": s.budget.id,
                "option_ids": chosen,
                "area_id": area_id,
                "source": source,
                "receipt": f"{n:032x}",
            }
        )
    async with factory.db.session(tenant.id, write=True) as session:
        if rule == "greedy-threshold":
            budget = await session.get(type(s.budget), s.budget.id)
            budget.meta = {"min_project_score_threshold": str(rng.randint(0, 4))}
            s.budget.meta = dict(budget.meta)
        if rows:
            await session.execute(insert(Ballot), rows)
    return s, config, ballots


async def _areas(factory, tenant) -> list[int]:
    async with factory.db.session(tenant.id, write=True) as session:
        areas = [Area(name={"en": f"District {i}"}, position=i) for i in range(3)]
        session.add_all(areas)
        await session.flush()
        return [a.id for a in areas]


async def test_counts_path_equals_profile_path_and_the_rule_on_every_ballot(factory, tenant) -> None:
    rng = random.Random(1604)
    area_ids = await _areas(factory, tenant)
    paths = set()
    duplicates = 0
    for _round in range(30):
        s, config, ballots = await _random_election(factory, tenant, rng, area_ids)
        duplicates += sum(len(set(b)) != len(b) for b in ballots)
        async with factory.db.session(tenant.id) as session:
            budget = await session.get(type(s.budget), s.budget.id)
            options = await services.options_of(session, budget.id)
            assert services.counts_path(config, budget, "postgresql")
            services._OUTCOMES.clear()
            fast = await services.tally_counts(session, config, budget, options, tenant.currency)
            services._OUTCOMES.clear()
            general = await services.tally_profile(session, config, budget, options, tenant.currency)
        paths.add(fast.path)
        assert general.path == "profile"
        for name in FIGURES:
            assert getattr(fast, name) == getattr(general, name), (name, budget.rule, config, ballots)
        assert fast.error == general.error
        assert fast.outcome == general.outcome, (budget.rule, config, ballots)
        assert fast.outcome == _full_profile_outcome(config, s, ballots, tenant.currency)
        assert fast.ballots == len(ballots)
    assert paths == {"counts"}
    assert duplicates, "the random elections should include ballots naming an option twice"


async def test_counts_path_with_duplicates_counts_the_voter_once(factory, tenant) -> None:
    """A ballot naming an option twice shows two votes but supports the option once, as on the profile path."""
    s = await setup_phase(factory, tenant, ballot_type="approval", state="ended", costs=(5000, 5000), amount=5000)
    config = BudgetingConfig(ballot_type="approval", tie_break="min_cost,max_votes,id")
    a, b = (o.id for o in s.options)
    rows = [[a, a, a], [b], [b]]  # a: 3 votes from 1 ballot, b: 2 votes from 2 ballots; money for one
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(
            insert(Ballot),
            [
                {"tenant_id": tenant.id, "budget_id": s.budget.id, "option_ids": ids, "source": "import",
                 "receipt": f"r{n}"}
                for n, ids in enumerate(rows)
            ],
        )  # fmt: skip
    async with factory.db.session(tenant.id) as session:
        budget = await session.get(type(s.budget), s.budget.id)
        options = await services.options_of(session, budget.id)
        result = await services.tally_counts(session, config, budget, options, tenant.currency)
    assert result.path == "counts"
    assert result.votes == {a: 3, b: 2}
    assert result.selected_ids == [b]  # greedy ranks by supporters: b (2) before a (1)
    async with factory.db.session(tenant.id) as session:
        general = await services.tally_profile(session, config, budget, options, tenant.currency)
    assert general.votes == result.votes and general.outcome == result.outcome


def _votes_of(election: Election) -> dict[str, int]:
    votes = dict.fromkeys(election.projects, 0)
    for voter in election.voters:
        for pid in set(voter.vote):
            votes[pid] += 1
    return votes


@st.composite
def approval_elections(draw) -> Election:
    vote_type = draw(st.sampled_from(["approval", "choose-1"]))
    n_projects = draw(st.integers(1, 7))
    ids = [f"p{i}" for i in range(1, n_projects + 1)]
    costs = draw(st.lists(st.integers(1, 6), min_size=n_projects, max_size=n_projects))
    projects = {pid: Project(pid, Fraction(c, 2), {}) for pid, c in zip(ids, costs, strict=True)}
    voters = []
    for v in range(draw(st.integers(0, 15))):
        if vote_type == "choose-1":
            vote = (draw(st.sampled_from(ids)),)
        else:
            vote = tuple(draw(st.lists(st.sampled_from(ids), max_size=n_projects + 2)))  # repeats allowed
        voters.append(Voter(f"v{v}", vote, None, {}))
    meta = {
        "budget": str(draw(st.integers(0, 20))),
        "vote_type": vote_type,
        "min_project_score_threshold": str(draw(st.integers(0, 4))),
    }
    return Election(meta, projects, voters)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(approval_elections(), st.sampled_from(sorted(VOTES_ONLY_RULES)), st.sampled_from(TIE_BREAKS))
def test_compute_from_votes_equals_compute_on_the_full_profile(election, rule, tie_break) -> None:
    expected = compute(election, rule, tie_break=tie_break)
    assert compute_from_votes(election, _votes_of(election), len(election.voters), rule, tie_break=tie_break) == (
        expected
    )


@pytest.mark.parametrize("rule", ["equalshares", "equalshares/add1", "equalshares-comparison"])
def test_compute_from_votes_refuses_rules_that_need_the_ballots(rule) -> None:
    election = Election({"budget": "10", "vote_type": "approval"}, {"a": Project("a", Fraction(5), {})}, [])
    with pytest.raises(ElectionError):
        compute_from_votes(election, {"a": 1}, 1, rule)


@pytest.mark.parametrize("vote_type", ["cumulative", "ordinal"])
def test_compute_from_votes_refuses_points_and_rankings(vote_type) -> None:
    election = Election({"budget": "10", "vote_type": vote_type}, {"a": Project("a", Fraction(5), {})}, [])
    with pytest.raises(ElectionError):
        compute_from_votes(election, {"a": 1}, 1, "greedy")


@pytest.mark.parametrize(
    ("ballot_type", "rule", "expected"),
    [
        ("approval", "greedy", True),
        ("knapsack", "greedy-no-skip", True),
        ("choose-one", "greedy-threshold", True),
        ("approval", "equalshares", False),
        ("knapsack", "equalshares/add1", False),
        ("cumulative", "greedy", False),
        ("ranked", "greedy", False),
    ],
)
async def test_only_approval_ballots_under_greedy_take_the_counts_path(
    factory, tenant, ballot_type, rule, expected
) -> None:
    s = await setup_phase(factory, tenant, ballot_type=ballot_type, state="ended", rule=rule)
    config = BudgetingConfig(ballot_type=ballot_type)
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(
            insert(Ballot),
            [
                {"tenant_id": tenant.id, "budget_id": s.budget.id, "option_ids": [s.options[0].id],
                 "points": [1] if ballot_type == "cumulative" else None, "source": "online", "receipt": "r0"}
            ],
        )  # fmt: skip
    async with factory.db.session(tenant.id) as session:
        budget = await session.get(type(s.budget), s.budget.id)
        options = await services.options_of(session, budget.id)
        result = await services.tally(session, config, budget, options, tenant.currency)
        general = await services.tally_profile(session, config, budget, options, tenant.currency)
    assert services.counts_path(config, budget, "postgresql") is expected
    assert not services.counts_path(config, budget, "sqlite")  # SQLite reads the ballots faster than it counts them
    assert result.path == ("counts" if expected and factory.db.dialect == "postgresql" else "profile")
    assert result.votes == {s.options[0].id: 1}
    # greedy-threshold without META min_project_score_threshold is an error on both paths, with the same message
    assert (result.outcome, result.error) == (general.outcome, general.error)
    assert (result.outcome is None) is (rule == "greedy-threshold")
