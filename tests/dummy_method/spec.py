"""The method's manifest: its key, labels, configuration and actions."""

from __future__ import annotations

import msgspec

from core import ActionSpec, MethodSpec, PhaseContext, PhasePanel, lazy_gettext

KEY = "dummy"
SUPPORT = f"{KEY}.support"
WITHDRAW = f"{KEY}.withdraw"


class DummyConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Per-phase settings chosen by the municipality; every field has a default so old rows keep decoding."""

    allow_withdraw: bool = True
    goal: int = 10


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    from tests.dummy_method import services

    return PhasePanel("dummy/panel.html", await services.panel_context(pctx))


ACTIONS = (
    ActionSpec(SUPPORT, lazy_gettext("Support the phase"), "registered"),
    ActionSpec(WITHDRAW, lazy_gettext("Withdraw support"), "registered"),
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
    },
)
