"""Every failure becomes a clear page or fragment in the user's language; tracebacks never reach a resident."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.context import STATE_KEY
from core.i18n import lazy_gettext
from core.web.render import HTML, is_htmx, render_html

log = logging.getLogger("townhall.errors")

TITLES: dict[int, Any] = {
    400: lazy_gettext("That request could not be understood"),
    401: lazy_gettext("Please sign in"),
    403: lazy_gettext("You may not do that"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("That action is not available here"),
    409: lazy_gettext("That conflicts with something already saved"),
    413: lazy_gettext("That upload is too large"),
    422: lazy_gettext("Some of what you sent is not valid"),
    429: lazy_gettext("Too many attempts, please wait a few minutes"),
    500: lazy_gettext("Something went wrong on our side"),
}
DETAILS: dict[int, Any] = {
    403: lazy_gettext("Your form may have expired. Reload the page and try again."),
    404: lazy_gettext("The page you are looking for does not exist or has moved."),
    500: lazy_gettext("Nothing was saved. Please try again in a moment."),
}


class UserFacingError(HTTPException):
    """An error whose ``detail`` is already a translated sentence meant for the resident."""

    status_code = 400


def _render_error(request: Request, status: int, message: str | None) -> Response[str]:
    title = str(TITLES.get(status, TITLES[400 if status < 500 else 500]))
    detail = message or str(DETAILS.get(status, ""))
    headers = {"Vary": "HX-Request"}
    if STATE_KEY not in request.scope.get("state", {}):
        return Response(f"{status} {title}\n{detail}", status_code=status, media_type="text/plain; charset=utf-8")
    try:
        if is_htmx(request):
            body = render_html(request, "_error.html", {"status": status, "title": title, "detail": detail})
            headers |= {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        else:
            body = render_html(request, "error.html", {"status": status, "title": title, "detail": detail})
    except Exception:
        log.exception("error page failed to render")
        return Response(f"{status} {title}", status_code=status, media_type="text/plain; charset=utf-8")
    return Response(body, status_code=status, media_type=HTML, headers=headers)


def http_error(request: Request, exc: HTTPException) -> Response[str]:
    status = exc.status_code
    if (
        status == 401
        and request.method == "GET"
        and not is_htmx(request)
        and STATE_KEY in request.scope.get("state", {})
    ):
        ctx = request.scope["state"][STATE_KEY]
        target = ctx.url("/login") + "?" + urlencode({"next": ctx.path})
        return Response("", status_code=303, headers={"Location": target})
    message = exc.detail if isinstance(exc, UserFacingError) else None
    if isinstance(exc, ValidationException):
        status, message = 400, None
    if status == 403 and "CSRF" in str(exc.detail):
        message = str(DETAILS[403])
    return _render_error(request, status, message)


def server_error(request: Request, exc: Exception) -> Response[str]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _render_error(request, HTTP_500_INTERNAL_SERVER_ERROR, None)


handlers = {HTTPException: http_error, Exception: server_error}
