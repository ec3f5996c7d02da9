"""Greedy rules used by most cities: fund the highest-scoring projects while money lasts.

The score is the number of approvals (approval), the sum of points (cumulative/scoring) or
positional points (ordinal), recounted from the ballots. Ties in score go to the
:class:`TieBreak` order (default: cheaper, then more votes, then project id).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from .outcome import Outcome
from .tiebreak import TieBreak

if TYPE_CHECKING:
    from .profile import Profile  # numpy: imported by whoever builds one


def greedy_order(profile: Profile, tie_break: TieBreak) -> list[int]:
    """Projects by decreasing score; unsupported projects stay in (score 0) so the order is total."""
    return sorted(range(profile.n_projects), key=lambda j: (-profile.scores[j], tie_break.key(profile, j)))


def _run(
    profile: Profile,
    rule: str,
    tie_break: TieBreak,
    *,
    skip: bool,
    threshold: Fraction | None = None,
    budget: Fraction | None = None,
) -> Outcome:
    limit = profile.budget if budget is None else budget
    spent = Fraction(0)
    chosen: list[str] = []
    for j in greedy_order(profile, tie_break):
        if threshold is not None and profile.scores[j] < threshold:
            continue
        if spent + profile.costs[j] <= limit:
            spent += profile.costs[j]
            chosen.append(profile.project_ids[j])
        elif not skip:
            break
    notes = {"threshold": threshold} if threshold is not None else {}
    return Outcome(rule, tuple(chosen), spent, limit, notes=notes)


def greedy(profile: Profile, tie_break: TieBreak | None = None, *, budget: Fraction | None = None) -> Outcome:
    """Skip projects that no longer fit and keep going (pabulib ``greedy``)."""
    return _run(profile, "greedy", tie_break or TieBreak(), skip=True, budget=budget)


def greedy_no_skip(profile: Profile, tie_break: TieBreak | None = None, *, budget: Fraction | None = None) -> Outcome:
    """Stop at the first project that does not fit (pabulib ``greedy-no-skip``)."""
    return _run(profile, "greedy-no-skip", tie_break or TieBreak(), skip=False, budget=budget)


def greedy_threshold(
    profile: Profile,
    threshold: Fraction,
    tie_break: TieBreak | None = None,
    *,
    budget: Fraction | None = None,
) -> Outcome:
    """Greedy among projects whose score reaches ``threshold`` (META ``min_project_score_threshold``)."""
    return _run(profile, "greedy-threshold", tie_break or TieBreak(), skip=True, threshold=threshold, budget=budget)
