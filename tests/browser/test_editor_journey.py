"""A new editor, with no manual, builds a three-phase project (ideation → budgeting → referendum): every step is found
through what the pages say — the checklist, "Add a phase", "Set up", "Publish this project" — and the resident then
sees the timeline (issue 13). Accessibility is checked on every back-office page on the way."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from tests.browser.conftest import ADMIN_EMAIL, LiveServer
from tests.browser.helpers import assert_accessible, fill_multiloc, sign_in


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _checklist_left(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(".checklist li.todo").all_inner_texts()]


def test_a_new_editor_builds_ideation_budgeting_referendum_and_publishes(open_context, live: LiveServer) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Riverside park {tag}"
    now = datetime.now().replace(second=0, microsecond=0)
    phases = [
        ("Share your ideas", "Ideation", now - timedelta(days=1), now + timedelta(days=10)),
        ("Vote on the budget", "Participatory budgeting", now + timedelta(days=10), now + timedelta(days=20)),
        ("Decide in a referendum", "Referendum", now + timedelta(days=20), now + timedelta(days=30)),
    ]
    page = open_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, "en", ADMIN_EMAIL, live.password)
    page.goto("/en/admin")
    page.get_by_role("link", name="New project").first.click()
    page.wait_for_url("**/en/admin/projects/new")
    fill_multiloc(page, "title", "en", title)
    fill_multiloc(page, "description", "en", "Help us plan the new park by the river: ideas first, then a vote.")
    page.get_by_role("button", name="Save project").click()
    page.wait_for_url(re.compile(r"/en/admin/projects/(\d+)\?saved=1$"))
    project_url = page.url.split("?")[0]
    assert _checklist_left(page)[0].startswith("To do: At least one phase")
    assert_accessible(page, "new project with its checklist")

    for name, method, starts, ends in phases:
        page.get_by_role("link", name="Add a phase").first.click()
        page.wait_for_url("**/phases/new")
        fill_multiloc(page, "title", "en", name)
        page.get_by_label("Starts").fill(_local(starts))
        page.get_by_label("Ends").fill(_local(ends))
        page.get_by_label("Participation method").select_option(label=method)
        page.wait_for_load_state("networkidle")  # the method's own settings arrive through htmx
        page.get_by_role("button", name="Save phase").click()
        page.wait_for_url(re.compile(r"/phases/\d+\?saved=1$"))
        assert_accessible(page, f"phase saved: {method}")
        page.locator(".breadcrumb a").click()
        page.wait_for_url(project_url)

    left = _checklist_left(page)
    assert [line.split(" — ")[0] for line in left] == [
        "To do: Set up the phase “Vote on the budget”",
        "To do: Set up the phase “Decide in a referendum”",
        "To do: Published",
    ], left

    # Budgeting: the checklist's own link leads to setting it up.
    page.get_by_role("link", name="Set up the phase “Vote on the budget”").click()
    page.wait_for_url("**/budgeting/manage")
    assert_accessible(page, "budgeting set-up")
    page.get_by_role("link", name="Add a budget").first.click()
    fill_multiloc(page, "name", "en", "Park budget")
    page.get_by_label("Amount").fill("250000")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/budgeting/manage")
    for option, cost in (("Playground", "120000"), ("Wild flower meadow", "40000")):
        page.get_by_role("link", name=re.compile("^Add an option")).first.click()
        fill_multiloc(page, "title", "en", option)
        page.get_by_label("Cost").fill(cost)
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/budgeting/manage")
    assert page.locator("main table tbody tr").count() == 2

    page.goto(project_url)
    page.get_by_role("link", name="Set up the phase “Decide in a referendum”").click()
    page.wait_for_url("**/referendum/manage")
    assert_accessible(page, "referendum set-up")
    fill_multiloc(page, "title", "en", "Should the park close at night?")
    page.get_by_role("button", name="Add the question").click()
    page.wait_for_load_state()
    assert page.locator("main ol li", has_text="Should the park close at night?").count() == 1

    page.goto(project_url)
    assert _checklist_left(page) == ["To do: Published — Residents see the project once it is published."]
    page.get_by_role("button", name="Publish this project").click()
    page.wait_for_load_state()
    assert page.locator(".checklist li.todo").count() == 0
    assert "Everything is ready" in page.locator(".checklist").inner_text()
    assert_accessible(page, "published project")

    resident = open_context(viewport={"width": 390, "height": 844}).new_page()
    resident.goto("/en/projects")
    resident.get_by_role("link", name=title).first.click()
    steps = resident.locator("ol.timeline > li")
    assert steps.count() == 3
    assert [steps.nth(i).locator(".step-title").inner_text().strip() for i in range(3)] == [p[0] for p in phases]
    assert "state-active" in (steps.nth(0).get_attribute("class") or "")
    assert_accessible(resident, "the editor's project seen by a resident on a phone")
