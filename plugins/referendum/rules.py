"""The referendum's pure rules: counting, instant-runoff, quorums, the hash chain of the ballot box and its audit.

This module uses the Python standard library only, on purpose: it is also the **standalone audit script**
(``python rules.py audit ballot-box.json``) a resident can download and run without installing Townhall, and
``townhall referendum audit FILE`` calls the very same functions. Nothing here touches a database.

A ballot is ``{question_id (str): answer}``; an answer is ``"yes"`` / ``"no"`` (yes/no questions), an option index
(single choice), a list of option indexes (multiple choice; ranked, best first), ``"blank"`` or ``"invalid"``
(a spoilt paper ballot).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

KINDS = ("yesno", "single", "multiple", "ranked")
BLANK, INVALID = "blank", "invalid"
GENESIS = "0" * 64


@dataclass(frozen=True)
class Question:
    """What counting needs of a question: its id, kind, how many options and the multiple-choice bounds."""

    id: int
    kind: str
    options: int = 0
    min_choices: int = 1
    max_choices: int = 1
    allow_blank: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "options": self.options,
            "min_choices": self.min_choices,
            "max_choices": self.max_choices,
            "allow_blank": self.allow_blank,
        }


def valid_answer(question: Question, answer: Any) -> bool:
    """Whether ``answer`` is a well-formed answer to ``question`` (blank only when the question allows it)."""
    if answer == BLANK:
        return question.allow_blank
    if question.kind == "yesno":
        return answer in ("yes", "no")
    if question.kind == "single":
        return isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < question.options
    if not isinstance(answer, list) or any(isinstance(a, bool) or not isinstance(a, int) for a in answer):
        return False
    if len(set(answer)) != len(answer) or any(not 0 <= a < question.options for a in answer):
        return False
    if question.kind == "multiple":
        return question.min_choices <= len(answer) <= question.max_choices
    return question.kind == "ranked" and len(answer) >= 1


# --- instant-runoff -------------------------------------------------------------------------------------------


@dataclass
class IrvRound:
    counts: dict[int, int]
    exhausted: int
    eliminated: int | None = None


@dataclass
class IrvResult:
    rounds: list[IrvRound] = field(default_factory=list)
    winner: int | None = None  # None: every remaining option tied to the end

    def as_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "rounds": [
                {
                    "counts": {str(k): v for k, v in r.counts.items()},
                    "exhausted": r.exhausted,
                    "eliminated": r.eliminated,
                }
                for r in self.rounds
            ],
        }


def instant_runoff(rankings: list[list[int]], options: int) -> IrvResult:
    """Instant-runoff over ``rankings`` (each best first) among options ``0..options-1``.

    Each round counts every ballot for its highest-ranked option still running; a ballot with none left is
    *exhausted*. An option with more than half of the non-exhausted ballots wins. Otherwise the option with the
    fewest votes is eliminated; a tie for fewest is broken by the earlier rounds (fewest there goes), and a tie in
    every round by eliminating the option listed last. When one option is left it wins; when all remaining options
    tie and have votes, there is no winner (``winner=None``) rather than a coin toss.
    """
    return _runoff(Counter(tuple(ranking) for ranking in rankings), options)


def _runoff(rankings: Counter[tuple[int, ...]], options: int) -> IrvResult:
    """``instant_runoff`` over identical rankings taken together (``{ranking: how many ballots}``): a round costs
    the number of different rankings (at most a few hundred for five options), not the number of ballots."""
    running = list(range(options))
    result = IrvResult()
    if not running:
        return result
    while True:
        counts = dict.fromkeys(running, 0)
        exhausted = 0
        for ranking, n in rankings.items():
            top = next((o for o in ranking if o in counts), None)
            if top is None:
                exhausted += n
            else:
                counts[top] += n
        current = IrvRound(counts=counts, exhausted=exhausted)
        result.rounds.append(current)
        active = sum(counts.values())
        leader = max(running, key=lambda o: counts[o])
        if len(running) == 1 or (active and counts[leader] * 2 > active):
            result.winner = leader if active or len(running) == 1 else None
            return result
        if len(set(counts.values())) == 1 and len(running) == 2 and active:
            return result  # a dead heat between the last two
        fewest = min(counts.values())
        tied = [o for o in running if counts[o] == fewest]
        for earlier in reversed(result.rounds[:-1]):
            if len(tied) == 1:
                break
            low = min(earlier.counts[o] for o in tied)
            tied = [o for o in tied if earlier.counts[o] == low]
        loser = tied[-1]
        current.eliminated = loser
        running.remove(loser)


# --- counting -------------------------------------------------------------------------------------------------


def _answer_key(answer: Any) -> tuple[Any, ...] | None:
    """A hashable stand-in for an answer that tells apart everything the rules tell apart (``1``, ``True`` and
    ``1.0`` differ; a list is a tuple of plain ints), or None for anything unusual, which is then taken alone."""
    kind = type(answer)
    if kind is list:
        return (list, tuple(answer)) if all(type(a) is int for a in answer) else None
    if kind is str or kind is int or kind is bool or kind is float or answer is None:
        return (kind, answer)
    return None


def _same(ballots: list[Any]) -> list[tuple[Any, int]]:
    """The ballots with how many times each very object occurs (a reader may hand identical ballots as one shared
    dict; a file read with ``json.load`` has one dict per ballot, and this changes nothing then)."""
    first = {id(ballot): ballot for ballot in ballots}
    return [(first[i], n) for i, n in Counter(map(id, ballots)).items()]


def _answers(ballots: list[tuple[Any, int]], key: str) -> list[tuple[Any, int]]:
    """Each different answer to question ``key`` with how many ballots give it (a missing answer is invalid)."""
    grouped: dict[tuple[Any, ...], list[Any]] = {}
    alone: list[tuple[Any, int]] = []
    for ballot, n in ballots:
        answer = ballot.get(key, INVALID)
        k = _answer_key(answer)
        if k is None:
            alone.append((answer, n))
        elif k in grouped:
            grouped[k][1] += n
        else:
            grouped[k] = [answer, n]
    return [(answer, n) for answer, n in grouped.values()] + alone


def tally(questions: list[Question], ballots: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-question counts of ``ballots``: blank and invalid apart, then yes/no, per option, or the IRV rounds.
    Identical answers are judged and counted together (a box holds few different answers, however many ballots)."""
    out: dict[str, Any] = {"ballots": len(ballots), "questions": {}}
    distinct = _same(ballots)
    for q in questions:
        key = str(q.id)
        blank = invalid = 0
        counts = [0] * q.options if q.kind != "yesno" else []
        yes = no = 0
        rankings: Counter[tuple[int, ...]] = Counter()
        for answer, n in _answers(distinct, key):
            if answer == BLANK:
                blank += n
            elif answer == INVALID or not valid_answer(q, answer):
                invalid += n
            elif q.kind == "yesno":
                yes, no = yes + n * (answer == "yes"), no + n * (answer == "no")
            elif q.kind == "single":
                counts[answer] += n
            elif q.kind == "multiple":
                for a in answer:
                    counts[a] += n
            else:
                rankings[tuple(answer)] += n
        entry: dict[str, Any] = {"kind": q.kind, "blank": blank, "invalid": invalid}
        if q.kind == "yesno":
            entry.update(yes=yes, no=no)
        elif q.kind == "ranked":
            entry["irv"] = _runoff(rankings, q.options).as_dict()
            entry["counts"] = entry["irv"]["rounds"][0]["counts"] if entry["irv"]["rounds"] else {}
        else:
            entry["counts"] = counts
        out["questions"][key] = entry
    return out


# --- quorums and outcome --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The plain statement of a yes/no referendum's result. ``code`` names it for the translated sentence."""

    code: str  # "yes" | "no" | "tie" | "no_turnout_quorum" | "no_approval_quorum"
    valid: bool
    binding: bool
    turnout_percent: float
    approval_percent: float


def percent(part: int, whole: int) -> float:
    return 0.0 if whole <= 0 else 100.0 * part / whole


def meets(part: int, whole: int, quorum_percent: int) -> bool:
    """Exact integer comparison (``part / whole >= q / 100``) so 30 of 100 meets a 30 quorum, no float rounding."""
    if quorum_percent <= 0:
        return True
    return whole > 0 and part * 100 >= quorum_percent * whole


def outcome(
    roll_size: int, turnout: int, yes: int, no: int, *, participation_quorum: int, approval_quorum: int, binding: bool
) -> Outcome:
    """Participation quorum: turnout as a share of the roll. Approval quorum: yes votes as a share of the roll.

    A referendum below either quorum is not valid (and so binds nobody); otherwise the majority of yes over no
    wins, and a tie is stated as a tie. ``binding`` only ever applies to a valid result.
    """
    turnout_pct, approval_pct = percent(turnout, roll_size), percent(yes, roll_size)
    if not meets(turnout, roll_size, participation_quorum):
        return Outcome("no_turnout_quorum", False, False, turnout_pct, approval_pct)
    if yes > no and not meets(yes, roll_size, approval_quorum):
        return Outcome("no_approval_quorum", False, False, turnout_pct, approval_pct)
    code = "yes" if yes > no else "no" if no > yes else "tie"
    return Outcome(code, True, binding, turnout_pct, approval_pct)


# --- the published ballot box: a hash chain -------------------------------------------------------------------


def receipt_hash(receipt: str) -> str:
    """The ballot box stores and publishes only this hash of the voter's receipt code (spaces and case ignored)."""
    return hashlib.sha256(normalise_receipt(receipt).encode()).hexdigest()


def normalise_receipt(receipt: str) -> str:
    return "".join(ch for ch in receipt.upper() if ch.isalnum())


def canonical(choices: dict[str, Any]) -> str:
    return json.dumps(choices, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def link(previous: str, receipt: str, choices: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous}|{receipt}|{canonical(choices)}".encode()).hexdigest()


def chain(rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The chain hash of each ``(receipt_hash, choices)`` row, in the given order (the box sorts by receipt hash,
    which follows nothing about the voters); the last one is the head shown on the results page. The same as
    ``link`` row by row, with each different ballot's canonical form computed once."""
    hashes, previous = [], GENESIS
    canonical_of: dict[tuple[Any, ...], str] = {}
    of_object: dict[int, str] = {}  # a dict shared by identical ballots (the rows hold it: its id stays its own)
    sha256 = hashlib.sha256
    for receipt, choices in rows:
        text = of_object.get(id(choices))
        if text is None:
            k = _ballot_key(choices)
            text = canonical_of.get(k) if k is not None else None
            if text is None:
                text = canonical(choices)
                if k is not None:
                    canonical_of[k] = text
            of_object[id(choices)] = text
        previous = sha256(f"{previous}|{receipt}|{text}".encode()).hexdigest()
        hashes.append(previous)
    return hashes


def _ballot_key(choices: Any) -> tuple[Any, ...] | None:
    """A hashable stand-in for a ballot whose canonical form it fixes, or None when unusual (not cached)."""
    if type(choices) is not dict:
        return None
    parts = []
    for question, answer in choices.items():
        k = _answer_key(answer)
        if type(question) is not str or k is None:
            return None
        parts.append((question, k))
    return tuple(parts)


@dataclass
class AuditReport:
    ok: bool
    head: str
    problems: list[str]
    tally: dict[str, Any]


def audit(document: dict[str, Any], expected_head: str | None = None) -> AuditReport:
    """Recompute the chain and the tally of a published ballot box and compare them with what it claims."""
    questions = [Question(**q) for q in document.get("questions", [])]
    rows = document.get("ballots", [])
    problems: list[str] = []
    ordered = [(r["receipt_hash"], r["choices"]) for r in rows]
    if [r for r, _ in ordered] != sorted(r for r, _ in ordered):
        problems.append("ballots are not in receipt-hash order")
    hashes = chain(ordered)
    for index, (row, computed) in enumerate(zip(rows, hashes, strict=True)):
        if row.get("chain") != computed:
            problems.append(f"ballot {index + 1}: chain hash does not match its contents")
            break
    head = hashes[-1] if hashes else GENESIS
    if document.get("head") != head:
        problems.append("the head in the file is not the head of its ballots")
    if expected_head is not None and expected_head != head:
        problems.append("the head differs from the one published on the results page")
    counted = tally(questions, [c for _, c in ordered])
    if "tally" in document and document["tally"] != counted["questions"]:
        problems.append("the tally in the file differs from the recount")
    return AuditReport(not problems, head, problems, counted)


def includes(document: dict[str, Any], receipt: str) -> bool:
    """Whether the ballot of this receipt code is in the published ballot box."""
    wanted = receipt_hash(receipt)
    return any(r["receipt_hash"] == wanted for r in document.get("ballots", []))


def main(argv: list[str]) -> int:
    """``python rules.py audit FILE [HEAD]`` and ``python rules.py check FILE RECEIPT``."""
    if len(argv) >= 2 and argv[0] == "audit":
        with open(argv[1], encoding="utf-8") as handle:
            report = audit(json.load(handle), argv[2] if len(argv) > 2 else None)
        print(json.dumps({"ok": report.ok, "head": report.head, "problems": report.problems, "tally": report.tally}))
        return 0 if report.ok else 1
    if len(argv) == 3 and argv[0] == "check":
        with open(argv[1], encoding="utf-8") as handle:
            found = includes(json.load(handle), argv[2])
        print("included" if found else "NOT FOUND")
        return 0 if found else 1
    print("usage: rules.py audit FILE [HEAD] | rules.py check FILE RECEIPT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
