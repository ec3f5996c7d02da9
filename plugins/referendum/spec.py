"""The referendum's manifest: per-phase rules (roll, quorums, binding), its actions and their labels."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from core import ActionSpec, ConfigError, MultiLoc, RateLimit, lazy_gettext

KEY = "referendum"
VOTE_ACTION = f"{KEY}.vote"

RollSource = Literal["verified", "registered", "register"]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]


class ReferendumConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Chosen per phase; frozen (``config_locked``) once the electoral roll is snapshotted when voting opens.

    ``roll_areas`` limits the roll to residents of those areas (ids; empty = every area). Quorums are whole
    percentages of the roll; 0 means no quorum.
    """

    intro: MultiLoc = {}
    roll_source: RollSource = "verified"
    roll_areas: list[int] = []
    participation_quorum: Percent = 0
    approval_quorum: Percent = 0
    binding: bool = False
    live_turnout: bool = False
    # years on the last day of voting; accounts hold no birth date, so only the imported register (with a birth date
    # per row) can be checked: a minimum age needs roll_source = "register"
    minimum_age: Annotated[int, msgspec.Meta(ge=0, le=120)] = 0

    def __post_init__(self) -> None:
        if self.minimum_age and self.roll_source != "register":
            raise ConfigError(
                lazy_gettext(
                    "A minimum age needs the imported register with a birth date per voter: accounts hold no birth "
                    "date. Choose “Only the imported register”."
                ),
                field="minimum_age",
            )


CONFIG_LABELS = {
    "intro": lazy_gettext("Introduction"),
    "roll_source": lazy_gettext("Who is on the electoral roll"),
    "roll_source:verified": lazy_gettext("Verified residents"),
    "roll_source:registered": lazy_gettext("Every registered resident"),
    "roll_source:register": lazy_gettext("Only the imported register"),
    "roll_areas": lazy_gettext("Only residents of these areas (area ids, one per line; empty for all)"),
    "participation_quorum": lazy_gettext("Participation quorum (percent of the roll who must vote, 0 for none)"),
    "approval_quorum": lazy_gettext("Approval quorum (yes votes as percent of the roll, 0 for none)"),
    "binding": lazy_gettext("The result is binding"),
    "live_turnout": lazy_gettext("Show the turnout while voting is open"),
    "minimum_age": lazy_gettext("Minimum age on the last day of voting (0 for none; needs the imported register)"),
}

# Only successful votes are ever counted (a refused attempt rolls back), so a day is the only window that means
# anything: how many roll entries one address may cast for. Coarse: the counted hits keep the day and a random id,
# never the time or the order of voting, which would sit next to the voter's account in ``rate_limit_hit``.
VOTE_LIMIT = RateLimit.of(account="5/day", ip="250/day", coarse=True)
VOTE = ActionSpec(VOTE_ACTION, lazy_gettext("Vote in the referendum"), default_level="verified", rate_limit=VOTE_LIMIT)

KIND_LABELS = {
    "yesno": lazy_gettext("Yes or no"),
    "single": lazy_gettext("One choice"),
    "multiple": lazy_gettext("Several choices"),
    "ranked": lazy_gettext("Ranked (instant-runoff)"),
}


# What the phase's public change log (the core's page) calls this method's public actions; votes are never logged.
CHANGE_LABELS = {
    "referendum.question_added": lazy_gettext("Question added"),
    "referendum.question_removed": lazy_gettext("Question removed"),
}
