"""With JavaScript off, every page still navigates and every form still submits (plain posts and redirects)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHASE_TITLES, PROJECT_TITLE, RESIDENT_EMAIL, LiveServer
from tests.browser.helpers import LOCALE_NAMES, html_attrs, open_menu, path_of, signed_in_header


@pytest.fixture
def no_js(open_context) -> object:
    page = open_context(java_script_enabled=False).new_page()
    page.goto("/en/")
    return page


def test_browse_without_javascript(no_js, live: LiveServer) -> None:
    page = no_js
    page.locator("main a", has_text=PROJECT_TITLE["en"]).click()
    page.wait_for_url(f"**/en/projects/{live.project_slug}")
    page.locator("ol.timeline a", has_text=PHASE_TITLES[1]["en"]).click()
    page.wait_for_url(f"**/en/projects/{live.project_slug}/phases/{live.phase_ids[1]}")
    assert page.locator("h1").inner_text().strip() == PHASE_TITLES[1]["en"]
    open_menu(page)
    page.get_by_role("link", name=LOCALE_NAMES["ar"], exact=True).click()
    page.wait_for_url(f"**/ar/projects/{live.project_slug}/phases/{live.phase_ids[1]}")
    assert html_attrs(page) == ("ar", "rtl")
    page.locator(".breadcrumb a").click()
    page.wait_for_url(f"**/ar/projects/{live.project_slug}")
    assert page.locator("h1").inner_text().strip() == PROJECT_TITLE["ar"]


def test_forms_work_without_javascript(no_js, live: LiveServer) -> None:
    page = no_js
    # A refused form comes back as a full page with its errors.
    page.goto("/nl/login")
    page.locator("#email").fill(RESIDENT_EMAIL)
    page.locator("#password").fill("wrong password, no script")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert path_of(page.url) == "/nl/login"
    assert page.locator(".error-summary").count() == 1
    assert html_attrs(page)[0] == "nl"
    # Sign in and out with plain posts; the CSRF token travels in the hidden field.
    page.locator("#password").fill(live.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live.base_url}/nl/")
    assert signed_in_header(page)
    open_menu(page)
    page.locator("header form[action$='/logout'] button").click()
    page.wait_for_url("**/nl/?notice=signed_out")
    assert not signed_in_header(page)


def test_javascript_is_really_off(no_js, tab) -> None:
    """Guards the two tests above: the page loads htmx, which runs with JavaScript on and never without."""
    assert no_js.locator("script[src*='htmx']").count() == 1
    tab.goto("/en/")
    tab.wait_for_load_state("load")
    assert tab.evaluate("() => typeof window.htmx") == "object"
    assert no_js.evaluate("() => typeof window.htmx") == "undefined"
