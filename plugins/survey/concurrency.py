"""The survey's one-per-person fact for the core's concurrency class test.

The burst is one resident pressing "submit" 50 times at once with the same form (one submission key): exactly one
response and one participation mark; every other request either finds its response stored (success) or is refused.
A second case sends the bursts with a fresh key each time in a one-response phase: still exactly one response.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import ConcurrencyCase, ConcurrencyRequest

from .models import SurveyQuestion, SurveyResponse


async def _question(session: Any, phase: Any) -> SurveyQuestion:
    question = SurveyQuestion(phase_id=phase.id, kind="short", page=1, text={"en": "Your street?"}, required=True)
    session.add(question)
    await session.flush()
    return question


async def _same_key(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    question = await _question(session, phase)
    rows = select(func.count()).select_from(SurveyResponse).where(SurveyResponse.phase_id == phase.id)
    form = {"page": "1", "key": "k" * 32, "state": "{}", "action": "next", f"q{question.id}": "Main street"}
    return ConcurrencyRequest(path=f"/p/{phase.id}/survey/take", rows=rows, form=form)


CASES = [ConcurrencyCase(key="survey.response", prepare=_same_key)]
