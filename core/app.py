"""The app factory: one call builds a complete, independent Townhall (plugins, database, templates, routes)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXRequest
from litestar.static_files import create_static_files_router

from core.api import routes as api_routes
from core.appstate import AppState
from core.context import URL_LOCALE_KEY, RequestContext, request_context, run_in_context
from core.csrf import csrf_middleware
from core.db.engine import Database
from core.db.lineages import revision_status
from core.i18n import Catalogs
from core.imports import web as imports_web
from core.jobs import runtime_for
from core.mail import Mailer
from core.participation import routes as participation_routes
from core.plugins import Registry, build_plugin_manager
from core.ratelimits import parse_overrides
from core.realtime import Realtime
from core.security import with_security_headers
from core.settings import JOB_MODES, SUPPORTED_LOCALES, Settings, settings_from_env
from core.templating import build_environment
from core.web import accounts, admin, changes, embed, errors, events, health, public

log = logging.getLogger("townhall")
CORE_STATIC = Path(__file__).resolve().parent / "static"
VENDOR_DIRS = [CORE_STATIC / "vendor"]  # pinned npm files, copied there by scripts/setup.sh (and so into a wheel)


class SchemaNotCurrent(RuntimeError):
    pass


class TownhallApp(Litestar):
    """Litestar, plus what must happen before routing: the locale URL prefix, the request context, headers."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        state: AppState = self.state.townhall
        path: str = scope["path"]
        head, _, rest = path[1:].partition("/")
        if head in SUPPORTED_LOCALES:
            scope = {**scope, "path": "/" + rest, "raw_path": ("/" + rest).encode(), URL_LOCALE_KEY: head}
        static = scope["path"].startswith("/static/")
        send = with_security_headers(send, hsts=state.settings.secure_cookies, dynamic=not static)
        if static:
            await super().__call__(scope, receive, send)
            return
        await run_in_context(state, scope, receive, send, super().__call__)


def require_tenant(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("tenantless") or connection.scope["path"].startswith("/static/"):
        return  # static files are served outside the request context (see TownhallApp.__call__)
    if request_context(connection).tenant is None:
        raise NotFoundException("unknown municipality")


def provide_ctx(request: HTMXRequest) -> RequestContext:
    return request_context(request)


async def check_schema(app: Litestar) -> None:
    state: AppState = app.state.townhall
    if not state.settings.require_current_schema:
        return
    stale = [s.name for s in await revision_status(state.db.engine, state.registry) if not s.ok]
    if stale:
        raise SchemaNotCurrent(f"database schema is not current for {', '.join(stale)}: run `townhall db upgrade`")


async def start_jobs(app: Litestar) -> None:
    await app.state.townhall.jobs.start()


async def stop_jobs(app: Litestar) -> None:
    await app.state.townhall.jobs.stop()


async def dispose(app: Litestar) -> None:
    await app.state.townhall.db.dispose()


def create_app(settings: Settings | None = None) -> TownhallApp:
    settings = settings or settings_from_env()
    pm = build_plugin_manager(
        settings.plugins, load_entry_points=settings.load_entry_points, only=settings.only_plugins
    )
    if settings.jobs not in JOB_MODES:
        raise ValueError(f"TOWNHALL_JOBS must be one of {', '.join(JOB_MODES)}, not {settings.jobs!r}")
    if settings.jobs == "saq" and not settings.redis_url:
        raise ValueError("TOWNHALL_JOBS=saq needs REDIS_URL (the queue lives in Redis)")
    registry = Registry.gather(pm)
    state = AppState(
        settings=settings,
        db=Database(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow),
        registry=registry,
        catalogs=Catalogs(registry.translations),
        templates=build_environment(registry.templates, settings.template_override_dir, auto_reload=settings.debug),
        mailer=Mailer(settings),
        realtime=Realtime(settings),
        rate_limits=parse_overrides(settings.rate_limits),  # a typo stops the app here, not at the first post
    )
    state.jobs = runtime_for(state)
    if settings.workers > 1 and not settings.redis_url:
        log.warning("%d workers but no REDIS_URL: live updates reach only clients of the same worker", settings.workers)
    static_routers = [create_static_files_router(path="/static/core", directories=[CORE_STATIC], name="core_static")]
    static_routers += [
        create_static_files_router(path=f"/static/{ns}", directories=[folder], name=f"{ns}_static")
        for ns, folder in registry.static
    ]
    vendor = [d for d in VENDOR_DIRS if d.exists()]
    if vendor:
        static_routers.append(create_static_files_router(path="/static/vendor", directories=vendor, name="vendor"))
    app = TownhallApp(
        route_handlers=[
            *public.routes,
            *embed.routes,
            *changes.routes,
            *accounts.routes,
            *admin.routes,
            *participation_routes.routes,
            *health.routes,
            *events.routes,
            *imports_web.routes,
            *static_routers,
            *registry.routes,
            api_routes.router,
        ],
        dependencies={"ctx": Provide(provide_ctx, sync_to_thread=False)},
        guards=[require_tenant],
        request_class=HTMXRequest,
        middleware=[csrf_middleware],  # bound to tenant and session (core/csrf.py), not Litestar's double submit
        allowed_hosts=settings.allowed_hosts if settings.allowed_hosts != ["*"] else None,
        exception_handlers=errors.handlers,
        before_request=errors.refuse_unusable_targets,
        request_max_body_size=settings.max_request_bytes,
        plugins=[state.realtime.plugin],
        on_startup=[check_schema, start_jobs],
        on_shutdown=[stop_jobs, dispose],
        debug=settings.debug,
        # Only the JSON API is documented (its router says include_in_schema=True); HTML pages never are.
        include_in_schema=False,
        openapi_config=OpenAPIConfig(
            title="Townhall public API",
            version="1",
            path=f"{api_routes.PREFIX}/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(security_schemes={"token": SecurityScheme(type="http", scheme="bearer")}),
        ),
    )
    app.state.townhall = state
    return app
