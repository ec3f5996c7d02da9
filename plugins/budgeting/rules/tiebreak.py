"""Deterministic tie-breaking shared by all rules.

Default (as in the pabulib checker and the equalshares.net tool configured for Świecie and
Wieliczka): lower cost first, then more votes, then project id order. "Project id order" is a
natural sort ("c2" < "c10", "L009" < "L010") so it does not depend on the order projects
happen to be listed in a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .profile import Profile  # numpy: imported by whoever builds one

Criterion = Literal["min_cost", "max_cost", "max_votes", "min_votes", "id", "file_order"]
CRITERIA: tuple[str, ...] = ("min_cost", "max_cost", "max_votes", "min_votes", "id", "file_order")
_DIGITS = re.compile(r"(\d+)")


def natural_key(project_id: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key comparing digit runs numerically; the tag keeps int/str parts comparable."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(project_id) if part)


@dataclass(frozen=True)
class TieBreak:
    """An ordered list of criteria; always ends in a total order (id, then file position)."""

    criteria: tuple[str, ...] = ("min_cost", "max_votes", "id")

    def __post_init__(self) -> None:
        unknown = [c for c in self.criteria if c not in CRITERIA]
        if unknown:
            raise ValueError(f"unknown tie-break criteria {unknown}; choose from {CRITERIA}")

    @classmethod
    def parse(cls, spec: str | Sequence[str] | TieBreak | None) -> TieBreak:
        """Accept "min_cost,max_votes,id", a list of criteria, an instance, or None (default)."""
        if spec is None:
            return cls()
        if isinstance(spec, TieBreak):
            return spec
        if isinstance(spec, str):
            spec = [s.strip() for s in spec.split(",") if s.strip()]
        return cls(tuple(spec))

    def key(self, profile: Profile, j: int) -> tuple:
        """Smaller key wins the tie."""
        parts: list = []
        for criterion in self.criteria:
            if criterion == "min_cost":
                parts.append(profile.costs[j])
            elif criterion == "max_cost":
                parts.append(-profile.costs[j])
            elif criterion == "max_votes":
                parts.append(-profile.votes[j])
            elif criterion == "min_votes":
                parts.append(profile.votes[j])
            elif criterion == "id":
                parts.append(natural_key(profile.project_ids[j]))
            elif criterion == "file_order":
                parts.append(j)
        parts.append(natural_key(profile.project_ids[j]))
        parts.append(j)
        return tuple(parts)
