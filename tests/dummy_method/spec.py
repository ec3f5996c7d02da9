"""The method's manifest: its key, labels, configuration and actions."""

from __future__ import annotations

import msgspec

from core import COMMENTING, REACTING, SUBMITTING, ActionSpec, MethodSpec, PhaseContext, PhasePanel, lazy_gettext

KEY = "dummy"
SUPPORT = f"{KEY}.support"
WITHDRAW = f"{KEY}.withdraw"
COMMENT = f"{KEY}.comment"
REACT = f"{KEY}.react"


class DummyConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Per-phase settings chosen by the municipality; every field has a default so old rows keep decoding."""

    allow_withdraw: bool = True
    goal: int = 10
    upvotes_only: bool = False
    like_limit: int = 0
    anonymous_comments: bool = False
    auto_hide_reports: int = 3


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    from core import item_view
    from tests.dummy_method import services
    from tests.dummy_method.items import KIND, load

    context = await services.panel_context(pctx)
    phase = await load(pctx.session, pctx.phase.id)
    hidden = getattr(phase, "dummy_state", None) is not None and phase.dummy_state.hidden
    context["part"] = await item_view(pctx, KIND, phase) if not hidden or pctx.moderator else None
    return PhasePanel("dummy/panel.html", context)


ACTIONS = (
    ActionSpec(SUPPORT, lazy_gettext("Support the phase"), "registered", rate_limit=SUBMITTING),
    ActionSpec(WITHDRAW, lazy_gettext("Withdraw support"), "registered", rate_limit=SUBMITTING),
    ActionSpec(COMMENT, lazy_gettext("Comment on the phase"), "registered", rate_limit=COMMENTING),
    ActionSpec(REACT, lazy_gettext("React to the phase"), "registered", rate_limit=REACTING),
)

SPEC = MethodSpec(
    key=KEY,
    label=lazy_gettext("Show of support"),
    description=lazy_gettext("Residents support the phase once and see how many others do."),
    config=DummyConfig,
    render_phase=render_phase,
    icon="✋",
    actions=ACTIONS,
    config_labels={
        "allow_withdraw": lazy_gettext("Residents may withdraw their support"),
        "goal": lazy_gettext("Number of supporters aimed for"),
        "upvotes_only": lazy_gettext("Residents only up-vote (no like or dislike)"),
        "like_limit": lazy_gettext("Likes per person in this phase (0 = no limit)"),
        "anonymous_comments": lazy_gettext("Residents may comment anonymously"),
        "auto_hide_reports": lazy_gettext("Reports after which content is hidden until reviewed"),
    },
)
