"""Result objects returned by every rule, designed to be rendered on a results page as-is."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Payment:
    """``voters`` voters each paid ``amount`` for one project (payments are grouped, 90k rows is too many)."""

    amount: Fraction
    voters: int


@dataclass(frozen=True)
class SelectionStep:
    """Why one project was funded by the Method of Equal Shares.

    ``rho`` is the price per unit of utility (for approval ballots with cost utility, a supporter
    pays ``rho * cost``; ``max_payment`` is that largest individual payment). ``payments`` lists
    how many supporters paid which amount; voters who had run out of money appear with the
    (smaller) amount they could still afford, and ``supporters`` counts everyone who supported it.
    """

    project_id: str
    round: int
    rho: Fraction
    max_payment: Fraction
    payments: tuple[Payment, ...]
    supporters: int
    cost: Fraction

    @property
    def effective_vote_count(self) -> Fraction | None:
        """equalshares.net's number: cost / max payment (None for free projects)."""
        return self.cost / self.max_payment if self.max_payment else None


@dataclass(frozen=True)
class Outcome:
    """What a rule selected, in selection order, plus the data needed to explain it."""

    rule: str
    selected: tuple[str, ...]
    total_cost: Fraction
    budget: Fraction
    steps: tuple[SelectionStep, ...] = ()
    notes: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict (Fractions as strings, exact) for APIs and the CLI."""
        return {
            "rule": self.rule,
            "selected": list(self.selected),
            "total_cost": _num(self.total_cost),
            "budget": _num(self.budget),
            "steps": [
                {
                    "project_id": s.project_id,
                    "round": s.round,
                    "rho": str(s.rho),
                    "max_payment": str(s.max_payment),
                    "supporters": s.supporters,
                    "payments": [{"amount": str(p.amount), "voters": p.voters} for p in s.payments],
                }
                for s in self.steps
            ],
            "notes": {k: _num(v) if isinstance(v, Fraction) else v for k, v in self.notes.items()},
        }


def _num(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)
