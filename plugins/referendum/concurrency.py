"""The referendum's one-per-person fact for the core's concurrency class test: one roll mark, one ballot.

The burst is one voter submitting the same ballot (same receipt code) 50 times at once over two workers: the
conditional UPDATE of their roll entry lets one through; the others find their ballot already in the box and get
the same confirmation (or a 409). Exactly one ballot results.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import ConcurrencyCase, ConcurrencyRequest

from . import services
from .models import Ballot, Question
from .spec import ReferendumConfig


async def _vote(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    question = Question(phase_id=phase.id, position=0, kind="yesno", title={"en": "Agreed?"})
    session.add(question)
    await session.flush()
    await services.ensure_roll(session, phase, ReferendumConfig())
    ballots = select(func.count()).select_from(Ballot).where(Ballot.phase_id == phase.id)
    return ConcurrencyRequest(
        path=f"/p/{phase.id}/referendum/vote",
        rows=ballots,
        form={"receipt": services.new_receipt(), f"q{question.id}": "yes"},
    )


CASES = [ConcurrencyCase(key="referendum.vote", prepare=_vote)]
