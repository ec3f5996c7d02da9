"""The dummy method: the conformance suite in one line, plus its own behaviour (support once, withdraw, reasons)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core import AuditEntry
from core.testing import HTMX_HEADERS
from core.testing.conformance import MethodConformance
from tests.dummy_method.models import DummySupport


class TestDummyConformance(MethodConformance):
    method = "dummy"


async def _phase(factory, tenant, **kwargs):
    project = await factory.project(tenant, slug="support-project")
    return project, await factory.phase(project, "dummy", **kwargs)


async def test_anonymous_visitor_sees_count_and_the_reason_why_not(client, factory, tenant) -> None:
    project, phase = await _phase(factory, tenant)
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert page.status_code == 200
    assert "0 residents support this phase." in page.text
    assert "Sign in to take part." in page.text
    assert 'disabled aria-describedby="dummy-support-denied"' in page.text
    assert 'id="dummy-support-denied"' in page.text


async def test_support_once_then_withdraw(client, factory, tenant, csrf) -> None:
    project, phase = await _phase(factory, tenant)
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    headers = await csrf(client)
    response = await client.post(f"/p/{phase.id}/dummy/support", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/projects/{project.slug}/phases/{phase.id}"
    assert await factory.count(DummySupport, tenant.id) == 1
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert "1 resident supports this phase." in page.text
    assert "You support this phase." in page.text

    again = await client.post(f"/p/{phase.id}/dummy/support", headers=headers)
    assert again.status_code == 409
    assert "You have already done this." in again.text
    assert await factory.count(DummySupport, tenant.id) == 1

    withdrawn = await client.post(f"/p/{phase.id}/dummy/withdraw", headers={**headers, **HTMX_HEADERS})
    assert withdrawn.status_code == 200
    assert "0 residents support this phase." in withdrawn.text
    assert await factory.count(DummySupport, tenant.id) == 0


async def test_concurrent_supports_leave_exactly_one_row(client, factory, tenant, csrf) -> None:
    _project, phase = await _phase(factory, tenant)
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    headers = await csrf(client)
    responses = await asyncio.gather(
        *(client.post(f"/p/{phase.id}/dummy/support", headers=headers, follow_redirects=False) for _ in range(6))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(303) == 1, codes
    assert all(code == 409 for code in codes if code != 303), codes
    assert await factory.count(DummySupport, tenant.id) == 1


async def test_support_is_audited_after_commit(client, factory, tenant, csrf) -> None:
    _project, phase = await _phase(factory, tenant)
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    await client.post(f"/p/{phase.id}/dummy/support", headers=await csrf(client))
    async with factory.db.session(tenant.id) as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "dummy.supported"))).all()
    assert [(e.actor_id, e.target_id) for e in entries] == [(resident.id, phase.id)]


async def test_permission_reasons_are_shown_and_enforced(client, factory, tenant, csrf) -> None:
    project, phase = await _phase(factory, tenant, permissions={"dummy.support": {"level": "verified"}})
    await factory.login(client, await factory.user(tenant, verified=False))
    page = await client.get(f"/nl/projects/{project.slug}/phases/{phase.id}")
    assert 'disabled aria-describedby="dummy-support-denied"' in page.text
    refused = await client.post(f"/nl/p/{phase.id}/dummy/support", headers=await csrf(client))
    assert refused.status_code == 403
    assert 'lang="nl"' in refused.text
    assert await factory.count(DummySupport, tenant.id) == 0


async def test_ended_phase_refuses_support_with_its_reason(client, factory, tenant, csrf) -> None:
    _project, phase = await _phase(factory, tenant, state="ended")
    await factory.login(client, await factory.user(tenant))
    refused = await client.post(f"/p/{phase.id}/dummy/support", headers=await csrf(client))
    assert refused.status_code == 403
    assert "This phase is not open right now." in refused.text
    assert await factory.count(DummySupport, tenant.id) == 0


async def test_withdraw_switched_off_by_the_phase_config(client, factory, tenant, csrf) -> None:
    project, phase = await _phase(factory, tenant, config={"allow_withdraw": False, "goal": 3})
    await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    await client.post(f"/p/{phase.id}/dummy/support", headers=headers)
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert "Goal: 3 supporters" in page.text
    assert "The municipality has switched this off for this phase." in page.text
    refused = await client.post(f"/p/{phase.id}/dummy/withdraw", headers=headers)
    assert refused.status_code == 403
    assert await factory.count(DummySupport, tenant.id) == 1


async def test_timeline_card_shows_the_goal(client, factory, tenant) -> None:
    project, _unused = await _phase(factory, tenant, config={"goal": 42})
    page = await client.get(f"/projects/{project.slug}")
    assert "Goal: 42 supporters" in page.text


async def test_export_is_for_moderators_only(client, factory, tenant, csrf) -> None:
    _project, phase = await _phase(factory, tenant)
    resident = await factory.user(tenant, display_name="=HYPERLINK(1)")
    await factory.login(client, resident)
    await client.post(f"/p/{phase.id}/dummy/support", headers=await csrf(client))
    assert (await client.get(f"/p/{phase.id}/dummy/export/supporters")).status_code == 403
    await factory.login(client, await factory.user(tenant, role="admin"))
    response = await client.get(f"/p/{phase.id}/dummy/export/supporters")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "user_id,display_name,supported_at"
    assert lines[1].startswith(f"{resident.id},'=HYPERLINK(1),")
    assert (await client.get(f"/p/{phase.id}/dummy/export/supporters?format=xlsx")).status_code == 200
    assert (await client.get(f"/p/{phase.id}/dummy/export/nothing")).status_code == 404


async def test_an_action_that_needs_an_account_refuses_anonymous_visitors_even_when_stored_as_everyone(
    client, factory, tenant, csrf
) -> None:
    """A phase row saying "everyone" (old, imported or hand-edited) must not let an anonymous POST reach the
    handler, which assumes a user: the visitor gets 401 and the reason in their language, not a 500."""
    project, phase = await _phase(factory, tenant, permissions={"dummy.support": {"level": "everyone", "areas": []}})
    page = await client.get(f"/nl/projects/{project.slug}/phases/{phase.id}")
    assert "Log in om mee te doen." in page.text
    refused = await client.post(f"/nl/p/{phase.id}/dummy/support", headers=await csrf(client))
    assert refused.status_code == 401
    assert "Log in om mee te doen." in refused.text
    htmx = await client.post(f"/nl/p/{phase.id}/dummy/support", headers={**await csrf(client), **HTMX_HEADERS})
    assert htmx.status_code == 401
    assert "Log in om mee te doen." in htmx.text
    assert await factory.count(DummySupport, tenant.id) == 0
