"""The exact rules of a citizen proposal as pure functions: no database, no clock, no request.

The lifecycle is a table of allowed transitions; thresholds, deadlines, milestones and progress are computed from
their inputs only, so they are unit-tested directly (tests/test_proposals_rules.py), including across a change of
daylight saving time: deadlines are whole local days in the municipality's timezone, converted to UTC last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DRAFT = "draft"
SUBMITTED = "submitted"
CHANGES = "changes_requested"
REJECTED = "rejected"
COLLECTING = "collecting"
REACHED = "threshold_reached"
EXPIRED = "expired"
ANSWERED = "answered"
INELIGIBLE = "ineligible"

STATES = (DRAFT, SUBMITTED, CHANGES, REJECTED, COLLECTING, REACHED, EXPIRED, ANSWERED, INELIGIBLE)
EDITABLE = frozenset({DRAFT, CHANGES})
PUBLIC = frozenset({COLLECTING, REACHED, EXPIRED, ANSWERED, INELIGIBLE})
CLOSED = frozenset({REJECTED, EXPIRED, ANSWERED, INELIGIBLE})

# event -> (states it may happen in, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({DRAFT, CHANGES}), SUBMITTED),
    "publish": (frozenset({SUBMITTED}), COLLECTING),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "ask_changes": (frozenset({SUBMITTED}), CHANGES),
    "reach": (frozenset({COLLECTING}), REACHED),
    "expire": (frozenset({COLLECTING}), EXPIRED),
    "answer": (frozenset({REACHED}), ANSWERED),
    "declare_ineligible": (frozenset({COLLECTING, REACHED, EXPIRED}), INELIGIBLE),
}
NEEDS_REASON = frozenset({"reject", "ask_changes", "declare_ineligible"})
MILESTONES = (33, 66, 100)


class TransitionError(ValueError):
    """An event that the proposal's current state does not allow."""


def next_state(state: str, event: str) -> str:
    """The state ``event`` leads to from ``state``; raises TransitionError when the lifecycle forbids it."""
    try:
        sources, target = TRANSITIONS[event]
    except KeyError:
        raise TransitionError(f"unknown event {event!r}") from None
    if state not in sources:
        raise TransitionError(f"{event!r} is not allowed in state {state!r}")
    return target


def allowed(state: str, event: str) -> bool:
    return event in TRANSITIONS and state in TRANSITIONS[event][0]


def threshold_for(kind: str, absolute: int, percent: float, population: int | None) -> int | None:
    """Signatures needed: the absolute number, or ``percent`` of the population rounded up (never below 1).

    None when a percentage is asked and the municipality has no population set: such a proposal cannot be
    published until it has one.
    """
    if kind != "percent":
        return max(1, int(absolute))
    if not population or population <= 0:
        return None
    needed = Decimal(str(percent)) * Decimal(population) / Decimal(100)
    return max(1, math.ceil(needed))


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day ends (the next local midnight), in UTC: 23 or 25 hours after its start on DST days."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def deadline_for(kind: str, days: int, fixed: str, published_at: datetime, tz_name: str | None) -> datetime | None:
    """When signing ends, in UTC: the end of the ``days``-th local day after the day of publication, or the end of
    the fixed last day. Counted from publication, never from creation; None when the fixed date does not parse."""
    tz = zone(tz_name)
    if kind == "fixed":
        day = parse_day(fixed)
        return end_of_local_day(day, tz) if day else None
    published_day = published_at.astimezone(tz).date()
    return end_of_local_day(published_day + timedelta(days=days), tz)


def response_due(reached_at: datetime, days: int, tz_name: str | None) -> datetime:
    """The council's legal answer deadline: the end of the ``days``-th local day after the threshold was reached."""
    tz = zone(tz_name)
    return end_of_local_day(reached_at.astimezone(tz).date() + timedelta(days=days), tz)


def milestones_crossed(before: int, after: int, threshold: int) -> list[int]:
    """Milestones (percent of the threshold) that the count passed going from ``before`` to ``after``."""
    if threshold <= 0 or after <= before:
        return []
    return [m for m in MILESTONES if before * 100 < m * threshold <= after * 100]


@dataclass(frozen=True)
class Progress:
    count: int
    threshold: int
    percent: int  # whole percent, capped at 100 for the bar, floor so 99.9 % never shows as reached
    remaining: int
    days_left: int | None


def progress(count: int, threshold: int | None, deadline: datetime | None, now: datetime) -> Progress:
    goal = max(1, threshold or 1)
    percent = min(100, (count * 100) // goal)
    days_left = None
    if deadline is not None:
        seconds = (deadline - now).total_seconds()
        days_left = max(0, math.ceil(seconds / 86400))
    return Progress(count, goal, percent, max(0, goal - count), days_left)


def may_sign(state: str, after_threshold: bool) -> bool:
    return state == COLLECTING or (state == REACHED and after_threshold)


def overdue(state: str, due: datetime | None, now: datetime) -> bool:
    return state == REACHED and due is not None and now >= due
