"""The ``public_api`` hook: a referendum's questions, the roll's size, and its results once counted at the close.

Results are under embargo for everyone until the close's count is stored (``Box.results``); turnout shows while
voting is open only when the phase says so (``live_turnout``), as on the phase page. Never who voted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ApiPage, ApiQuery, Phase, id_page, pick

from . import services
from .models import Question
from .spec import ReferendumConfig


async def public_referendum(session: AsyncSession, phase: Phase, config: ReferendumConfig, query: ApiQuery) -> ApiPage:
    def text(value: Any) -> str:
        return pick(value, query.locale, query.default_locale).text

    stmt = (
        select(Question)
        .where(Question.phase_id == phase.id, Question.id > query.after_id)
        .order_by(Question.id)
        .limit(query.limit + 1)
    )
    questions = list((await session.scalars(stmt)).all())
    box = await services.box_of(session, phase)
    counted = box.results if box is not None else None
    summary: dict[str, Any] = {
        "roll_size": box.roll_size if box is not None else None,
        "binding": config.binding,
        "participation_quorum": config.participation_quorum,
        "approval_quorum": config.approval_quorum,
        "turnout": None,
        "results": None,
    }
    if box is not None and (counted is not None or config.live_turnout):
        summary["turnout"] = counted["turnout"] if counted else await services.turnout(session, phase)
    if counted is not None:
        summary["results"] = {
            "ballots": counted["ballots"],
            "tally": counted["tally"],
            "outcomes": counted["outcomes"],
            "chain_head": counted["head"],
        }

    def to_json(q: Question) -> dict[str, Any]:
        return {
            "id": q.id,
            "kind": q.kind,
            "title": text(q.title),
            "choices": [text(c) if isinstance(c, dict) else str(c) for c in (q.choices or [])],
            "min_choices": q.min_choices,
            "max_choices": q.max_choices,
            "allow_blank": q.allow_blank,
        }

    return id_page("question", questions, query, to_json, summary)
