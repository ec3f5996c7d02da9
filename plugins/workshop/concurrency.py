"""The workshop's one-per-person facts for the core's concurrency class test (core/concurrency.py): 50 identical
requests of one resident at once over two workers leave exactly one registration (in the last seat: nobody else
is put on the waiting list or seated beyond the capacity), one up-vote on a card and one report of a card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from core import ConcurrencyCase, ConcurrencyRequest, participation_cases, utcnow
from plugins.workshop import rules
from plugins.workshop.items import KIND
from plugins.workshop.models import Card, Registration, Vote, WorkshopSession
from plugins.workshop.spec import KEY


async def _session(session: Any, phase: Any, *, capacity: int = 0, seats: tuple[int, ...] = ()) -> WorkshopSession:
    now = utcnow()
    ws = WorkshopSession(phase_id=phase.id, title={"en": "Live"}, agenda={"en": ["One"]}, capacity=capacity,
                         starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=2))  # fmt: skip
    session.add(ws)
    await session.flush()
    for user_id in seats:
        session.add(Registration(session_id=ws.id, user_id=user_id, status=rules.REGISTERED))
    await session.flush()
    return ws


async def make_card(session: Any, phase: Any, author_id: int) -> int:
    ws = await _session(session, phase, seats=(author_id,))
    card = Card(session_id=ws.id, phase_id=phase.id, author_id=author_id, kind="idea", body="Shade sails")
    session.add(card)
    await session.flush()
    return card.id


async def _register(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    ws = await _session(session, phase, capacity=2, seats=(author_id,))  # one seat left
    rows = (
        select(func.count())
        .select_from(Registration)
        .where(Registration.session_id == ws.id, Registration.status == rules.REGISTERED)
    )
    return ConcurrencyRequest(path=f"/p/{phase.id}/{KEY}/{ws.id}/register", rows=rows, expected=2)


async def _vote(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    card_id = await make_card(session, phase, author_id)
    card = await session.get(Card, card_id)
    session.add(Registration(session_id=card.session_id, user_id=actor_id, status=rules.REGISTERED))
    await session.flush()
    rows = select(func.count()).select_from(Vote).where(Vote.card_id == card_id, Vote.user_id == actor_id)
    return ConcurrencyRequest(path=f"/p/{phase.id}/{KEY}/{card.session_id}/cards/{card_id}/vote", rows=rows)


CASES = [
    ConcurrencyCase(key=f"{KEY}.registration", prepare=_register),
    ConcurrencyCase(key=f"{KEY}.vote", prepare=_vote),
    *[case for case in participation_cases(KEY, KIND, make_card) if case.key.endswith("_report")],
]
