"""Tenant isolation: nobody on municipality A — anonymous visitor, resident or administrator — can read or change
anything of municipality B, by id, by list, by export, through the back office or at the data layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from core import TenantScopeError
from core.context import AUTH_COOKIE
from core.models import Area, Notification, Phase, Project, User
from tests.dummy_method.models import DummySupport

ROLES = ("anonymous", "resident", "admin")


@dataclass
class World:
    a: Any
    b: Any
    a_project: Any
    a_phase: Any
    b_project: Any
    b_phase: Any
    b_draft: Any
    b_user: Any
    b_admin: Any
    b_support: int
    b_area: int
    b_notification: int
    users: dict[str, Any]


@pytest.fixture
async def world(factory, tenant, other_tenant) -> World:
    a, b = tenant, other_tenant
    a_project = await factory.project(a, slug="a-park", title={"en": "Alpha park"})
    a_phase = await factory.phase(a_project, "dummy")
    b_project = await factory.project(b, slug="b-harbour", title={"en": "Bravo harbour"})
    b_phase = await factory.phase(b_project, "dummy")
    b_draft = await factory.project(b, slug="b-draft", status="draft", title={"en": "Bravo draft"})
    b_user = await factory.user(b)
    b_admin = await factory.user(b, role="admin")
    async with factory.db.session(b.id, write=True) as session:
        support = DummySupport(phase_id=b_phase.id, user_id=b_user.id)
        area = Area(name={"en": "Bravo North"})
        notification = Notification(user_id=b_user.id, kind="test", data={})
        session.add_all([support, area, notification])
        await session.flush()
        ids = support.id, area.id, notification.id
    users = {
        "anonymous": None,
        "resident": await factory.user(a, verified=True),
        "admin": await factory.user(a, role="admin", verified=True),
    }
    return World(a, b, a_project, a_phase, b_project, b_phase, b_draft, b_user, b_admin, *ids, users)


async def act_as(client: Any, factory: Any, world: World, role: str, csrf: Any) -> dict[str, str]:
    client.cookies.delete(AUTH_COOKIE)
    if world.users[role] is not None:
        await factory.login(client, world.users[role])
    return await csrf(client)


async def b_unchanged(factory: Any, world: World) -> None:
    assert await factory.count(DummySupport, world.b.id) == 1
    async with factory.db.session(world.b.id) as session:
        user = await session.get(User, world.b_user.id)
        assert (user.role, user.verified, user.banned_until) == ("resident", False, None)
        phase = await session.get(Phase, world.b_phase.id)
        assert phase is not None and phase.title == {"en": "dummy phase"}
        project = await session.get(Project, world.b_project.id)
        assert project.title == {"en": "Bravo harbour"} and project.status == "published"
        assert await session.get(Area, world.b_area) is not None
        note = await session.get(Notification, world.b_notification)
        assert note is not None and note.read_at is None


# --- by id ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
async def test_b_pages_by_id_are_not_found_on_a(client, factory, world, csrf, role) -> None:
    await act_as(client, factory, world, role, csrf)
    b = world
    for path in (
        f"/projects/{b.b_project.slug}",
        f"/projects/{b.b_draft.slug}",
        f"/projects/{b.b_project.slug}/phases/{b.b_phase.id}",
        f"/projects/{b.a_project.slug}/phases/{b.b_phase.id}",  # A's slug with B's phase id
        f"/nl/projects/{b.b_project.slug}/phases/{b.b_phase.id}",
        f"/p/{b.b_phase.id}/dummy",
        f"/p/{b.b_phase.id}/dummy/count",
        f"/p/{b.b_phase.id}/dummy/export/supporters",
        f"/p/{b.b_phase.id}/dummy/export/supporters?format=xlsx",
    ):
        response = await client.get(path)
        assert response.status_code == 404, (role, path, response.status_code)
        assert "Bravo" not in response.text


@pytest.mark.parametrize("role", ROLES)
async def test_b_actions_by_id_are_refused_on_a(client, factory, world, csrf, role) -> None:
    headers = await act_as(client, factory, world, role, csrf)
    for path in (f"/p/{world.b_phase.id}/dummy/support", f"/p/{world.b_phase.id}/dummy/withdraw"):
        response = await client.post(path, headers=headers)
        assert response.status_code == 404, (role, path, response.status_code)
    await b_unchanged(factory, world)


async def test_the_same_routes_work_for_a_own_phase(client, factory, world, csrf) -> None:
    """Positive control: the 404s above are about the tenant, not about broken routes."""
    headers = await act_as(client, factory, world, "admin", csrf)
    assert (await client.get(f"/projects/a-park/phases/{world.a_phase.id}")).status_code == 200
    assert (await client.get(f"/p/{world.a_phase.id}/dummy/count")).status_code == 200
    posted = await client.post(f"/p/{world.a_phase.id}/dummy/support", headers=headers, follow_redirects=False)
    assert posted.status_code == 303
    export = await client.get(f"/p/{world.a_phase.id}/dummy/export/supporters")
    assert export.status_code == 200
    rows = export.content.decode("utf-8-sig").splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == [str(world.users["admin"].id)]  # B's supporter is not in it


# --- by list ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
async def test_lists_on_a_show_nothing_of_b(client, factory, world, csrf, role) -> None:
    await act_as(client, factory, world, role, csrf)
    paths = ["/", "/projects", "/nl/projects"]
    if role == "admin":
        paths += ["/admin", "/admin/projects", "/admin/users", "/admin/audit", "/admin/areas"]
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, (role, path, response.status_code)
        assert "Bravo" not in response.text, (role, path)
        assert world.b_user.email not in response.text and world.b_admin.email not in response.text
    if role != "admin":
        assert "Alpha park" in (await client.get("/projects")).text  # positive control


# --- the back office ----------------------------------------------------------------------------------------------


async def test_a_admin_cannot_reach_b_through_the_back_office(client, factory, world, csrf) -> None:
    headers = await act_as(client, factory, world, "admin", csrf)
    b = world
    for path in (
        f"/admin/projects/{b.b_project.id}",
        f"/admin/projects/{b.b_draft.id}",
        f"/admin/projects/{b.b_project.id}/phases/{b.b_phase.id}",
        f"/admin/projects/{b.a_project.id}/phases/{b.b_phase.id}",
        f"/admin/users/{b.b_user.id}",
        f"/admin/areas/{b.b_area}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.status_code)
    posts = {
        f"/admin/projects/{b.b_project.id}": {"title.en": "Taken over", "slug": "taken", "status": "draft"},
        f"/admin/projects/{b.b_project.id}/phases/{b.b_phase.id}": {"title.en": "Taken over", "method": "dummy"},
        f"/admin/projects/{b.b_project.id}/phases/{b.b_phase.id}/delete": {},
        f"/admin/projects/{b.a_project.id}/phases/{b.b_phase.id}/delete": {},
        f"/admin/users/{b.b_user.id}/role": {"role": "admin"},
        f"/admin/users/{b.b_user.id}/verify": {"verified": "1"},
        f"/admin/users/{b.b_user.id}/ban": {"days": "30"},
        f"/admin/areas/{b.b_area}": {"name.en": "Taken over", "position": "1"},
        f"/admin/areas/{b.b_area}/delete": {},
    }
    for path, data in posts.items():
        response = await client.post(path, headers=headers, data=data)
        assert response.status_code == 404, (path, response.status_code)
    await b_unchanged(factory, world)


async def test_the_back_office_routes_exist_for_a_own_rows(client, factory, world, csrf) -> None:
    """Positive control: the 404s above come from the tenant scope, not from routes that do not exist."""
    await act_as(client, factory, world, "admin", csrf)
    async with factory.db.session(world.a.id, write=True) as session:
        area = Area(name={"en": "Alpha North"})
        session.add(area)
        await session.flush()
    for path in (
        f"/admin/projects/{world.a_project.id}",
        f"/admin/projects/{world.a_project.id}/phases/{world.a_phase.id}",
        f"/admin/users/{world.users['resident'].id}",
        f"/admin/areas/{area.id}",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code)


async def test_a_resident_cannot_touch_b_notifications(client, factory, world, csrf) -> None:
    headers = await act_as(client, factory, world, "resident", csrf)
    response = await client.post(f"/account/notifications/{world.b_notification}/read", headers=headers)
    assert response.status_code == 404
    await b_unchanged(factory, world)


async def test_a_session_of_b_is_nobody_on_a(client, factory, world) -> None:
    """B's admin cookie sent to A's host signs nobody in."""
    await factory.login(client, world.b_admin)
    assert (await client.get("/", headers={"Host": "other.test"})).status_code == 200
    page = await client.get("/")
    assert "Sign in" in page.text and "Administration" not in page.text
    assert (await client.get("/admin", follow_redirects=False)).status_code in (303, 401)


# --- the data layer -----------------------------------------------------------------------------------------------


async def test_a_statement_scoped_ahead_for_b_reads_only_a_in_a_session_of_a(factory, world) -> None:
    """``prescoped`` applies a tenant's criteria ahead of time to a statement kept per worker; run in another
    tenant's session, the hook still adds that session's criteria, which take the place of the ones applied ahead:
    the session's tenant decides, as for any statement."""
    from core import prescoped

    stmt = select(Project.id)
    async with factory.db.session(world.b.id) as session:
        for_b = prescoped(stmt, session)
        assert prescoped(stmt, session) is for_b  # the same object every time: its cache key is reused
        b_projects = set((await session.scalars(for_b)).all())
    assert world.b_project.id in b_projects
    async with factory.db.session(world.a.id) as session:
        b_statement_in_a = set((await session.scalars(for_b)).all())
        a_projects = set((await session.scalars(prescoped(stmt, session))).all())
    assert b_statement_in_a == a_projects == {world.a_project.id}
    assert not a_projects & b_projects


async def test_a_scoped_session_cannot_see_or_change_b_rows(factory, world) -> None:
    async with factory.db.session(world.a.id, write=True) as session:
        assert await session.get(DummySupport, world.b_support) is None
        assert await session.get(Project, world.b_project.id) is None
        assert await session.get(Phase, world.b_phase.id) is None
        assert await session.get(User, world.b_user.id) is None
        assert (await session.scalars(select(DummySupport))).all() == []
        assert await session.scalar(select(func.count()).select_from(Project)) == 1  # A's project only
        joined = select(DummySupport).join(Phase, Phase.id == DummySupport.phase_id).where(Phase.id == world.b_phase.id)
        assert (await session.scalars(joined)).all() == []
        changed = await session.execute(
            update(User)
            .where(User.id == world.b_user.id)
            .values(role="admin")
            .execution_options(synchronize_session=False)
        )
        assert changed.rowcount == 0
        removed = await session.execute(delete(DummySupport).where(DummySupport.id == world.b_support))
        assert removed.rowcount == 0
        removed = await session.execute(delete(Project).where(Project.id == world.b_project.id))
        assert removed.rowcount == 0
    await b_unchanged(factory, world)


async def test_a_scoped_session_refuses_to_write_b_rows(factory, world) -> None:
    async with factory.db.session(world.a.id) as session:
        session.add(DummySupport(tenant_id=world.b.id, phase_id=world.b_phase.id, user_id=world.b_user.id))
        with pytest.raises(TenantScopeError):
            await session.flush()
        await session.rollback()
    async with factory.db.session(world.b.id) as session:
        b_user = await session.get(User, world.b_user.id)
    async with factory.db.session(world.a.id) as session:
        b_user = await session.merge(b_user, load=False)  # a row of B smuggled into A's session
        b_user.role = "admin"
        with pytest.raises(TenantScopeError):
            await session.flush()
        await session.rollback()
    await b_unchanged(factory, world)


async def test_an_unscoped_session_refuses_tenant_data(factory, world) -> None:
    statements = [
        select(DummySupport),
        select(Project).where(Project.id == world.b_project.id),
        update(User).values(role="admin"),
        delete(DummySupport),
    ]
    for statement in statements:
        async with factory.db.session() as session:
            with pytest.raises(TenantScopeError):
                await session.execute(statement)
    async with factory.db.session() as session:
        with pytest.raises(TenantScopeError):
            await session.get(DummySupport, world.b_support)
    async with factory.db.session() as session:
        session.add(DummySupport(tenant_id=world.b.id, phase_id=world.b_phase.id, user_id=world.b_user.id))
        with pytest.raises(TenantScopeError):
            await session.flush()
        await session.rollback()
    async with factory.db.session(unscoped=True) as session:  # explicitly unscoped (CLI, migrations) sees all
        assert await session.scalar(select(func.count()).select_from(DummySupport)) == 1
    await b_unchanged(factory, world)
