"""Data retention for budgeting: after the phase's retention period, ballots no longer say who cast them.

Submitted ballots stay (they decided the outcome; results and counts must not move) but lose ``user_id`` and
``entered_by_id``; the UNIQUE (budget_id, user_id) constraint keeps its meaning, as NULLs never collide and nobody
votes in an ended phase. Unsubmitted carts are nobody's vote: they are deleted. The ballot's area (per-district
results), its pabulib columns and its receipt code (which only the voter can tie to themselves) stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update

from core import Phase, RetentionResult, lazy_gettext

from .models import Ballot, Budget, Cart

# The report's labels are message ids, translated when the back office shows them; marked here for extraction.
BALLOTS, CARTS = "Ballots", "Unsubmitted ballots"
REPORT_LABELS = (lazy_gettext("Ballots"), lazy_gettext("Unsubmitted ballots"))


async def retain(session: Any, phase: Phase) -> RetentionResult:
    budgets = select(Budget.id).where(Budget.phase_id == phase.id).scalar_subquery()
    carts = await session.execute(
        delete(Cart).where(Cart.budget_id.in_(budgets)).execution_options(synchronize_session=False)
    )
    ballots = await session.execute(
        update(Ballot)
        .where(Ballot.budget_id.in_(budgets), or_(Ballot.user_id.is_not(None), Ballot.entered_by_id.is_not(None)))
        .values(user_id=None, entered_by_id=None)
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised={BALLOTS: ballots.rowcount}, deleted={CARTS: carts.rowcount})
