"""Class tests over every route (core and plugins): CSRF refusals that write nothing, and the security headers on
every kind of response (core.testing.walks), as anonymous, resident and admin."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing.walks import csrf_failures, header_failures


async def setup(app, client, factory, tenant, role: str) -> dict[str, int]:
    project = await factory.project(tenant, slug="walked")
    phases = {key: (await factory.phase(project, key)).id for key in app.state.townhall.registry.methods}
    if role != "anonymous":
        await factory.login(client, await factory.user(tenant, role=role))
    return phases


@pytest.mark.parametrize("role", ["anonymous", "resident", "admin"])
async def test_every_state_change_refuses_forged_tokens_and_writes_nothing(app, client, factory, tenant, role) -> None:
    phases = await setup(app, client, factory, tenant, role)
    failures = await csrf_failures(client, app, tenant.id, phases)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("role", ["anonymous", "admin"])
async def test_every_response_carries_the_security_headers(app, client, factory, tenant, role) -> None:
    phases = await setup(app, client, factory, tenant, role)
    failures = await header_failures(client, app, phases)
    assert not failures, "\n".join(failures[:40])


@pytest.fixture
async def unprotected(townhall_settings, monkeypatch) -> Any:
    """The app as it would be without the CSRF middleware and the header wrapper: the walks must notice."""
    from core import app as app_module
    from core.db.engine import Database

    monkeypatch.setattr(app_module, "csrf_middleware", lambda app: app)
    monkeypatch.setattr(app_module, "with_security_headers", lambda send, **_: send)
    built = app_module.create_app(townhall_settings)
    await built.state.townhall.db.dispose()
    built.state.townhall.db = Database(townhall_settings.database_url, pooled=False)
    yield built
    await built.state.townhall.db.dispose()


async def test_the_walks_notice_a_missing_protection(unprotected, factory, tenant) -> None:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=unprotected, base_url="http://city.test") as client:
        phases = await setup(unprotected, client, factory, tenant, "anonymous")
        csrf = await csrf_failures(client, unprotected, tenant.id, phases)
        assert any("for a missing token: POST /logout" in failure for failure in csrf)
        headers = await header_failures(client, unprotected, phases)
        assert any("content-security-policy missing" in failure for failure in headers)
