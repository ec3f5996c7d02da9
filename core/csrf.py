"""CSRF tokens bound to the municipality and to the signed-in session (issue 8).

A plain double-submit cookie proves only that the request carries a pair that matches: a pair copied from one
resident's browser works in another's session, and a pair from one municipality works on another's host. Here the
token is ``nonce + HMAC(secret, tenant id, session, nonce)``: the session part is the hash of the signed-in session's
token (empty while anonymous, where the nonce itself is the pre-session id), so a token only verifies for the
municipality and the session it was issued to. The cookie rotates whenever that binding changes (sign-in, sign-out),
and with secure cookies it carries the ``__Host-`` prefix, which no sibling subdomain can set or overwrite.

The template contract is Litestar's: ``{{ csrf_input }}`` posts ``_csrf_token``, htmx sends ``x-csrftoken``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException

from core.context import STATE_KEY, RequestContext

COOKIE = "csrftoken"
SECURE_COOKIE = "__Host-csrftoken"
HEADER = "x-csrftoken"
API_PREFIX = "/api/"
FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PATHS = frozenset({"/healthz"})
_NONCE_LENGTH = 32
_CACHE_KEY = "townhall.csrf"


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE if secure else COOKIE


def _mac(secret: str, tenant_id: int, binding: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{tenant_id}|{binding}|{nonce}".encode(), hashlib.sha256).hexdigest()


def mint(secret: str, tenant_id: int, binding: str) -> str:
    """A token for that municipality and session binding (``token_hash`` of the session token, "" if anonymous)."""
    nonce = secrets.token_hex(_NONCE_LENGTH // 2)
    return nonce + _mac(secret, tenant_id, binding, nonce)


def _tenant_id(ctx: RequestContext) -> int:
    return ctx.tenant.id if ctx.tenant is not None else 0


def _same(a: str, b: str) -> bool:
    """Constant-time, and safe for whatever a client sent (``compare_digest`` refuses non-ASCII str)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def _verifies(ctx: RequestContext, token: str | None, binding: str) -> bool:
    if not token or len(token) != _NONCE_LENGTH + 64:
        return False
    nonce, mac = token[:_NONCE_LENGTH], token[_NONCE_LENGTH:]
    return _same(_mac(ctx.app.settings.secret_key, _tenant_id(ctx), binding, nonce), mac)


def token_for(scope: dict[str, Any]) -> str:
    """The token of this browser once the response is sent: the cookie's while it still verifies, else a fresh one."""
    ctx: RequestContext = scope["state"][STATE_KEY]
    binding = ctx.auth_binding
    cached = scope["state"].get(_CACHE_KEY)
    if cached and cached[0] == binding:
        return cached[1]
    token = ctx.cookies.get(cookie_name(ctx.app.settings.secure_cookies))
    if not _verifies(ctx, token, binding):
        token = mint(ctx.app.settings.secret_key, _tenant_id(ctx), binding)
    scope["state"][_CACHE_KEY] = (binding, token)
    return token  # type: ignore[return-value]


async def _submitted(scope: dict[str, Any], receive: Any) -> str | None:
    request = scope["litestar_app"].request_class(scope=scope, receive=receive)
    sent = request.headers.get(HEADER)
    if not sent and request.content_type[0] in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
        sent = (await request.form()).get(FIELD)
    return sent if isinstance(sent, str) else None


def _bearer_api_call(scope: dict[str, Any]) -> bool:
    """A call to the JSON API that proves an API token: its routes never read cookies (core/api/tokens.py), so a
    forged cross-site request gains nothing and the CSRF token does not apply."""
    if not scope["path"].startswith(API_PREFIX):
        return False
    return any(name == b"authorization" and value[:7].lower() == b"bearer " for name, value in scope["headers"])


class CsrfRefused(PermissionDeniedException):
    """A state change without this browser's token: usually a form left open past a sign-in or sign-out, so the
    error page says "your form may have expired" rather than "you may not do this" (core.web.errors)."""


def csrf_middleware(app: Any) -> Any:
    """Refuse (403, before any handler runs, so nothing is written) a state change without this browser's token."""

    async def middleware(scope: dict[str, Any], receive: Any, send: Any) -> None:
        ctx = scope.get("state", {}).get(STATE_KEY)
        if scope["type"] != "http" or ctx is None or scope["path"] in EXEMPT_PATHS:
            await app(scope, receive, send)
            return
        secure = ctx.app.settings.secure_cookies
        name = cookie_name(secure)
        if scope["method"] not in SAFE_METHODS and not _bearer_api_call(scope):
            if ctx.tenant is None:  # no municipality here: the 404 a GET gets, not a CSRF refusal
                raise NotFoundException("unknown municipality")
            sent, cookie = await _submitted(scope, receive), ctx.cookies.get(name)
            if not (sent and cookie and _same(sent, cookie) and _verifies(ctx, sent, ctx.auth_binding)):
                raise CsrfRefused("CSRF token verification failed")

        async def send_with_cookie(message: dict[str, Any]) -> None:
            # The public API is read-only and cacheable: a Set-Cookie would be kept by shared caches.
            if message["type"] == "http.response.start" and not scope["path"].startswith(API_PREFIX):
                token = token_for(scope)
                if ctx.cookies.get(name) != token:
                    cookie = f"{name}={token}; Path=/; SameSite=Lax" + ("; Secure" if secure else "")
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        await app(scope, receive, send_with_cookie)

    return middleware
