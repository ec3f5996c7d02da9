"""Raking (iterative proportional fitting): weights for a sample so its margins match the population's.

Each dimension is a column of category codes (``-1``: no answer, or "prefer not to say"). People without an answer on
a dimension keep their weight share there; the answered part is fitted to the targets. Weights are kept between
``1/cap`` and ``cap`` times the mean after every sweep, so a handful of people never speak for a crowd; Kish's
effective sample size tells how much precision the weighting costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MISSING = -1


@dataclass(frozen=True)
class RakeResult:
    weights: np.ndarray  # mean 1
    iterations: int
    converged: bool
    effective_size: float


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish: (Σw)² / Σw²."""
    total = float(weights.sum())
    squares = float((weights * weights).sum())
    return total * total / squares if squares > 0 else 0.0


def weighted_shares(codes: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Share of each category code ``0..size-1`` among the answered rows, weighted."""
    answered = codes >= 0
    sums = np.bincount(codes[answered], weights=weights[answered], minlength=size)[:size]
    total = sums.sum()
    return sums / total if total > 0 else sums


def _trim(weights: np.ndarray, cap: float) -> None:
    """Keep weights (mean 1) within [1/cap, cap]: clip, then rescale only the weights strictly inside the bounds so
    the mean is 1 again; a few rounds settle which weights sit on a bound."""
    n = len(weights)
    low, high = 1.0 / cap, cap
    weights *= n / weights.sum()
    for _ in range(50):
        np.clip(weights, low, high, out=weights)
        free = (weights > low) & (weights < high)
        free_sum = float(weights[free].sum())
        if free_sum <= 0:
            return
        factor = (n - float(weights[~free].sum())) / free_sum
        if abs(factor - 1.0) < 1e-12:
            return
        weights[free] *= factor


def rake(
    codes: Sequence[np.ndarray],
    targets: Sequence[Mapping[int, float]],
    *,
    cap: float = 5.0,
    max_iter: int = 200,
    tol: float = 1e-7,
) -> RakeResult:
    """Fit weights to the ``targets`` (per dimension: code → population share) of each dimension's ``codes``.

    Targets of categories nobody in the sample has are dropped and the rest renormalised (no weight can fill an empty
    cell). ``converged`` is true when every margin is within ``tol`` of its target.
    """
    if cap <= 1:
        raise ValueError("cap must be above 1")
    n = len(codes[0]) if codes else 0
    weights = np.ones(n, dtype=float)
    if n == 0:
        return RakeResult(weights, 0, True, 0.0)
    plans: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for column, target in zip(codes, targets, strict=True):
        column = np.asarray(column, dtype=np.int64)
        size = max([int(column.max(initial=-1)) + 1, *(int(k) + 1 for k in target)])
        present = np.bincount(column[column >= 0], minlength=size) > 0
        wanted = np.zeros(size)
        for key, share in target.items():
            if share < 0:
                raise ValueError("a target share is negative")
            wanted[int(key)] = share
        wanted = np.where(present, wanted, 0.0)
        if wanted.sum() <= 0:
            continue
        plans.append((column, wanted / wanted.sum(), present & (wanted > 0)))
    iterations = 0
    best, stalled = float("inf"), 0
    converged = not plans
    for iterations in range(1, max_iter + 1):  # noqa: B007
        for column, wanted, _fit in plans:
            answered = column >= 0
            sums = np.bincount(column[answered], weights=weights[answered], minlength=len(wanted))
            total = sums.sum()
            factors = np.divide(wanted * total, sums, out=np.ones_like(sums), where=sums > 0)
            weights[answered] *= factors[column[answered]]
        _trim(weights, cap)
        error = max(float(np.abs(weighted_shares(c, weights, len(w)) - w).max()) for c, w, _ in plans)
        if error < tol:
            converged = True
            break
        if error < best - tol:
            best, stalled = error, 0
        else:
            stalled += 1
            if stalled >= 10:
                break  # the caps hold the weights back: the margins get no closer
    return RakeResult(weights, iterations, converged, effective_sample_size(weights))
