"""In-memory model of one participatory-budgeting election, independent of any file format.

Amounts (costs, budget, points) are kept as :class:`fractions.Fraction` because city budgets are
decided to the grosz/cent: a float rounding error can flip whether a project still fits.
Everything else from the source file is kept verbatim as strings so that writing the election
back out loses nothing a researcher might care about (names, categories, voter demographics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

VOTE_TYPES = ("approval", "cumulative", "scoring", "ordinal", "choose-1")


class ElectionError(ValueError):
    """Raised when an election is malformed in a way that makes counting meaningless."""


def parse_amount(text: str) -> Fraction:
    """Parse a money or points amount exactly.

    Pabulib files use plain integers, dot decimals ("2458488.22") and occasionally a decimal
    comma ("2458488,22"); all must become exact rationals, never floats.
    """
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    if cleaned.isdigit():
        return Fraction(int(cleaned))
    try:
        return Fraction(Decimal(cleaned))
    except (InvalidOperation, ValueError) as exc:
        raise ElectionError(f"not an exact amount: {text!r}") from exc


def format_amount(value: Fraction | int) -> str:
    """Render an amount the way pabulib writes it: integer when whole, else a finite decimal.

    Raises :class:`ElectionError` for values with no finite decimal expansion (e.g. 1/3), since
    a .pb file cannot represent them exactly.
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ElectionError(f"{value} has no finite decimal representation")
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    whole, frac_part = divmod(abs(scaled.numerator), 10**digits)
    return f"{sign}{whole}.{frac_part:0{digits}d}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class Project:
    """One option on the ballot.

    ``fields`` holds every other PROJECTS column verbatim (name, votes, score, selected, ...);
    the rules never read the file's ``votes``/``score`` columns, they recount from ballots.
    """

    id: str
    cost: Fraction
    fields: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def name(self) -> str:
        return self.fields.get("name", self.id)

    @property
    def selected_flag(self) -> bool | None:
        """The official result recorded in the file, or None when the file has no such column."""
        raw = self.fields.get("selected")
        if raw is None or raw.strip() == "":
            return None
        return raw.strip() not in ("0", "")


@dataclass(slots=True)
class Voter:
    """One ballot. ``points`` is None for approval/ordinal ballots (order in ``vote`` is the rank)."""

    id: str
    vote: tuple[str, ...]
    points: tuple[Fraction, ...] | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Election:
    """A whole pabulib-style election: META key/values, projects in file order, ballots in file order."""

    meta: dict[str, str]
    projects: dict[str, Project]
    voters: list[Voter]
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def budget(self) -> Fraction:
        if "budget" not in self.meta:
            raise ElectionError("META has no 'budget'")
        return parse_amount(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        vote_type = self.meta.get("vote_type", "approval").strip().lower()
        if vote_type not in VOTE_TYPES:
            raise ElectionError(f"unsupported vote_type {vote_type!r}")
        return vote_type

    @property
    def rule(self) -> str | None:
        """The rule the file says was used, or None if absent."""
        rule = self.meta.get("rule", "").strip()
        return rule or None

    def meta_amount(self, key: str) -> Fraction | None:
        raw = self.meta.get(key, "").strip()
        return parse_amount(raw) if raw else None

    def official_selection(self) -> list[str] | None:
        """Project ids marked ``selected`` in the file (file order), or None when not recorded."""
        flags = [p.selected_flag for p in self.projects.values()]
        if all(flag is None for flag in flags):
            return None
        return [p.id for p in self.projects.values() if p.selected_flag]

    def validate(self) -> None:
        """Check the ballots only mention known projects so counting cannot silently drop votes."""
        known = self.projects
        for voter in self.voters:
            for pid in voter.vote:
                if pid not in known:
                    raise ElectionError(f"voter {voter.id} votes for unknown project {pid!r}")
            if voter.points is not None and len(voter.points) != len(voter.vote):
                raise ElectionError(f"voter {voter.id}: {len(voter.vote)} projects but {len(voter.points)} points")
