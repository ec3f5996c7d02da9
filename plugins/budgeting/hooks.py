"""Async work handed to the core through hooks: results, exports, personal data, demo content."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from core import Phase, Tenant, multiloc

from . import services
from .models import Ballot, Budget, Cart, Option
from .spec import BudgetingConfig


def _config(phase: Phase) -> BudgetingConfig:
    from core import decode_config

    from .plugin import _spec

    return decode_config(_spec(), phase.config)


async def _tenant(session: Any, phase: Phase) -> Tenant:
    tenant = await session.get(Tenant, phase.tenant_id)
    assert tenant is not None
    return tenant


async def results_for_phase(session: Any, phase: Phase) -> dict[str, Any]:
    """Per budget: the rule, its winners (pabulib ids), votes per option, budget used, ballots per source."""
    tenant = await _tenant(session, phase)
    results = await services.phase_results(session, phase, _config(phase), tenant.currency)
    return {
        "budgets": [
            {
                "budget_id": r.budget.id,
                "name": r.budget.name,
                "rule": r.budget.rule,
                "amount": r.budget.amount,
                "used": r.used,
                "selected": list(r.outcome.selected) if r.outcome else [],
                "error": r.error,
                "ballots": r.ballots,
                "ballots_by_source": r.by_source,
                "votes": {o.code: r.votes.get(o.id, 0) for o in r.options},
            }
            for r in results
        ]
    }


async def export_rows(session: Any, phase: Phase) -> tuple[list[str], list[list[Any]]]:
    tenant = await _tenant(session, phase)
    results = await services.phase_results(session, phase, _config(phase), tenant.currency)
    return services.result_rows(
        results, lambda v: multiloc.pick(v, tenant.default_locale, tenant.default_locale).text, tenant.currency
    )


async def user_ballots(session: Any, user: Any) -> dict[str, Any]:
    ballots = (await session.scalars(select(Ballot).where(Ballot.user_id == user.id).order_by(Ballot.id))).all()
    carts = (await session.scalars(select(Cart).where(Cart.user_id == user.id).order_by(Cart.id))).all()
    return {
        "ballots": [
            {
                "budget_id": b.budget_id,
                "options": b.option_ids,
                "points": b.points,
                "receipt": b.receipt,
                "submitted_at": b.submitted_at,
            }
            for b in ballots
        ],
        "carts": [{"budget_id": c.budget_id, "items": c.items} for c in carts],
    }


async def forget(session: Any, user: Any) -> None:
    """Carts go; submitted ballots stay in the count (they decided the outcome) but lose the link to the person."""
    await session.execute(delete(Cart).where(Cart.user_id == user.id))
    await session.execute(update(Ballot).where(Ballot.user_id == user.id).values(user_id=None, area_id=None))
    await session.execute(update(Ballot).where(Ballot.entered_by_id == user.id).values(entered_by_id=None))


DEMO_OPTIONS = [
    (
        {"en": "Trees along the riverside", "nl": "Bomen langs de rivier", "fr": "Des arbres le long de la rivière"},
        40000,
    ),
    (
        {"en": "Safe bike lanes to schools", "nl": "Veilige fietspaden naar scholen", "fr": "Pistes cyclables sûres"},
        90000,
    ),
    ({"en": "Benches in every park", "nl": "Bankjes in elk park", "fr": "Des bancs dans chaque parc"}, 15000),
    (
        {"en": "Library open on Sundays", "nl": "Bibliotheek open op zondag", "fr": "Bibliothèque ouverte le dimanche"},
        60000,
    ),
    ({"en": "Playground renovation", "nl": "Speeltuin opknappen", "fr": "Rénovation de l'aire de jeux"}, 70000),
]


async def seed(session: Any, phase: Phase) -> None:
    if phase.method != "budgeting":
        return
    exists = await session.scalar(select(Budget.id).where(Budget.phase_id == phase.id).limit(1))
    if exists is not None:
        return
    budget = Budget(
        phase_id=phase.id,
        name={"en": "City-wide budget", "nl": "Budget voor de hele stad", "fr": "Budget municipal"},
        amount=200000 * 100,
        rule="equalshares/add1",
    )
    session.add(budget)
    await session.flush()
    for index, (title, cost) in enumerate(DEMO_OPTIONS):
        session.add(
            Option(
                phase_id=phase.id,
                budget_id=budget.id,
                code=str(index + 1),
                title=title,
                cost=cost * 100,
                position=index,
            )
        )
    await session.flush()
