"""The workshop's rules as pure functions (no database): capacity and waiting list, join window, timer, links.

Everything here takes ``now`` explicitly, so the unit tests (tests/test_workshop_rules.py) pin the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

REGISTERED = "registered"
WAITING = "waiting"

UPCOMING = "upcoming"  # before the join window opens
LIVE = "live"  # inside the join window, not ended
ENDED = "ended"  # past the end, or ended by the facilitator

CARD_KINDS = ("question", "idea", "note")
MODERATION_ACTS = (
    "approve",
    "hide",
    "unhide",
    "answer",
    "unanswer",
    "pin",
    "unpin",
    "shortlist",
    "unshortlist",
    "cluster",
)
CONTROL_ACTS = ("lock", "unlock", "end", "step", "timer", "timer_stop", "rooms_open", "rooms_close")
MAX_ROOMS = 20
MAX_TIMER_MINUTES = 240
MAX_CLUSTER = 60

_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")


def valid_host(host: str) -> bool:
    return bool(_HOST_RE.match(host))


def meeting_origin(url: str) -> str:
    """``https://host[:port]`` of a meeting link that passed ``meeting_link_problem``."""
    parts = urlsplit(url)
    return f"https://{parts.hostname}" + (f":{parts.port}" if parts.port not in (None, 443) else "")


def host_allowed(host: str, allowed: list[str]) -> bool:
    """The host itself or a subdomain of one of the allowed hosts (``meet.example.org`` allows ``x.meet...``)."""
    host = host.lower().rstrip(".")
    return any(host == a or host.endswith("." + a) for a in allowed)


def meeting_link_problem(url: str, allowed: list[str]) -> str | None:
    """None when ``url`` may be a session's meeting link, else why not: ``https``, ``host`` or ``format``."""
    if not url:
        return None
    if len(url) > 500 or any(c.isspace() for c in url):
        return "format"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "format"
    if parts.scheme != "https":
        return "https"
    host = parts.hostname or ""
    if not host or parts.username or parts.password or (port not in (None, 443)):
        return "format"
    if not host_allowed(host, allowed):
        return "host"
    return None


def session_state(
    starts_at: datetime, ends_at: datetime, join_minutes: int, ended_at: datetime | None, now: datetime
) -> str:
    """Live from ``join_minutes`` before the start until the end (exclusive) or until the facilitator ends it."""
    if ended_at is not None or now >= ends_at:
        return ENDED
    if now < starts_at - timedelta(minutes=join_minutes):
        return UPCOMING
    return LIVE


def join_opens_at(starts_at: datetime, join_minutes: int) -> datetime:
    return starts_at - timedelta(minutes=join_minutes)


def new_registration_status(registered: int, capacity: int) -> str:
    """Seat or waiting list for the next person, given how many hold a seat; capacity 0 means no limit."""
    if capacity <= 0 or registered < capacity:
        return REGISTERED
    return WAITING


def seats_to_fill(registered: int, capacity: int, waiting: int) -> int:
    """How many of the waiting list move up now (after a cancellation or a larger capacity)."""
    if capacity <= 0:
        return waiting
    return max(0, min(waiting, capacity - registered))


@dataclass(frozen=True)
class Timer:
    state: str  # "off", "running" or "done"
    remaining: int  # whole seconds left (0 when off or done)


def timer_state(ends_at: datetime | None, now: datetime) -> Timer:
    if ends_at is None:
        return Timer("off", 0)
    left = (ends_at - now).total_seconds()
    if left <= 0:
        return Timer("done", 0)
    return Timer("running", int(left + 0.999))


def clock(seconds: int) -> str:
    minutes, secs = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def clamp_step(step: int, steps: int) -> int:
    if steps <= 0:
        return 0
    return max(0, min(step, steps - 1))


def clean_cluster(label: str) -> str:
    return " ".join(label.split())[:MAX_CLUSTER]


# --------------------------------------------------------------------------- calendar file (RFC 5545)


def _ics_escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "")
    )


def _fold(line: str) -> list[str]:
    out, raw = [], line.encode("utf-8")
    while len(raw) > 75:
        cut = 75 if not out else 74
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        out.append(raw[:cut].decode("utf-8"))
        raw = raw[cut:]
    out.append(raw.decode("utf-8"))
    return [out[0], *[" " + part for part in out[1:]]]


def ics(
    uid: str, title: str, starts_at: datetime, ends_at: datetime, url: str, description: str, stamp: datetime
) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Townhall//Workshop//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp.astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{starts_at.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{ends_at.astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{_ics_escape(title)}",
        f"DESCRIPTION:{_ics_escape(description)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
