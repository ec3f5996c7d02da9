"""The referendum's pure rules: instant-runoff (ties, exhausted ballots), quorum arithmetic, the chain and audit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from plugins.referendum import rules
from plugins.referendum.rules import Question, audit, instant_runoff, outcome

RULES = Path(rules.__file__)


def test_irv_majority_in_the_first_round_ends_at_once() -> None:
    result = instant_runoff([[0], [0, 1], [0], [1], [2]], 3)
    assert result.winner == 0 and len(result.rounds) == 1 and result.rounds[0].counts == {0: 3, 1: 1, 2: 1}


def test_irv_transfers_after_elimination_and_records_every_round() -> None:
    # A 4, B 3, C 2 (C's voters prefer B): C goes, B wins 5 to 4.
    ballots = [[0]] * 4 + [[1, 0]] * 3 + [[2, 1]] * 2
    result = instant_runoff(ballots, 3)
    assert [r.eliminated for r in result.rounds] == [2, None]
    assert result.rounds[1].counts == {0: 4, 1: 5} and result.winner == 1


def test_irv_counts_exhausted_ballots_apart_and_majority_is_of_continuing_ballots() -> None:
    ballots = [[0]] * 4 + [[1]] * 3 + [[2]] * 2  # C's voters ranked nobody else: exhausted after round one
    result = instant_runoff(ballots, 3)
    assert result.rounds[1].exhausted == 2 and result.rounds[1].counts == {0: 4, 1: 3}
    assert result.winner == 0  # 4 of 7 continuing ballots


def test_irv_tie_for_last_is_broken_by_earlier_rounds_then_by_list_order() -> None:
    # round 1: A3 B2 C2 D1 -> D eliminated (to B); round 2: A3 B3 C2 -> C... then B vs A
    ballots = [[0]] * 3 + [[1]] * 2 + [[2, 0]] * 2 + [[3, 1]]
    result = instant_runoff(ballots, 4)
    assert result.rounds[0].eliminated == 3
    assert result.rounds[1].eliminated == 2
    assert result.winner == 0
    # a tie in every round: the option listed last goes first
    tied = instant_runoff([[0], [1], [2]], 3)
    assert tied.rounds[0].eliminated == 2


def test_irv_dead_heat_between_the_last_two_has_no_winner() -> None:
    result = instant_runoff([[0], [1]], 2)
    assert result.winner is None and len(result.rounds) == 1


def test_quorum_arithmetic_is_exact_at_the_boundary() -> None:
    assert rules.meets(30, 100, 30) and not rules.meets(29, 100, 30)
    assert rules.meets(1, 3, 33) and not rules.meets(1, 3, 34)
    assert rules.meets(0, 0, 0) and not rules.meets(0, 0, 1)


def test_outcome_states_validity_then_the_majority() -> None:
    kwargs = {"participation_quorum": 30, "approval_quorum": 20, "binding": True}
    assert outcome(1000, 299, 250, 49, **kwargs).code == "no_turnout_quorum"
    low_yes = outcome(1000, 400, 199, 150, **kwargs)
    assert low_yes.code == "no_approval_quorum" and not low_yes.valid and not low_yes.binding
    won = outcome(1000, 400, 200, 150, **kwargs)
    assert (won.code, won.valid, won.binding) == ("yes", True, True) and won.turnout_percent == 40.0
    assert outcome(1000, 400, 150, 200, **kwargs).code == "no"  # no wins: the approval quorum does not apply
    assert outcome(10, 4, 2, 2, participation_quorum=0, approval_quorum=0, binding=False).code == "tie"


def test_tally_counts_blank_and_invalid_apart() -> None:
    qs = [Question(1, "yesno"), Question(2, "multiple", options=3, min_choices=1, max_choices=2)]
    ballots = [{"1": "yes", "2": [0, 1]}, {"1": "blank", "2": [0, 1, 2]}, {"1": "invalid", "2": "blank"}, {}]
    t = rules.tally(qs, ballots)["questions"]
    assert t["1"] == {"kind": "yesno", "blank": 1, "invalid": 2, "yes": 1, "no": 0}
    assert t["2"]["counts"] == [1, 1, 0] and t["2"]["invalid"] == 2 and t["2"]["blank"] == 1


def _document() -> dict:
    qs = [Question(1, "yesno"), Question(2, "ranked", options=3)]
    rows = sorted(
        (rules.receipt_hash(f"R{i}"), {"1": "yes" if i % 3 else "no", "2": [i % 3, (i + 1) % 3]}) for i in range(30)
    )
    hashes = rules.chain(rows)
    counted = rules.tally(qs, [c for _, c in rows])["questions"]
    return {
        "questions": [q.as_dict() for q in qs],
        "ballots": [{"receipt_hash": r, "choices": c, "chain": h} for (r, c), h in zip(rows, hashes, strict=True)],
        "head": hashes[-1],
        "tally": json.loads(json.dumps(counted)),
    }


def test_audit_accepts_the_published_box_and_finds_a_receipt() -> None:
    doc = _document()
    report = audit(doc, doc["head"])
    assert report.ok, report.problems
    assert rules.includes(doc, "r 5") and not rules.includes(doc, "R99")


def test_audit_detects_one_changed_ballot() -> None:
    doc = _document()
    head = doc["head"]
    doc["ballots"][7]["choices"]["1"] = "yes" if doc["ballots"][7]["choices"]["1"] == "no" else "no"
    report = audit(doc, head)
    assert not report.ok and any("ballot 8" in p for p in report.problems)
    # re-chaining the forged file does not help: its head no longer matches the one published on the results page
    rows = [(b["receipt_hash"], b["choices"]) for b in doc["ballots"]]
    for b, h in zip(doc["ballots"], rules.chain(rows), strict=True):
        b["chain"] = h
    doc["head"] = doc["ballots"][-1]["chain"]
    assert any("results page" in p for p in audit(doc, head).problems)


def test_the_module_runs_standalone_as_the_audit_script(tmp_path: Path) -> None:
    doc = _document()
    path = tmp_path / "box.json"
    path.write_text(json.dumps(doc))
    ok = subprocess.run([sys.executable, str(RULES), "audit", str(path), doc["head"]], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["head"] == doc["head"]
    assert subprocess.run([sys.executable, str(RULES), "check", str(path), "R3"], capture_output=True).returncode == 0
    doc["ballots"][0]["choices"]["1"] = "maybe"
    path.write_text(json.dumps(doc))
    bad = subprocess.run([sys.executable, str(RULES), "audit", str(path)], capture_output=True, text=True)
    assert bad.returncode == 1


def test_tally_and_chain_taken_together_tell_apart_what_the_rules_tell_apart() -> None:
    """Identical answers are judged and hashed once (issue 16): ``1``, ``True`` and ``1.0`` must still differ, and
    the chain must equal ``link`` row by row, unusual ballots included."""
    qs = [Question(1, "single", options=3), Question(2, "ranked", options=3)]
    answers = [1, True, 1.0, "1", None, [1], 1, 2, {"x": 1}]
    rankings = [[0, 1], [0, 1], [1], [True, 0], [0, 0], [2, 1, 0], [0, 1]]
    ballots = [{"1": a, "2": r} for a, r in zip(answers, [*rankings, [1], [2]], strict=True)]
    t = rules.tally(qs, ballots)["questions"]
    assert t["1"]["counts"] == [0, 2, 1] and t["1"]["invalid"] == 6
    assert t["2"]["invalid"] == 2 and t["2"]["counts"] == {"0": 3, "1": 2, "2": 2}
    rows = [(rules.receipt_hash(f"R{i}"), b) for i, b in enumerate([*ballots, {"1": 1}, {1: 1}, {"1": True}])]
    previous, expected = rules.GENESIS, []
    for receipt, choices in rows:
        previous = rules.link(previous, receipt, choices)
        expected.append(previous)
    assert rules.chain(rows) == expected


def test_instant_runoff_of_many_identical_ballots_equals_the_rounds_of_few() -> None:
    few = [[0, 1], [1, 0], [2, 1], [2, 0], [1]]
    small, large = instant_runoff(few, 3), instant_runoff(few * 1000, 3)
    assert large.winner == small.winner
    assert [{k: v // 1000 for k, v in r.counts.items()} for r in large.rounds] == [r.counts for r in small.rounds]


def test_ballots_shared_as_one_object_count_and_chain_as_copies_do() -> None:
    """The box reader hands identical ballots as one shared dict (issue 16); a file has one dict per ballot."""
    qs = [Question(1, "yesno"), Question(2, "ranked", options=3)]
    a, b, c = {"1": "yes", "2": [0, 1]}, {"1": "no", "2": [2]}, {"1": True, "2": [1, 1]}
    shared = [a, b, a, a, c, b, a]
    copies = json.loads(json.dumps(shared))
    assert rules.tally(qs, shared) == rules.tally(qs, copies)
    assert rules.tally(qs, shared)["questions"]["1"] == {"kind": "yesno", "blank": 0, "invalid": 1, "yes": 4, "no": 2}
    rows = [(rules.receipt_hash(f"R{i}"), x) for i, x in enumerate(shared)]
    assert rules.chain(rows) == rules.chain([(r, json.loads(json.dumps(x))) for r, x in rows])
