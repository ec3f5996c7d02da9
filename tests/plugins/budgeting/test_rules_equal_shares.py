"""Hand-checked Method of Equal Shares, Add1 completions and the comparison step."""

from __future__ import annotations

from fractions import Fraction

from plugins.budgeting.rules import (
    Payment,
    compile_profile,
    compute,
    equal_shares_fixed,
    parse_pb,
    voter_preference_counts,
)

# Approval, 4 voters, budget 8 -> 2 each.  Utility of an approved project = its cost, so a
# project's rho = (largest individual payment) / cost.
#   q: cost 3, v1 v2 v3      -> 1 each, rho 1/3
#   s: cost 2, v2 v3         -> 1 each, rho 1/2
#   p: cost 2.5, v1 v4       -> 1.25 each, rho 1/2
# Round 1: q (rho 1/3).  Budgets: v1 1, v2 1, v3 1, v4 2.
# Round 2: s: v2, v3 pay 1 each (exactly all they have) -> rho 1/2.
#          p: split 1.25 each, but v1 has only 1 -> v1 pays 1, v4 pays 1.5 -> rho 1.5/2.5 = 3/5.
#          s wins.  Budgets: v1 1, v2 0, v3 0, v4 2.
# Round 3: p unchanged (rho 3/5); v1 pays 1 (all), v4 pays 3/2.  Total 3 + 2 + 2.5 = 7.5.
PAYMENTS = """META
key;value
budget;8
vote_type;approval
rule;equalshares
PROJECTS
project_id;cost
q;3
s;2
p;2.5
VOTES
voter_id;vote
v1;q,p
v2;q,s
v3;q,s
v4;p
"""


def test_mes_rounds_prices_and_payments() -> None:
    outcome = compute(parse_pb(PAYMENTS))
    assert outcome.selected == ("q", "s", "p")
    assert outcome.total_cost == Fraction(15, 2)
    rounds = {step.project_id: step for step in outcome.steps}
    assert rounds["q"].rho == Fraction(1, 3)
    assert rounds["s"].rho == Fraction(1, 2)
    assert rounds["p"].round == 3
    assert rounds["p"].rho == Fraction(3, 5)
    assert rounds["p"].max_payment == Fraction(3, 2)
    assert rounds["p"].payments == (Payment(Fraction(3, 2), 1), Payment(Fraction(1), 1))
    assert rounds["q"].payments == (Payment(Fraction(1), 3),)


# Cumulative, 2 voters, budget 4 -> 2 each.
#   x: cost 3, v1 gives 2 points, v2 gives 1:  2 rho + 1 rho = 3 -> rho 1 (v1 pays 2, v2 pays 1)
#   y: cost 2, v2 gives 2 points:              2 rho = 2       -> rho 1 (v2 pays 2)
# Tie at rho 1.  Default (min_cost): y; then v2 is broke and x has only 2 < 3 behind it -> {y}.
# With max_cost: x; v1 -> 0, v2 -> 1; y has 1 < 2 behind it -> {x}.
CUMULATIVE_TIE = """META
key;value
budget;4
vote_type;cumulative
PROJECTS
project_id;cost
x;3
y;2
VOTES
voter_id;vote;points
v1;x;2
v2;x,y;1,2
"""


def test_mes_cumulative_tie_default_prefers_cheaper() -> None:
    assert compute(parse_pb(CUMULATIVE_TIE), "equalshares").selected == ("y",)


def test_mes_cumulative_tie_configurable() -> None:
    assert compute(parse_pb(CUMULATIVE_TIE), "equalshares", tie_break="max_cost").selected == ("x",)


# Approval, 3 voters, budget 10.
#   c: cost 3, all three;  a: cost 6, v1 v2;  b: cost 5, v3.
# MES at B/n = 10/3: c (1 each -> 7/3 left); a needs 6 but v1+v2 hold 14/3 -> dropped; b: 7/3 < 5 dropped. => {c}
# Add1 (cities): per-voter floor(10/3)+1 = 4: c (-> 3,3,3), a (3 each, rho 1/2), b: 3 < 5 -> {c, a}, cost 9 <= 10 keep.
#   5: c (-> 4,4,4), a (3 each), b: 4 < 5 -> {c, a}, cost 9, keep.
#   6: c (-> 5,5,5), a (3 each, rho 1/2), b: v3 pays 5 (rho 1) -> {c, a, b} cost 14 > 10 -> stop.  => {c, a} at 5.
# Add1 (pabutools): 10/3 -> {c}, not exhaustive (a fits); 13/3 -> c (1 each, 10/3 left), a (3 each),
#   b: 10/3 < 5 -> {c, a}, cost 9; b would make 14 > 10, so exhaustive -> stop at 13/3.  => {c, a} at 13/3.
ADD1 = """META
key;value
budget;10
vote_type;approval
rule;equalshares/add1
PROJECTS
project_id;cost
a;6
b;5
c;3
VOTES
voter_id;vote
v1;a,c
v2;a,c
v3;b,c
"""


def test_plain_mes_leaves_money() -> None:
    assert compute(parse_pb(ADD1), "equalshares").selected == ("c",)


def test_add1_cities() -> None:
    outcome = compute(parse_pb(ADD1))
    assert outcome.selected == ("c", "a")
    assert outcome.notes["per_voter_budget"] == 5
    assert outcome.notes["add1_iterations"] == 4


def test_add1_pabutools_flavour() -> None:
    outcome = compute(parse_pb(ADD1), "equalshares/add1-pabutools")
    assert outcome.selected == ("c", "a")
    assert outcome.notes["per_voter_budget"] == Fraction(13, 3)


# Comparison step.  Budget 2; a, b, c cost 1.  v1, v2 approve a and b; v3 approves c.
# MES at 2/3 each: a and b tie (rho 1/2, same cost and votes) -> a by id; v1, v2 keep 1/6,
#   b has 1/3 < 1 behind it, c has 2/3 < 1.  => {a}
# Add1: floor(2/3) + 1 = 1 each: a (1/2 each), b (1/2 each), c (v3 pays 1) -> cost 3 > 2 -> keep {a}.
# Greedy: a (2 votes), b (2 votes) -> cost 2; c does not fit.  => {a, b}
# Voters: v1, v2 approve 2 greedy winners vs 1 MES winner -> prefer greedy; v3 has 0 in both.
#   2 > 0 -> the greedy outcome replaces MES.
COMPARISON = """META
key;value
budget;2
vote_type;approval
rule;equalshares/add1-comparison
PROJECTS
project_id;cost
a;1
b;1
c;1
VOTES
voter_id;vote
v1;a,b
v2;a,b
v3;c
"""


def test_comparison_switches_to_greedy_when_more_voters_prefer_it() -> None:
    election = parse_pb(COMPARISON)
    assert compute(election, "equalshares/add1").selected == ("a",)
    outcome = compute(election)
    assert outcome.selected == ("a", "b")
    assert (outcome.notes["prefers_mes"], outcome.notes["prefers_greedy"]) == (0, 2)
    assert outcome.notes["comparison"] == "greedy"


def test_comparison_keeps_mes_on_a_tie() -> None:
    # v1 prefers {a}, v3 prefers {c}: 1 vs 1 is not a strict majority for greedy.
    profile = compile_profile(parse_pb(COMPARISON))
    assert voter_preference_counts(profile, ("a",), ("c",)) == (2, 1)
    assert voter_preference_counts(profile, ("a",), ("a", "b")) == (0, 2)


def test_nobody_can_pay_means_nothing_funded() -> None:
    profile = compile_profile(parse_pb(ADD1))
    assert equal_shares_fixed(profile, Fraction(0)).selected == ()


def test_free_projects_are_funded_without_payment() -> None:
    text = ADD1.replace("c;3", "c;0")
    outcome = compute(parse_pb(text), "equalshares")
    assert outcome.selected[0] == "c"
    assert outcome.steps[0].payments == ()
