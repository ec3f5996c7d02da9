"""The proposals method's manifest: its key, per-phase configuration (the exact rules) and the actions it gates."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core import (
    COMMENTING,
    EDITING,
    POSTING,
    SUBMITTING,
    ActionSpec,
    ConfigError,
    MethodSpec,
    PhaseContext,
    PhasePanel,
    lazy_gettext,
    phase_config,
)

KEY = "proposals"
CREATE = f"{KEY}.create"
SIGN = f"{KEY}.sign"
COMMENT = f"{KEY}.comment"

Days = Annotated[int, Meta(ge=1, le=3650)]


class ProposalsConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Chosen per phase in the admin form; every field has a default so stored configs keep decoding.

    The threshold and the deadline are fixed on each proposal when it is published (the population is
    snapshotted then), so a later change of these settings moves no goal of a proposal already collecting.
    """

    threshold_kind: Literal["absolute", "percent"] = "absolute"
    threshold: Annotated[int, Meta(ge=1, le=10_000_000)] = 100
    threshold_percent: Annotated[float, Meta(gt=0, le=100)] = 1.0
    deadline_kind: Literal["days", "fixed"] = "days"
    deadline_days: Days = 90
    deadline_date: str = ""  # ISO date (YYYY-MM-DD), the last day of signing in the municipality's timezone
    prescreening: bool = True
    min_cosponsors: Annotated[int, Meta(ge=0, le=100)] = 0
    signing_after_threshold: bool = False
    withdrawal_allowed: bool = True
    response_days: Days = 90
    retention_days: Annotated[int, Meta(ge=0, le=3650)] = 0  # 0 keeps the signers' data
    # Online signers give their identity too (national id, or name + date of birth + address), kept only as a keyed
    # hash, so an online signature and a paper one of the same person are recognised as one.
    signer_identity: bool = False

    def __post_init__(self) -> None:
        if self.deadline_kind == "fixed":
            from plugins.proposals.rules import parse_day

            if parse_day(self.deadline_date) is None:
                raise ConfigError(lazy_gettext("Give the last day of signing as YYYY-MM-DD."), field="deadline_date")


CONFIG_LABELS = {
    "threshold_kind": lazy_gettext("Signature threshold given as"),
    "threshold_kind:absolute": lazy_gettext("A number of signatures"),
    "threshold_kind:percent": lazy_gettext("A percentage of the population"),
    "threshold": lazy_gettext("Signatures needed"),
    "threshold_percent": lazy_gettext("Percentage of the population needed"),
    "deadline_kind": lazy_gettext("Signing ends"),
    "deadline_kind:days": lazy_gettext("A number of days after publication"),
    "deadline_kind:fixed": lazy_gettext("On a fixed date"),
    "deadline_days": lazy_gettext("Days of signing after publication"),
    "deadline_date": lazy_gettext("Last day of signing (YYYY-MM-DD)"),
    "prescreening": lazy_gettext("Staff screen proposals before publication"),
    "min_cosponsors": lazy_gettext("Co-sponsors needed before submission"),
    "signing_after_threshold": lazy_gettext("Signing continues after the threshold is reached"),
    "withdrawal_allowed": lazy_gettext("Signers may withdraw until the threshold is reached"),
    "response_days": lazy_gettext("Days the council has to answer"),
    "retention_days": lazy_gettext("Days after closing before signer data is purged (0 = keep)"),
    "signer_identity": lazy_gettext("Online signers give their identity, to match paper signatures"),
}

ACTIONS = (
    # Drafting: new proposals as scarce as new ideas; edits, submission, invitations and co-sponsoring as edits.
    ActionSpec(
        CREATE, lazy_gettext("Start a proposal"), "registered", rate_limit=POSTING, step_limits={"edit": EDITING}
    ),
    ActionSpec(SIGN, lazy_gettext("Sign a proposal"), "verified", rate_limit=SUBMITTING),  # signing and withdrawing
    ActionSpec(COMMENT, lazy_gettext("Comment on a proposal"), "registered", rate_limit=COMMENTING),
)


def config_of(phase: object) -> ProposalsConfig:
    """The phase's config decoded (once per loaded phase); a stored value that no longer fits falls back to the
    defaults."""
    return phase_config(phase, ProposalsConfig)


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    from plugins.proposals.controllers import phase_panel

    return await phase_panel(pctx)


SPEC = MethodSpec(
    key=KEY,
    label=lazy_gettext("Citizen proposals"),
    description=lazy_gettext(
        "Residents collect signatures for a proposal; once it reaches the threshold the council must answer."
    ),
    config=ProposalsConfig,
    render_phase=render_phase,
    icon="✍",
    actions=ACTIONS,
    config_labels=CONFIG_LABELS,
    public_events={"proposals.threshold_reached": lazy_gettext("A proposal reached its signature threshold")},
)
