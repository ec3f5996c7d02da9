"""Pages behind sign-in and the phase pages of every installed method: they load and pass axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ADMIN_EMAIL, PROJECT_SLUG, RESIDENT_EMAIL, LiveServer
from tests.browser.helpers import assert_accessible, html_attrs, sign_in


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_admin_page_is_accessible(tab, live: LiveServer, locale: str) -> None:
    sign_in(tab, locale, ADMIN_EMAIL, live.password)
    tab.goto(f"/{locale}/admin")
    # Every section the admin navigation offers, plus a project's and a phase's edit forms.
    pages = tab.locator("main nav a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert len(pages) >= 3, pages
    tab.goto(f"/{locale}/admin/projects")
    project_links = tab.locator("main table a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert project_links, "the admin project list shows no project"
    pages.append(project_links[0])
    tab.goto(project_links[0])
    phase_links = tab.locator("main .admin-phases a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    pages += phase_links[:1]
    pages.append(f"/{locale}/admin/projects/new")
    for path in dict.fromkeys(pages):
        response = tab.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert html_attrs(tab)[0] == locale
        assert_accessible(tab, f"admin {path}")


@pytest.mark.parametrize("locale", ["nl", "fr", "de", "nb"])
def test_admin_forms_in_other_locales(tab, live: LiveServer, locale: str) -> None:
    sign_in(tab, locale, ADMIN_EMAIL, live.password)
    for path in ("/admin", "/admin/projects/new"):
        response = tab.goto(f"/{locale}{path}")
        assert response is not None and response.status == 200
        assert_accessible(tab, f"admin {path} ({locale})")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_account_pages_are_accessible(tab, live: LiveServer, locale: str) -> None:
    sign_in(tab, locale, RESIDENT_EMAIL, live.password)
    for path in ("/account", "/account/notifications"):
        response = tab.goto(f"/{locale}{path}")
        assert response is not None and response.status == 200, path
        assert html_attrs(tab)[0] == locale
        assert_accessible(tab, f"{path} ({locale})")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_phase_page_of_every_installed_method(tab, live: LiveServer, locale: str) -> None:
    """The demo has one project per installed method; each phase page renders the method's panel accessibly."""
    assert live.methods, "no participation method is installed"
    for method in live.methods:
        response = tab.goto(f"/{locale}/projects/{method}-project")
        assert response is not None and response.status == 200, method
        tab.locator("ol.timeline a").first.click()
        tab.wait_for_url(re.compile(r"/phases/\d+$"))
        assert tab.locator("main .method-unavailable").count() == 0, f"{method}: panel not rendered"
        assert_accessible(tab, f"{method} phase ({locale})")
    # And a project that is not one of ours with phases of several methods.
    assert PROJECT_SLUG != "green-riverside"
    response = tab.goto(f"/{locale}/projects/green-riverside")
    assert response is not None and response.status == 200
    assert_accessible(tab, f"green-riverside ({locale})")
