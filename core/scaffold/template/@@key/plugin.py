"""The hook implementations: only ``@hookimpl`` functions, each delegating to the modules next to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import (
    ExportSpec,
    MethodSpec,
    Phase,
    Project,
    Tenant,
    TranslationDomain,
    User,
    Verdict,
    denied,
    hookimpl,
    lazy_gettext,
    plugin_lineage,
)
from @@key import models, services  # noqa: F401 - importing models registers the table before plugin_lineage
from @@key.spec import KEY, SIGN_UP, SPEC

HERE = Path(__file__).resolve().parent


@hookimpl
def register_methods() -> list[MethodSpec]:
    return [SPEC]


@hookimpl
def register_routes() -> list[Any]:
    from @@key.controllers import @@{Key}Controller

    return [@@{Key}Controller]


@hookimpl
def permission_verdict(user: User | None, action: str, phase: Phase, item: Any) -> Verdict | None:
    """``item`` is whether this visitor already signed up: hooks are synchronous, the handler asks the database."""
    if phase.method == KEY and action == SIGN_UP and item is True:
        return denied("already_done")
    return None


@hookimpl
def register_exports() -> list[ExportSpec]:
    return [ExportSpec("signups", KEY, lazy_gettext("Sign-ups"), services.export_rows)]


@hookimpl
def user_data(user: User) -> Any:
    async def collect(session: Any) -> dict[str, Any]:
        return {"@@{key}_signups": await services.user_rows(session, user)}

    return collect


@hookimpl
def forget_user(user: User) -> Any:
    async def forget(session: Any) -> None:
        await services.forget(session, user)

    return forget


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
