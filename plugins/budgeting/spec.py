"""The budgeting method's manifest: its phase configuration, actions and labels."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from core import CHOOSING, SUBMITTING, ActionSpec, Money, PhaseState, lazy_gettext, phase_state

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
    min_spend_amount: Money = 0
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
    "min_spend_percent": lazy_gettext("Minimum spend (percent of the budget, knapsack ballots)"),
    "min_spend_amount": lazy_gettext("Minimum spend (amount, knapsack ballots)"),
    "min_choices": lazy_gettext("Fewest options a ballot must choose (approval ballots)"),
    "max_choices": lazy_gettext("Most options a ballot may choose (approval ballots, 0 = no limit)"),
    "points": lazy_gettext("Points each voter spreads (cumulative ballots)"),
    "max_points_per_option": lazy_gettext("Most points on one option (cumulative ballots, 0 = no limit)"),
    "rank_count": lazy_gettext("Options to rank (ranked ballots)"),
    "show_results_before_end": lazy_gettext("Show results while voting is open"),
    "tie_break": lazy_gettext("Tie-breaking order"),
}

BALLOT_TYPE_LABELS = {
    "knapsack": lazy_gettext("Within the budget: choose options until the money is spent"),
    "approval": lazy_gettext("Approval: choose the options you support"),
    "cumulative": lazy_gettext("Cumulative: spread your points"),
    "choose-one": lazy_gettext("Choose one option"),
    "ranked": lazy_gettext("Ranked: order your favourite options"),
}

# The phase settings' select shows each ballot type in words (core.config_forms: "<field>:<value>" labels).
CONFIG_LABELS.update({f"ballot_type:{key}": label for key, label in BALLOT_TYPE_LABELS.items()})

SOURCE_LABELS = {
    "online": lazy_gettext("Online"),
    "paper": lazy_gettext("Paper (entered by staff)"),
    "import": lazy_gettext("Imported from a file"),
}

# One permission, two paces: filling the cart is many quick clicks (step "cart"), submitting happens once per budget
# (step "submit"; a repeat lands on the confirmation before it is counted).
VOTE = ActionSpec(
    VOTE_ACTION,
    lazy_gettext("Vote on the budget"),
    default_level="registered",
    rate_limit=SUBMITTING,
    step_limits={"cart": CHOOSING, "submit": SUBMITTING},
)


def results_public(phase: Any, config: BudgetingConfig) -> bool:
    """The one embargo rule: results are public once the phase ended, or while open when the phase says so."""
    return phase_state(phase) is PhaseState.ENDED or bool(config.show_results_before_end)


# What the phase's public change log (the core's page) calls each public action of this method.
CHANGE_LABELS = {
    "budgeting.budget_created": lazy_gettext("Budget created"),
    "budgeting.budget_changed": lazy_gettext("Budget changed"),
    "budgeting.budget_deleted": lazy_gettext("Budget deleted"),
    "budgeting.option_created": lazy_gettext("Option added"),
    "budgeting.option_changed": lazy_gettext("Option changed"),
    "budgeting.option_deleted": lazy_gettext("Option removed"),
    "budgeting.imported": lazy_gettext("Options and ballots imported from a file"),
    "budgeting.config_changed": lazy_gettext("Voting rules changed"),
}
