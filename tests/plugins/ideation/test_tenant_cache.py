"""Topics, areas and custom statuses are kept per worker under (tenant id, tenant.version): a change made through
the admin pages is on the next list page, in this app and in another app instance sharing the database (a second
worker), and the cached pages do not read those tables at all."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select, update

from core.app import create_app
from core.models import Area, Tenant, Topic
from core.testing.fixtures import TEST_HOST
from core.testing.statements import counting
from plugins.ideation.models import IdeaStatus


def _reads(statements: list[str], table: str) -> bool:
    return any(f"FROM {table} " in s or s.rstrip().endswith(f"FROM {table}") for s in statements)


async def _version(factory: Any, tenant: Any) -> int:
    async with factory.db.session(unscoped=True) as session:
        return int(await session.scalar(select(Tenant.version).where(Tenant.id == tenant.id)))


async def _list(app: Any, client: Any, phase: Any) -> tuple[str, list[str]]:
    with counting(app.state.townhall.db.engine) as seen:
        response = await client.get(f"/p/{phase.id}/ideation/")
    assert response.status_code == 200, response.text
    return response.text, list(seen)


async def test_admin_changes_to_topics_areas_and_statuses_show_on_the_next_list(
    app: Any, ideation: Any, factory: Any, tenant: Any, client: Any
) -> None:
    phase = await ideation.phase()
    topics, areas = await ideation.taxonomy()
    await ideation.login(await factory.user(tenant, role="admin"))
    text, _ = await _list(app, client, phase)
    assert "Green" in text and "North" in text
    text, seen = await _list(app, client, phase)  # served from the cache: no statement reads these tables
    assert not _reads(seen, "topic") and not _reads(seen, "area") and not _reads(seen, "ideation_status"), seen

    before = await _version(factory, tenant)
    response = await ideation.post(f"/admin/topics/{topics[0].id}", {"name.en": "Shady trees", "position": "0"})
    assert response.status_code == 303, response.text
    assert await _version(factory, tenant) > before
    text, seen = await _list(app, client, phase)
    assert "Shady trees" in text and ">Green<" not in text
    assert _reads(seen, "topic")  # reloaded once after the change...
    text, seen = await _list(app, client, phase)
    assert "Shady trees" in text and not _reads(seen, "topic")  # ...and cached again

    response = await ideation.post("/admin/areas/new", {"name.en": "Harbour district", "position": "5"})
    assert response.status_code == 303, response.text
    assert "Harbour district" in (await _list(app, client, phase))[0]
    response = await ideation.post(f"/admin/areas/{areas[1].id}/delete")
    assert response.status_code == 303, response.text
    assert ">South<" not in (await _list(app, client, phase))[0]

    response = await ideation.post(f"/p/{phase.id}/ideation/statuses", {"label.en": "Under study", "colour": "#112233"})
    assert response.status_code == 303, response.text
    assert "Under study" in (await _list(app, client, phase))[0]
    async with factory.db.session(tenant.id) as session:
        status_id = await session.scalar(select(IdeaStatus.id))
    response = await ideation.post(f"/p/{phase.id}/ideation/statuses/{status_id}/delete")  # a bulk DELETE
    assert response.status_code == 303, response.text
    assert "Under study" not in (await _list(app, client, phase))[0]


async def test_another_worker_sees_a_change_on_its_next_request(
    app: Any, townhall_settings: Any, ideation: Any, factory: Any, tenant: Any, client: Any
) -> None:
    phase = await ideation.phase()
    topics, _areas = await ideation.taxonomy()
    other = create_app(townhall_settings)  # a second worker: its own caches, the same database
    try:
        async with AsyncTestClient(app=other, base_url=f"http://{TEST_HOST}") as second:
            text, _ = await _list(other, second, phase)
            assert "Mobility" in text
            text, seen = await _list(other, second, phase)
            assert "Mobility" in text and not _reads(seen, "topic"), seen  # the second worker uses its cache

            await ideation.login(await factory.user(tenant, role="admin"))
            response = await ideation.post(f"/admin/topics/{topics[1].id}", {"name.en": "Cycling", "position": "1"})
            assert response.status_code == 303, response.text

            text, seen = await _list(other, second, phase)
            assert "Cycling" in text and ">Mobility<" not in text
            assert _reads(seen, "topic")
    finally:
        await other.state.townhall.db.dispose()


async def test_every_kind_of_write_bumps_the_version_of_its_tenant_only(
    factory: Any, tenant: Any, other_tenant: Any
) -> None:
    theirs = await _version(factory, other_tenant)
    steps = []
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Topic(name={"en": "Added"}))
    steps.append(await _version(factory, tenant))
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Topic).values(position=3))  # ORM bulk UPDATE
    steps.append(await _version(factory, tenant))
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(delete(Area))  # ORM bulk DELETE
    steps.append(await _version(factory, tenant))
    async with factory.db.session(unscoped=True, write=True) as session:  # the tenant CLI's kind of session
        row = await session.get(Tenant, tenant.id)
        row.primary_color = "#000000"
    steps.append(await _version(factory, tenant))
    async with factory.db.session(tenant.id, write=True) as session:
        topic = await session.scalar(select(Topic))
        topic.name = {"en": "Renamed"}
        await session.flush()
        loaded = await session.get(Tenant, tenant.id)
        version_seen_in_transaction = loaded.version
    steps.append(await _version(factory, tenant))
    assert steps == sorted(set(steps)) and len(steps) == 5, steps  # each step bumped it
    assert version_seen_in_transaction == steps[-1]
    assert await _version(factory, other_tenant) == theirs


async def test_a_rolled_back_change_is_not_cached(app: Any, ideation: Any, factory: Any, tenant: Any) -> None:
    """A session that changed cached rows reads them fresh and stores nothing: it may still be rolled back."""
    from core.tenant_cache import taxonomy as cached_taxonomy

    class Ctx:  # the parts of a request context the cache reads
        pass

    await ideation.taxonomy()
    async with factory.db.session(tenant.id, write=True) as session:
        ctx = Ctx()
        ctx.app, ctx.session = app.state.townhall, session
        ctx.tenant = await session.get(Tenant, tenant.id)
        topic = await session.scalar(select(Topic).where(Topic.position == 0))
        topic.name = {"en": "Never committed"}
        await session.flush()
        topics, _ = await cached_taxonomy(ctx)
        assert topics[0].name == {"en": "Never committed"}  # this transaction sees its own change
        await session.rollback()
    async with factory.db.session(tenant.id, write=True) as session:  # a committed change reaches the same version
        area = await session.scalar(select(Area))
        area.position = 7
    async with factory.db.session(tenant.id) as session:
        ctx = Ctx()
        ctx.app, ctx.session = app.state.townhall, session
        ctx.tenant = await session.get(Tenant, tenant.id)
        topics, _ = await cached_taxonomy(ctx)
        assert topics[0].name == {"en": "Green", "nl": "Green (nl)"}
