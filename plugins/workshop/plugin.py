"""The workshop plugin's hook implementations: only wiring; the work lives in services, jobs and controllers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import ExportSpec, StatSpec, TranslationDomain, hookimpl, lazy_gettext, plugin_lineage, publish
from plugins.workshop import demo, jobs, models, services  # noqa: F401 - models register the tables first
from plugins.workshop.spec import KEY, SPEC

HERE = Path(__file__).resolve().parent


@hookimpl
def register_methods() -> list[Any]:
    return [SPEC]


@hookimpl
def register_routes() -> list[Any]:
    from plugins.workshop.controllers import WorkshopController

    return [WorkshopController]


@hookimpl
def register_item_kinds() -> list[Any]:
    from plugins.workshop.items import CARD_ITEM

    return [CARD_ITEM]


@hookimpl
def register_concurrency_cases() -> list[Any]:
    """One registration (the last seat taken once), one up-vote and one report per person, under any concurrency."""
    from plugins.workshop.concurrency import CASES

    return list(CASES)


@hookimpl
def on_event(event: Any) -> Any:
    """After the commit of a change, tell every open board of the session (all workers: Redis channels)."""
    from plugins.workshop.controllers import CHANGED, channel

    if event.name != CHANGED:
        return None
    return publish_change(event, channel(event.tenant_id, int(event.data["session_id"])))


def publish_change(event: Any, name: str) -> Any:
    async def send(app: Any) -> None:
        await publish(app, name, {"what": str(event.data.get("what", ""))})

    return send


@hookimpl
def register_jobs() -> list[Any]:
    return list(jobs.JOBS)


@hookimpl
def phase_outputs(phase: Any) -> Any:
    if getattr(phase, "method", None) != KEY:
        return None
    return lambda session: services.phase_outputs(session, phase)


@hookimpl
def public_api(phase: Any) -> Any:
    """Sessions with their seats and published reports for the JSON API (plugins/workshop/api.py)."""
    if getattr(phase, "method", None) != KEY:
        return None
    from .api import public_sessions

    return lambda session, query: public_sessions(session, phase, query)


@hookimpl
def participants(phase: Any) -> Any:
    """People registered for the phase's sessions."""
    if getattr(phase, "method", None) != KEY:
        return None
    from sqlalchemy import select

    from .models import Registration, WorkshopSession

    sessions = select(WorkshopSession.id).where(WorkshopSession.phase_id == phase.id)
    # "at": when they registered, for the dashboard's weeks
    return select(Registration.user_id, Registration.created_at.label("at")).where(
        Registration.session_id.in_(sessions)
    )


@hookimpl
def register_exports() -> list[Any]:
    return [ExportSpec("cards", KEY, lazy_gettext("Workshop cards with up-votes"), services.export_rows)]


@hookimpl
def register_stats() -> list[Any]:
    return [StatSpec("totals", KEY, lazy_gettext("Workshop sessions, registrations and cards"), services.stats)]


@hookimpl
def user_data(user: Any) -> Any:
    return lambda session: services.user_data(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    return lambda session: services.forget_user(session, user)


@hookimpl
def seed_demo(tenant: Any, project: Any) -> Any:
    return lambda session, phase: demo.seed(session, phase) if phase.method == KEY else None


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage(KEY, HERE / "migrations")]


@hookimpl
def register_translations() -> list[Any]:
    return [TranslationDomain(KEY, HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[Any]:
    return [(KEY, HERE / "templates")]


@hookimpl
def register_static() -> list[Any]:
    return [(KEY, HERE / "static")]
