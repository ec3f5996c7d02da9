"""The municipality's back office: every page under ``/admin`` is for the tenant's administrators only.

Handlers live in ``admin_projects`` (dashboard, projects, phases), ``admin_settings`` (tenant settings, areas,
topics) and ``admin_users`` (accounts, audit log); the rules they apply live in ``core.project_service``.
"""

from __future__ import annotations

from litestar import Router

from core.web import admin_projects, admin_settings, admin_users
from core.web.guards import admin_only

admin_router = Router(
    path="/admin",
    guards=[admin_only],
    route_handlers=[*admin_projects.routes, *admin_settings.routes, *admin_users.routes],
)

routes: list = [admin_router, *admin_projects.public_routes]
