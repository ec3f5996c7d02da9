"""Exact Method of Equal Shares (MES) for a fixed per-voter budget.

Every voter starts with the same budget ``b``. In each round, for every remaining project we
find the smallest price ``rho`` per unit of utility such that the supporters, each paying
``min(own budget, rho * utility)``, cover the cost; the project with the smallest ``rho`` is
funded (ties: :class:`TieBreak`). Projects whose supporters no longer hold enough money in
total are dropped for good. For approval ballots the utility of a project to an approver is its
cost (pabutools ``Cost_Sat``, the equalshares.net rule), so comparing ``rho`` is comparing the
largest individual payment divided by the cost, i.e. equalshares.net's "effective vote count".

Why it is fast while exact:

* identical ballots are one weighted group (see :mod:`.profile`);
* a voter's budget only depends on which funded projects they supported, so voters are kept in
  *budget classes*: class id per group in a numpy array, one exact rational per class, and
  classes with equal budgets are merged;
* evaluating a project is one ``np.bincount`` over its supporters' (class, utility) pairs and a
  short exact walk over the poorest classes -- exact rationals are only used where they decide;
* a project's ``rho`` can only grow between rounds (budgets only shrink), so the last computed
  value is a lower bound and most projects are never re-evaluated (lazy evaluation);
* the exact arithmetic is GMP's (``gmpy2.mpq``), ≈ 4x faster than ``fractions.Fraction``: 40,000
  different ballots create thousands of budget classes. What a run returns is ``Fraction`` again.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
from gmpy2 import mpq

from .outcome import Payment, SelectionStep
from .profile import Profile
from .tiebreak import TieBreak

ApprovalUtility = Literal["cost", "cardinality"]
_FLOAT_MARGIN = 1e-9


@dataclass(frozen=True)
class MESRun:
    """Raw result of one fixed-budget MES run (indices into the profile)."""

    selected: tuple[int, ...]
    steps: tuple[SelectionStep, ...]
    total_cost: Fraction
    per_voter_budget: Fraction


def utility_scale(profile: Profile, j: int, approval_utility: ApprovalUtility) -> Fraction:
    """Factor turning integer utilities of project ``j`` into the utilities MES prices against."""
    if profile.vote_type in ("approval", "choose-1") and approval_utility == "cost":
        return profile.costs[j]
    return profile.util_scale


def mes_candidates(profile: Profile) -> list[int]:
    """Projects MES can ever fund by buying them: supported and with a positive cost."""
    return [j for j in range(profile.n_projects) if profile.votes[j] > 0 and profile.costs[j] > 0]


def _fraction(value: mpq) -> Fraction:
    return Fraction(int(value.numerator), int(value.denominator))


class _Budgets:
    """Voter budgets as classes: ``cls[g]`` is the class of ballot group g, ``value[c]`` its exact budget (mpq).

    Classes are immutable (a class *is* a budget amount); paying moves voters to another class.
    ``_sorted`` keeps every (class, utility) key ordered by budget/utility so an evaluation can
    visit the poorest supporters first. Insertion bisects on floats (correctly rounded, hence
    monotone) and only compares exact rationals among keys whose floats are equal.
    """

    def __init__(self, n_groups: int, start: mpq, n_util: int) -> None:
        self.n_util = n_util
        self.cls = np.zeros(n_groups, dtype=np.int64)
        self.value: list[mpq] = []
        self.value_f = np.zeros(16, dtype=np.float64)
        self.index: dict[tuple[int, int], int] = {}
        self._sorted: list[int] = []
        self._sorted_f: list[float] = []
        self._ratio: dict[int, mpq] = {}
        self._rank: np.ndarray | None = None
        self.class_for(start)

    def class_for(self, amount: mpq) -> int:
        token = (amount.numerator, amount.denominator)
        c = self.index.get(token)
        if c is None:
            c = self.index[token] = len(self.value)
            self.value.append(amount)
            if c >= len(self.value_f):
                self.value_f = np.concatenate([self.value_f, np.zeros(len(self.value_f))])
            self.value_f[c] = float(amount)
            for u in range(1, self.n_util):
                self._insert(c * self.n_util + u, amount if u == 1 else amount / u)
            self._rank = None
        return c

    def _insert(self, key: int, ratio: mpq) -> None:
        as_float = float(ratio)
        pos = bisect.bisect_left(self._sorted_f, as_float)
        sorted_keys, sorted_f, exact = self._sorted, self._sorted_f, self._ratio
        while pos < len(sorted_f) and sorted_f[pos] == as_float and exact[sorted_keys[pos]] <= ratio:
            pos += 1
        sorted_keys.insert(pos, key)
        sorted_f.insert(pos, as_float)
        exact[key] = ratio

    def rank(self) -> np.ndarray:
        """Rank of every (class, utility) key by budget/utility."""
        if self._rank is None:
            rank = np.zeros(len(self.value) * self.n_util, dtype=np.int64)
            rank[np.asarray(self._sorted, dtype=np.int64)] = np.arange(len(self._sorted), dtype=np.int64)
            self._rank = rank
        return self._rank


@dataclass
class _Evaluation:
    rho_int: mpq
    keys: np.ndarray
    nz: np.ndarray
    counts: np.ndarray


def _evaluate(j: int, profile: Profile, budgets: _Budgets, sup_w: np.ndarray, tot_u: int) -> _Evaluation | None:
    """Smallest price per integer utility unit that lets j's supporters pay for it, or None if they cannot."""
    n_util = budgets.n_util
    sup = profile.supporters[j]
    keys = budgets.cls[sup] * n_util + profile.utilities[j]
    counts = np.bincount(keys, weights=sup_w)
    nz = np.flatnonzero(counts)
    cost = mpq(profile.costs[j])
    values = budgets.value
    money_f = float(np.dot(counts[nz], budgets.value_f[nz // n_util]))
    cost_f = float(cost)
    if money_f < cost_f * (1 - _FLOAT_MARGIN):
        return None
    if money_f <= cost_f * (1 + _FLOAT_MARGIN):
        money = sum((int(counts[k]) * values[k // n_util] for k in nz), mpq(0))
        if money < cost:
            return None
    order = nz[np.argsort(budgets.rank()[nz], kind="stable")]
    remaining = cost
    denom = tot_u
    for k in order.tolist():
        b = values[k // n_util]
        u = k % n_util
        if remaining * u <= b * denom:
            break
        c = int(counts[k])
        remaining -= c * b
        denom -= c * u
    return _Evaluation(remaining / denom, keys, nz, counts)


def equal_shares_fixed(
    profile: Profile,
    per_voter_budget: Fraction,
    tie_break: TieBreak | None = None,
    *,
    approval_utility: ApprovalUtility = "cost",
) -> MESRun:
    """Run MES with every voter holding ``per_voter_budget``; no completion.

    Free supported projects (cost 0) are funded first, as pabutools does; nobody pays for them.
    """
    tie_break = tie_break or TieBreak()
    start = mpq(per_voter_budget)
    n_util = max((int(u.max()) for u in profile.utilities if len(u)), default=1) + 1
    budgets = _Budgets(len(profile.weights), start, n_util)
    selected: list[int] = []
    steps: list[SelectionStep] = []
    total = Fraction(0)
    for j in sorted(
        (j for j in range(profile.n_projects) if profile.votes[j] > 0 and profile.costs[j] == 0),
        key=lambda j: tie_break.key(profile, j),
    ):
        selected.append(j)
        zero = Fraction(0)
        steps.append(SelectionStep(profile.project_ids[j], 0, zero, zero, (), profile.votes[j], zero))
    scale = {j: mpq(utility_scale(profile, j, approval_utility)) for j in range(profile.n_projects)}
    sup_w = {j: profile.weights[profile.supporters[j]].astype(np.float64) for j in range(profile.n_projects)}
    tot_u = {j: int((profile.weights[profile.supporters[j]] * profile.utilities[j]).sum()) for j in scale}
    alive = set(mes_candidates(profile)) if start > 0 else set()
    lower = {j: mpq(profile.costs[j]) / tot_u[j] / scale[j] for j in alive}
    lower_f = {j: float(value) for j, value in lower.items()}
    round_no = 0
    while alive:
        best: mpq | None = None
        best_f = 0.0
        tied: list[int] = []
        evaluations: dict[int, _Evaluation] = {}
        # Visit by float lower bound (cheap); the exact test decides, the float one only ends the scan
        # once every remaining bound is clearly above the best price found.
        for j in sorted(alive, key=lower_f.__getitem__):
            if best is not None:
                if lower_f[j] > best_f * (1 + _FLOAT_MARGIN):
                    break
                if lower[j] > best:
                    continue
            evaluation = _evaluate(j, profile, budgets, sup_w[j], tot_u[j])
            if evaluation is None:
                alive.discard(j)
                continue
            rho = evaluation.rho_int / scale[j]
            lower[j] = rho
            lower_f[j] = float(rho)
            evaluations[j] = evaluation
            if best is None or rho < best:
                best, best_f, tied = rho, float(rho), [j]
            elif rho == best:
                tied.append(j)
        if not tied:
            break
        winner = min(tied, key=lambda j: tie_break.key(profile, j))
        round_no += 1
        steps.append(_pay(winner, evaluations[winner], profile, budgets, scale[winner], round_no))
        selected.append(winner)
        total += profile.costs[winner]
        alive.discard(winner)
    return MESRun(tuple(selected), tuple(steps), total, _fraction(start))


def _pay(j: int, ev: _Evaluation, profile: Profile, budgets: _Budgets, scale: mpq, round_no: int) -> SelectionStep:
    """Charge j's supporters, move them to their new budget classes, and describe who paid what."""
    n_util = budgets.n_util
    lut = np.zeros(len(budgets.value) * n_util, dtype=np.int64)
    paid: dict[tuple[int, int], int] = {}
    values = budgets.value
    rho = ev.rho_int
    counts = ev.counts
    for k in ev.nz.tolist():
        c, u = divmod(k, n_util)
        b = values[c]
        if not b:
            lut[k] = c
            continue
        due = rho * u if u != 1 else rho
        if due < b:
            pay = due
            lut[k] = budgets.class_for(b - due)
        else:
            pay = b
            lut[k] = budgets.class_for(mpq(0))
        token = (pay.numerator, pay.denominator)
        paid[token] = paid.get(token, 0) + int(counts[k])
    budgets.cls[profile.supporters[j]] = lut[ev.keys]
    payments = tuple(
        Payment(Fraction(int(num), int(den)), n) for (num, den), n in sorted(paid.items(), key=lambda t: -mpq(*t[0]))
    )
    max_payment = payments[0].amount if payments else Fraction(0)
    return SelectionStep(
        profile.project_ids[j],
        round_no,
        _fraction(rho / scale),
        max_payment,
        payments,
        profile.votes[j],
        profile.costs[j],
    )
