"""The public pages in every locale, in a real browser: content, language attributes, timeline, and axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHASE_TITLES, PROJECT_TITLE, LiveServer
from tests.browser.helpers import LOCALE_NAMES, LOCALES, assert_accessible, html_attrs, open_menu, path_of

TENANT_NAME = {
    "en": "Demo City",
    "nl": "Demostad",
    "fr": "Ville Démo",
    "de": "Demostadt",
    "nb": "Demoby",
    "ar": "مدينة العرض",
}


def expect_language(page, locale: str) -> None:
    lang, direction = html_attrs(page)
    assert lang == locale
    assert direction == ("rtl" if locale == "ar" else "ltr")


@pytest.mark.parametrize("locale", LOCALES)
def test_home_page(tab, live: LiveServer, locale: str) -> None:
    response = tab.goto(f"/{locale}/")
    assert response is not None and response.status == 200
    expect_language(tab, locale)
    assert tab.locator("h1").inner_text().strip() == TENANT_NAME[locale]
    # The seeded project is open for participation, linked in the page's language.
    link = tab.locator("main a", has_text=PROJECT_TITLE[locale])
    assert link.get_attribute("href") == f"/{locale}/projects/{live.project_slug}"
    # Every language of the municipality is offered, each link labelled in its own language.
    open_menu(tab)
    switch = tab.get_by_role("navigation", name=re.compile(".+")).filter(has=tab.locator("a[hreflang]"))
    assert switch.locator("a[hreflang]").count() == len(LOCALES)
    for code in LOCALES:
        item = switch.locator(f"a[hreflang={code}]")
        assert item.inner_text().strip() == LOCALE_NAMES[code]
        assert item.get_attribute("lang") == code
    assert switch.locator(f"a[hreflang={locale}]").get_attribute("aria-current") == "true"
    assert_accessible(tab, f"home ({locale})")


@pytest.mark.parametrize("locale", LOCALES)
def test_projects_list(tab, live: LiveServer, locale: str) -> None:
    response = tab.goto(f"/{locale}/projects")
    assert response is not None and response.status == 200
    expect_language(tab, locale)
    cards = tab.locator("main .cards > li")
    assert cards.count() >= 1
    card = cards.filter(has_text=PROJECT_TITLE[locale])
    assert card.count() == 1
    assert card.locator("a").first.get_attribute("href") == f"/{locale}/projects/{live.project_slug}"
    assert_accessible(tab, f"projects ({locale})")


@pytest.mark.parametrize("locale", LOCALES)
def test_project_page_with_timeline(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/projects")
    tab.locator("main a", has_text=PROJECT_TITLE[locale]).click()
    tab.wait_for_url(f"**/{locale}/projects/{live.project_slug}")
    expect_language(tab, locale)
    assert tab.locator("h1").inner_text().strip() == PROJECT_TITLE[locale]
    steps = tab.locator("ol.timeline > li")
    assert steps.count() == 2
    assert [steps.nth(i).locator(".step-title").inner_text().strip() for i in range(2)] == [
        PHASE_TITLES[0][locale],
        PHASE_TITLES[1][locale],
    ]
    # The first phase is over, the second one is open: the state is shown as text, not only by colour.
    assert "state-ended" in (steps.nth(0).get_attribute("class") or "")
    assert "state-active" in (steps.nth(1).get_attribute("class") or "")
    assert steps.nth(0).locator(".badge").inner_text().strip() != steps.nth(1).locator(".badge").inner_text().strip()
    for i, phase_id in enumerate(live.phase_ids):
        href = steps.nth(i).locator("a").get_attribute("href")
        assert href == f"/{locale}/projects/{live.project_slug}/phases/{phase_id}"
    assert_accessible(tab, f"project ({locale})")


@pytest.mark.parametrize("locale", LOCALES)
def test_phase_page(tab, live: LiveServer, locale: str) -> None:
    tab.goto(f"/{locale}/projects/{live.project_slug}")
    tab.locator("ol.timeline a", has_text=PHASE_TITLES[1][locale]).click()
    tab.wait_for_url(f"**/{locale}/projects/{live.project_slug}/phases/{live.phase_ids[1]}")
    expect_language(tab, locale)
    assert tab.locator("h1").inner_text().strip() == PHASE_TITLES[1][locale]
    # The timeline marks the phase being shown; the breadcrumb leads back to the project.
    current = tab.locator("ol.timeline a[aria-current=page]")
    assert current.count() == 1
    assert current.inner_text().strip() == PHASE_TITLES[1][locale]
    back = tab.locator(".breadcrumb a")
    assert path_of(back.get_attribute("href") or "") == f"/{locale}/projects/{live.project_slug}"
    assert tab.locator("main .phase-body").count() == 1
    assert_accessible(tab, f"phase ({locale})")


@pytest.mark.parametrize("locale", LOCALES)
def test_not_found_page(tab, live: LiveServer, locale: str) -> None:
    response = tab.goto(f"/{locale}/projects/no-such-project")
    assert response is not None and response.status == 404
    expect_language(tab, locale)
    assert tab.locator("h1").inner_text().strip()
    assert_accessible(tab, f"404 ({locale})")
    # The way back keeps the language.
    home = tab.locator("main a").last
    assert home.get_attribute("href") == f"/{locale}/"
    home.click()
    tab.wait_for_url(f"**/{locale}/")
    expect_language(tab, locale)


def test_phase_of_another_project_is_not_found(tab, live: LiveServer) -> None:
    response = tab.goto(f"/en/projects/green-riverside/phases/{live.phase_ids[0]}")
    assert response is not None and response.status == 404


def test_language_switch_keeps_the_page(tab, live: LiveServer) -> None:
    tab.goto(f"/en/projects/{live.project_slug}")
    assert tab.locator("h1").inner_text().strip() == PROJECT_TITLE["en"]
    open_menu(tab)
    tab.get_by_role("link", name=LOCALE_NAMES["nl"], exact=True).click()
    tab.wait_for_url(f"**/nl/projects/{live.project_slug}")
    expect_language(tab, "nl")
    assert tab.locator("h1").inner_text().strip() == PROJECT_TITLE["nl"]
    # And on to Arabic from a phase page: same phase, right-to-left.
    tab.goto(f"/nl/projects/{live.project_slug}/phases/{live.phase_ids[0]}")
    open_menu(tab)
    tab.get_by_role("link", name=LOCALE_NAMES["ar"], exact=True).click()
    tab.wait_for_url(f"**/ar/projects/{live.project_slug}/phases/{live.phase_ids[0]}")
    expect_language(tab, "ar")
    assert tab.locator("h1").inner_text().strip() == PHASE_TITLES[0]["ar"]
