"""Every refusal answers with its reason, on the server, and writes nothing."""

from __future__ import annotations

from urllib.parse import quote

from core.models import Area
from plugins.budgeting.models import Ballot, Cart

from .web_support import cart, setup_phase, submit, voter


async def _area(factory, tenant, name: str) -> Area:
    async with factory.db.session(tenant.id, write=True) as session:
        area = Area(name={"en": name})
        session.add(area)
        await session.flush()
        return area


async def test_not_signed_in(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    headers = await csrf(client)
    response = await cart(client, s, headers, "add", s.options[0])
    assert response.status_code == 401 and "Sign in to take part." in response.text
    assert (await submit(client, s, headers)).status_code == 401
    ballot = (await client.get(s.ballot_url)).text
    assert f'<a href="/login?next={quote(s.ballot_url, safe="")}">Sign in to take part.</a>' in ballot
    assert await factory.count(Cart, tenant.id) == 0


async def test_not_in_area_of_a_district_budget(client, factory, tenant, csrf) -> None:
    north, south = await _area(factory, tenant, "North"), await _area(factory, tenant, "South")
    s = await setup_phase(factory, tenant, area_id=north.id)
    await voter(factory, client, tenant, area_id=south.id)
    headers = await csrf(client)
    response = await cart(client, s, headers, "add", s.options[0])
    assert response.status_code == 403
    assert "This is open to residents of the selected areas only." in response.text
    assert (await submit(client, s, headers)).status_code == 403
    assert await factory.count(Cart, tenant.id) == 0

    await voter(factory, client, tenant, area_id=north.id)
    headers = await csrf(client)  # CSRF tokens are bound to the session
    assert (await cart(client, s, headers, "add", s.options[0])).status_code == 303


async def test_phase_not_active(client, factory, tenant, csrf) -> None:
    for state in ("upcoming", "ended"):
        s = await setup_phase(factory, tenant, state=state)
        await voter(factory, client, tenant)
        headers = await csrf(client)
        response = await cart(client, s, headers, "add", s.options[0])
        assert response.status_code == 403 and "This phase is not open right now." in response.text
        assert (await submit(client, s, headers)).status_code == 403
    assert await factory.count(Ballot, tenant.id) == 0


async def test_verified_level_is_enforced(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, permissions={"budgeting.vote": {"level": "verified"}})
    await voter(factory, client, tenant, verified=False)
    headers = await csrf(client)
    response = await cart(client, s, headers, "add", s.options[0])
    assert response.status_code == 403 and "Only verified residents" in response.text


async def test_already_done(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await cart(client, s, headers, "add", s.options[0])
    assert (await submit(client, s, headers)).status_code == 303
    response = await cart(client, s, headers, "add", s.options[1])
    assert response.status_code == 403 and "You have already done this." in response.text
    page = await client.get(s.ballot_url)
    assert "You have already done this." in page.text and "See your ballot" in page.text
    assert (await client.get(f"{s.ballot_url}/review", follow_redirects=False)).status_code == 303
    assert await factory.count(Ballot, tenant.id) == 1


async def test_budget_of_another_phase_or_tenant_is_not_found(client, factory, tenant, other_tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    other = await setup_phase(factory, other_tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    assert (await client.get(f"{s.base}/budgets/{other.budget.id}")).status_code == 404
    assert (await client.get(f"{other.base}/budgets/{other.budget.id}")).status_code == 404
    wrong = await client.post(
        s.cart_url, data={"action": "add", "option_id": str(other.options[0].id)}, headers=headers
    )  # followed: the refusal redirects to the ballot page, which says why
    assert wrong.status_code == 200 and "not on this ballot" in wrong.text


async def test_management_is_for_admins_and_project_moderators(client, factory, tenant) -> None:
    s = await setup_phase(factory, tenant)
    anonymous = await client.get(f"{s.base}/manage", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    await voter(factory, client, tenant)
    assert (await client.get(f"{s.base}/manage")).status_code == 403
    moderator = await voter(factory, client, tenant)
    await factory.moderator(s.project, moderator)
    assert (await client.get(f"{s.base}/manage")).status_code == 200
    await voter(factory, client, tenant, role="admin")
    page = await client.get(f"{s.base}/manage")
    assert page.status_code == 200 and "City budget" in page.text


async def test_a_phase_without_a_budget_tells_residents_to_come_back_and_staff_what_to_do(
    client, factory, tenant
) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "budgeting")
    page = f"/projects/{project.slug}/phases/{phase.id}"
    resident_view = (await client.get(page)).text
    assert "still being prepared. Come back when voting opens." in resident_view
    assert "No budget has been set up" not in resident_view
    await factory.login(client, await factory.user(tenant, role="admin"))
    staff_view = (await client.get(page)).text
    assert "No budget has been set up for this phase yet." in staff_view
    assert f'href="/p/{phase.id}/budgeting/manage">Set up a budget and its options</a>' in staff_view
