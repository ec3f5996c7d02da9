"""The route-walking class tests of core.testing (hostile values, forged CSRF tokens, security headers) against the
deployment shape, ``townhall run --workers 2`` on PostgreSQL + Redis: every installed method, as anonymous visitor,
resident and admin.

In-process runs of the same walks (tests/test_hostile_values.py, tests/test_route_walks.py) cover SQLite and
PostgreSQL through the test client; these prove the answers hold when requests spread over two worker processes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.scale.conftest import Seed, Server, add_resident, extra_plugins

pytestmark = pytest.mark.redis


@pytest.fixture
async def walked(scale_db: Seed) -> AsyncIterator[tuple[Any, dict[str, int], dict[str, str]]]:
    """An app object on the scale database (for its route table and row counts), a running phase of every method,
    and a session token per role."""
    from core.app import create_app
    from core.db.base import utcnow
    from core.models import Phase, Project
    from core.settings import Settings, normalise_database_url

    app = create_app(Settings(database_url=normalise_database_url(scale_db.database_url), plugins=extra_plugins()))
    state = app.state.townhall
    tag = uuid.uuid4().hex[:8]
    async with state.db.session(scale_db.tenant_id, write=True) as session:
        project = Project(slug=f"walk-{tag}", title={"en": "Walk"}, description={"en": "x"}, status="published")
        session.add(project)
        await session.flush()
        now, phases = utcnow(), {}
        for key in state.registry.methods:
            phase = Phase(
                project_id=project.id, title={"en": key}, description={}, method=key, config={}, permissions={},
                starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7),
            )  # fmt: skip
            session.add(phase)
            await session.flush()
            phases[key] = phase.id
        tokens = {
            role: (await add_resident(session, f"walk-{role}-{tag}@example.org", role, role=role))["token"]
            for role in ("resident", "admin")
        }
    try:
        yield app, phases, tokens
    finally:
        await state.db.dispose()


def client_for(server: Server, token: str | None) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server.base, timeout=httpx.Timeout(10, read=30))
    if token:
        client.cookies.set("th_session", token)
    return client


@pytest.mark.parametrize("role", ["anonymous", "resident", "admin"])
async def test_hostile_values_on_every_route_over_two_workers(redis_server: Server, walked: Any, role: str) -> None:
    from core.testing.hostile import server_errors

    app, phases, tokens = walked
    async with client_for(redis_server, tokens.get(role)) as client:
        failures = await server_errors(client, app, phases)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("role", ["anonymous", "admin"])
async def test_forged_csrf_tokens_are_refused_on_every_route_over_two_workers(
    redis_server: Server, walked: Any, scale_db: Seed, role: str
) -> None:
    from core.testing.walks import csrf_failures

    app, phases, tokens = walked
    async with client_for(redis_server, tokens.get(role)) as client:
        failures = await csrf_failures(client, app, scale_db.tenant_id, phases)
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("role", ["anonymous", "admin"])
async def test_every_response_carries_the_security_headers_over_two_workers(
    redis_server: Server, walked: Any, role: str
) -> None:
    from core.testing.walks import header_failures

    app, phases, tokens = walked
    async with client_for(redis_server, tokens.get(role)) as client:
        failures = await header_failures(client, app, phases)
    assert not failures, "\n".join(failures[:40])
