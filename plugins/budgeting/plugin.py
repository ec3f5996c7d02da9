"""Participatory budgeting as a Townhall method: only hook implementations live here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import MethodSpec, hookimpl, lazy_gettext
from core.migrate import plugin_lineage
from core.permissions import denied
from core.specs import ExportSpec, TranslationDomain

from . import models  # noqa: F401 - registers the budgeting_* tables
from .spec import CONFIG_LABELS, VOTE, VOTE_ACTION, BudgetingConfig

HERE = Path(__file__).resolve().parent


def _spec() -> MethodSpec:
    from . import controllers, services

    return MethodSpec(
        key="budgeting",
        label=lazy_gettext("Participatory budgeting"),
        description=lazy_gettext("Residents decide how a budget is spent by choosing among costed options."),
        config=BudgetingConfig,
        render_phase=controllers.render_phase,
        icon="€",
        actions=(VOTE,),
        config_labels=CONFIG_LABELS,
        config_locked=services.config_locked,
    )


@hookimpl
def register_methods() -> list[Any]:
    return [_spec()]


@hookimpl
def register_routes() -> list[Any]:
    from .controllers import router
    from .handoff import router as handoff_router

    return [router, handoff_router]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """A budget limited to an area is open to residents of that area only."""
    from .models import Budget

    if action != VOTE_ACTION or not isinstance(item, Budget) or item.area_id is None:
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
