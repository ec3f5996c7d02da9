"""Weighted figures for a method's results: each participant's raking weight, and raw against weighted counts.

The weights come from the one raking the representativeness page does (``service.weighting``: the phase's or
project's participants, on every profile question with reference shares, capped at ``WEIGHT_CAP`` times the mean).
A weighted figure is an estimate for analysis, never an official result: winners, referendum outcomes and thresholds
always follow the raw, legal rules.

People without a weight — they answered none of the questions used, they are not among the participants, or their
row has no person (paper, anonymous) — are **left out** of the weighted figures (not given weight 1: that would mix
an unweighted group into the estimate) and counted in ``unweighted`` / ``left_out`` so a page can say so.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.demographics import service as svc
from core.i18n import gettext as _
from core.models import Area, Phase, ProfileQuestion

NO_REFERENCE = "no_reference"
TOO_FEW = "too_few"
NO_CONVERGENCE = "no_convergence"


@dataclass(frozen=True)
class PersonWeights:
    """Raking weights of the people asked about, and what a page needs to label them honestly."""

    available: bool
    reason: str | None  # None when available; else NO_REFERENCE, TOO_FEW or NO_CONVERGENCE
    weights: dict[int, float]  # user id → weight (mean 1 over the raked participants); only people who have one
    unweighted: int  # how many of the people asked about have no weight (left out of weighted figures)
    questions: tuple[ProfileQuestion, ...]  # the questions raked on (those with reference shares)
    cap: float
    raked: int  # participants the raking ran on
    effective_size: float  # Kish's effective sample size of the raked participants (0 when not available)

    def weight(self, user_id: int | None) -> float | None:
        return None if user_id is None else self.weights.get(user_id)

    @property
    def message(self) -> str:
        """Why there is no weighted estimate, in the reader's language ("" when there is one)."""
        if self.reason == NO_REFERENCE:
            return _("No weighted estimate: no profile question has reference shares of the population.")
        if self.reason == TOO_FEW:
            return _("No weighted estimate: too few participants answered the profile questions.")
        if self.reason == NO_CONVERGENCE:
            return _("No weighted estimate: the weights could not be fitted to the population within the cap.")
        return ""


async def person_weights(
    session: AsyncSession,
    pm: Any,
    user_ids: Iterable[int | None],
    *,
    phase: Phase | None = None,
    project_id: int | None = None,
) -> PersonWeights:
    """Each person's weight from raking the participants of ``phase`` (or of the project ``project_id``) on the
    profile questions that have reference shares. ``pm`` is the app's plugin manager (``ctx.app.pm``), whose
    ``participants`` hooks say who took part. ``None`` ids (rows without a person) are counted as unweighted."""
    if phase is None and project_id is None:
        raise ValueError("give a phase or a project")
    asked = list(user_ids)
    phase_id = phase.id if phase is not None else None
    project = phase.project_id if phase is not None else project_id
    qs = await svc.questions(session)
    used = tuple(q for q in qs if q.reference)

    def unavailable(reason: str, raked: int = 0) -> PersonWeights:
        return PersonWeights(False, reason, {}, len(asked), used, svc.WEIGHT_CAP, raked, 0.0)

    if not used:
        return unavailable(NO_REFERENCE)
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    options = {q.id: svc.answer_options(q, areas, "en", "en") for q in used}  # only the keys are used
    extra = await svc.method_participants(session, pm, project, phase_id)  # type: ignore[arg-type]
    people = svc.participants_query(project, extra, phase_id)  # type: ignore[arg-type]
    weighting = svc.weighting(list(used), options, await svc.answer_rows(session, people), svc.current_year())
    if weighting.result is None:
        return unavailable(TOO_FEW, weighting.size)
    if not weighting.result.converged:
        return unavailable(NO_CONVERGENCE, weighting.size)
    everyone = dict(zip(weighting.people, weighting.result.weights.tolist(), strict=True))
    mine = {u: everyone[u] for u in asked if u is not None and u in everyone}
    unweighted = sum(1 for u in asked if u is None or u not in everyone)
    return PersonWeights(
        True, None, mine, unweighted, used, svc.WEIGHT_CAP, weighting.size, weighting.result.effective_size
    )


@dataclass(frozen=True)
class Figure:
    key: Hashable
    count: int
    share: float  # of the people in the rows
    weighted_count: float | None  # None when no weighted estimate
    weighted_share: float | None


@dataclass(frozen=True)
class Tally:
    figures: list[Figure]
    people: int  # people in the rows (each row without a person counts as one)
    weighted_people: int  # of them, people with a weight
    left_out: int  # people in the rows without a weight: not in the weighted figures
    effective_size: float | None  # Kish over the weights of the weighted people in the rows
    available: bool = field(default=False)

    def get(self, key: Hashable) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


def tally(
    rows: Iterable[tuple[int | None, Hashable]],
    weights: PersonWeights,
    order: Sequence[Hashable] = (),
) -> Tally:
    """Raw and weighted counts and shares per category from ``(user_id, category)`` rows.

    Shares are of people: a person may be in several categories (several choices, reactions to several ideas), and
    counts once per category (repeated pairs are one). Rows with ``None`` as the person (paper, anonymous) are
    counted raw, one person each, and never weighted. Categories come in ``order`` first, then as first seen."""
    keys: list[Hashable] = list(order)
    seen = set(keys)
    pairs: set[tuple[int, Hashable]] = set()
    anonymous: dict[Hashable, int] = {}
    nobody = 0
    for user_id, key in rows:
        if key not in seen:
            seen.add(key)
            keys.append(key)
        if user_id is None:
            anonymous[key] = anonymous.get(key, 0) + 1
            nobody += 1
        else:
            pairs.add((user_id, key))
    identified = {u for u, _k in pairs}
    people = len(identified) + nobody
    raw: dict[Hashable, int] = dict(anonymous)
    weighted: dict[Hashable, float] = {}
    for user_id, key in pairs:
        raw[key] = raw.get(key, 0) + 1
        w = weights.weight(user_id)
        if w is not None:
            weighted[key] = weighted.get(key, 0.0) + w
    mine = [weights.weights[u] for u in identified if u in weights.weights] if weights.available else []
    total = sum(mine)
    on = weights.available and total > 0
    squares = sum(w * w for w in mine)
    figures = [
        Figure(
            key,
            raw.get(key, 0),
            raw.get(key, 0) / people if people else 0.0,
            weighted.get(key, 0.0) if on else None,
            weighted.get(key, 0.0) / total if on else None,
        )
        for key in keys
    ]
    return Tally(
        figures,
        people,
        len(mine),
        people - len(mine),
        total * total / squares if on and squares > 0 else None,
        on,
    )
