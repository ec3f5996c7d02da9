"""Factories for tenants, users, projects and phases, and helpers to act as a signed-in browser."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.accounts import create_user
from core.appstate import AppState
from core.context import AUTH_COOKIE, SESSION_LIFETIME
from core.db.base import utcnow
from core.models import AuthSession, Phase, Project, ProjectModerator, Tenant, User
from core.passwords import new_token, token_hash
from core.settings import SUPPORTED_LOCALES
from core.tenants import create_tenant

HTMX_HEADERS = {"HX-Request": "true"}
DEFAULT_PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only
_counter = itertools.count(1)


class Factory:
    """Writes test data straight through the app's database, each call in its own committed transaction."""

    def __init__(self, app_state: AppState) -> None:
        self.app = app_state
        self.db = app_state.db

    async def tenant(
        self,
        host: str = "city.test",
        *,
        slug: str | None = None,
        locales: list[str] | None = None,
        default_locale: str = "en",
        extra_hosts: list[str] | None = None,
        **settings: Any,
    ) -> Tenant:
        settings.setdefault("enabled_methods", sorted(self.app.registry.methods))
        async with self.db.session(unscoped=True, write=True) as session:
            return await create_tenant(
                session,
                slug=slug or host.split(".")[0] + f"-{next(_counter)}",
                name={default_locale: host.split(".")[0].capitalize()},
                hosts=[host, *(extra_hosts or [])],
                locales=locales or list(SUPPORTED_LOCALES),
                default_locale=default_locale,
                **settings,
            )

    async def user(
        self,
        tenant: Tenant,
        *,
        role: str = "resident",
        verified: bool = False,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        confirmed: bool = True,
        **fields: Any,
    ) -> User:
        async with self.db.session(tenant.id, write=True) as session:
            return await create_user(
                session,
                email=email or f"user{next(_counter)}@example.org",
                password=password,
                display_name=fields.pop("display_name", f"{role.capitalize()} {next(_counter)}"),
                role=role,
                verified=verified,
                confirmed=confirmed,
                **fields,
            )

    async def project(
        self, tenant: Tenant, *, slug: str | None = None, status: str = "published", **fields: Any
    ) -> Project:
        async with self.db.session(tenant.id, write=True) as session:
            project = Project(
                slug=slug or f"project-{next(_counter)}",
                title=fields.pop("title", {tenant.default_locale: "A project"}),
                description=fields.pop("description", {tenant.default_locale: "What it is about"}),
                status=status,
                **fields,
            )
            session.add(project)
            await session.flush()
            return project

    async def phase(
        self,
        project: Project,
        method: str,
        *,
        state: str = "active",
        config: dict | None = None,
        permissions: dict | None = None,
        title: dict | None = None,
        starts_at: Any = None,
        ends_at: Any = None,
    ) -> Phase:
        now = utcnow()
        if starts_at is None or ends_at is None:
            starts_at, ends_at = {
                "active": (now - timedelta(days=1), now + timedelta(days=7)),
                "upcoming": (now + timedelta(days=7), now + timedelta(days=14)),
                "ended": (now - timedelta(days=14), now - timedelta(days=7)),
            }[state]
        async with self.db.session(project.tenant_id, write=True) as session:
            phase = Phase(
                project_id=project.id,
                title=title or {"en": f"{method} phase"},
                description={},
                method=method,
                config=config or {},
                permissions=permissions or {},
                starts_at=starts_at,
                ends_at=ends_at,
            )
            session.add(phase)
            await session.flush()
            return phase

    async def moderator(self, project: Project, user: User) -> None:
        async with self.db.session(project.tenant_id, write=True) as session:
            session.add(ProjectModerator(project_id=project.id, user_id=user.id))

    async def login(self, client: Any, user: User) -> None:
        """Sign the test client in as ``user`` without going through the login form."""
        token = new_token()
        async with self.db.session(user.tenant_id, write=True) as session:
            session.add(
                AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME)
            )
        client.cookies.set(AUTH_COOKIE, token)
        # CSRF tokens are bound to the session; a real sign-in rotates the cookie, this shortcut drops the stale one.
        client.cookies.delete("csrftoken")

    async def reload(self, model: type, id_: int, tenant_id: int) -> Any:
        async with self.db.session(tenant_id) as session:
            return await session.get(model, id_)

    async def count(self, model: type, tenant_id: int | None = None, *where: Any) -> int:
        from sqlalchemy import func

        async with self.db.session(tenant_id) if tenant_id is not None else self.db.session(unscoped=True) as session:
            stmt = select(func.count()).select_from(model)
            for clause in where:
                stmt = stmt.where(clause)
            return int(await session.scalar(stmt) or 0)


async def csrf_headers(client: Any, path: str = "/") -> dict[str, str]:
    """Fetch a page so the CSRF cookie exists, and return the header htmx would send with it."""
    if "csrftoken" not in client.cookies:
        await client.get(path)
    return {"x-csrftoken": client.cookies.get("csrftoken", "")}
