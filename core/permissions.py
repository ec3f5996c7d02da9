"""Server-side permission checks that answer with a reason the UI can show next to the disabled control."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db.base import utcnow
from core.i18n import lazy_gettext
from core.phases import PhaseState, phase_state
from core.specs import PERMISSION_LEVELS

REASONS: dict[str, Any] = {
    "not_signed_in": lazy_gettext("Sign in to take part."),
    "not_verified": lazy_gettext("Only verified residents can do this. Ask the municipality to verify your account."),
    "not_in_area": lazy_gettext("This is open to residents of the selected areas only."),
    "phase_not_active": lazy_gettext("This phase is not open right now."),
    "action_disabled": lazy_gettext("The municipality has switched this off for this phase."),
    "limit_reached": lazy_gettext("You have reached the limit for this phase."),
    "already_done": lazy_gettext("You have already done this."),
    "admins_only": lazy_gettext("Only the municipality's staff can do this."),
    "banned": lazy_gettext("Your account may not post at the moment."),
}


class SignInPrompt(str):
    """The translated "Sign in to take part." as plain text everywhere (JSON, logs, ``str()``), which HTML pages
    render as a link to the login page that comes back to the page shown (``core.templating.finalize``).

    A marker type rather than markup in the message: every method's template already prints ``verdict.message``,
    so they all get the link without knowing the request, and non-HTML uses stay plain text.
    """


class VerificationPrompt(str):
    """The translated "Only verified residents can do this…" as plain text everywhere, which HTML pages follow
    with a link to the municipality's own explanation of how to get verified (``/verification``), the same way
    ``SignInPrompt`` becomes a sign-in link."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None

    @property
    def message(self) -> str:
        if self.reason == "not_signed_in":
            return SignInPrompt(REASONS[self.reason])
        if self.reason == "not_verified":
            return VerificationPrompt(REASONS[self.reason])
        return self.text

    @property
    def text(self) -> str:
        """The reason as plain text, never a link (for descriptions read aloud, not clicked)."""
        return str(REASONS[self.reason]) if self.reason else ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def denied(reason: str) -> Verdict:
    if reason not in REASONS:
        raise ValueError(f"unknown permission reason {reason!r}")
    return Verdict(False, reason)


def action_rule(phase: Any, action: str, default_level: str) -> tuple[str, list[int]]:
    rule = (phase.permissions or {}).get(action) or {}
    level = rule.get("level", default_level)
    if level not in PERMISSION_LEVELS:
        level = default_level
    return level, [int(a) for a in rule.get("areas", [])]


def check(
    user: Any,
    action: str,
    phase: Any,
    *,
    default_level: str = "registered",
    needs_account: bool = True,
    item: Any = None,
    pm: Any = None,
    now: datetime | None = None,
) -> Verdict:
    """Phase state, then the phase's level for the action, then areas, then plugin vetoes.

    ``needs_account`` (``ActionSpec.needs_account``) refuses an anonymous visitor even when the stored level is
    "everyone" — a level the admin form no longer offers for such actions but an old or hand-edited row may hold —
    so a handler never meets ``user is None`` for an action that must belong to someone.
    """
    moment = now or utcnow()
    if phase_state(phase, moment) is not PhaseState.ACTIVE:
        return denied("phase_not_active")
    level, areas = action_rule(phase, action, default_level)
    is_admin = bool(user is not None and user.role == "admin")
    if user is None and (needs_account or level != "everyone"):
        return denied("not_signed_in")
    if level == "verified" and not (user.verified or is_admin):
        return denied("not_verified")
    if level == "admins" and not is_admin:
        return denied("admins_only")
    if user is not None and user.banned_until is not None and user.banned_until > moment and not is_admin:
        return denied("banned")
    if areas and not is_admin and (user is None or user.area_id not in areas):
        return denied("not_signed_in") if user is None else denied("not_in_area")
    if pm is not None:
        for vote in pm.hook.permission_verdict(user=user, action=action, phase=phase, item=item):
            if vote is False:
                return denied("action_disabled")
            if isinstance(vote, Verdict) and not vote.allowed:
                return vote
    return ALLOWED
