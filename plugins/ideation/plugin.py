"""The ideation plugin's hook implementations: only wiring; the work lives in services and controllers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import ExportSpec, StatSpec, TranslationDomain, denied, hookimpl, lazy_gettext, plugin_lineage
from plugins.ideation import demo, imports, insights, services
from plugins.ideation.controllers import IdeationController
from plugins.ideation.retention import retention_for
from plugins.ideation.spec import KEY, METHOD, config_of

HERE = Path(__file__).resolve().parent
TOGGLES = {
    "ideation.post": "submission_enabled",
    "ideation.comment": "commenting_enabled",
    "ideation.react": "reacting_enabled",
}


@hookimpl
def register_methods() -> list[Any]:
    return [METHOD]


@hookimpl
def register_routes() -> list[Any]:
    return [IdeationController]


@hookimpl
def register_concurrency_cases() -> list[Any]:
    """Reactions, follows and reports on an idea and on its comments: one per person, under any concurrency."""
    from plugins.ideation.concurrency import CASES

    return CASES


@hookimpl
def register_item_kinds() -> list[Any]:
    """Ideas take part through the core's comments, reactions, follows, reports and statuses."""
    from plugins.ideation.items import IDEA_ITEM

    return [IDEA_ITEM]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """The phase config switches actions off; limits and item rules are checked by the services."""
    toggle = TOGGLES.get(action)
    if toggle is None or getattr(phase, "method", None) != KEY:
        return None
    if not getattr(config_of(phase), toggle):
        return denied("action_disabled")
    return None


@hookimpl
def phase_outputs(phase: Any) -> Any:
    """The phase's public ideas, for a later phase of the project (budgeting puts some on its ballot)."""
    if getattr(phase, "method", None) != KEY:
        return None
    return lambda session: services.phase_outputs(session, phase)


@hookimpl
def public_api(phase: Any) -> Any:
    """The phase's public ideas for the JSON API (plugins/ideation/api.py)."""
    if getattr(phase, "method", None) != KEY:
        return None
    from plugins.ideation.api import public_ideas

    return lambda session, query: public_ideas(session, phase, query)


@hookimpl
def participants(phase: Any) -> Any:
    """Authors of the phase's ideas (the core adds commenters and reacters)."""
    if getattr(phase, "method", None) != KEY:
        return None
    from sqlalchemy import select

    from plugins.ideation.models import Idea

    return select(Idea.author_id).where(Idea.phase_id == phase.id, Idea.author_id.is_not(None))


@hookimpl
def register_exports() -> list[Any]:
    return [
        ExportSpec("ideas", KEY, lazy_gettext("Ideas"), services.export_ideas),
        ExportSpec("comments", KEY, lazy_gettext("Comments"), services.export_comments),
        ExportSpec("reactions", KEY, lazy_gettext("Reactions"), services.export_reactions),
    ]


@hookimpl
def register_stats() -> list[Any]:
    return [
        StatSpec("totals", KEY, lazy_gettext("Ideas, comments, reactions and participants"), insights.totals),
        StatSpec("over_time", KEY, lazy_gettext("Activity per day"), insights.over_time),
        StatSpec("top_topics", KEY, lazy_gettext("Top topics"), insights.top_topics),
        StatSpec("themes", KEY, lazy_gettext("Themes in the ideas"), insights.themes),
    ]


@hookimpl
def register_imports() -> list[Any]:
    return [imports.IDEAS]


@hookimpl
def user_data(user: Any) -> Any:
    return lambda session: services.user_data(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    return lambda session: services.forget_user(session, user)


@hookimpl
def retention(phase: Any) -> Any:
    return retention_for(phase)


@hookimpl
def seed_demo(tenant: Any, project: Any) -> Any:
    return lambda session, phase: demo.seed(session, tenant, project, phase) if phase.method == KEY else None


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage(KEY, HERE / "migrations")]


@hookimpl
def register_translations() -> list[Any]:
    return [TranslationDomain(KEY, HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[Any]:
    return [(KEY, HERE / "templates" / KEY)]


@hookimpl
def register_static() -> list[Any]:
    return [(KEY, HERE / "static")]
