"""Tenant resolution from the Host header and the pages every visitor sees."""

from __future__ import annotations

import pytest

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


async def test_one_statement_finds_tenant_and_person_only_within_that_tenant(factory, tenant) -> None:
    """The signed-in look-up runs before the session is scoped: it must join on the tenant it finds, so another
    municipality's token, an expired session or a sign-in ban signs nobody in, and the tenant is still found."""
    from datetime import timedelta

    from core.db.base import utcnow
    from core.models import AuthSession, User
    from core.passwords import new_token, token_hash
    from core.tenancy import tenant_and_user_for_host

    other = await factory.tenant("elsewhere.test")
    here, there = await factory.user(tenant), await factory.user(other)
    banned = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        stored = await session.get(User, banned.id)
        stored.sign_in_banned, stored.banned_until = True, utcnow() + timedelta(days=3)
    now = utcnow()
    tokens = {}
    for name, user, expires in (
        ("here", here, now + timedelta(days=1)),
        ("there", there, now + timedelta(days=1)),
        ("expired", here, now - timedelta(seconds=1)),
        ("banned", banned, now + timedelta(days=1)),
    ):
        tokens[name] = new_token()
        async with factory.db.session(user.tenant_id, write=True) as session:
            session.add(AuthSession(token_hash=token_hash(tokens[name]), user_id=user.id, expires_at=expires))

    async def look(host: str, token: str) -> tuple:
        async with factory.db.session() as session:  # not scoped yet, as at the start of a request
            found, person = await tenant_and_user_for_host(session, host, token_hash(token), utcnow())
            return (found.id if found else None), (person.id if person else None)

    assert await look("City.test:8000", tokens["here"]) == (tenant.id, here.id)
    assert await look("city.test", tokens["there"]) == (tenant.id, None)
    assert await look("elsewhere.test", tokens["there"]) == (other.id, there.id)
    assert await look("elsewhere.test", tokens["here"]) == (other.id, None)
    assert await look("city.test", tokens["expired"]) == (tenant.id, None)
    assert await look("city.test", tokens["banned"]) == (tenant.id, None)
    assert await look("unknown.test", tokens["here"]) == (None, None)
    assert await look("", tokens["here"]) == (None, None)


async def test_postgresql_connections_run_without_jit(factory) -> None:
    """PostgreSQL's JIT compiled a results page's count for ~14 ms, more than it saved (core/db/engine.py)."""
    if factory.db.dialect != "postgresql":
        pytest.skip("PostgreSQL only: run with TOWNHALL_TEST_DATABASE_URL")
    from sqlalchemy import text

    async with factory.db.session(unscoped=True) as session:
        assert await session.scalar(text("SHOW jit")) == "off"
