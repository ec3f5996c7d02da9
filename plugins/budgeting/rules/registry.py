"""Rule names (exactly as pabulib's META ``rule`` field) -> implementations, and one ``compute`` entry point."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .election import Election, ElectionError
from .greedy import greedy, greedy_no_skip, greedy_threshold
from .outcome import Outcome
from .tiebreak import TieBreak

if TYPE_CHECKING:
    from .add1 import Progress
    from .profile import Profile


def _on_first_call(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called: profiles and equal shares need numpy, which a web worker
    loads only when it counts (tests/test_startup_imports.py)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(f"{__package__}.{module}"), name)(*args, **kwargs)

    return call


compile_profile = _on_first_call("profile", "compile_profile")
profile_from_votes = _on_first_call("profile", "profile_from_votes")
equal_shares = _on_first_call("add1", "equal_shares")
equal_shares_add1 = _on_first_call("add1", "equal_shares_add1")
equal_shares_add1_pabutools = _on_first_call("add1", "equal_shares_add1_pabutools")
with_comparison = _on_first_call("add1", "with_comparison")


class UnknownRuleError(ElectionError):
    """The requested (or file-declared) rule is not one we can compute."""


def _threshold(election: Election) -> Fraction:
    value = election.meta_amount("min_project_score_threshold")
    if value is None:
        raise ElectionError("rule greedy-threshold needs META min_project_score_threshold")
    return value


RuleFn = Callable[[Election, "Profile", TieBreak, "Progress | None"], Outcome]

RULES: dict[str, RuleFn] = {
    "greedy": lambda e, p, t, _: greedy(p, t),
    "greedy-no-skip": lambda e, p, t, _: greedy_no_skip(p, t),
    "greedy-threshold": lambda e, p, t, _: greedy_threshold(p, _threshold(e), t),
    "equalshares": lambda e, p, t, _: equal_shares(p, t),
    "equalshares-comparison": lambda e, p, t, _: with_comparison(p, equal_shares(p, t), t, "equalshares-comparison"),
    "equalshares/add1": lambda e, p, t, g: equal_shares_add1(p, t, progress=g),
    "equalshares/add1-comparison": lambda e, p, t, g: with_comparison(
        p, equal_shares_add1(p, t, progress=g), t, "equalshares/add1-comparison"
    ),
    "equalshares/add1-pabutools": lambda e, p, t, g: equal_shares_add1_pabutools(p, t, progress=g),
}


def rule_names() -> list[str]:
    return list(RULES)


def _names() -> str:
    return ", ".join(RULES)


def compute(
    election: Election,
    rule: str | None = None,
    *,
    tie_break: str | Sequence[str] | TieBreak | None = None,
    progress: Progress | None = None,
    profile: Profile | None = None,
) -> Outcome:
    """Compute the outcome of ``rule`` (default: the rule named in the file's META).

    ``profile`` is the election's counting view when the caller has it already (a results page builds it from the
    database's ballots with ``profile_from_elements``, the election then holding no voters); by default it is
    compiled from ``election.voters``.

    Raises :class:`UnknownRuleError` when no rule is given and the file's is missing or not
    implemented (e.g. pabulib's "unknown").
    """
    name = (rule or election.rule or "").strip()
    if not name:
        raise UnknownRuleError("no rule given and the file's META has no 'rule' field; pass one of: " + _names())
    if name not in RULES:
        origin = "requested" if rule else "the file's META"
        raise UnknownRuleError(f"{origin} rule {name!r} is not supported; choose one of: " + _names())
    counted = profile if profile is not None else compile_profile(election)
    return RULES[name](election, counted, TieBreak.parse(tie_break), progress)


# Rules that read nothing but each project's score, votes and cost: for approval-type ballots they can run on the
# votes per project (counted by the database) without the ballots themselves.
VOTES_ONLY_RULES = frozenset({"greedy", "greedy-no-skip", "greedy-threshold"})


def compute_from_votes(
    election: Election,
    votes: dict[str, int],
    n_voters: int,
    rule: str,
    *,
    tie_break: str | Sequence[str] | TieBreak | None = None,
) -> Outcome:
    """``compute(election, rule)`` for approval-type elections given only the distinct voters per project.

    ``election`` needs its META and projects; its voters are not read. ``votes[pid]`` must count each ballot
    approving ``pid`` once. Refuses (``ElectionError``) rules outside :data:`VOTES_ONLY_RULES` and non-approval
    vote types, so a rule that needs the full profile never runs on counts.
    """
    name = (rule or "").strip()
    if name not in VOTES_ONLY_RULES:
        raise ElectionError(f"rule {name!r} needs the ballots, not only the votes per project")
    profile = profile_from_votes(election, votes, n_voters)
    return RULES[name](election, profile, TieBreak.parse(tie_break), None)
