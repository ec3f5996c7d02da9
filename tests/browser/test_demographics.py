"""Demographics in a real browser, in English and Arabic: a resident answers "About you (optional)", the admin reads
the back office's questions and a demo project's representativeness; every page passes axe-core."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ADMIN_EMAIL, RESIDENT_EMAIL, LiveServer
from tests.browser.helpers import assert_accessible, html_attrs, sign_in


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_resident_answers_and_admin_reads_representativeness(tab, live: LiveServer, locale: str) -> None:
    sign_in(tab, locale, RESIDENT_EMAIL, live.password)
    tab.goto(f"/{locale}/account")
    tab.locator("main a[href$='/account/about']").click()
    tab.wait_for_url(re.compile(r"/account/about$"))
    assert html_attrs(tab)[0] == locale
    assert_accessible(tab, f"about you ({locale})")
    selects = tab.locator("main form select")
    assert selects.count() == 3, "the demo asks year of birth, gender and area"
    selects.nth(1).select_option("prefer_not")
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(re.compile(r"/account/about\?saved=1$"))
    assert tab.locator("main select").nth(1).input_value() == "prefer_not"
    assert tab.locator("main .alert-ok[role=status]").count() == 1
    assert_accessible(tab, f"about you saved ({locale})")

    tab.context.clear_cookies()
    sign_in(tab, locale, ADMIN_EMAIL, live.password)
    response = tab.goto(f"/{locale}/admin/demographics")
    assert response is not None and response.status == 200
    assert_accessible(tab, f"admin demographics ({locale})")
    links = tab.locator("main a[href*='/representativeness']").evaluate_all("els => els.map(a => a.href)")
    for link in links:  # the demo projects with participants show tables; new, empty projects say so
        response = tab.goto(link)
        assert response is not None and response.status == 200
        if tab.locator("main table").count():
            break
    assert tab.locator("main table").count() >= 1 and tab.locator("main svg.rep-chart").count() >= 1
    assert_accessible(tab, f"representativeness ({locale})")
