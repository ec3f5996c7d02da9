"""Hand-checked greedy outcomes (every expected result is worked out in the comments)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from plugins.budgeting.rules import ElectionError, UnknownRuleError, compute, parse_pb

# Approval, budget 11.  Votes: a=3, b=2, c=2, d=1.
# Greedy order: a (3 votes); b and c tie on 2 votes -> cheaper first: c (4) then b (5); then d.
#   greedy:          a (spent 6), c (10), b would make 15 > 11 -> skip, d makes 11 <= 11 -> take.  => a, c, d
#   greedy-no-skip:  a, c, then b does not fit -> stop.                                           => a, c
#   greedy-threshold (threshold 2): d has score 1 < 2 and is never considered.                    => a, c
APPROVAL = """META
key;value
budget;11
vote_type;approval
rule;greedy
min_project_score_threshold;2
PROJECTS
project_id;cost;name
a;6;Alpha
b;5;Beta
c;4;Gamma
d;1;Delta
VOTES
voter_id;vote
v1;a,b
v2;a,c
v3;a,b,c,d
"""


def test_greedy_skips_what_does_not_fit() -> None:
    assert compute(parse_pb(APPROVAL), "greedy").selected == ("a", "c", "d")


def test_greedy_no_skip_stops_at_first_misfit() -> None:
    outcome = compute(parse_pb(APPROVAL), "greedy-no-skip")
    assert outcome.selected == ("a", "c")
    assert outcome.total_cost == 10


def test_greedy_threshold_ignores_low_scores() -> None:
    assert compute(parse_pb(APPROVAL), "greedy-threshold").selected == ("a", "c")


def test_tie_break_can_prefer_expensive() -> None:
    # With max_cost first, b (5) goes before c (4): a (6) + b (5) = 11 fits, then c (15) and d (12) do not.
    assert compute(parse_pb(APPROVAL), "greedy", tie_break="max_cost,id").selected == ("a", "b")


def test_default_rule_comes_from_meta() -> None:
    assert compute(parse_pb(APPROVAL)).rule == "greedy"


def test_missing_threshold_is_an_error() -> None:
    text = APPROVAL.replace("min_project_score_threshold;2\n", "")
    with pytest.raises(ElectionError, match="min_project_score_threshold"):
        compute(parse_pb(text), "greedy-threshold")


def test_unknown_rule_is_an_error() -> None:
    text = APPROVAL.replace("rule;greedy", "rule;unknown")
    with pytest.raises(UnknownRuleError, match="unknown"):
        compute(parse_pb(text))


# Cumulative, budget 5.  x: 2 points from one voter; y: 1 + 1 points from two voters; z: 2 points, one voter.
# Scores x = y = z = 2.  Costs x = 3, y = 3, z = 4.
# Tie-break min_cost -> x and y (3) before z (4); max_votes -> y (2 voters) before x (1 voter).
#   greedy: y (3), x would be 6 > 5 skip, z would be 7 > 5 skip.  => y
CUMULATIVE = """META
key;value
budget;5
vote_type;cumulative
PROJECTS
project_id;cost
x;3
y;3
z;4
VOTES
voter_id;vote;points
1;x;2
2;y,z;1,2
3;y;1
"""


def test_cumulative_ties_go_to_more_votes() -> None:
    assert compute(parse_pb(CUMULATIVE), "greedy").selected == ("y",)


def test_cumulative_ties_by_id_when_requested() -> None:
    # With "id" only: x < y < z; x (3) fits, y (6) and z (7) do not.
    assert compute(parse_pb(CUMULATIVE), "greedy", tie_break="id").selected == ("x",)


# Natural id order: p2 before p10 (a plain string sort would put p10 first).
# Both cost 1 with one vote each; budget 1, so only the first in id order is funded.
IDS = """META
key;value
budget;1
vote_type;approval
PROJECTS
project_id;cost
p10;1
p2;1
VOTES
voter_id;vote
1;p10
2;p2
"""


def test_final_tie_break_is_natural_id_order() -> None:
    assert compute(parse_pb(IDS), "greedy").selected == ("p2",)


# Ordinal with max_length 2: first choice 2 points, second 1 point (Borda on max_length).
#   v1: a > b  -> a 2, b 1
#   v2: b > c  -> b 2, c 1
#   v3: c      -> c 2 (a first choice always gets max_length points)
# Scores a = 2, b = 3, c = 3.  b and c tie -> cheaper c (3) first, then b (4): 7 <= 7; a (1) would be 8.
ORDINAL = """META
key;value
budget;7
vote_type;ordinal
max_length;2
PROJECTS
project_id;cost
a;1
b;4
c;3
VOTES
voter_id;vote
v1;a,b
v2;b,c
v3;c
"""


def test_ordinal_positional_points() -> None:
    outcome = compute(parse_pb(ORDINAL), "greedy")
    assert outcome.selected == ("c", "b")
    assert outcome.total_cost == Fraction(7)


def test_missing_file_is_reported() -> None:
    with pytest.raises(FileNotFoundError):
        parse_pb("/nonexistent/election.pb")
