"""Staff pages: budgets and options, the configuration lock after the first ballot, the public change log."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, Phase
from plugins.budgeting.models import Budget, Option

from .web_support import cart, setup_phase, submit, voter

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_staff_create_budget_and_option_and_the_log_is_public(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, costs=())
    moderator = await voter(factory, client, tenant)
    await factory.moderator(s.project, moderator)
    headers = await csrf(client)
    created = await client.post(
        f"{s.base}/manage/budgets/new",
        data={"name.en": "North district", "amount": "2500.50", "area_id": "", "rule": "equalshares/add1"},
        headers=headers,
        follow_redirects=False,
    )
    assert created.status_code == 303
    async with factory.db.session(tenant.id) as session:
        budget = await session.scalar(select(Budget).where(Budget.name["en"].as_string() == "North district"))
    assert budget.amount == 250050 and budget.rule == "equalshares/add1"

    invalid = await client.post(
        f"{s.base}/manage/budgets/new", data={"name.en": "", "amount": "-5", "rule": "nope"}, headers=headers
    )
    assert invalid.status_code == 422
    assert "Give the budget a name." in invalid.text and "Enter a positive amount" in invalid.text

    option = await client.post(
        f"{s.base}/manage/options/new",
        data={"budget_id": str(budget.id), "title.en": "Skate park", "title.nl": "Skatepark", "cost": "1200"},
        files={"image": ("park.png", PNG, "image/png")},
        headers=headers,
        follow_redirects=False,
    )
    assert option.status_code == 303, option.text
    async with factory.db.session(tenant.id) as session:
        stored = await session.scalar(select(Option).where(Option.budget_id == budget.id))
    assert stored.cost == 120000 and stored.code == str(stored.id) and stored.image_path
    image = await client.get(f"{s.base}/options/{stored.id}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

    too_dear = await client.post(
        f"{s.base}/manage/options/new",
        data={"budget_id": str(budget.id), "title.en": "Bridge", "cost": "999999"},
        headers=headers,
    )
    assert too_dear.status_code == 422 and "larger than the whole budget" in too_dear.text
    not_image = await client.post(
        f"{s.base}/manage/options/new",
        data={"budget_id": str(budget.id), "title.en": "X", "cost": "1"},
        files={"image": ("x.png", b"<svg onload=alert(1)>", "image/png")},
        headers=headers,
    )
    assert not_image.status_code == 422 and "Only PNG, JPEG, GIF and WebP" in not_image.text

    log = await client.get(s.changes_url)
    assert "Budget created" in log.text and "Option added" in log.text and "Skate park" in log.text
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.public.is_(True)) == 2


async def test_configuration_is_locked_after_the_first_ballot(client, app, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, amount=10000)
    spec = app.state.townhall.registry.method("budgeting")
    async with factory.db.session(tenant.id) as session:
        assert await spec.config_locked(session, await session.get(Phase, s.phase.id)) is None

    admin = await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    edit = await client.post(
        f"{s.base}/manage/budgets/{s.budget.id}/edit",
        data={"name.en": "City budget", "amount": "150", "rule": "greedy"},
        headers=headers,
        follow_redirects=False,
    )
    assert edit.status_code == 303  # before any ballot: allowed

    await voter(factory, client, tenant)
    headers = await csrf(client)  # CSRF tokens are bound to the session
    await cart(client, s, headers, "add", s.options[0])
    assert (await submit(client, s, headers)).status_code == 303

    async with factory.db.session(tenant.id) as session:
        reason = await spec.config_locked(session, await session.get(Phase, s.phase.id))
    assert reason and "can no longer change" in reason

    await factory.login(client, admin)
    headers = await csrf(client)
    refused = await client.post(
        f"{s.base}/manage/budgets/{s.budget.id}/edit",
        data={"name.en": "City budget", "amount": "99", "rule": "equalshares"},
        headers=headers,
    )
    assert refused.status_code == 422 and "can no longer change" in refused.text
    typo = await client.post(
        f"{s.base}/manage/budgets/{s.budget.id}/edit",
        data={"name.en": "City-wide budget", "amount": "150", "rule": "greedy"},
        headers=headers,
        follow_redirects=False,
    )
    assert typo.status_code == 303  # wording can still be fixed
    cost = await client.post(
        f"{s.base}/manage/options/{s.options[0].id}/edit",
        data={"budget_id": str(s.budget.id), "title.en": "Option 1", "cost": "1"},
        headers=headers,
    )
    assert cost.status_code == 422 and "can no longer change" in cost.text
    deleted = await client.post(f"{s.base}/manage/options/{s.options[1].id}/delete", headers=headers)
    assert deleted.status_code == 409
    async with factory.db.session(tenant.id) as session:
        budget = await session.get(Budget, s.budget.id)
        assert budget.amount == 15000 and budget.rule == "greedy"
        assert (await session.get(Option, s.options[0].id)).cost == 3000
    assert "can no longer change" in (await client.get(f"{s.base}/manage")).text


async def test_the_phase_settings_speak_in_words_and_money(client, factory, tenant) -> None:
    """Ballot types by name, not by key; the minimum spend in the currency, never in cents."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "budgeting", config={"min_spend_amount": 25000})
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = (await client.get(f"/admin/projects/{project.id}/phases/{phase.id}")).text
    knapsack = "Within the budget: choose options until the money is spent"
    assert f'<option value="knapsack" selected>{knapsack}</option>' in page
    assert 'value="250.00"' in page and "An amount in EUR, such as 1250.50." in page
    assert "minor units" not in page


async def test_the_back_office_links_each_phase_to_its_setup_and_public_page(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="park")
    phase = await factory.phase(project, "budgeting")
    await factory.login(client, await factory.user(tenant, role="admin"))
    project_page = (await client.get(f"/admin/projects/{project.id}")).text
    assert '<a href="/projects/park">View public page</a>' in project_page
    assert f'<a href="/p/{phase.id}/budgeting/manage">Set up<span class="visually-hidden">' in project_page
    assert f'<a href="/projects/park/phases/{phase.id}">View public page<span' in project_page
    phase_page = (await client.get(f"/admin/projects/{project.id}/phases/{phase.id}")).text
    assert f'<a href="/p/{phase.id}/budgeting/manage">Set up</a>' in phase_page
    assert (await client.get(f"/p/{phase.id}/budgeting/manage")).status_code == 200
