"""``read_pb_profile`` (a .pb file read for results only) gives what ``parse_pb`` then ``compile_profile`` give: the
same META and projects, the same groups and weights, votes and scores, the same winners; and for a file it does not
read itself, the exact path's answer or error. The tidy files take the fast reading (checked, so the comparisons
are not between the exact path and itself)."""

from __future__ import annotations

from fractions import Fraction
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.budgeting.rules import (
    ElectionError,
    compile_profile,
    compute,
    pabulib_profile,
    parse_pb,
    read_pb_profile,
    write_pb,
)
from tests.plugins.budgeting.test_rules_profile import SETTINGS, as_voters, ballots, groups
from tests.plugins.budgeting.test_rules_real_data import ALL_FILES, shared

HEAD = "META\nkey;value\nbudget;10\nvote_type;{vote_type}\nPROJECTS\nproject_id;cost;name\na;4;A\nb;5;B\nc;6;C\n"


def exact(text: str):
    election = parse_pb(text)
    return election, compile_profile(election)


def assert_same(text: str, *, fast: bool) -> None:
    """``read_pb_profile(text)`` equals the exact path; ``fast``: without falling back to it."""
    election, profile = exact(text)
    guard = patch.object(pabulib_profile, "compile_profile", side_effect=AssertionError("took the exact path"))
    with guard if fast else patch.object(pabulib_profile, "compile_profile", wraps=compile_profile):
        read, counted = read_pb_profile(text)
    assert read.voters == []
    assert (read.meta, read.projects, read.vote_columns) == (election.meta, election.projects, election.vote_columns)
    assert groups(counted) == groups(profile)
    assert (counted.n_voters, counted.votes, counted.scores) == (profile.n_voters, profile.votes, profile.scores)
    assert counted.project_ids == profile.project_ids and counted.costs == profile.costs


@pytest.mark.parametrize("name", ALL_FILES)
def test_real_files_read_for_results_count_as_parsed(name: str) -> None:
    path = shared(name)
    election, profile = exact(path.read_text(encoding="utf-8-sig"))
    with patch.object(pabulib_profile, "compile_profile", side_effect=AssertionError("took the exact path")):
        read, counted = read_pb_profile(path)
    assert groups(counted) == groups(profile)
    assert (counted.n_voters, counted.votes, counted.scores) == (profile.n_voters, profile.votes, profile.scores)
    for rule in ("greedy", "equalshares"):
        assert compute(read, rule, profile=counted).selected == compute(election, rule, profile=profile).selected


@given(ballots())
@SETTINGS
def test_any_written_election_reads_as_it_parses(drawn) -> None:
    election, stored, counts = drawn
    assert_same(write_pb(as_voters(election, stored, counts)), fast=True)


TIDY = [
    pytest.param("voter_id;vote;age\n1;a,b;30\n2;b;41\n3;a,b;22\n", "approval", id="approval"),
    pytest.param("voter_id;age;vote\n1;30;c,a\n2;41;\n3;22;a\n\n\n", "approval", id="empty ballot, blank lines at end"),
    pytest.param("voter_id;vote;points\n1;a,b;3,2\n2;c;5\n3;a,c;0,5\n", "cumulative", id="cumulative, zero points"),
    pytest.param("voter_id;vote\n1;c,a,b\n2;b,a\n3;c,a,b\n", "ordinal", id="ordinal"),
    pytest.param("voter_id;vote\r\n1;a,b\r\n2;b\r\n", "approval", id="CRLF line ends"),
    pytest.param("vote\na,a,b\nb\n", "approval", id="no voter ids, a project named twice"),
    pytest.param("voter_id;vote\n", "approval", id="no ballots"),
]


@pytest.mark.parametrize(("votes", "vote_type"), TIDY)
def test_tidy_votes_sections_are_read_without_the_parser(votes: str, vote_type: str) -> None:
    assert_same(HEAD.format(vote_type=vote_type) + "VOTES\n" + votes, fast=True)


UNUSUAL = [
    pytest.param('voter_id;vote;name\n1;a,b;"x;y"\n2;b;z\n', "approval", id="quoted cell"),
    pytest.param("voter_id;vote;age\n1;a,b;3\n\n2;b;4\n", "approval", id="blank line between ballots"),
    pytest.param("voter_id;vote;age\n1;a,b;3\n2\n", "approval", id="short line"),
    pytest.param("voter_id;vote;points\n1;a,b;1.5,2\n", "cumulative", id="decimal points"),
    pytest.param("voter_id;vote;vote\n1;a;b\n", "approval", id="repeated column"),
    pytest.param("voter_id;vote\n1;a\nVOTES;\nvoter_id;vote\n2;b\n", "approval", id="a second VOTES section"),
    pytest.param("voter_id;vote;age\n1;a;3\r2;b;4\n", "approval", id="a lone carriage return ends a line"),
    pytest.param("voter_id;vote\n1;a\nMETA\nkey;value\nnote;late\n", "approval", id="META after VOTES"),
]


@pytest.mark.parametrize(("votes", "vote_type"), UNUSUAL)
def test_unusual_votes_sections_count_as_the_parser_reads_them(votes: str, vote_type: str) -> None:
    assert_same(HEAD.format(vote_type=vote_type) + "VOTES\n" + votes, fast=False)


REFUSED = [
    pytest.param("voter_id;vote\n1;a\n2;z\n", "approval", "voter 2 votes for unknown project 'z'", id="unknown id"),
    pytest.param("voter_id;vote;points\n1;a,b;3\n", "cumulative", "2 projects but 1 points", id="points missing"),
    pytest.param("voter_id;vote;points\n1;a,b;3,-1\n", "cumulative", "negative points", id="negative points"),
    pytest.param("voter_id;vote\n1;a,b\n", "cumulative", "cumulative ballot without points", id="no points column"),
    pytest.param("voter_id;vote;points\n1;a;x\n", "approval", "not an exact amount", id="points not a number"),
]


@pytest.mark.parametrize(("votes", "vote_type", "message"), REFUSED)
def test_refused_files_give_the_parsers_error(votes: str, vote_type: str, message: str) -> None:
    text = HEAD.format(vote_type=vote_type) + "VOTES\n" + votes
    with pytest.raises(ElectionError, match=message) as exact_error:
        exact(text)
    with pytest.raises(ElectionError) as read_error:
        read_pb_profile(text)
    assert str(read_error.value) == str(exact_error.value)


def test_points_too_large_for_float_sums_are_counted_exactly() -> None:
    big = 2**53 + 1
    text = HEAD.format(vote_type="cumulative") + f"VOTES\nvoter_id;vote;points\n1;a,a;{big},{big}\n2;b;1\n"
    _election, counted = read_pb_profile(text)
    assert counted.scores[0] == Fraction(2 * big)


@st.composite
def tidy_cells(draw: st.DrawFn) -> str:
    """A VOTES section of ids with stray spaces and empty ids in some cells: every cell is read as _split_list."""
    pool = draw(st.sampled_from([["a", "b", "c", ""], ["a", "b", " a", "b ", " "], ["a", "b", " a", "b ", "", " "]]))
    ids = st.sampled_from(pool)
    lines = [",".join(draw(st.lists(ids, max_size=4))) for _ in range(draw(st.integers(0, 6)))]
    return "voter_id;vote\n" + "".join(f"{n};{cell}\n" for n, cell in enumerate(lines))


@given(tidy_cells())
@SETTINGS
def test_cells_with_spaces_or_empty_ids_read_as_parsed(votes: str) -> None:
    assert_same(HEAD.format(vote_type="approval") + "VOTES\n" + votes, fast=True)
