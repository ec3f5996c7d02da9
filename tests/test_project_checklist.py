"""The back office's project checklist: details, phases, each phase's method set up, published (issue 13)."""

from __future__ import annotations

from typing import Any

from core.phase_setup import project_checklist
from tests.smtp import form_post


def _steps(page: str) -> list[tuple[str, bool]]:
    """(label, done) per checklist line, read from the HTML the editor sees."""
    import re

    section = page.split('id="checklist-heading"', 1)[1].split("</section>", 1)[0]
    out = []
    for item in re.findall(r'<li class="(done|todo)">(.*?)</li>', section, re.S):
        text = re.sub(r"<[^>]+>", " ", re.sub(r'<span class="check-mark".*?</span>', "", item[1]))
        out.append((" ".join(text.split()), item[0] == "done"))
    return out


async def test_the_checklist_follows_the_editor_from_draft_to_ready(
    client: Any, factory: Any, tenant: Any, app: Any
) -> None:
    admin = await factory.user(tenant, role="admin")
    await factory.login(client, admin)
    project = await factory.project(tenant, slug="steps", title={"en": "Steps"}, description={}, status="draft")
    page = (await client.get(f"/admin/projects/{project.id}")).text
    steps = _steps(page)
    assert [done for _label, done in steps] == [False, False, False]
    assert "3 steps left before residents can take part." in page
    assert "Add a phase: each phase runs one participation method" in steps[1][0]

    vote = await factory.phase(project, "budgeting", title={"en": "Vote"})
    await factory.phase(project, "ideation", title={"en": "Ideas"})
    page = (await client.get(f"/admin/projects/{project.id}")).text
    steps = _steps(page)
    labels = [label for label, _done in steps]
    assert labels[2].startswith("To do: Set up the phase “Vote” — Add a budget and the options")
    assert f'href="/p/{vote.id}/budgeting/manage">Set up the phase “Vote”</a>' in page  # the way to do it
    assert ("Done: Set up the phase “Ideas”", True) in steps  # ideation needs nothing set up

    budget = await form_post(
        client,
        f"/p/{vote.id}/budgeting/manage/budgets/new",
        {"name.en": "City", "amount": "1000", "rule": "greedy", "area_id": ""},
    )
    assert budget.status_code == 303, budget.text
    steps = _steps((await client.get(f"/admin/projects/{project.id}")).text)
    assert "Add options to every budget." in steps[2][0]

    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        from plugins.budgeting.models import Budget

        budget_id = await session.scalar(select(Budget.id).where(Budget.phase_id == vote.id))
    option = await form_post(
        client,
        f"/p/{vote.id}/budgeting/manage/options/new?budget={budget_id}",
        {"budget_id": str(budget_id), "title.en": "Benches", "cost": "100", "code": "B1"},
    )
    assert option.status_code == 303, option.text
    await form_post(client, f"/admin/projects/{project.id}/publish", {})
    page = (await client.get(f"/admin/projects/{project.id}")).text
    steps = _steps(page)
    left = [label for label, done in steps if not done]
    assert left == [
        "To do: Title and description — Describe what the project is about, so residents know why to take part."
    ]


async def test_every_method_with_a_set_up_page_says_what_is_missing(factory: Any, tenant: Any, app: Any) -> None:
    """A fresh phase of a method that needs content is not ready; one that needs none is."""
    project = await factory.project(tenant, slug="all", title={"en": "All"}, description={"en": "x"})
    registry = app.state.townhall.registry if hasattr(app.state, "townhall") else None
    assert registry is not None
    for key in ("budgeting", "referendum", "survey", "workshop", "ideation", "proposals"):
        await factory.phase(project, key, title={"en": key})
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from core.models import Project

        query = select(Project).where(Project.id == project.id).options(selectinload(Project.phases))
        loaded = await session.scalar(query)
        items = await project_checklist(session, registry, loaded, "en")
    by_phase = {item.label.split("“")[1].rstrip("”"): item for item in items if "“" in item.label}
    assert {k for k, item in by_phase.items() if not item.done} == {"budgeting", "referendum", "survey", "workshop"}
    assert all(item.detail for item in by_phase.values() if not item.done)
    assert by_phase["ideation"].done and by_phase["proposals"].done
