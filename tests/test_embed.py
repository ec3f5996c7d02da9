"""The widget for the city's website: framed only by the origins the municipality lists, and the back-office page
that lists them and hands out the code."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from core.models import AuditEntry, Tenant
from core.security import CSP


def frame_ancestors(response: Any) -> str:
    policy = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    return policy["frame-ancestors"]


async def allow(factory: Any, tenant: Any, origins: list[str]) -> None:
    async with factory.db.session(None, write=True) as session:
        (await session.get(Tenant, tenant.id)).embed_origins = origins


@pytest.fixture
async def open_phase(factory, tenant) -> Any:
    project = await factory.project(tenant, slug="park", title={"en": "A greener park"})
    return await factory.phase(project, "dummy", title={"en": "Support it"})


async def test_without_listed_origins_the_widget_cannot_be_framed(client, open_phase) -> None:
    for path in ("/embed/projects", f"/embed/phase/{open_phase.id}"):
        response = await client.get(path)
        assert response.status_code == 200
        assert frame_ancestors(response) == "'none'"
        assert response.headers["x-frame-options"] == "DENY"


async def test_listed_origins_and_only_they_may_frame_it(client, factory, tenant, open_phase) -> None:
    await allow(factory, tenant, ["https://www.city.example", "https://news.city.example"])
    response = await client.get("/embed/projects")
    assert frame_ancestors(response) == "https://www.city.example https://news.city.example"
    assert "x-frame-options" not in response.headers, "X-Frame-Options DENY would override the allowed origins"
    assert "A greener park" in response.text and "Support it" in response.text
    assert 'target="_blank"' in response.text and "/projects/park/phases/" in response.text
    home = await client.get("/")
    assert home.headers["content-security-policy"] == CSP and home.headers["x-frame-options"] == "DENY"


async def test_another_municipalitys_origins_do_not_count(client, factory, other_tenant, open_phase) -> None:
    await allow(factory, other_tenant, ["https://www.other.example"])
    assert frame_ancestors(await client.get("/embed/projects")) == "'none'"


async def test_phase_widget_of_drafts_and_other_municipalities_is_not_found(client, factory, tenant, other_tenant):
    draft = await factory.project(tenant, status="draft")
    foreign = await factory.project(other_tenant)
    for phase in (await factory.phase(draft, "dummy"), await factory.phase(foreign, "dummy")):
        assert (await client.get(f"/embed/phase/{phase.id}")).status_code == 404


async def test_phase_widget_sums_up_the_phase(client, open_phase) -> None:
    response = await client.get(f"/embed/phase/{open_phase.id}", headers={"Accept-Language": "nl"})
    assert response.status_code == 200
    assert "A greener park" in response.text and "Support it" in response.text
    assert "Doel: 10 steunbetuigingen" in response.text  # the method's phase_card summary, in the reader's language


async def test_staff_list_origins_and_get_the_code(client, factory, tenant, csrf, open_phase) -> None:
    admin = await factory.user(tenant, role="admin")
    await factory.login(client, admin)
    headers = await csrf(client)
    refused = await client.post(
        "/admin/embed", data={"origins": "https://www.city.example/news\njavascript:alert(1)"}, headers=headers
    )
    assert refused.status_code == 422 and "https://www.city.example/news" in html.unescape(refused.text)
    saved = await client.post(
        "/admin/embed",
        data={"origins": "https://www.city.example/\n\nHTTPS://News.City.Example\nhttps://www.city.example"},
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    async with factory.db.session(None) as session:
        assert (await session.get(Tenant, tenant.id)).embed_origins == [
            "https://www.city.example",
            "https://news.city.example",
        ]
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "tenant.embed_origins_changed" in actions
    page = await client.get("/admin/embed")
    codes = [html.unescape(c) for c in re.findall(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", page.text, re.S)]
    assert any('src="http://city.test/embed/projects"' in c for c in codes)
    assert any(f'src="http://city.test/embed/phase/{open_phase.id}"' in c for c in codes)


@pytest.mark.parametrize("role", ["anonymous", "resident"])
async def test_only_admins_reach_the_widget_page(client, factory, tenant, csrf, role) -> None:
    if role == "resident":
        await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    assert (await client.get("/admin/embed", follow_redirects=False)).status_code in (303, 401, 403)
    posted = await client.post("/admin/embed", data={"origins": "https://evil.example"}, headers=headers)
    assert posted.status_code in (401, 403)
    async with factory.db.session(None) as session:
        assert (await session.get(Tenant, tenant.id)).embed_origins == []
