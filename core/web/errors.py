"""Every failure becomes a clear page or fragment in the user's language; tracebacks never reach a resident."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError

from core.context import STATE_KEY
from core.csrf import CsrfRefused
from core.i18n import lazy_gettext
from core.permissions import REASONS, denied
from core.realtime import ChannelError
from core.web.render import HTML, is_htmx, render_html, return_path

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
STAFF_ONLY = lazy_gettext("This page is for the municipality's staff.")


class UserFacingError(HTTPException):
    """An error whose ``detail`` is already a translated sentence meant for the resident."""

    status_code = 400


API_PREFIX = "/api/"


def _api_error(status: int, title: str, detail: str, headers: dict[str, str] | None, errors: Any) -> Response[Any]:
    """The JSON API's errors are JSON too, in the reader's language, readable cross-origin like its answers."""
    body: dict[str, Any] = {"status": status, "title": title, "detail": str(detail)}  # plain, never a link marker
    if errors:
        body["errors"] = [{"key": e.get("key"), "message": e.get("message")} for e in errors if isinstance(e, dict)]
    headers = {"Access-Control-Allow-Origin": "*", **(headers or {})}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _refusal(exc: HTTPException) -> tuple[str, str]:
    """Why a page said 403, and the sentence for it: one message for every cause sent people who had only let a
    form expire looking for a permission, and people without the permission reloading a form.

    ``csrf``: the form's token did not match; ``reason``: a permission verdict's reason (a ``UserFacingError``'s
    translated detail, or ``PermissionDeniedException(<reason key of core.permissions.REASONS>)``); ``staff``:
    anything else, a page or action kept for the municipality's staff (the ``admin_only`` guard and its kin).
    """
    if isinstance(exc, CsrfRefused):
        return "csrf", str(DETAILS[403])
    if isinstance(exc, UserFacingError):
        return "reason", exc.detail
    if exc.detail in REASONS:
        return "reason", denied(exc.detail).message
    return "staff", str(STAFF_ONLY)


def _render_error(
    request: Request,
    status: int,
    message: str | None,
    extra_headers: dict[str, str] | None = None,
    errors: Any = None,
    refusal: str | None = None,
) -> Response[str]:
    title = str(TITLES.get(status, TITLES[400 if status < 500 else 500]))
    detail = message or str(DETAILS.get(status, ""))
    if request.scope.get("path", "").startswith(API_PREFIX):
        return _api_error(status, title, detail, extra_headers, errors)
    headers = {"Vary": "HX-Request", **(extra_headers or {})}
    if STATE_KEY not in request.scope.get("state", {}):
        return Response(
            f"{status} {title}\n{detail}", status_code=status, media_type="text/plain", headers=extra_headers
        )
    context = {"status": status, "title": title, "detail": detail, "refusal": refusal}
    try:
        if is_htmx(request):
            body = render_html(request, "_error.html", context)
            headers |= {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        else:
            context["back_path"] = return_path(request) if refusal == "csrf" else ""
            body = render_html(request, "error.html", context)
    except Exception:
        log.exception("error page failed to render")
        return Response(f"{status} {title}", status_code=status, media_type="text/plain", headers=extra_headers)
    return Response(body, status_code=status, media_type=HTML, headers=headers)


def http_error(request: Request, exc: HTTPException) -> Response[str]:
    status = exc.status_code
    if (
        status == 401
        and request.method == "GET"
        and not request.scope.get("path", "").startswith(API_PREFIX)  # a machine gets the 401, not a login page
        and not is_htmx(request)
        and STATE_KEY in request.scope.get("state", {})
    ):
        ctx = request.scope["state"][STATE_KEY]
        target = ctx.url("/login") + "?" + urlencode({"next": ctx.path})
        return Response("", status_code=303, headers={"Location": target})
    message = exc.detail if isinstance(exc, UserFacingError) else None
    extra = errors = refusal = None
    if isinstance(exc, ValidationException):
        status, message, errors = 400, None, exc.extra
    if status == 403 and request.scope.get("path", "").startswith(API_PREFIX):
        if "CSRF" in str(exc.detail):  # the JSON API's answers stay as they were
            message = str(DETAILS[403])
    elif status == 403:
        refusal, message = _refusal(exc)
    if status == 429 and exc.headers and "Retry-After" in exc.headers:
        extra = {"Retry-After": exc.headers["Retry-After"]}  # core.throttle.RateLimited: when to try again
    return _render_error(request, status, message, extra, errors, refusal)


OUT_OF_RANGE = lazy_gettext("A number or character in this request is not one we can use.")


def out_of_range(request: Request, exc: Exception) -> Response[str]:
    """A value the database refuses (an integer beyond 64 bits, a NUL character), or a real-time channel named from
    the request that is no channel name: the request's fault, not ours.

    Handlers and forms check what they read; this closes the class for whatever slips past them (a query
    parameter converted by the framework, a path segment), answering 400 instead of 500. Nothing is written: the
    transaction of a 4xx is rolled back.
    """
    log.info("refused an out-of-range value on %s %s: %s", request.method, request.url.path, exc)
    return _render_error(request, 400, str(OUT_OF_RANGE))


INT64 = 2**63 - 1


def refuse_unusable_targets(request: Request) -> None:
    """Before any handler: a NUL in the path or query, or a path id past 64 bits, is refused with 400.

    Every id and slug in a path ends up in a database query; PostgreSQL cannot store NUL and no id column holds more
    than 64 bits, and the drivers fail differently on each (an error that is no ``DataError`` on asyncpg). Checking
    the request once here closes the class for every route, present and future.
    """
    if "\x00" in request.scope.get("path", "") or b"%00" in request.scope.get("query_string", b"").lower():
        raise UserFacingError(detail=str(OUT_OF_RANGE), status_code=400)
    for value in request.path_params.values():
        if isinstance(value, int) and not -INT64 <= value <= INT64:
            raise UserFacingError(detail=str(OUT_OF_RANGE), status_code=400)


def server_error(request: Request, exc: Exception) -> Response[str]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _render_error(request, HTTP_500_INTERNAL_SERVER_ERROR, None)


handlers = {
    HTTPException: http_error,
    OverflowError: out_of_range,
    DataError: out_of_range,
    ChannelError: out_of_range,  # a real-time channel named from a request's values that is no channel name
    Exception: server_error,
}
