"""``profile_from_elements`` (ballots as flat arrays, as a results page reads them from the database) is the same
counting view as ``compile_profile`` of the same ballots as voters: same groups and weights, votes and scores, and
every rule selects the same projects. And ``ballot_table`` turns stored ballots into those arrays."""

from __future__ import annotations

from fractions import Fraction
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.budgeting.ballot_table import ballot_table, table_figures, table_profile
from plugins.budgeting.rules import RULES, Election, ElectionError, Project, Voter, compile_profile, compute
from plugins.budgeting.rules import profile as profile_module
from plugins.budgeting.rules.profile import Profile, profile_from_elements

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def ballots(draw: st.DrawFn) -> tuple[Election, list[tuple[tuple[int, ...], tuple[int, ...]]], list[int]]:
    """An election without voters, and distinct stored ballots (project indices, points) with their counts: some
    name a project twice, give it 0 points, or name nothing; ranked ballots may be longer than META max_length."""
    vote_type = draw(st.sampled_from(["approval", "choose-1", "cumulative", "ordinal"]))
    n_projects = draw(st.integers(1, 6))
    costs = draw(st.lists(st.integers(1, 40), min_size=n_projects, max_size=n_projects))
    projects = {f"p{j}": Project(f"p{j}", Fraction(c), {}) for j, c in enumerate(costs)}
    meta = {"budget": str(draw(st.integers(1, 80))), "vote_type": vote_type, "min_project_score_threshold": "2"}
    if vote_type == "ordinal" and draw(st.booleans()):
        meta["max_length"] = str(draw(st.integers(1, 4)))
    stored = []
    for _ in range(draw(st.integers(0, 10))):
        vote = tuple(draw(st.lists(st.integers(0, n_projects - 1), max_size=n_projects + 1)))
        points = tuple(draw(st.integers(0, 3)) for _ in vote)
        stored.append((vote, points))
    counts = draw(st.lists(st.integers(1, 4), min_size=len(stored), max_size=len(stored)))
    return Election(meta, projects, []), stored, counts


def as_voters(election: Election, stored: list, counts: list[int]) -> Election:
    """The same ballots as an election's voters, each stored ballot ``count`` times."""
    ids = list(election.projects)
    cumulative = election.vote_type == "cumulative"
    voters = []
    for number, ((vote, points), count) in enumerate(zip(stored, counts, strict=True)):
        pts = tuple(Fraction(p) for p in points) if cumulative else None
        voters.extend([Voter(f"v{number}", tuple(ids[j] for j in vote), pts)] * count)
    return Election(dict(election.meta), dict(election.projects), voters)


def from_elements(election: Election, stored: list, counts: list[int]) -> Profile:
    rows = np.repeat(np.arange(len(stored)), [len(vote) for vote, _ in stored])
    projects = np.asarray([j for vote, _ in stored for j in vote], dtype=np.int64)
    if election.vote_type == "cumulative":
        utilities = np.asarray([p for _, points in stored for p in points], dtype=np.int64)
    elif election.vote_type == "ordinal":
        top = int(election.meta.get("max_length", 0))
        utilities = np.asarray(
            [max(top or len(vote), len(vote)) - rank for vote, _ in stored for rank in range(len(vote))],
            dtype=np.int64,
        )
    else:
        utilities = np.ones(len(projects), dtype=np.int64)
    return profile_from_elements(election, np.asarray(counts, dtype=np.int64), rows, projects, utilities)


def groups(profile: Profile) -> dict[tuple, int]:
    """Each group's (project, real utility) pairs -> its weight, whatever the order of the groups."""
    items: dict[int, list] = {g: [] for g in range(len(profile.weights))}
    for j, (supporters, utilities) in enumerate(zip(profile.supporters, profile.utilities, strict=True)):
        for g, u in zip(supporters.tolist(), utilities.tolist(), strict=True):
            items[g].append((j, Fraction(u) * profile.util_scale))
    merged: dict[tuple, int] = {}
    for g, pairs in items.items():
        merged[tuple(sorted(pairs))] = merged.get(tuple(sorted(pairs)), 0) + int(profile.weights[g])
    return merged


@SETTINGS
@given(ballots(), st.booleans())
def test_profile_from_elements_is_compile_profile(case, in_matrix: bool) -> None:
    """Both ways of grouping the ballots: in a ballot-by-project matrix (small elections) and pair by pair."""
    election, stored, counts = case
    with patch.object(profile_module, "DENSE_CELLS", profile_module.DENSE_CELLS if in_matrix else 0):
        mine = from_elements(election, stored, counts)
    theirs = compile_profile(as_voters(election, stored, counts))
    assert mine.n_voters == theirs.n_voters == sum(counts)
    assert mine.votes == theirs.votes
    assert mine.scores == theirs.scores
    assert groups(mine) == groups(theirs)
    assert len(mine.weights) == len(theirs.weights)  # identical ballots are one group
    for rule in RULES:
        assert compute(election, rule, profile=mine) == compute(as_voters(election, stored, counts), rule), rule


@pytest.mark.parametrize("cells", [profile_module.DENSE_CELLS, 0])
def test_negative_points_are_refused(cells: int) -> None:
    election = Election({"budget": "10", "vote_type": "cumulative"}, {"a": Project("a", Fraction(5), {})}, [])
    one = np.asarray([0])
    with patch.object(profile_module, "DENSE_CELLS", cells), pytest.raises(ElectionError, match="negative"):
        profile_from_elements(election, np.asarray([1]), one, one, np.asarray([-2]))


def test_ballot_table_drops_options_the_budget_no_longer_has_and_keeps_points_in_place() -> None:
    """Option 99 was deleted: the cumulative ballot's points still go to the options they were given to."""
    stored = [
        (7, "online", "[10, 99, 20][1, 5, 3]" * 2 + "[][]", 3),
        (None, "paper", "[20, 20][]", 1),
    ]
    table = ballot_table(stored, [20, 10])
    figures = table_figures(table)
    assert figures.ballots == 4
    assert figures.by_source == {"online": 3, "paper": 1}
    assert figures.ballots_by_area == {7: 3, None: 1}
    assert figures.votes == {10: 2, 20: 4}  # every listing counts, as on the counts path
    assert figures.points == {10: 2, 20: 8}  # 3 points twice; a ballot without points gives 1 per listing
    assert figures.votes_by_source == {"online": {10: 2, 20: 2}, "paper": {20: 2}}
    assert figures.votes_by_area == {7: {10: 2, 20: 2}, None: {20: 2}}
    election = Election(
        {"budget": "10", "vote_type": "cumulative"}, {"B": Project("B", Fraction(4), {}), "A": Project("A", 4, {})}, []
    )
    profile = table_profile(table, election)
    assert groups(profile) == {((0, 3), (1, 1)): 2, ((0, 2),): 1, (): 1}
    assert profile.n_voters == 4


def test_ballot_table_reads_unusual_stored_ballots_like_usual_ones() -> None:
    """Numpy reads the usual lists of integers; ids stored as strings, ballots with and without points, and
    points that do not match the options go the slower way, and give the same table."""

    def table(text: str, n: int) -> dict[str, list]:
        read = ballot_table([(None, "online", text, n)], [10, 20])
        return {name: getattr(read, name).tolist() for name in ("rows", "positions", "points", "ranks", "lengths")}

    usual = table("[10, 20][2, 1][20][3]", 2)
    assert usual == table('["10", 20][2, 1] [20][3]', 2)
    assert usual["points"] == [2, 1, 3]
    assert table("[10, 20][2, 1][20][]", 2)["points"] == [2, 1, 1]
    assert table("[10, 20][2][20][3, 4]", 2)["points"] == [2, 0, 3]
    assert ballot_table([], [10]).rows.tolist() == []
    with pytest.raises(ValueError):
        ballot_table([(None, "online", "[10, 20][2, 1]", 2)], [10, 20])
    with pytest.raises(ValueError):
        ballot_table([(None, "online", "[10, [20]][]", 1)], [10, 20])
