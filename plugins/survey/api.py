"""The ``public_api`` hook: a survey's questions, and its aggregate results once residents may see them.

Results follow the results page's rule for residents (``residents_see_results``): after the close, and only when
the phase says so. Only counts and means: never free-text answers or uploaded files (they may name people), never
a single response.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ApiPage, ApiQuery, Phase, id_page, pick

from . import results, services
from .models import SurveyQuestion
from .rules import BLOCKS
from .spec import SurveyConfig, residents_see_results

PUBLIC_FIGURES = ("answered", "counts", "rows", "mean")


async def public_survey(session: AsyncSession, phase: Phase, config: SurveyConfig, query: ApiQuery) -> ApiPage:
    def text(value: Any) -> str:
        return pick(value, query.locale, query.default_locale).text

    stmt = (
        select(SurveyQuestion)
        .where(
            SurveyQuestion.phase_id == phase.id,
            SurveyQuestion.removed.is_(False),
            SurveyQuestion.kind.not_in(tuple(BLOCKS)),
            SurveyQuestion.id > query.after_id,
        )
        .order_by(SurveyQuestion.id)
        .limit(query.limit + 1)
    )
    questions = list((await session.scalars(stmt)).all())
    figures: dict[str, Any] | None = None
    if residents_see_results(phase, config):
        answers = [r.answers for r in await services.responses_for_results(session, phase.id)]
        figures = {}
        for stored in questions[: query.limit]:
            summary = results.summarise(services.as_rule(stored), answers)
            figures[str(stored.id)] = {k: summary[k] for k in PUBLIC_FIGURES}

    def to_json(q: SurveyQuestion) -> dict[str, Any]:
        return {
            "id": q.id,
            "page": q.page,
            "kind": q.kind,
            "text": text(q.text),
            "options": [{"id": oid, "label": text(label)} for oid, label in (q.options or [])],
            "rows": [{"id": rid, "label": text(label)} for rid, label in (q.rows or [])],
            "results": figures.get(str(q.id)) if figures is not None else None,
        }

    summary = {"responses": await services.response_count(session, phase.id), "results_public": figures is not None}
    return id_page("question", questions, query, to_json, summary)
