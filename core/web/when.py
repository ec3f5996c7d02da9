"""How soon a phase opens or closes, in words a resident reads at a glance ("Ends in 3 days", "Opens tomorrow")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.i18n import current_locale, format_number, ngettext
from core.i18n import gettext as _
from core.phases import PhaseState, calendar_days_until, phase_state


def phase_when(phase: Any, tz: str, now: datetime | None = None) -> str | None:
    """The phrase for an upcoming or open phase; None once it has ended (its state badge says so).

    The last moment counted is the one before ``ends_at`` (phases end exclusively): a phase ending at midnight
    ends "today", not "tomorrow"."""
    state = phase_state(phase, now)
    if state is PhaseState.ENDED:
        return None
    if state is PhaseState.UPCOMING:
        days = calendar_days_until(phase.starts_at, tz, now)
        if days <= 0:
            return _("Opens today")
        if days == 1:
            return _("Opens tomorrow")
        return ngettext("Opens in %(num)s day", "Opens in %(num)s days", days, num=_count(days))
    days = calendar_days_until(phase.ends_at - timedelta(microseconds=1), tz, now)
    if days <= 0:
        return _("Ends today")
    if days == 1:
        return _("Ends tomorrow")
    return ngettext("Ends in %(num)s day", "Ends in %(num)s days", days, num=_count(days))


def _count(days: int) -> str:
    return format_number(days, current_locale())
