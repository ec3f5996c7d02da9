"""Proposals' one-per-person facts for the core's concurrency class test (core/concurrency.py): 50 identical
requests of one resident at once over two workers leave exactly one signature, one co-sponsorship, one follow and
one report. The signature burst also checks the counter: it must equal the rows (the case counts a signature row
whose proposal's ``online_count`` agrees)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from core import ConcurrencyCase, ConcurrencyRequest, participation_cases, utcnow
from plugins.proposals import rules
from plugins.proposals.items import KIND
from plugins.proposals.models import Cosponsor, Proposal, Signature
from plugins.proposals.spec import KEY


async def _proposal(session: Any, phase: Any, author_id: int, state: str = rules.COLLECTING) -> Proposal:
    now = utcnow()
    public = state in rules.PUBLIC
    proposal = Proposal(
        phase_id=phase.id,
        author_id=author_id,
        title="Night buses",
        body="Every hour on weekends.",
        state=state,
        invite_token=secrets.token_urlsafe(32),
        threshold=1000 if public else None,
        published_at=now if public else None,
        deadline_at=now + timedelta(days=30) if public else None,
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def make_proposal(session: Any, phase: Any, author_id: int) -> int:
    return (await _proposal(session, phase, author_id)).id


async def _sign(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    proposal = await _proposal(session, phase, author_id)
    rows = (
        select(func.count())
        .select_from(Signature)
        .join(Proposal, Proposal.id == Signature.proposal_id)
        .where(Signature.proposal_id == proposal.id, Signature.user_id == actor_id, Proposal.online_count == 1)
    )
    return ConcurrencyRequest(path=f"/p/{phase.id}/{KEY}/{proposal.id}/sign", rows=rows)


async def _cosponsor(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
    proposal = await _proposal(session, phase, author_id, rules.DRAFT)
    rows = (
        select(func.count())
        .select_from(Cosponsor)
        .where(Cosponsor.proposal_id == proposal.id, Cosponsor.user_id == actor_id)
    )
    return ConcurrencyRequest(
        path=f"/p/{phase.id}/{KEY}/{proposal.id}/cosponsor", rows=rows, form={"token": proposal.invite_token}
    )


_PRIMITIVES = [
    case
    for case in participation_cases(KEY, KIND, make_proposal)
    if case.key.endswith(("_follow", "_report"))  # a proposal takes no reactions: signing is its support
]
CASES = [
    ConcurrencyCase(key=f"{KEY}.signature", prepare=_sign),
    ConcurrencyCase(key=f"{KEY}.cosponsor", prepare=_cosponsor),
    *_PRIMITIVES,
]
