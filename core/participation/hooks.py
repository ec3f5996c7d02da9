"""The participation primitives' own hook implementations: they join the plugin manager like any plugin, so a
person's data export and forgetting cover comments, reactions, follows and reports of every method."""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def user_data(user: Any) -> Any:
    from core.participation import personal

    return lambda session: personal.user_data(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    from core.participation import personal

    return lambda session: personal.forget_user(session, user)
