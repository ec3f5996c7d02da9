"""The ``public_api`` hook: a budgeting phase's budgets and options, and its results once they are public.

Results follow the same embargo as the results page (``results_public``): after the phase ends, or while voting is
open when the phase says so. Ballots are never listed, only counts per option.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import ApiPage, ApiQuery, Phase, Tenant, id_page, pick

from . import services
from .models import Option
from .spec import BudgetingConfig, results_public


async def public_budgeting(session: AsyncSession, phase: Phase, config: BudgetingConfig, query: ApiQuery) -> ApiPage:
    tenant = await session.get(Tenant, phase.tenant_id)
    currency = tenant.currency if tenant else "EUR"

    def text(value: dict | None) -> str:
        return pick(value, query.locale, query.default_locale).text

    stmt = (
        select(Option)
        .where(Option.phase_id == phase.id, Option.id > query.after_id)
        .order_by(Option.id)
        .limit(query.limit + 1)
    )
    options = list((await session.scalars(stmt)).all())
    budgets = await services.budgets_of(session, phase.id)
    summary: dict[str, Any] = {
        "currency": currency,
        "budgets": [
            {"id": b.id, "name": text(b.name), "amount": b.amount, "area_id": b.area_id, "rule": b.rule}
            for b in budgets
        ],
        "results": None,
    }
    if results_public(phase, config):
        results = await services.phase_results(session, phase, config, currency)
        summary["results"] = [
            {
                "budget_id": r.budget.id,
                "ballots": r.ballots,
                "used": r.used,
                "selected": [o.id for o in r.options if o.id in set(r.selected_ids)],
                "votes": {str(o.id): r.votes.get(o.id, 0) for o in r.options},
            }
            for r in results
        ]

    def to_json(option: Option) -> dict[str, Any]:
        return {
            "id": option.id,
            "budget_id": option.budget_id,
            "code": option.code,
            "title": text(option.title),
            "description": text(option.description),
            "cost": option.cost,
            "area_id": option.area_id,
        }

    return id_page("option", options, query, to_json, summary)
