"""The ``public_api`` hook: a phase's public proposals with their signature counts, thresholds and answers.

Drafts and proposals in screening are their authors' business and hidden ones are gone: only the states the public
list shows (``rules.PUBLIC``). Never the author or the signatories; the council's answer in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ApiPage, ApiQuery, id_page, pick

from . import rules
from .models import Proposal
from .services import STATE_LABELS, proposal_url

EXCERPT_LIMIT = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def public_proposals(session: AsyncSession, phase: Any, query: ApiQuery) -> ApiPage:
    public = (Proposal.phase_id == phase.id, Proposal.state.in_(rules.PUBLIC), Proposal.hidden.is_(False))
    stmt = select(Proposal).where(*public, Proposal.id > query.after_id).order_by(Proposal.id).limit(query.limit + 1)
    proposals = list((await session.scalars(stmt)).all())
    total = await session.scalar(select(func.count()).select_from(Proposal).where(*public))

    def to_json(p: Proposal) -> dict[str, Any]:
        return {
            "id": p.id,
            "title": p.title,
            "excerpt": p.body[:EXCERPT_LIMIT],
            "language": p.language,
            "state": {"key": p.state, "label": str(STATE_LABELS[p.state])},
            "area_id": p.area_id,
            "topic_id": p.topic_id,
            "signatures": {"online": p.online_count, "paper": p.paper_count, "total": p.total},
            "threshold": p.threshold,
            "published_at": _iso(p.published_at),
            "deadline_at": _iso(p.deadline_at),
            "reached_at": _iso(p.reached_at),
            "answer": pick(p.answer, query.locale, query.default_locale).text or None,
            "answer_link": p.answer_link or None,
            "answered_at": _iso(p.answered_at),
            "url": proposal_url(p),
        }

    return id_page("proposal", proposals, query, to_json, {"proposals": int(total or 0)})
