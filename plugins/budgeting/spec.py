"""The budgeting method's manifest: its phase configuration, actions and labels."""

from __future__ import annotations

from typing import Literal

import msgspec

from core import ActionSpec, lazy_gettext

BallotType = Literal["knapsack", "approval", "cumulative", "choose-one", "ranked"]
BALLOT_TYPES: tuple[str, ...] = ("knapsack", "approval", "cumulative", "choose-one", "ranked")
SOURCES: tuple[str, ...] = ("online", "paper", "import")
VOTE_ACTION = "budgeting.vote"


class BudgetingConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """One ballot model, configured per phase. Every field has a default so stored configs keep decoding.

    Amounts are integer minor units of the municipality's currency. A limit of 0 means "no limit".
    """

    ballot_type: BallotType = "knapsack"
    min_spend_percent: int = 0
    min_spend_amount: int = 0
    min_choices: int = 0
    max_choices: int = 0
    points: int = 10
    max_points_per_option: int = 0
    rank_count: int = 3
    show_results_before_end: bool = False
    tie_break: str = "min_cost,max_votes,id"

    def __post_init__(self) -> None:
        for name in ("min_spend_percent", "min_spend_amount", "min_choices", "max_choices", "max_points_per_option"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.min_spend_percent > 100:
            raise ValueError("min_spend_percent cannot exceed 100")
        if self.points < 1 or self.rank_count < 1:
            raise ValueError("points and rank_count must be at least 1")
        if self.max_choices and self.min_choices > self.max_choices:
            raise ValueError("min_choices cannot exceed max_choices")
        from .rules import TieBreak

        TieBreak.parse(self.tie_break)


CONFIG_LABELS = {
    "ballot_type": lazy_gettext("Ballot type"),
    "min_spend_percent": lazy_gettext("Minimum spend (% of the budget, knapsack ballots)"),
    "min_spend_amount": lazy_gettext("Minimum spend (amount in minor units, knapsack ballots)"),
    "min_choices": lazy_gettext("Fewest options a ballot must choose (approval ballots)"),
    "max_choices": lazy_gettext("Most options a ballot may choose (approval ballots, 0 = no limit)"),
    "points": lazy_gettext("Points each voter spreads (cumulative ballots)"),
    "max_points_per_option": lazy_gettext("Most points on one option (cumulative ballots, 0 = no limit)"),
    "rank_count": lazy_gettext("Options to rank (ranked ballots)"),
    "show_results_before_end": lazy_gettext("Show results while voting is open"),
    "tie_break": lazy_gettext("Tie-breaking order"),
}

BALLOT_TYPE_LABELS = {
    "knapsack": lazy_gettext("Knapsack: choose options within the budget"),
    "approval": lazy_gettext("Approval: choose the options you support"),
    "cumulative": lazy_gettext("Cumulative: spread your points"),
    "choose-one": lazy_gettext("Choose one option"),
    "ranked": lazy_gettext("Ranked: order your favourite options"),
}

SOURCE_LABELS = {
    "online": lazy_gettext("Online"),
    "paper": lazy_gettext("Paper (entered by staff)"),
    "import": lazy_gettext("Imported from a file"),
}

VOTE = ActionSpec(VOTE_ACTION, lazy_gettext("Vote on the budget"), default_level="registered")
