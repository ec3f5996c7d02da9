"""Tenant resolution from the Host header and the pages every visitor sees."""

from __future__ import annotations

from core.tenancy import normalise_host


def test_host_normalisation() -> None:
    assert normalise_host("City.Test:8000") == "city.test"
    assert normalise_host("city.test.") == "city.test"
    assert normalise_host("[::1]:8000") == "[::1]"
    assert normalise_host(None) == ""


async def test_home_is_served_for_a_known_host(client, tenant) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "City" in response.text
    assert 'lang="en"' in response.text


async def test_unknown_host_gets_a_404_page_not_a_crash(client, tenant) -> None:
    response = await client.get("/", headers={"Host": "unknown.example"})
    assert response.status_code == 404
    assert "Page not found" in response.text


async def test_a_post_to_an_unknown_host_is_a_404_too_not_a_csrf_refusal(client, tenant) -> None:
    response = await client.post("/login", data={"email": "a@example.org"}, headers={"Host": "unknown.example"})
    assert response.status_code == 404
    assert "Page not found" in response.text


async def test_second_host_of_a_tenant_reaches_it(client, factory) -> None:
    await factory.tenant("town.test", extra_hosts=["www.town.test"])
    response = await client.get("/", headers={"Host": "www.town.test:8443"})
    assert response.status_code == 200
    assert "Town" in response.text


async def test_healthz_reports_database_schema_and_plugins(client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["schema"]["core"] == "current"
    assert body["status"] == "ok"
