"""Completions of the Method of Equal Shares, and the comparison step.

Plain MES usually leaves money unspent, so real elections raise the voters' virtual budget.
Two incompatible "Add1" definitions exist; both are implemented and named differently.

``equalshares/add1`` (what Świecie 2023 and Wieliczka 2023 used; the equalshares.net compute
tool with the "integral" option, and pabulib's checker which verifies these files):
    1. run MES with per-voter budget ``B/n`` (exact);
    2. then try ``floor(B/n) + 1``, ``floor(B/n) + 2``, ... (whole currency units);
    3. keep each outcome whose total cost is within the real budget ``B``; stop at the first
       one that exceeds ``B`` and return the last one kept.
    There is no stop on exhaustiveness (``stop_when_exhaustive=True`` adds equalshares.net's
    "exhaustive" option); the loop also stops when every fundable project is funded, since a
    bigger budget cannot change anything then. This reproduces the official ``selected``
    column of Świecie 2023 and Wieliczka 2023.

``equalshares/add1-pabutools`` (pabutools 1.2.3 ``method_of_equal_shares(...,
voter_budget_increment=1)``):
    per-voter budget ``B/n``, ``B/n + 1``, ``B/n + 2``, ... (fractional, never rounded down);
    return the first outcome that is *exhaustive* (no unfunded supported project fits in the
    remaining money), or the previous outcome as soon as one exceeds ``B``.

The two differ in the starting point (``floor(B/n)+k`` vs ``B/n+k``, which can fund different
projects) and in stopping at the first exhaustive outcome (pabutools) versus continuing while
the budget allows (cities), which can end on a different, still feasible, outcome.

``equalshares/add1-comparison`` (Wieliczka): compute the add1 outcome and the greedy outcome
(by approval count, skipping projects that do not fit); each voter prefers the outcome
containing more of the projects they voted for (for point ballots: more points); the greedy
outcome is used only if strictly more voters prefer it. This is the "satisfaction" comparison
of equalshares.net and of the pabulib checker.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from .equal_shares import ApprovalUtility, MESRun, equal_shares_fixed, mes_candidates
from .greedy import greedy
from .outcome import Outcome
from .profile import Profile
from .tiebreak import TieBreak

Progress = Callable[[str], None]


def _outcome(rule: str, profile: Profile, run: MESRun, **notes: object) -> Outcome:
    return Outcome(
        rule,
        tuple(profile.project_ids[j] for j in run.selected),
        run.total_cost,
        profile.budget,
        run.steps,
        notes={"per_voter_budget": run.per_voter_budget, **notes},
    )


def equal_shares(
    profile: Profile, tie_break: TieBreak | None = None, *, approval_utility: ApprovalUtility = "cost"
) -> Outcome:
    """Plain MES with per-voter budget B/n (pabulib ``equalshares``)."""
    if profile.n_voters == 0:
        return Outcome("equalshares", (), Fraction(0), profile.budget)
    run = equal_shares_fixed(profile, profile.budget / profile.n_voters, tie_break, approval_utility=approval_utility)
    return _outcome("equalshares", profile, run)


def _everything_funded(profile: Profile, run: MESRun) -> bool:
    return set(mes_candidates(profile)) <= set(run.selected)


def _is_exhaustive(profile: Profile, run: MESRun) -> bool:
    chosen = set(run.selected)
    return all(run.total_cost + profile.costs[j] > profile.budget for j in mes_candidates(profile) if j not in chosen)


def equal_shares_add1(
    profile: Profile,
    tie_break: TieBreak | None = None,
    *,
    approval_utility: ApprovalUtility = "cost",
    stop_when_exhaustive: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Official Add1 completion (see module docstring) -- reproduces Świecie and Wieliczka."""
    if profile.n_voters == 0:
        return Outcome("equalshares/add1", (), Fraction(0), profile.budget)
    n, budget = profile.n_voters, profile.budget
    best = equal_shares_fixed(profile, budget / n, tie_break, approval_utility=approval_utility)
    per_voter = Fraction(math.floor(budget / n))
    iterations = 1
    while not _everything_funded(profile, best) and not (stop_when_exhaustive and _is_exhaustive(profile, best)):
        per_voter += 1
        trial = equal_shares_fixed(profile, per_voter, tie_break, approval_utility=approval_utility)
        iterations += 1
        if progress is not None and iterations % 10 == 0:
            progress(f"add1: per-voter budget {per_voter}, cost {float(trial.total_cost / budget):.1%} of budget")
        if trial.total_cost > budget:
            break
        best = trial
    return _outcome("equalshares/add1", profile, best, add1_iterations=iterations)


def equal_shares_add1_pabutools(
    profile: Profile,
    tie_break: TieBreak | None = None,
    *,
    approval_utility: ApprovalUtility = "cost",
    increment: Fraction = Fraction(1),
    progress: Progress | None = None,
) -> Outcome:
    """pabutools' ``voter_budget_increment`` variant (see module docstring)."""
    rule = "equalshares/add1-pabutools"
    if profile.n_voters == 0:
        return Outcome(rule, (), Fraction(0), profile.budget)
    per_voter = profile.budget / profile.n_voters
    previous: MESRun | None = None
    iterations = 0
    while True:
        run = equal_shares_fixed(profile, per_voter, tie_break, approval_utility=approval_utility)
        iterations += 1
        if progress is not None and iterations % 10 == 0:
            progress(f"add1-pabutools: per-voter budget {float(per_voter):.2f}")
        if run.total_cost > profile.budget:
            if previous is None:  # cannot happen at B/n, kept for safety
                previous = MESRun((), (), Fraction(0), per_voter)
            return _outcome(rule, profile, previous, add1_iterations=iterations)
        if _is_exhaustive(profile, run) or _everything_funded(profile, run):
            return _outcome(rule, profile, run, add1_iterations=iterations)
        previous = run
        per_voter += increment


def voter_preference_counts(profile: Profile, first: Sequence[str], second: Sequence[str]) -> tuple[int, int]:
    """How many voters get strictly more utility (approved winners / points) from ``first`` vs ``second``."""
    position = {pid: j for j, pid in enumerate(profile.project_ids)}
    n_groups = len(profile.weights)
    totals = []
    for chosen in (first, second):
        sat = np.zeros(n_groups, dtype=np.int64)
        for pid in chosen:
            j = position[pid]
            np.add.at(sat, profile.supporters[j], profile.utilities[j])
        totals.append(sat)
    prefers_first = int(profile.weights[totals[0] > totals[1]].sum())
    prefers_second = int(profile.weights[totals[1] > totals[0]].sum())
    return prefers_first, prefers_second


def with_comparison(profile: Profile, mes_outcome: Outcome, tie_break: TieBreak | None, rule: str) -> Outcome:
    """Replace the MES outcome by greedy only if strictly more voters prefer greedy."""
    greedy_outcome = greedy(profile, tie_break)
    prefers_mes, prefers_greedy = voter_preference_counts(profile, mes_outcome.selected, greedy_outcome.selected)
    notes = {**mes_outcome.notes, "prefers_mes": prefers_mes, "prefers_greedy": prefers_greedy}
    if prefers_greedy > prefers_mes:
        notes["comparison"] = "greedy"
        return Outcome(rule, greedy_outcome.selected, greedy_outcome.total_cost, profile.budget, (), notes)
    notes["comparison"] = "equalshares"
    return Outcome(rule, mes_outcome.selected, mes_outcome.total_cost, profile.budget, mes_outcome.steps, notes)
