"""Rate limits as declared data: how often one account, and one client address, may do a thing.

A method declares a ``RateLimit`` on each ``ActionSpec`` (``rate_limit=POSTING``, or its own); the core counts
every write against it through ``core.throttle`` before the work is done. This module is pure data so ``core.specs``
can use it without touching the database. The presets are the limits the built-in methods use; their values and
the reasons for them are in docs/operations.md ("Participation rate limits").

Limits are written the way an operator reads them: ``RateLimit.of(account="10/min, 100/day", ip="50/min")``. A
rate is ``count/window`` where the window is ``s``, ``min``, ``h`` or ``day``, optionally with a number in front
(``5/10min``). The same syntax configures overrides (``Settings.rate_limits``, ``TOWNHALL_RATE_LIMITS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_WINDOW_SECONDS = 7 * 24 * 3600  # counted hits older than this are pruned whatever their bucket
UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]*)\s*$")


class RateLimitSyntaxError(ValueError):
    """A limit written in a way we cannot read (a typo in settings stops the app at start, not at the 1st post)."""


@dataclass(frozen=True)
class Rate:
    """At most ``count`` attempts in any ``seconds``-long sliding window."""

    count: int
    seconds: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise RateLimitSyntaxError(f"a rate allows at least one attempt, not {self.count}")
        if not 1 <= self.seconds <= MAX_WINDOW_SECONDS:
            raise RateLimitSyntaxError(f"a rate window is 1 s to 7 days, not {self.seconds} s")

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = _RATE.match(text.lower())
        if match is None:
            raise RateLimitSyntaxError(f"cannot read the rate {text!r}: write count/window, e.g. 10/min")
        count, times, unit = match.groups()
        if unit not in UNITS and not (unit == "" and times):
            raise RateLimitSyntaxError(f"unknown unit in {text!r}: use s, min, h or day")
        seconds = int(times or 1) * UNITS.get(unit, 1)
        return cls(int(count), seconds)

    def __str__(self) -> str:
        for name, size in (("day", 86400), ("h", 3600), ("min", 60)):
            if self.seconds % size == 0:
                n = self.seconds // size
                return f"{self.count}/{'' if n == 1 else n}{name}"
        return f"{self.count}/{self.seconds}s"


def _rates(value: str | tuple[Rate, ...] | Rate) -> tuple[Rate, ...]:
    if isinstance(value, Rate):
        return (value,)
    if isinstance(value, str):
        return tuple(Rate.parse(part) for part in re.split(r"[,\s]+(?=\d)", value.strip()) if part.strip())
    return tuple(value)


@dataclass(frozen=True)
class RateLimit:
    """How often one account (``account``) and one client address (``ip``) may attempt something.

    Every rate of both lists must have room, else the attempt is refused with 429. ``RateLimit()`` with no rates
    is "unlimited": write it on purpose (``UNLIMITED``) for an action that writes nothing a person could repeat.
    """

    account: tuple[Rate, ...] = ()
    ip: tuple[Rate, ...] = ()
    # ``coarse``: the counted attempts keep only their day (UTC) and a random id, not the time and a sequence —
    # for an action whose time must not be kept next to the person, such as casting a secret ballot. Its windows
    # are whole days (counted as calendar days).
    coarse: bool = False

    def __post_init__(self) -> None:
        if self.coarse:
            for rate in (*self.account, *self.ip):
                if rate.seconds % 86400:
                    raise RateLimitSyntaxError(f"a coarse limit counts whole days, not {rate}")

    @classmethod
    def of(
        cls, account: str | tuple[Rate, ...] = (), ip: str | tuple[Rate, ...] = (), *, coarse: bool = False
    ) -> RateLimit:
        return cls(account=_rates(account), ip=_rates(ip), coarse=coarse)

    def made_coarse(self) -> RateLimit:
        """This limit counted in days only (an operator's override of a coarse limit keeps it coarse: rates
        shorter than a day are dropped, and a day's rate stands in when none is left)."""
        if self.coarse or self.unlimited:
            return self

        def days(rates: tuple[Rate, ...]) -> tuple[Rate, ...]:
            kept = tuple(r for r in rates if r.seconds % 86400 == 0)
            longest = max(rates, key=lambda r: r.seconds, default=None)
            return kept or ((Rate(longest.count, 86400),) if longest is not None else ())

        return RateLimit(account=days(self.account), ip=days(self.ip), coarse=True)

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"account 10/min 100/day; ip 50/min"`` (either part may be missing); ``"off"`` is unlimited."""
        text = text.strip().lower()
        if text in ("off", "none", "unlimited"):
            return UNLIMITED
        parts: dict[str, str] = {}
        for chunk in filter(None, (c.strip() for c in text.split(";"))):
            who, _, rates = chunk.partition(" ")
            who = who.rstrip(":=")
            if who not in ("account", "ip") or who in parts or not rates.strip():
                raise RateLimitSyntaxError(f"cannot read {chunk!r}: 'account' or 'ip' (once each), then rates")
            parts[who] = rates
        if not parts:
            raise RateLimitSyntaxError(f"cannot read the limit {text!r}")
        return cls.of(account=parts.get("account", ()), ip=parts.get("ip", ()))

    @property
    def unlimited(self) -> bool:
        return not self.account and not self.ip

    def __str__(self) -> str:
        if self.unlimited:
            return "off"
        parts = [f"{who} {' '.join(map(str, rates))}" for who, rates in (("account", self.account), ("ip", self.ip))]
        return "; ".join(p for p in parts if not p.endswith(" "))


UNLIMITED = RateLimit()

# Presets. Per-IP limits are five times the per-account ones: a municipal library PC, a school class or a care home
# shares one address, while a script with one account is stopped by the account limit long before.
POSTING = RateLimit.of(account="5/10min, 30/day", ip="25/10min, 150/day")  # new ideas, proposals
EDITING = RateLimit.of(account="20/min, 200/day", ip="100/min, 1000/day")  # changing or withdrawing one's own
COMMENTING = RateLimit.of(account="10/min, 100/day", ip="50/min, 500/day")
REACTING = RateLimit.of(account="60/min, 1000/day", ip="300/min, 5000/day")
FOLLOWING = RateLimit.of(account="60/min, 1000/day", ip="300/min, 5000/day")
REPORTING = RateLimit.of(account="20/h, 100/day", ip="100/h, 500/day")
CHOOSING = RateLimit.of(account="120/min, 2000/day", ip="600/min, 10000/day")  # a ballot cart, survey answers
SUBMITTING = RateLimit.of(account="10/min, 50/day", ip="50/min, 250/day")  # a ballot, a signature, a response
DEFAULT = RateLimit.of(account="30/min, 500/day", ip="150/min, 2500/day")  # an action that declared nothing

PRESETS: dict[str, RateLimit] = {
    "POSTING": POSTING,
    "EDITING": EDITING,
    "COMMENTING": COMMENTING,
    "REACTING": REACTING,
    "FOLLOWING": FOLLOWING,
    "REPORTING": REPORTING,
    "CHOOSING": CHOOSING,
    "SUBMITTING": SUBMITTING,
    "DEFAULT": DEFAULT,
}

# The core's own writes that belong to no method's action (comments and reactions count against the method's
# ``comment``/``react`` action instead, whose limit the method declares).
CORE_LIMITS: dict[str, RateLimit] = {
    "core.follow": FOLLOWING,
    "core.report": REPORTING,
    "core.comment_edit": EDITING,
}


def parse_overrides(raw: Mapping[str, str | RateLimit]) -> dict[str, RateLimit]:
    """Settings' overrides (``{key: "account 3/min; ip 10/min"}``) as ``RateLimit``s; a bad one raises."""
    out: dict[str, RateLimit] = {}
    for key, value in raw.items():
        out[key] = value if isinstance(value, RateLimit) else RateLimit.parse(str(value))
    return out


def parse_env(text: str) -> dict[str, str]:
    """``TOWNHALL_RATE_LIMITS``: ``key=limit`` pairs separated by ``|``, e.g.
    ``ideation.post=account 2/min | core.report=off``."""
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split("|"))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RateLimitSyntaxError(f"cannot read {pair!r} in TOWNHALL_RATE_LIMITS: write key=limit")
        out[key.strip()] = value.strip()
    parse_overrides(out)
    return out
