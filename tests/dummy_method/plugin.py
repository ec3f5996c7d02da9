"""The hook implementations of the dummy method: only ``@hookimpl`` functions, the rest lives in its modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core import (
    ApiPage,
    ApiQuery,
    AuditEntry,
    ConcurrencyCase,
    ConcurrencyRequest,
    DomainEvent,
    ExportSpec,
    MethodSpec,
    Phase,
    Project,
    StatSpec,
    Tenant,
    TranslationDomain,
    User,
    Verdict,
    denied,
    gettext,
    hookimpl,
    lazy_gettext,
    phase_config,
    plugin_lineage,
)
from tests.dummy_method import models, services  # models registers the table before plugin_lineage
from tests.dummy_method.spec import KEY, SPEC, SUPPORT, WITHDRAW, DummyConfig

HERE = Path(__file__).resolve().parent


def _config(phase: Phase) -> DummyConfig:
    return phase_config(phase, DummyConfig)


@hookimpl
def register_methods() -> list[MethodSpec]:
    return [SPEC]


@hookimpl
def register_concurrency_cases() -> list[ConcurrencyCase]:
    """One support per person and phase, however many identical POSTs race."""

    async def prepare(session: Any, phase: Phase, actor_id: int, author_id: int) -> ConcurrencyRequest:
        rows = (
            select(func.count())
            .select_from(models.DummySupport)
            .where(models.DummySupport.phase_id == phase.id, models.DummySupport.user_id == actor_id)
        )
        return ConcurrencyRequest(path=f"/p/{phase.id}/{KEY}/support", rows=rows)

    return [ConcurrencyCase(key=f"{KEY}.support", prepare=prepare)]


@hookimpl
def register_routes() -> list[Any]:
    from tests.dummy_method.controllers import routes

    return routes


@hookimpl
def permission_verdict(user: User | None, action: str, phase: Phase, item: Any) -> Verdict | None:
    if phase.method != KEY:
        return None
    if action == SUPPORT and isinstance(item, services.SupportStatus) and item.supported:
        return denied("already_done")
    if action == WITHDRAW and not _config(phase).allow_withdraw:
        return denied("action_disabled")
    return None


@hookimpl
def register_item_kinds() -> list[Any]:
    from tests.dummy_method.items import PHASE_ITEM

    return [PHASE_ITEM]


@hookimpl
def phase_card(phase: Phase, request: Any) -> dict[str, Any] | None:
    if phase.method != KEY:
        return None
    return {"summary": gettext("Goal: %(goal)s supporters", goal=_config(phase).goal)}


@hookimpl
def phase_results(phase: Phase) -> Any:
    if phase.method != KEY:
        return None

    async def results(session: Any) -> dict[str, Any]:
        supporters = await services.count(session, phase)
        goal = _config(phase).goal
        return {"supporters": supporters, "goal": goal, "goal_reached": supporters >= goal}

    return results


@hookimpl
def public_api(phase: Phase) -> Any:
    """The public JSON API shows the supporter count and goal: public on the phase page, nobody's name."""
    if phase.method != KEY:
        return None

    async def page(session: Any, query: ApiQuery) -> ApiPage:
        supporters = await services.count(session, phase)
        return ApiPage(kind="support", summary={"supporters": supporters, "goal": _config(phase).goal})

    return page


@hookimpl
def register_exports() -> list[ExportSpec]:
    return [ExportSpec("supporters", KEY, lazy_gettext("Supporters"), services.supporters)]


@hookimpl
def register_stats() -> list[StatSpec]:
    return [StatSpec("supporters", KEY, lazy_gettext("Supporters"), services.supporter_count)]


@hookimpl
def on_event(event: DomainEvent) -> Any:
    """Supports and withdrawals go to the municipality's audit log, after the change is committed."""
    if event.name not in ("dummy.supported", "dummy.withdrawn"):
        return None

    async def record(app: Any) -> None:
        async with app.db.session(event.tenant_id, write=True) as session:
            session.add(
                AuditEntry(
                    actor_id=event.actor_id,
                    action=event.name,
                    target_type="phase",
                    target_id=event.data.get("phase_id"),
                )
            )

    return record


@hookimpl
def user_data(user: User) -> Any:
    async def collect(session: Any) -> dict[str, Any]:
        return {"dummy_supports": await services.user_supports(session, user)}

    return collect


@hookimpl
def forget_user(user: User) -> Any:
    async def forget(session: Any) -> None:
        await services.forget(session, user)

    return forget


@hookimpl
def retention(phase: Phase) -> Any:
    if phase.method != KEY:
        return None
    return lambda session: services.retain(session, phase)


@hookimpl
def seed_demo(tenant: Tenant, project: Project) -> Any:
    async def seed(session: Any, phase: Phase) -> None:
        if phase.method == KEY:
            await services.seed(session, phase)

    return seed


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage(KEY, HERE / "migrations")]


@hookimpl
def register_translations() -> list[TranslationDomain]:
    return [TranslationDomain(KEY, HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[tuple[str, Path]]:
    return [(KEY, HERE / "templates")]


@hookimpl
def register_static() -> list[tuple[str, Path]]:
    return [(KEY, HERE / "static")]
