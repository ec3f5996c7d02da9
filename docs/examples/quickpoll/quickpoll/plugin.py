"""The hook implementations of the quick poll; the work lives in the modules next to it."""

from pathlib import Path
from typing import Any

from sqlalchemy import delete

from core import Phase, TranslationDomain, User, denied, hookimpl, plugin_lineage
from quickpoll import models
from quickpoll.controllers import QuickpollController
from quickpoll.spec import KEY, SPEC, VOTE

HERE = Path(__file__).resolve().parent


@hookimpl
def register_methods() -> list[Any]:
    return [SPEC]


@hookimpl
def register_routes() -> list[Any]:
    return [QuickpollController]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Phase, item: Any) -> Any:
    # ``item``: has the visitor voted? (the handler asks the database; the core itself refuses anonymous visitors)
    if phase.method == KEY and action == VOTE and item is True:
        return denied("already_done")
    return None


@hookimpl
def user_data(user: User) -> Any:
    return lambda session: models.user_data(session, user)


@hookimpl
def forget_user(user: User) -> Any:
    return lambda session: session.execute(delete(models.Vote).where(models.Vote.user_id == user.id))


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage(KEY, HERE / "migrations")]


@hookimpl
def register_translations() -> list[TranslationDomain]:
    return [TranslationDomain(KEY, HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[tuple[str, Path]]:
    return [(KEY, HERE / "templates")]
