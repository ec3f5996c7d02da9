"""Demo content for a proposals phase: one proposal at 49 of 50 signatures (the next signature reaches the threshold),
one that expired, one that the council answered."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import User, utcnow
from plugins.proposals import rules
from plugins.proposals.models import Proposal, Signature, Transition


def _proposal(phase: Any, author_id: int | None, title: str, body: str, state: str, **fields: Any) -> Proposal:
    return Proposal(
        phase_id=phase.id,
        author_id=author_id,
        title=title,
        body=body,
        language="en",
        state=state,
        invite_token=secrets.token_urlsafe(32),
        **fields,
    )


def _steps(proposal: Proposal, events: list[tuple[str, str, str]], at: Any) -> list[Transition]:
    return [
        Transition(proposal_id=proposal.id, event=e, from_state=a, to_state=b, at=at + timedelta(minutes=i))
        for i, (e, a, b) in enumerate(events)
    ]


async def seed(session: Any, phase: Any) -> None:
    users = list((await session.scalars(select(User.id).order_by(User.id).limit(60))).all())
    author = users[0] if users else None
    now = utcnow()
    published = now - timedelta(days=10)
    opened = [
        ("create", "", rules.DRAFT),
        ("submit", rules.DRAFT, rules.SUBMITTED),
        ("publish", rules.SUBMITTED, rules.COLLECTING),
    ]
    near = _proposal(
        phase,
        author,
        "A night bus to the outer districts",
        "Run a night bus every hour on Friday and Saturday nights, so that people without a car get home safely.",
        rules.COLLECTING,
        threshold=50,
        published_at=published,
        deadline_at=now + timedelta(days=20),
        paper_count=49,
    )
    expired = _proposal(
        phase,
        author,
        "Ice rink on the market square in winter",
        "A temporary ice rink for six weeks around the holidays.",
        rules.EXPIRED,
        threshold=50,
        published_at=now - timedelta(days=100),
        deadline_at=now - timedelta(days=10),
        closed_at=now - timedelta(days=10),
        paper_count=12,
    )
    answered = _proposal(
        phase,
        author,
        "Free swimming lessons for every child",
        "Every child in the municipality should learn to swim before the age of ten.",
        rules.ANSWERED,
        threshold=50,
        published_at=now - timedelta(days=60),
        deadline_at=now + timedelta(days=30),
        reached_at=now - timedelta(days=30),
        response_due_at=now + timedelta(days=60),
        answered_at=now - timedelta(days=2),
        closed_at=now - timedelta(days=2),
        paper_count=55,
        answer={
            "en": "The council agreed: from next school year every pupil of year 4 gets ten free lessons.",
            "nl": "De raad stemde in: vanaf volgend schooljaar krijgt elke leerling van groep 6 tien gratis lessen.",
        },
    )
    session.add_all([near, expired, answered])
    await session.flush()
    for proposal in (near, expired, answered):
        session.add_all(
            Signature(
                proposal_id=proposal.id, identity_hash=f"demo-{proposal.id}-{i}", paper=True, created_at=published
            )
            for i in range(proposal.paper_count)
        )
    session.add_all(_steps(near, opened, published))
    session.add_all(_steps(expired, [*opened, ("expire", rules.COLLECTING, rules.EXPIRED)], now - timedelta(days=100)))
    session.add_all(
        _steps(
            answered,
            [*opened, ("reach", rules.COLLECTING, rules.REACHED), ("answer", rules.REACHED, rules.ANSWERED)],
            now - timedelta(days=60),
        )
    )
    await session.flush()
