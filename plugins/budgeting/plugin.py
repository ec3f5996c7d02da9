"""Participatory budgeting as a Townhall method: only hook implementations live here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import ExportSpec, MethodSpec, TranslationDomain, denied, hookimpl, lazy_gettext, plugin_lineage

from . import models  # noqa: F401 - registers the budgeting_* tables
from .spec import CHANGE_LABELS, CONFIG_HINTS, CONFIG_LABELS, VOTE, VOTE_ACTION, BudgetingConfig

HERE = Path(__file__).resolve().parent


def _spec() -> MethodSpec:
    from . import controllers, services, setup

    return MethodSpec(
        key="budgeting",
        label=lazy_gettext("Participatory budgeting"),
        description=lazy_gettext("Residents decide how a budget is spent by choosing among costed options."),
        config=BudgetingConfig,
        render_phase=controllers.render_phase,
        icon="€",
        actions=(VOTE,),
        config_labels=CONFIG_LABELS,
        config_hints=CONFIG_HINTS,
        config_locked=services.config_locked,
        change_labels=CHANGE_LABELS,
        change_detail_template="budgeting/_change.html",
        manage_path="/p/{phase_id}/budgeting/manage",
        setup_missing=setup.setup_missing,
    )


@hookimpl
def register_methods() -> list[Any]:
    return [_spec()]


@hookimpl
def register_imports() -> list[Any]:
    from .imports import PAPER_BALLOTS

    return [PAPER_BALLOTS]


@hookimpl
def register_concurrency_cases() -> list[Any]:
    """One ballot per person and budget, however many submits race."""
    from .concurrency import CASES

    return CASES


@hookimpl
def register_routes() -> list[Any]:
    from .controllers import router
    from .handoff import router as handoff_router

    return [router, handoff_router]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """A budget limited to an area is open to residents of that area only. Called for every action of every
    method's phase (each item of a list): other actions leave before the import."""
    if action != VOTE_ACTION:
        return None
    from .models import Budget

    if not isinstance(item, Budget) or item.area_id is None:
        return None
    if user is None:
        return denied("not_signed_in")
    if user.area_id != item.area_id:
        return denied("not_in_area")
    return None


@hookimpl
def phase_results(phase: Any) -> Any:
    if phase.method != "budgeting":
        return None
    from .hooks import results_for_phase

    return lambda session: results_for_phase(session, phase)


@hookimpl
def public_api(phase: Any) -> Any:
    """Budgets, options and (once public) results for the JSON API (plugins/budgeting/api.py)."""
    if phase.method != "budgeting":
        return None
    from .api import public_budgeting
    from .hooks import _config

    return lambda session, query: public_budgeting(session, phase, _config(phase), query)


@hookimpl
def participants(phase: Any) -> Any:
    """Voters of the phase's budgets (paper ballots have no account and are not counted)."""
    if getattr(phase, "method", None) != "budgeting":
        return None
    from sqlalchemy import select

    from .models import Ballot, Budget

    return (
        select(Ballot.user_id, Ballot.submitted_at.label("at"))  # "at": the dashboard's weeks
        .join(Budget, Budget.id == Ballot.budget_id)
        .where(Budget.phase_id == phase.id, Ballot.user_id.is_not(None))
    )


@hookimpl
def register_exports() -> list[Any]:
    from .hooks import export_rows

    return [ExportSpec("budgeting.results", "budgeting", lazy_gettext("Budgeting results"), export_rows)]


@hookimpl
def user_data(user: Any) -> Any:
    from .hooks import user_ballots

    return lambda session: user_ballots(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    from .hooks import forget

    return lambda session: forget(session, user)


@hookimpl
def retention(phase: Any) -> Any:
    if phase.method != "budgeting":
        return None
    from .retention import retain

    return lambda session: retain(session, phase)


@hookimpl
def seed_demo(tenant: Any, project: Any) -> Any:
    from .hooks import seed

    return seed


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage("budgeting", HERE / "migrations")]


@hookimpl
def register_translations() -> list[Any]:
    return [TranslationDomain("budgeting", HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[Any]:
    return [("budgeting", HERE / "templates" / "budgeting")]


@hookimpl
def register_static() -> list[Any]:
    return [("budgeting", HERE / "static")]


@hookimpl
def register_commands() -> list[Any]:
    from .cli import pabulib

    return [pabulib]
