"""The workshop method's manifest: its key, per-phase configuration and the actions it gates."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from core import (
    COMMENTING,
    EDITING,
    REACTING,
    SUBMITTING,
    ActionSpec,
    ConfigError,
    MethodSpec,
    PhaseContext,
    PhasePanel,
    lazy_gettext,
    phase_config,
    requires_rows,
)

from .models import WorkshopSession

KEY = "workshop"
REGISTER = f"{KEY}.register"
POST = f"{KEY}.post"
VOTE = f"{KEY}.vote"


class WorkshopConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Chosen per phase in the admin form; every field has a default so stored configs keep decoding."""

    # Hosts a session's meeting or stream link may point to (exact host or a subdomain of it), one per line.
    allowed_hosts: list[str] = []
    # Show the meeting inside the session page (a sandboxed iframe; camera and microphone go to that host only)
    # instead of only opening it in a new tab.
    embed_meeting: bool = False
    premoderation: bool = False  # cards wait for the facilitator's approval before others see them
    anonymous_cards: bool = True  # residents may hide their name from other residents on a card
    max_card_length: Annotated[int, Meta(ge=20, le=2000)] = 500

    def __post_init__(self) -> None:
        from plugins.workshop.rules import valid_host

        cleaned = []
        for host in self.allowed_hosts:
            host = host.strip().lower()
            if not host:
                continue
            if not valid_host(host):
                raise ConfigError(
                    lazy_gettext("Give one host name per line, like meet.example.org."), field="allowed_hosts"
                )
            cleaned.append(host)
        self.allowed_hosts = cleaned


CONFIG_LABELS = {
    "allowed_hosts": lazy_gettext("Hosts allowed for meeting links (one per line)"),
    "embed_meeting": lazy_gettext("Show the meeting inside the session page (it can still open in a new tab)"),
    "premoderation": lazy_gettext("The facilitator approves cards before others see them"),
    "anonymous_cards": lazy_gettext("Residents may post cards without showing their name"),
    "max_card_length": lazy_gettext("Longest card, in characters"),
}

ACTIONS = (
    ActionSpec(REGISTER, lazy_gettext("Register for a workshop session"), "registered", rate_limit=SUBMITTING),
    ActionSpec(
        POST,
        lazy_gettext("Post a card on a workshop board"),
        "registered",
        rate_limit=COMMENTING,
        step_limits={"edit": EDITING},
    ),
    ActionSpec(VOTE, lazy_gettext("Up-vote a card on a workshop board"), "registered", rate_limit=REACTING),
)


def config_of(phase: object) -> WorkshopConfig:
    """The phase's config decoded (once per loaded phase); a stored value that no longer fits falls back to the
    defaults."""
    return phase_config(phase, WorkshopConfig)


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    from plugins.workshop.controllers import phase_panel

    return await phase_panel(pctx)


SPEC = MethodSpec(
    key=KEY,
    label=lazy_gettext("Virtual workshop"),
    description=lazy_gettext(
        "Scheduled live sessions: residents register, post and up-vote cards on a shared board while a facilitator "
        "runs the agenda; a report follows."
    ),
    config=WorkshopConfig,
    render_phase=render_phase,
    icon="🗣",
    actions=ACTIONS,
    config_labels=CONFIG_LABELS,
    manage_path="/p/{phase_id}/workshop/new",  # a new session (the phase page lists the others)
    setup_missing=requires_rows(WorkshopSession, lazy_gettext("Schedule a session residents can register for.")),
)
