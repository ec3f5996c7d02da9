"""Demo content for a workshop phase: one upcoming session with registrations (and a waiting list), one past session
with a published report, and one that is live whenever the demo runs (its board has cards, votes and a timer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import User, utcnow
from plugins.workshop import rules
from plugins.workshop.models import Card, Registration, Vote, WorkshopSession

AGENDA = {
    "en": [
        "Welcome and introductions",
        "What works in the park today?",
        "Ideas for the new playground",
        "Choosing what to take further",
    ],
    "nl": [
        "Welkom en kennismaking",
        "Wat werkt er nu in het park?",
        "Ideeën voor de nieuwe speeltuin",
        "Kiezen wat we verder uitwerken",
    ],
}


def _session(phase: Any, title: dict[str, str], starts: Any, hours: float, **fields: Any) -> WorkshopSession:
    return WorkshopSession(
        phase_id=phase.id,
        title=title,
        agenda=AGENDA,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        **fields,
    )


async def seed(session: Any, phase: Any) -> None:
    users = list((await session.scalars(select(User.id).order_by(User.id).limit(12))).all())
    now = utcnow()
    upcoming = _session(
        phase,
        {"en": "Evening workshop: the new playground", "nl": "Avondworkshop: de nieuwe speeltuin"},
        now + timedelta(days=3),
        2,
        capacity=max(1, len(users) - 2),
    )
    past = _session(
        phase,
        {"en": "First workshop: what the park needs", "nl": "Eerste workshop: wat het park nodig heeft"},
        now - timedelta(days=7),
        2,
        ended_at=now - timedelta(days=7, hours=-2),
        report_published=True,
        notes={
            "en": "Twenty residents took part. Shade and benches came up most often.",
            "nl": "Twintig bewoners deden mee. Schaduw en bankjes kwamen het vaakst terug.",
        },
    )
    live = _session(
        phase,
        {"en": "Live now: ideas for the playground", "nl": "Nu live: ideeën voor de speeltuin"},
        now - timedelta(minutes=30),
        24 * 365,
        capacity=0,
        current_step=2,
        timer_ends_at=now + timedelta(minutes=15),
    )
    session.add_all([upcoming, past, live])
    await session.flush()
    for i, user_id in enumerate(users):
        status = rules.new_registration_status(i, upcoming.capacity)
        session.add(Registration(session_id=upcoming.id, user_id=user_id, status=status))
        session.add(
            Registration(session_id=past.id, user_id=user_id, status=rules.REGISTERED, joined_at=past.starts_at)
        )
        session.add(Registration(session_id=live.id, user_id=user_id, status=rules.REGISTERED))
    texts = [
        ("question", "Will the playground be fenced?", False, 2),
        ("idea", "A water play area for hot summer days", False, 2),
        ("idea", "Benches in the shade for parents and grandparents", True, 2),
        ("note", "The path from the bus stop floods after rain.", False, 1),
    ]
    for ws in (past, live):
        for n, (kind, body, anonymous, step) in enumerate(texts):
            card = Card(
                session_id=ws.id,
                phase_id=phase.id,
                author_id=users[n % len(users)] if users else None,
                kind=kind,
                body=body,
                anonymous=anonymous,
                step=step,
                shortlisted=ws is past and kind == "idea",
                cluster="Play" if kind == "idea" else "",
                answered=ws is past and kind == "question",
            )
            session.add(card)
            await session.flush()
            for user_id in users[: (n * 3) % (len(users) + 1)]:
                session.add(Vote(card_id=card.id, user_id=user_id))
    await session.flush()
