"""Budgeting in the public JSON API: budgets and options always, results only once the embargo is over."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from core.db.base import utcnow
from core.models import Phase

from .web_support import cart, setup_phase, submit, voter


async def _end(factory, tenant, phase) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        now = utcnow()
        await session.execute(
            update(Phase).where(Phase.id == phase.id).values(starts_at=now - timedelta(days=2), ends_at=now)
        )


async def test_options_always_results_only_after_the_end(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, amount=10000, costs=(3000, 4000, 5000))
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    assert (await submit(client, s, headers)).status_code in (200, 303)
    client.cookies.clear()

    open_data = (await client.get(f"/api/v1/phases/{s.phase.id}")).json()["data"]
    assert open_data["kind"] == "option"
    assert [o["title"] for o in open_data["items"]] == ["Option 1", "Option 2", "Option 3"]
    assert open_data["items"][0]["cost"] == 3000
    assert open_data["summary"]["budgets"][0]["amount"] == 10000
    assert open_data["summary"]["results"] is None, "results are under embargo while voting is open"

    await _end(factory, tenant, s.phase)
    closed = (await client.get(f"/api/v1/phases/{s.phase.id}")).json()["data"]
    [result] = closed["summary"]["results"]
    assert result["ballots"] == 1
    assert result["votes"][str(s.options[0].id)] == 1
    assert s.options[0].id in result["selected"]


async def test_a_phase_that_shows_results_while_open_publishes_them(client, factory, tenant) -> None:
    s = await setup_phase(factory, tenant, show_results_before_end=True)
    data = (await client.get(f"/api/v1/phases/{s.phase.id}")).json()["data"]
    assert data["summary"]["results"][0]["ballots"] == 0
