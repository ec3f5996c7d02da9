"""The one definition of phase state; every gate asks it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from core.db.base import utcnow


class PhaseState(StrEnum):
    UPCOMING = "upcoming"
    ACTIVE = "active"
    ENDED = "ended"


def phase_state(phase: Any, now: datetime | None = None) -> PhaseState:
    """A phase is active from its start (inclusive) to its end (exclusive)."""
    moment = now or utcnow()
    if moment < phase.starts_at:
        return PhaseState.UPCOMING
    if moment >= phase.ends_at:
        return PhaseState.ENDED
    return PhaseState.ACTIVE


def overlapping(phases: list[Any], starts_at: datetime, ends_at: datetime, *, ignore_id: int | None = None) -> Any:
    """Return the first phase of ``phases`` whose period overlaps [starts_at, ends_at), or None."""
    for other in phases:
        if ignore_id is not None and other.id == ignore_id:
            continue
        if starts_at < other.ends_at and other.starts_at < ends_at:
            return other
    return None


def current_phase(phases: list[Any], now: datetime | None = None) -> Any:
    for phase in phases:
        if phase_state(phase, now) is PhaseState.ACTIVE:
            return phase
    return None


def calendar_days_until(moment: datetime, tz: str, now: datetime | None = None) -> int:
    """Whole calendar days from today to ``moment``'s day in the municipality's time zone (0 = today): a phase
    ending at 09:00 tomorrow "ends tomorrow" for a resident reading at 23:00, not "in 0 days"."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    return (moment.astimezone(zone).date() - (now or utcnow()).astimezone(zone).date()).days
