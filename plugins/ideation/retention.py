"""Data retention for ideation ideas: after the phase's retention period, ideas no longer lead to their authors.

Ideas stay published with their texts, statuses, counts and images (they are the phase's results, and their
pictures show places, not authors): ``author_id`` is dropped and a pin on the map is coarsened to two decimals
(about a kilometre), so a pin placed on someone's front door no longer points at it; the idea's area stays.
Comments, reactions, follows, reports and status changes on the ideas are the core's rows: the core's retention
pass (core/participation/retention.py) handles them in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Numeric, cast, func, update

from core import Phase, RetentionResult, lazy_gettext

from .models import Idea
from .spec import KEY

PRECISION = 2  # decimals of latitude/longitude kept
# The report's labels are message ids, translated when the back office shows them; marked here for extraction.
AUTHORS, LOCATIONS = "Idea authors", "Idea locations"
REPORT_LABELS = (lazy_gettext("Idea authors"), lazy_gettext("Idea locations"))


def _coarse(column: Any) -> Any:
    # round(double, int) does not exist on PostgreSQL; through NUMERIC it works on both backends.
    return cast(func.round(cast(column, Numeric), PRECISION), Float)


async def retain(session: Any, phase: Phase) -> RetentionResult:
    authors = await session.execute(
        update(Idea)
        .where(Idea.phase_id == phase.id, Idea.author_id.is_not(None))
        .values(author_id=None)
        .execution_options(synchronize_session=False)
    )
    located = await session.execute(
        update(Idea)
        .where(Idea.phase_id == phase.id, Idea.lat.is_not(None), Idea.lon.is_not(None))
        .values(lat=_coarse(Idea.lat), lon=_coarse(Idea.lon))
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised={AUTHORS: authors.rowcount, LOCATIONS: located.rowcount})


def retention_for(phase: Phase) -> Any:
    """The ``retention`` hook's answer: the async purge for an ideation phase, None for other methods."""
    if phase.method != KEY:
        return None
    return lambda session: retain(session, phase)
