"""The ``public_api`` hook: the phase's public ideas for ``/api/v1/phases/{id}`` (docs/api.md).

What the phase page shows anyone: ideas neither hidden nor withdrawn, with their status in the reader's language,
area, reaction and comment counts. Never the author, anonymous or not: open data is about ideas, not people.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ApiPage, ApiQuery, comment_total, id_page
from plugins.ideation.items import KIND
from plugins.ideation.models import Idea
from plugins.ideation.services import dislikes, likes, statuses
from plugins.ideation.text import excerpt

EXCERPT_LIMIT = 500


async def public_ideas(session: AsyncSession, phase: Any, query: ApiQuery) -> ApiPage:
    public = (Idea.phase_id == phase.id, Idea.hidden.is_(False), Idea.withdrawn_at.is_(None))
    stmt = (
        select(Idea, likes(Idea.id), dislikes(Idea.id), comment_total(KIND, Idea.id))
        .where(*public, Idea.id > query.after_id)
        .order_by(Idea.id)
        .limit(query.limit + 1)
    )
    rows = list((await session.execute(stmt)).all())
    labels = await statuses(session, query.locale, query.default_locale)
    total = await session.scalar(select(func.count()).select_from(Idea).where(*public))

    def to_json(row: Any) -> dict[str, Any]:
        idea, n_likes, n_dislikes, n_comments = row
        status = labels.get(idea.status)
        return {
            "id": idea.id,
            "title": idea.title,
            "excerpt": excerpt(idea.body, EXCERPT_LIMIT),
            "language": idea.language,
            "status": {"key": idea.status, "label": status.label if status else idea.status},
            "area_id": idea.area_id,
            "location": {"lat": idea.lat, "lon": idea.lon} if idea.lat is not None else None,
            "likes": int(n_likes or 0),
            "dislikes": int(n_dislikes or 0),
            "comments": int(n_comments or 0),
            "created_on": idea.created_at.date().isoformat(),
            "url": f"/p/{phase.id}/ideation/ideas/{idea.id}",
        }

    return id_page("idea", rows, query, to_json, {"ideas": int(total or 0)}, row_id=lambda row: row[0].id)
