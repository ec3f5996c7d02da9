"""Keyboard-only use: the skip link comes first and works, every header control is reachable, focus is visible."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.helpers import LOCALE_NAMES, LOCALES

ACTIVE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: (el.innerText || '').trim(),
        href: el.getAttribute('href'), hreflang: el.getAttribute('hreflang'),
        inMain: !!el.closest('main'), inHeader: !!el.closest('header'),
        closedMenu: el.tagName === 'SUMMARY' && !el.parentElement.open,
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== 'none',
    };
}"""


def focused(page) -> dict:
    return page.evaluate(ACTIVE)


def tab_on(page) -> dict:
    """Press Tab and return the focused element; a folded header menu (phones) is opened with Enter on the way, as a
    keyboard user does to reach the navigation behind it."""
    page.keyboard.press("Tab")
    current = focused(page)
    if current["closedMenu"]:
        page.keyboard.press("Enter")
    return current


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_skip_link_is_first_and_moves_focus_to_main(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/projects/{live.project_slug}")
    tab.keyboard.press("Tab")
    first = focused(tab)
    assert "skip-link" in first["cls"], first
    assert first["href"] == "#main"
    assert first["outline"], "the focused skip link has no visible focus outline"
    # Once focused it is on screen, not parked off-canvas.
    skip = tab.locator(".skip-link").bounding_box()
    assert skip is not None and skip["x"] >= 0 and skip["x"] + skip["width"] <= tab.viewport_size["width"]
    tab.keyboard.press("Enter")
    tab.wait_for_function("() => document.activeElement && document.activeElement.id === 'main'")
    # The next Tab continues inside the main content, not back in the header.
    tab.keyboard.press("Tab")
    after = focused(tab)
    assert after["inMain"], after
    assert after["outline"], after


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_header_controls_are_reachable_by_tab_with_visible_focus(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/")
    seen: list[dict] = []
    for _ in range(40):
        current = tab_on(tab)
        if current["inMain"]:
            break
        seen.append(current)
    else:
        pytest.fail(f"40 Tabs never reached the main content: {[s['text'] for s in seen]}")
    texts = [s["text"] for s in seen]
    # Main navigation first, then every language; nothing focusable is hidden from view.
    assert "skip-link" in seen[0]["cls"]
    assert any(s["href"] == f"/{locale}/projects" for s in seen), texts
    assert any(s["href"] == f"/{locale}/login" for s in seen), texts
    assert [s["hreflang"] for s in seen if s["hreflang"]] == list(LOCALES)
    assert [s["text"] for s in seen if s["hreflang"]] == [LOCALE_NAMES[c] for c in LOCALES]
    invisible = [s["text"] or s["href"] for s in seen if not (s["outline"] or s["shadow"])]
    assert not invisible, f"no visible focus indicator on {invisible}"


def test_language_switch_by_keyboard(tab, live: LiveServer) -> None:
    tab.goto(f"/en/projects/{live.project_slug}")
    for _ in range(40):
        if tab_on(tab)["hreflang"] == "nl":
            break
    else:
        pytest.fail("the Nederlands link was never reached with Tab")
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/nl/projects/{live.project_slug}")
    assert tab.get_attribute("html", "lang") == "nl"


def test_timeline_phase_opens_with_keyboard(tab, live: LiveServer) -> None:
    tab.goto(f"/en/projects/{live.project_slug}")
    tab.locator("main").focus()
    for _ in range(20):
        tab.keyboard.press("Tab")
        if focused(tab)["href"] == f"/en/projects/{live.project_slug}/phases/{live.phase_ids[1]}":
            break
    else:
        pytest.fail("the open phase in the timeline was never reached with Tab")
    assert focused(tab)["outline"]
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/phases/{live.phase_ids[1]}")
    assert tab.locator("ol.timeline a[aria-current=page]").count() == 1
