"""Layout as a person sees it: screenshots, right-to-left mirroring in Arabic, no sideways scrolling on phones."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import LOCALES, assert_accessible


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not rendered"
    return found


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_home_screenshot_and_reading_direction(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/")
    tab.screenshot(path=f"/tmp/th_home_{locale}.png", full_page=True)
    # The navigation, or on a phone the Menu that holds it.
    brand, nav = box(tab, ".brand"), box(tab, ".main-nav:visible, .menu-toggle:visible")
    heading = box(tab, "main h1")
    width = tab.viewport_size["width"]
    if locale == "ar":
        # Mirrored: the municipality's name starts on the right, navigation sits to its left, headings align right.
        assert brand["x"] > nav["x"]
        assert heading["x"] + heading["width"] > width * 0.75
        assert tab.locator("main h1").evaluate("el => getComputedStyle(el).direction") == "rtl"
    else:
        assert brand["x"] < nav["x"]
        assert heading["x"] < width * 0.25


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_project_page_screenshot(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/projects/{live.project_slug}")
    tab.screenshot(path=f"/tmp/th_project_{locale}.png", full_page=True)
    steps = tab.locator("ol.timeline > li")
    first, second = steps.nth(0).bounding_box(), steps.nth(1).bounding_box()
    assert first and second
    # The timeline reads in the page's direction: the earlier phase comes first (left in LTR, right in RTL).
    if locale == "ar":
        assert first["x"] > second["x"]
    else:
        assert first["x"] < second["x"]


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_small_screen_has_no_sideways_scrolling(open_context, live: LiveServer, locale: str) -> None:
    """WCAG 1.4.10 reflow: at 320 CSS pixels wide nothing forces a horizontal scrollbar."""
    page = open_context(viewport={"width": 320, "height": 640}).new_page()
    for path in ("/", f"/projects/{live.project_slug}", f"/projects/{live.project_slug}/phases/{live.phase_ids[1]}"):
        page.goto(f"/{locale}{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} is {overflow}px wider than a 320px screen"
    page.screenshot(path=f"/tmp/th_phase_{locale}_320.png", full_page=True)
    assert_accessible(page, f"phase at 320px ({locale})")


def test_every_locale_is_offered_in_the_header(tab, live: LiveServer) -> None:
    tab.goto("/en/")
    codes = tab.locator("header a[hreflang]").evaluate_all("els => els.map(e => e.getAttribute('hreflang'))")
    assert sorted(codes) == sorted(LOCALES)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_stylesheet_and_script_loads(tab, live: LiveServer, locale: str) -> None:
    failed: list[str] = []
    loaded: list[str] = []

    def seen(response) -> None:
        (failed if response.status >= 400 else loaded).append(f"{response.status} {response.url}")

    tab.on("response", seen)
    tab.goto(f"/{locale}/projects/{live.project_slug}")
    tab.wait_for_load_state("load")
    assert not failed, failed
    assert any("/static/core/app.css" in url for url in loaded)
    assert any("/static/vendor/htmx" in url for url in loaded)
    # The stylesheet is applied: the skip link waits off-screen until it gets focus.
    skip = tab.locator(".skip-link").bounding_box()
    assert skip is not None
    assert skip["x"] + skip["width"] <= 0 or skip["x"] >= tab.viewport_size["width"]


@pytest.mark.parametrize("width", [390, 1280])
def test_home_banner_on_a_phone_and_a_desktop(open_context, live: LiveServer, width: int) -> None:
    """The demo city's banner spans the content; the name sits under it on a phone and over its lower edge on a
    desktop, on the primary colour (axe checks the contrast), and nothing scrolls sideways."""
    page = open_context(viewport={"width": width, "height": 800}).new_page()
    page.goto("/en/")
    image, title = box(page, ".home-banner-image"), box(page, ".home-banner-title")
    main = box(page, "main")
    assert image["width"] >= main["width"] * 0.9
    assert page.locator(".home-banner-image").evaluate("img => img.complete && img.naturalWidth > 0")
    bottom = image["y"] + image["height"]
    if width < 768:
        assert title["y"] >= bottom - 1
    else:
        assert image["y"] < title["y"] and title["y"] + title["height"] <= bottom
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=f"/tmp/th_home_banner_{width}.png")
    assert_accessible(page, f"home with banner at {width}px")
