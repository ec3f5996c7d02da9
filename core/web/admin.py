"""The municipality's back office: every page under ``/admin`` is for the tenant's administrators only.

Handlers live in ``admin_projects`` (dashboard, projects, phases), ``admin_settings`` (tenant settings, areas,
topics) and ``admin_users`` (accounts, audit log); the rules they apply live in ``core.project_service``.
"""

from __future__ import annotations

from litestar import Router

from core.demographics import dashboard as demographics_dashboard
from core.demographics import web as demographics_web
from core.web import (
    admin_embed,
    admin_projects,
    admin_retention,
    admin_settings,
    admin_style,
    admin_tokens,
    admin_users,
    admin_webhooks,
)
from core.web.guards import admin_only

admin_router = Router(
    path="/admin",
    guards=[admin_only],
    route_handlers=[
        *admin_projects.routes,
        *admin_retention.routes,
        *admin_settings.routes,
        *admin_users.routes,
        *admin_embed.routes,
        *admin_tokens.routes,
        *admin_webhooks.routes,
        *admin_style.routes,
        *demographics_web.routes,
        *demographics_dashboard.routes,
    ],
)

routes: list = [
    admin_router,
    *admin_projects.public_routes,
    *admin_settings.public_routes,
    *demographics_web.public_routes,
    *demographics_dashboard.public_routes,
]
