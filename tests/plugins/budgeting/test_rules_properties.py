"""Property-based checks (hypothesis) on random small elections, including pabutools as an oracle."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.budgeting.rules import RULES, Election, Project, Voter, compute, parse_pb, write_pb

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULE_NAMES = [name for name in RULES if name != "greedy-threshold"]


@st.composite
def elections(draw, vote_type: str | None = None) -> Election:
    vote_type = vote_type or draw(st.sampled_from(["approval", "cumulative"]))
    n_projects = draw(st.integers(1, 6))
    ids = [f"p{i}" for i in range(1, n_projects + 1)]
    costs = draw(st.lists(st.integers(1, 40), min_size=n_projects, max_size=n_projects))
    halves = draw(st.booleans())  # some instances get decimal costs such as 12.5
    projects = {
        pid: Project(pid, Fraction(c, 2 if halves else 1), {"name": f"Project {pid}"})
        for pid, c in zip(ids, costs, strict=True)
    }
    budget = draw(st.integers(1, 80))
    voters = []
    for v in range(draw(st.integers(1, 12))):
        # pabutools cannot parse an empty cumulative ballot, so those always name a project
        min_size = 1 if vote_type == "cumulative" else 0
        vote = tuple(draw(st.lists(st.sampled_from(ids), unique=True, min_size=min_size, max_size=n_projects)))
        points = tuple(Fraction(draw(st.integers(1, 3))) for _ in vote) if vote_type == "cumulative" else None
        voters.append(Voter(f"v{v}", vote, points, {}))
    meta = {"budget": str(budget), "vote_type": vote_type, "min_project_score_threshold": "2"}
    vote_columns = ("voter_id", "vote", "points") if vote_type == "cumulative" else ("voter_id", "vote")
    return Election(meta, projects, voters, ("project_id", "cost", "name"), vote_columns)


def reordered(election: Election, voters: list[Voter] | None = None, reverse_projects: bool = False) -> Election:
    projects = dict(reversed(election.projects.items())) if reverse_projects else dict(election.projects)
    return Election(
        dict(election.meta), projects, voters or list(election.voters), election.project_columns, election.vote_columns
    )


@SETTINGS
@given(elections())
def test_every_rule_stays_within_budget(election: Election) -> None:
    for rule in [*RULE_NAMES, "greedy-threshold"]:
        outcome = compute(election, rule)
        assert len(set(outcome.selected)) == len(outcome.selected)
        assert outcome.total_cost == sum(election.projects[p].cost for p in outcome.selected)
        assert outcome.total_cost <= election.budget, rule


@SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_mes_ignores_voter_and_project_order(election: Election, rng) -> None:
    shuffled = list(election.voters)
    rng.shuffle(shuffled)
    other = reordered(election, shuffled, reverse_projects=True)
    for rule in ("equalshares", "equalshares/add1", "equalshares/add1-pabutools"):
        assert compute(other, rule).selected == compute(election, rule).selected


@SETTINGS
@given(elections())
def test_greedy_no_skip_is_a_prefix_of_greedy(election: Election) -> None:
    full = compute(election, "greedy").selected
    prefix = compute(election, "greedy-no-skip").selected
    assert full[: len(prefix)] == prefix


@SETTINGS
@given(elections(), st.integers(0, 40))
def test_greedy_no_skip_grows_with_the_budget(election: Election, extra: int) -> None:
    richer = reordered(election)
    richer.meta["budget"] = str(election.budget + extra)
    small = compute(election, "greedy-no-skip").selected
    assert compute(richer, "greedy-no-skip").selected[: len(small)] == small


@SETTINGS
@given(elections())
def test_mes_payments_cover_each_cost_exactly(election: Election) -> None:
    outcome = compute(election, "equalshares/add1")
    share = outcome.notes["per_voter_budget"]
    spent_by_all = Fraction(0)
    for step in outcome.steps:
        assert sum(p.amount * p.voters for p in step.payments) == step.cost
        assert all(0 < p.amount <= share for p in step.payments)
        spent_by_all += step.cost
    assert spent_by_all <= share * len(election.voters)


@SETTINGS
@given(elections())
def test_round_trip(election: Election) -> None:
    assert parse_pb(write_pb(election)) == election


def _pabutools(election: Election, increment: int | None):
    """pabutools' outcome (test-only oracle); skips the test when pabutools is not installed."""
    pytest.importorskip("pabutools")
    from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.rules import method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    from plugins.budgeting.rules import compile_profile
    from plugins.budgeting.rules.tiebreak import natural_key

    profile = compile_profile(election)
    votes = dict(zip(profile.project_ids, profile.votes, strict=True))
    tie = TieBreakingRule(lambda inst, prof, proj: (proj.cost, -votes[proj.name], natural_key(proj.name)))
    instance, pb_profile = parse_pabulib_from_string(write_pb(election))
    sat = Cost_Sat if election.vote_type == "approval" else Additive_Cardinal_Sat
    alloc = method_of_equal_shares(
        instance, pb_profile, sat_class=sat, tie_breaking=tie, voter_budget_increment=increment
    )
    return {p.name for p in alloc}


@SETTINGS
@given(elections())
def test_mes_matches_pabutools(election: Election) -> None:
    assert set(compute(election, "equalshares").selected) == _pabutools(election, None)


@SETTINGS
@given(elections())
def test_add1_pabutools_flavour_matches_pabutools(election: Election) -> None:
    assert set(compute(election, "equalshares/add1-pabutools").selected) == _pabutools(election, 1)
