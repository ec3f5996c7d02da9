"""Budgeting's one-per-person fact for the core's concurrency class test: one ballot per person and budget.

The burst is one resident pressing "submit" 50 times at once over several workers with a filled cart: exactly one
ballot (a UNIQUE constraint) and no leftover cart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import ConcurrencyCase, ConcurrencyRequest

from .models import Ballot, Budget, Cart, Option


async def _submit_ballot(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    budget = Budget(phase_id=phase.id, name={"en": "City"}, amount=1000, rule="greedy")
    session.add(budget)
    await session.flush()
    option = Option(phase_id=phase.id, budget_id=budget.id, code="1", title={"en": "A bench"}, cost=10, position=0)
    session.add(option)
    await session.flush()
    session.add(Cart(budget_id=budget.id, user_id=actor_id, items=[[option.id, 1]]))
    await session.flush()
    ballots = select(func.count()).select_from(Ballot).where(Ballot.budget_id == budget.id, Ballot.user_id == actor_id)
    return ConcurrencyRequest(path=f"/p/{phase.id}/budgeting/budgets/{budget.id}/submit", rows=ballots)


CASES = [ConcurrencyCase(key="budgeting.ballot", prepare=_submit_ballot)]
