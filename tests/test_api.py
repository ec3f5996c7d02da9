"""The public JSON API: what it shows per visibility state and tenant, ETags, CORS, languages, limits, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

from core.api import limits
from core.models import Area, ProjectArea
from tests.dummy_method.models import DummySupport


@pytest.fixture(autouse=True)
def fresh_read_limits() -> Any:
    limits.forget_all()
    yield
    limits.forget_all()


@pytest.fixture
async def city(factory, tenant, other_tenant) -> dict[str, Any]:
    published = await factory.project(
        tenant, slug="park", title={"en": "The park", "nl": "Het park"}, description={"en": "Green"}
    )
    phase = await factory.phase(published, "dummy", title={"en": "Support it"})
    draft = await factory.project(tenant, slug="secret", status="draft", title={"en": "Not yet"})
    draft_phase = await factory.phase(draft, "dummy")
    archived = await factory.project(tenant, slug="old", status="archived", title={"en": "Archived"})
    foreign = await factory.project(other_tenant, slug="harbour", title={"en": "Foreign harbour"})
    foreign_phase = await factory.phase(foreign, "dummy")
    supporter = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        area = Area(name={"en": "North", "nl": "Noord"})
        session.add(area)
        await session.flush()
        session.add(ProjectArea(project_id=published.id, area_id=area.id))
        session.add(DummySupport(phase_id=phase.id, user_id=supporter.id))
    return {
        "published": published,
        "phase": phase,
        "draft": draft,
        "draft_phase": draft_phase,
        "archived": archived,
        "foreign": foreign,
        "foreign_phase": foreign_phase,
        "area": area,
        "supporter": supporter,
    }


async def test_projects_list_shows_only_this_municipalitys_published_projects(client, city) -> None:
    response = await client.get("/api/v1/projects")
    assert response.status_code == 200
    body = response.json()
    assert [p["slug"] for p in body["data"]] == ["park"]
    park = body["data"][0]
    assert park["title"] == "The park" and park["title_i18n"] == {"en": "The park", "nl": "Het park"}
    assert park["areas"] == ["North"]
    assert park["url"] == "/projects/park" and park["api_url"] == "/api/v1/projects/park"
    [phase] = park["phases"]
    assert phase["method"] == "dummy" and phase["state"] == "active" and phase["title"] == "Support it"
    assert phase["permissions"]["dummy.support"] == "registered" and "dummy.withdraw" in phase["permissions"]
    assert body["next_cursor"] is None


@pytest.mark.parametrize("role", ["anonymous", "resident", "admin"])
async def test_drafts_archived_and_foreign_projects_never_appear_whoever_asks(client, factory, tenant, city, role):
    if role != "anonymous":
        await factory.login(client, await factory.user(tenant, role=role))
    listed = (await client.get("/api/v1/projects")).json()
    assert [p["slug"] for p in listed["data"]] == ["park"]
    for path in (
        "/api/v1/projects/secret",
        "/api/v1/projects/old",
        "/api/v1/projects/harbour",
        f"/api/v1/phases/{city['draft_phase'].id}",
        f"/api/v1/phases/{city['foreign_phase'].id}",
        "/api/v1/phases/999999",
    ):
        response = await client.get(path)
        assert response.status_code == 404, (role, path)
        assert "Foreign" not in response.text and "Not yet" not in response.text


async def test_a_phase_carries_its_methods_public_data(client, city) -> None:
    body = (await client.get(f"/api/v1/phases/{city['phase'].id}")).json()
    assert body["project"] == "park"
    assert body["phase"]["id"] == city["phase"].id
    assert body["data"]["kind"] == "support"
    assert body["data"]["summary"]["supporters"] == 1
    assert str(city["supporter"].email) not in str(body)


async def test_language_by_query_or_accept_language(client, factory, tenant, city) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        from core.models import Tenant

        row = await session.get(Tenant, tenant.id)
        row.locales = ["en", "nl"]
    by_query = (await client.get("/api/v1/projects/park?locale=nl")).json()
    assert by_query["title"] == "Het park" and by_query["areas"] == ["Noord"]
    by_header = (await client.get("/api/v1/projects/park", headers={"Accept-Language": "nl"})).json()
    assert by_header["title"] == "Het park"
    unknown = (await client.get("/api/v1/projects/park?locale=xx")).json()
    assert unknown["title"] == "The park"
    fallback = (await client.get("/api/v1/projects/park?locale=nl")).json()
    assert fallback["description"] == "Green"  # no Dutch text: the default language's


async def test_etag_answers_not_modified_and_changes_with_the_data(client, factory, tenant, city) -> None:
    first = await client.get("/api/v1/projects")
    tag = first.headers["etag"]
    again = await client.get("/api/v1/projects", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    await factory.project(tenant, slug="new-one", title={"en": "New"})
    changed = await client.get("/api/v1/projects", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


async def test_cors_and_caching_headers_and_no_cookies(client, city) -> None:
    response = await client.get("/api/v1/projects")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "accept-language" in response.headers["vary"].lower()
    assert "set-cookie" not in response.headers, "a cacheable public answer must not set cookies"


async def test_cursor_pagination_walks_every_project_once(client, factory, tenant, city) -> None:
    for n in range(5):
        await factory.project(tenant, slug=f"extra-{n}")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(f"/api/v1/projects{query}")).json()
        seen += [p["slug"] for p in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(["park", *[f"extra-{n}" for n in range(5)]])
    assert len(seen) == len(set(seen))


async def test_filters_by_area_and_method(client, factory, tenant, city) -> None:
    await factory.project(tenant, slug="elsewhere")
    by_area = (await client.get(f"/api/v1/projects?area={city['area'].id}")).json()
    assert [p["slug"] for p in by_area["data"]] == ["park"]
    by_method = (await client.get("/api/v1/projects?method=dummy")).json()
    assert [p["slug"] for p in by_method["data"]] == ["park"]
    assert (await client.get("/api/v1/projects?method=nothing")).json()["data"] == []


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=1000", "limit=abc", "area=x", "cursor=%00", "cursor=zz", "locale=%ff"]
)
async def test_bad_parameters_answer_4xx_or_a_page_never_500(client, city, query) -> None:
    response = await client.get(f"/api/v1/projects?{query}")
    assert response.status_code in (200, 400), (query, response.status_code)
    assert response.headers["content-type"].startswith("application/json")


async def test_errors_are_json_in_the_readers_language(client, city) -> None:
    refused = await client.get("/api/v1/projects?limit=1000")
    body = refused.json()
    assert refused.status_code == 400 and body["status"] == 400 and body["title"]
    assert [e["key"] for e in body["errors"]] == ["limit"]
    missing = await client.get("/api/v1/projects/nothing-here", headers={"Accept-Language": "nl"})
    assert missing.status_code == 404 and missing.json()["title"] == "Pagina niet gevonden"
    assert missing.headers["access-control-allow-origin"] == "*"


async def test_reads_are_rate_limited_per_address(client, city, monkeypatch) -> None:
    monkeypatch.setattr(limits, "READS_PER_MINUTE", 3)
    statuses = [(await client.get("/api/v1/projects")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_openapi_lists_every_api_route_and_no_html_route(client, app, city) -> None:
    response = await client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = set(schema["paths"])
    assert paths == {
        "/api/v1/projects",
        "/api/v1/projects/{slug}",
        "/api/v1/phases/{phase_id}",
        "/api/v1/phases/{phase_id}/exports",
        "/api/v1/phases/{phase_id}/exports/{key}",
        "/api/v1/phases/{phase_id}/imports/{key}",
    }
    api_routes = {r.path for r in app.routes if r.path.startswith("/api/v1/") and "/schema" not in r.path}
    typed = {
        p.replace("{slug}", "{slug:str}").replace("{phase_id}", "{phase_id:int}").replace("{key}", "{key:str}")
        for p in paths
    }
    assert typed == api_routes
    assert "ProjectList" in str(schema["components"]["schemas"])
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        for operation in item.values():
            needs_token = "/exports" in path or "/imports" in path
            assert bool(operation.get("security")) == needs_token, path
