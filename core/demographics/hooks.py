"""The demographics' own hook implementations: a person's profile answers are in their data export and go when they
are forgotten."""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def user_data(user: Any) -> Any:
    from core.demographics import service

    return lambda session: service.user_data(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    from core.demographics import service

    return lambda session: service.forget_user(session, user)
