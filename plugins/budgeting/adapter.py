"""From database rows to the rules engine's ``Election`` (and the META a budget exports with).

Amounts go to the engine in major units (exact Fractions), the way pabulib files state them: the add1 rules raise
the per-voter budget in steps of one currency unit, so counting in cents would change their outcome.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from core import currency_digits

from .rules import format_amount
from .rules.election import Election, Project
from .spec import BudgetingConfig

VOTE_TYPES = {
    "knapsack": "approval",
    "approval": "approval",
    "cumulative": "cumulative",
    "choose-one": "choose-1",
    "ranked": "ordinal",
}


def budget_meta(config: BudgetingConfig, budget: Any, currency: str) -> dict[str, str]:
    """META for a budget: what the file it came from said, overridden by what Townhall knows for sure."""
    scale = 10 ** currency_digits(currency)
    meta = {str(k): str(v) for k, v in (budget.meta or {}).items()}
    meta.update(
        {
            "budget": format_amount(Fraction(budget.amount, scale)),
            "vote_type": VOTE_TYPES[config.ballot_type],
            "rule": budget.rule,
            "currency": currency,
        }
    )
    kind = config.ballot_type
    if kind == "knapsack":
        meta["max_sum_cost"] = meta["budget"]
    elif kind == "approval":
        if config.min_choices:
            meta["min_length"] = str(config.min_choices)
        if config.max_choices:
            meta["max_length"] = str(config.max_choices)
    elif kind == "cumulative":
        meta["max_sum_points"] = str(config.points)
        if config.max_points_per_option:
            meta["max_points"] = str(config.max_points_per_option)
    elif kind == "ranked":
        meta["max_length"] = str(config.rank_count)
        meta.setdefault("scoring_fn", "Borda")
    elif kind == "choose-one":
        meta["max_length"] = "1"
    return meta


def budget_election(config: BudgetingConfig, budget: Any, options: list[Any], currency: str) -> Election:
    """The budget as an election without voters: META and the options as projects, in ``options`` order. The rules
    count the ballots from a profile (``ballot_table.table_profile``) or the votes per option, never from voters."""
    scale = 10 ** currency_digits(currency)
    projects = {o.code: Project(o.code, Fraction(o.cost, scale), {}) for o in options}
    return Election(budget_meta(config, budget, currency), projects, [])
