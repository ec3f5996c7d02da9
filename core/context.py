"""Per-request state: tenant, user, locale and the one database session of the request.

The middleware opens the session, resolves the tenant from the host and scopes the session to it, finds the
signed-in user, negotiates the locale and activates its translations. It commits just before the first byte of a
successful response goes out (so a client never sees "done" for something not yet stored) and rolls back on any
error status or exception (so a failed request never leaves anything half written). Domain events queued during the
request are dispatched after the response, once the data they describe is committed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from litestar.di import NamedDependency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import utcnow
from core.db.engine import WRITE_OPTION
from core.db.scoping import scoped_session
from core.i18n import activate, negotiate
from core.models import AuthSession, Tenant, User
from core.passwords import new_token, token_hash
from core.specs import DomainEvent
from core.tenancy import tenant_and_user_for_host, tenant_for_host

if TYPE_CHECKING:
    from core.appstate import AppState

log = logging.getLogger("townhall")

AUTH_COOKIE = "th_session"
VISITOR_COOKIE = "th_visitor"
SESSION_LIFETIME = timedelta(days=14)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATE_KEY = "townhall"
URL_LOCALE_KEY = "townhall_url_locale"


class RequestContext:
    """Not a dataclass on purpose: Litestar's signature model would try to validate a dataclass dependency."""

    def __init__(self, app: AppState, session: AsyncSession, cookies: dict[str, str], path: str) -> None:
        self.app = app
        self.session = session
        self.cookies = cookies
        self.path = path
        self.tenant: Tenant | None = None
        self.user: User | None = None
        self.locale = "en"
        self.url_locale: str | None = None
        self.events: list[DomainEvent] = []
        # Set where the only writes are bookkeeping that must survive a refusal (rate-limit counts).
        self.commit_on_error = False
        # The client address as the server sees it: uvicorn puts X-Forwarded-For here only for a proxy listed in
        # TOWNHALL_TRUSTED_PROXIES (core.cli.proxy_options), so a visitor cannot choose it. Used by rate limits.
        self.client_ip: str | None = None
        self._set_auth: str | None = None
        self._clear_auth = False
        self._visitor: str | None = None
        self._visitor_is_new = False

    @property
    def tenant_id(self) -> int:
        if self.tenant is None:
            raise LookupError("no tenant for this request")
        return self.tenant.id

    def url(self, path: str) -> str:
        """An internal link that keeps the language chosen through the URL."""
        if self.url_locale and path.startswith("/") and not path.startswith("/static/"):
            return f"/{self.url_locale}{path}"
        return path

    def emit(self, name: str, **data: Any) -> None:
        self.events.append(
            DomainEvent(name=name, tenant_id=self.tenant_id, actor_id=self.user.id if self.user else None, data=data)
        )

    async def sign_in(self, user: User) -> None:
        """Start a fresh session: any earlier one of this browser is ended, so a planted id is worthless."""
        await self.end_session()
        token = new_token()
        self.session.add(
            AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME)
        )
        self._set_auth, self._clear_auth = token, False
        self.user = user

    async def end_session(self) -> None:
        token = self.cookies.get(AUTH_COOKIE)
        if token:
            found = await self.session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
            if found is not None:
                await self.session.delete(found)
        self._clear_auth = True
        self.user = None

    @property
    def auth_binding(self) -> str:
        """The signed-in session this browser holds once the response is sent ("" when anonymous); see core.csrf."""
        if self._set_auth:
            return token_hash(self._set_auth)
        if self._clear_auth or self.user is None:
            return ""
        return token_hash(self.cookies.get(AUTH_COOKIE, ""))

    @property
    def visitor_id(self) -> str:
        """A random, anonymous id for stable per-visitor choices (e.g. random sort order)."""
        if self._visitor is None:
            self._visitor = self.cookies.get(VISITOR_COOKIE) or new_token()[:16]
            self._visitor_is_new = VISITOR_COOKIE not in self.cookies
        return self._visitor

    def response_cookies(self, secure: bool) -> list[bytes]:
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        out: list[bytes] = []
        if self._set_auth:
            max_age = int(SESSION_LIFETIME.total_seconds())
            out.append(f"{AUTH_COOKIE}={self._set_auth}; Max-Age={max_age}{flags}".encode())
        elif self._clear_auth:
            out.append(f"{AUTH_COOKIE}=; Max-Age=0{flags}".encode())
        if self._visitor_is_new and self._visitor:
            out.append(f"{VISITOR_COOKIE}={self._visitor}; Max-Age=31536000{flags}".encode())
        return out


def request_context(scope_or_request: Any) -> RequestContext:
    scope = getattr(scope_or_request, "scope", scope_or_request)
    return scope["state"][STATE_KEY]


def _cookies(scope: dict[str, Any]) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


def _header(scope: dict[str, Any], wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


async def resolve(app_state: AppState, scope: dict[str, Any], session: AsyncSession) -> RequestContext:
    """Tenant from host, user from cookie, locale from URL / user / Accept-Language / tenant default."""
    ctx = RequestContext(app=app_state, session=session, cookies=_cookies(scope), path=scope.get("path", "/"))
    client = scope.get("client")
    ctx.client_ip = str(client[0]) if client else None
    token = ctx.cookies.get(AUTH_COOKIE)
    host = _header(scope, b"host")
    if token:
        ctx.tenant, ctx.user = await tenant_and_user_for_host(session, host, token_hash(token), utcnow())
    else:
        ctx.tenant = await tenant_for_host(session, host)
    available = ["en"]
    if ctx.tenant is not None:
        scoped_session(session, ctx.tenant.id)
        available = list(ctx.tenant.locales) or [ctx.tenant.default_locale]
    url_locale = scope.get(URL_LOCALE_KEY)
    if url_locale in available:
        ctx.url_locale = url_locale
        ctx.locale = url_locale
    elif ctx.user is not None and ctx.user.locale in available:
        ctx.locale = ctx.user.locale
    else:
        default = ctx.tenant.default_locale if ctx.tenant is not None else "en"
        ctx.locale = negotiate(_header(scope, b"accept-language"), available) or default
    activate(ctx.locale, app_state.catalogs.get(ctx.locale))
    return ctx


async def run_in_context(app_state: AppState, scope: dict[str, Any], receive: Any, send: Any, call_next: Any) -> None:
    """Wrap one HTTP request (see module docstring); runs before routing so even a 404 knows tenant and locale."""
    write = scope.get("method", "GET") not in SAFE_METHODS
    async with app_state.db.sessionmaker() as session:
        if write and app_state.db.dialect == "sqlite":
            await session.connection(execution_options={WRITE_OPTION: True})
        ctx = await resolve(app_state, scope, session)
        scope.setdefault("state", {})[STATE_KEY] = ctx
        started = False

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                if message["status"] < 400 or (ctx.commit_on_error and message["status"] < 500):
                    await session.commit()
                else:
                    await session.rollback()
                extra = ctx.response_cookies(app_state.settings.secure_cookies)
                if extra:
                    headers = [*message.get("headers", []), *((b"set-cookie", c) for c in extra)]
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await call_next(scope, receive, send_wrapper)
        except BaseException:
            await session.rollback()
            raise
    if ctx.events:
        await app_state.dispatch_events(ctx.events)


Ctx = NamedDependency[RequestContext]
"""Handler parameter type for the request context: ``async def page(ctx: Ctx) -> ...``."""
