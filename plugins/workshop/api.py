"""The ``public_api`` hook: a workshop phase's sessions, their seats, and each published report.

A report is public once staff publish it (``report_published``), exactly as on its page: attendance, contributions
and the top-voted cards' text, never their authors. Registrations are counts, never names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ApiPage, ApiQuery, Phase, id_page, pick

from . import services
from .models import WorkshopSession

TOP_CARDS = 10


def _steps(ws: WorkshopSession, query: ApiQuery) -> list[str]:
    agenda = ws.agenda or {}
    for locale in (query.locale, query.default_locale, *sorted(agenda)):
        if agenda.get(locale):
            return [str(step) for step in agenda[locale]]
    return []


async def _report(session: AsyncSession, ws: WorkshopSession, query: ApiQuery) -> dict[str, Any]:
    figures = await services.report(session, ws, _steps(ws, query))
    return {
        "attended": figures["attended"],
        "contributions": figures["contributions"],
        "notes": pick(ws.notes, query.locale, query.default_locale).text,
        "contributions_per_step": [{"step": label, "cards": n} for _i, label, n in figures["per_step"]],
        "top": [
            {
                "text": card.body,
                "kind": card.kind,
                "cluster": card.cluster or None,
                "votes": figures["votes"].get(card.id, 0),
            }
            for card in figures["top"][:TOP_CARDS]
        ],
    }


async def public_sessions(session: AsyncSession, phase: Phase, query: ApiQuery) -> ApiPage:
    stmt = (
        select(WorkshopSession)
        .where(WorkshopSession.phase_id == phase.id, WorkshopSession.id > query.after_id)
        .order_by(WorkshopSession.id)
        .limit(query.limit + 1)
    )
    found = list((await session.scalars(stmt)).all())
    details: dict[int, dict[str, Any]] = {}
    for ws in found[: query.limit]:
        seats = await services.counts(session, ws.id)
        details[ws.id] = {
            "registered": seats["registered"],
            "waiting": seats["waiting"],
            "report": await _report(session, ws, query) if ws.report_published else None,
        }

    def to_json(ws: WorkshopSession) -> dict[str, Any]:
        return {
            "id": ws.id,
            "title": pick(ws.title, query.locale, query.default_locale).text,
            "agenda": _steps(ws, query),
            "starts_at": ws.starts_at.isoformat(),
            "ends_at": ws.ends_at.isoformat(),
            "state": services.state_of(ws),
            "capacity": ws.capacity or None,
            "registration_open": ws.registration_open,
            "url": services.session_url(ws),
            **details[ws.id],
        }

    return id_page("session", found, query, to_json)
