"""The budgeting method's manifest: its phase configuration, actions and labels."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from core import (
    CHOOSING,
    SUBMITTING,
    ActionSpec,
    Money,
    PhaseState,
    gettext,
    lazy_gettext,
    one_of,
    phase_state,
    shown_when,
)

BallotType = Literal["knapsack", "approval", "cumulative", "choose-one", "ranked"]
BALLOT_TYPES: tuple[str, ...] = ("knapsack", "approval", "cumulative", "choose-one", "ranked")
SOURCES: tuple[str, ...] = ("online", "paper", "import")
VOTE_ACTION = "budgeting.vote"


# The tie-break orders the phase settings offer (rules.tiebreak.CRITERIA, comma separated, as stored): a handful
# that make sense to an editor, not every permutation. A stored order outside the list is still offered.
TIE_BREAKS: tuple[str, ...] = (
    "min_cost,max_votes,id",
    "max_votes,min_cost,id",
    "max_cost,max_votes,id",
    "max_votes,max_cost,id",
    "id",
    "file_order",
)
TIE_BREAK_LABELS = {
    "min_cost,max_votes,id": lazy_gettext("Cheaper option first, then more votes, then the option's code"),
    "max_votes,min_cost,id": lazy_gettext("More votes first, then the cheaper option, then the option's code"),
    "max_cost,max_votes,id": lazy_gettext("More expensive option first, then more votes, then the option's code"),
    "max_votes,max_cost,id": lazy_gettext("More votes first, then the more expensive option, then the option's code"),
    "id": lazy_gettext("The option's code"),
    "file_order": lazy_gettext("The order in which the options are listed"),
}
# One criterion each, to word a stored order that is not in the list above.
TIE_BREAK_PARTS = {
    "min_cost": lazy_gettext("cheaper option"),
    "max_cost": lazy_gettext("more expensive option"),
    "max_votes": lazy_gettext("more votes"),
    "min_votes": lazy_gettext("fewer votes"),
    "id": lazy_gettext("the option's code"),
    "file_order": lazy_gettext("the order in which the options are listed"),
}


def describe_tie_break(value: str) -> str:
    """A stored tie-break order in words ("Other order: more votes, then fewer votes"), so the select shows it."""
    parts = [str(TIE_BREAK_PARTS.get(part, part)) for part in (p.strip() for p in value.split(",")) if part]
    if not parts:
        return value
    text = parts[0]
    for part in parts[1:]:
        text = gettext("%(first)s, then %(next)s", first=text, next=part)
    return gettext("Other order: %(order)s", order=text)


# Which ballot types read each setting (services.ballot_problems, apply_cart_action and adapter.budget_meta): the
# form hides the others' settings (core.shown_when).
KNAPSACK = shown_when("ballot_type", "knapsack")
APPROVAL = shown_when("ballot_type", "approval")
CUMULATIVE = shown_when("ballot_type", "cumulative")
RANKED = shown_when("ballot_type", "ranked")


class BudgetingConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """One ballot model, configured per phase. Every field has a default so stored configs keep decoding.

    Amounts are integer minor units of the municipality's currency. A limit of 0 means "no limit".
    """

    ballot_type: BallotType = "knapsack"
    min_spend_percent: Annotated[int, KNAPSACK] = 0
    min_spend_amount: Annotated[Money, KNAPSACK] = 0
    min_choices: Annotated[int, APPROVAL] = 0
    max_choices: Annotated[int, APPROVAL] = 0
    points: Annotated[int, CUMULATIVE] = 10
    max_points_per_option: Annotated[int, CUMULATIVE] = 0
    rank_count: Annotated[int, RANKED] = 3
    show_results_before_end: bool = False
    tie_break: Annotated[str, one_of(*TIE_BREAKS, describe=describe_tie_break)] = "min_cost,max_votes,id"

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
    "min_spend_percent": lazy_gettext("Minimum spend (percent of the budget)"),
    "min_spend_amount": lazy_gettext("Minimum spend (amount)"),
    "min_choices": lazy_gettext("Fewest options a ballot must choose"),
    "max_choices": lazy_gettext("Most options a ballot may choose"),
    "points": lazy_gettext("Points each voter spreads"),
    "max_points_per_option": lazy_gettext("Most points on one option"),
    "rank_count": lazy_gettext("Options to rank"),
    "show_results_before_end": lazy_gettext("Show results while voting is open"),
    "tie_break": lazy_gettext("Tie-breaking order"),
}
_NO_MINIMUM = lazy_gettext("0 means no minimum.")
_NO_LIMIT = lazy_gettext("0 means no limit.")
# The form adds "Applies to: <ballot type>." before these (core.shown_when).
CONFIG_HINTS = {
    "min_spend_percent": _NO_MINIMUM,
    "min_spend_amount": _NO_MINIMUM,
    "min_choices": _NO_MINIMUM,
    "max_choices": _NO_LIMIT,
    "max_points_per_option": _NO_LIMIT,
    "tie_break": lazy_gettext("When options tie, this order decides which one wins."),
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
CONFIG_LABELS.update({f"tie_break:{order}": label for order, label in TIE_BREAK_LABELS.items()})

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
