"""The header's menu (issue 13): on a phone one short row whose "Menu" opens the navigation and the languages, by
keyboard, with or without JavaScript; on a wide screen the navigation shows without opening anything."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import LOCALES, assert_accessible

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def disclosure(page: Any) -> dict[str, Any]:
    """What Chromium tells a screen reader about the menu's summary: its role, name and expanded state."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    found = [n for n in nodes if n.get("role", {}).get("value") == "DisclosureTriangle"]
    assert len(found) == 1, "the header should hold exactly one disclosure (the menu's summary)"
    properties = {p["name"]: p["value"].get("value") for p in found[0].get("properties", [])}
    return {"name": found[0]["name"]["value"], "expanded": properties.get("expanded")}


def focused_is(page: Any, selector: str) -> bool:
    return page.locator(selector).evaluate("el => el === document.activeElement")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_phone_header_is_one_row_and_the_menu_opens_by_keyboard(
    open_context: Any, live: LiveServer, locale: str, javascript: bool
) -> None:
    page = open_context(viewport=PHONE, java_script_enabled=javascript).new_page()
    page.goto(f"/{locale}/")
    name = {"en": "Menu", "ar": "القائمة"}[locale]  # the control's name, in the page's language
    projects = page.locator(f"header a[href='/{locale}/projects']")
    languages = page.locator("header a[hreflang]")
    summary = page.locator("header summary.menu-toggle")
    # Closed: the brand and the Menu control only, well under a sixth of the screen.
    assert page.locator("details.site-menu").get_attribute("open") is None
    assert not projects.is_visible() and not languages.first.is_visible()
    height = page.locator("header.site-header").bounding_box()["height"]
    assert height < 0.15 * PHONE["height"], f"the closed header is {height}px high"
    brand, toggle = page.locator(".brand").bounding_box(), summary.bounding_box()
    assert brand and toggle and abs(brand["y"] + brand["height"] / 2 - (toggle["y"] + toggle["height"] / 2)) < 8
    # Mirrored in Arabic: the brand on the right, Menu on the left.
    assert (toggle["x"] < brand["x"]) == (locale == "ar")
    if javascript:
        assert disclosure(page) == {"name": name, "expanded": False}
        assert_accessible(page, f"phone header, menu closed ({locale})")

    # Keyboard: skip link, brand, then Menu; Enter opens it and the next Tab lands on the first link inside.
    for _ in range(4):
        page.keyboard.press("Tab")
        if focused_is(page, "header summary.menu-toggle"):
            break
    else:
        pytest.fail("Menu was never reached with Tab")
    page.keyboard.press("Enter")
    expect(projects).to_be_visible()
    for code in LOCALES:
        expect(page.locator(f"header a[hreflang={code}]")).to_be_visible()
    page.keyboard.press("Tab")
    assert focused_is(page, f"header a[href='/{locale}/projects']")
    if javascript:
        assert disclosure(page) == {"name": name, "expanded": True}
        assert_accessible(page, f"phone header, menu open ({locale})")
        # Escape folds it away again and gives focus back to Menu.
        page.keyboard.press("Escape")
        expect(projects).to_be_hidden()
        assert focused_is(page, "header summary.menu-toggle")
    else:
        languages.filter(has_text="Nederlands").click()
        page.wait_for_url("**/nl/")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_wide_screen_shows_the_navigation_without_a_menu(open_context: Any, live: LiveServer, javascript: bool) -> None:
    page = open_context(viewport=DESKTOP, java_script_enabled=javascript).new_page()
    page.goto("/en/")
    assert not page.locator("header summary.menu-toggle").is_visible()
    expect(page.locator("header a[href='/en/projects']")).to_be_visible()
    expect(page.locator("header a[href='/en/login']")).to_be_visible()
    for code in LOCALES:
        expect(page.locator(f"header a[hreflang={code}]")).to_be_visible()
    if javascript:
        assert_accessible(page, "wide header")
