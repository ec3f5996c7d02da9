"""Route guards: who may reach a handler at all. Finer checks (phase state, limits) use core.permissions."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from core.context import request_context


def signed_in(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if request_context(connection).user is None:
        raise NotAuthorizedException()


def admin_only(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    user = request_context(connection).user
    if user is None:
        raise NotAuthorizedException()
    if user.role != "admin":
        raise PermissionDeniedException()
