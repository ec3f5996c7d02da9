"""A phase's settings show only what applies to the chosen choice (core.shown_when, core/static/app.js): an editor
picking a budgeting ballot type sees that type's fields and no other's, and the page stays accessible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, PROJECT_TITLE, LiveServer
from tests.browser.helpers import assert_accessible, sign_in

# Each ballot type's own fields (plugins/budgeting/spec.py).
FIELDS = {
    "knapsack": ["min_spend_percent", "min_spend_amount"],
    "approval": ["min_choices", "max_choices"],
    "cumulative": ["points", "max_points_per_option"],
    "ranked": ["rank_count"],
    "choose-one": [],
}


def test_switching_the_ballot_type_shows_only_its_fields(open_context, live: LiveServer) -> None:
    if "budgeting" not in live.methods:
        pytest.skip("the budgeting method is not installed")
    page = open_context().new_page()
    sign_in(page, "en", ADMIN_EMAIL, live.password)
    page.goto("/en/admin/projects")
    page.get_by_role("link", name=PROJECT_TITLE["en"], exact=True).first.click()
    page.wait_for_url(re.compile(r"/en/admin/projects/\d+$"))
    page.get_by_role("link", name="Add a phase").first.click()
    page.wait_for_url("**/phases/new")
    page.get_by_label("Participation method").select_option("budgeting")
    ballot_type = page.locator("[id='config.ballot_type']")
    expect(ballot_type).to_be_visible()  # the method's settings arrive through htmx, then app.js sorts them

    for chosen in ("knapsack", "approval", "ranked", "cumulative", "choose-one"):
        ballot_type.select_option(chosen)
        for kind, names in FIELDS.items():
            for name in names:
                control = page.locator(f"[id='config.{name}']")
                if kind == chosen:
                    expect(control).to_be_visible()
                else:
                    expect(control).to_be_hidden()
        # Fields for every ballot type stay visible, and hidden fields still carry their values.
        expect(page.locator("[id='config.tie_break']")).to_be_visible()
        assert page.locator("[id='config.rank_count']").input_value() == "3"

    ballot_type.select_option("approval")
    assert_accessible(page, "budgeting phase settings, approval ballot")
