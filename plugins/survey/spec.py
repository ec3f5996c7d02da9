"""The survey method's manifest: its phase configuration and its one action."""

from __future__ import annotations

from typing import Any

import msgspec

from core import EDITING, SUBMITTING, ActionSpec, MultiLoc, PhaseState, lazy_gettext, phase_state

KEY = "survey"
RESPOND = f"{KEY}.respond"


class SurveyConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Per phase. Every field has a default so stored configs keep decoding; the questions live in their table."""

    intro: MultiLoc = {}
    anonymous: bool = False
    several_responses: bool = False
    results_public: bool = False
    email_copy: bool = False


CONFIG_LABELS = {
    "intro": lazy_gettext("Introduction"),
    "anonymous": lazy_gettext("Anonymous responses (no link between a response and its author)"),
    "several_responses": lazy_gettext("A person may respond several times"),
    "results_public": lazy_gettext("Residents see the results once the survey closes"),
    "email_copy": lazy_gettext("Offer a copy of one's answers by e-mail"),
}

RESPOND_ACTION = ActionSpec(
    RESPOND,
    lazy_gettext("Respond to the survey"),
    default_level="registered",
    needs_account=False,
    rate_limit=SUBMITTING,
    step_limits={"draft": EDITING, "upload": EDITING},
)


# What the phase's public change log (the core's page) calls each edit of the form.
CHANGE_LABELS = {
    "survey.question_added": lazy_gettext("Question added"),
    "survey.question_changed": lazy_gettext("Question changed"),
    "survey.question_moved": lazy_gettext("Question moved"),
    "survey.question_removed": lazy_gettext("Question removed"),
}


def residents_see_results(phase: Any, config: SurveyConfig) -> bool:
    """The one rule for residents (staff always see results): after the close, when the phase makes them public."""
    return phase_state(phase) is PhaseState.ENDED and bool(config.results_public)
