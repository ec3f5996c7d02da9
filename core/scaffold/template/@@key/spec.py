"""The method's manifest: its key, labels, per-phase configuration and the actions a municipality can gate."""

from __future__ import annotations

import msgspec

from core import SUBMITTING, ActionSpec, MethodSpec, PhaseContext, PhasePanel, lazy_gettext

KEY = "@@key"
SIGN_UP = f"{KEY}.signup"


class @@{Key}Config(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Chosen per phase in the admin form; every field has a default so stored configs keep decoding."""

    intro: str = ""


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    from @@key import services

    return PhasePanel("@@key/panel.html", await services.panel_context(pctx))


SPEC = MethodSpec(
    key=KEY,
    label=lazy_gettext("Sign-up sheet"),
    description=lazy_gettext("Residents sign up once; everyone sees how many did."),
    config=@@{Key}Config,
    render_phase=render_phase,
    actions=(ActionSpec(SIGN_UP, lazy_gettext("Put my name down"), "registered", rate_limit=SUBMITTING),),
    config_labels={"intro": lazy_gettext("Text shown above the button")},
)
