"""The staff dashboard and a project report in a real browser, in English and Arabic, on a phone (390 px) and a
desktop (1280 px): the demo's participants are there per week and per project, the charts mirror in Arabic, nothing
overflows the page sideways, and every page passes axe-core. Screenshots go to TOWNHALL_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ADMIN_EMAIL, LiveServer
from tests.browser.helpers import assert_accessible, html_attrs, sign_in

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("TOWNHALL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["en", "ar"])
def test_dashboard_and_report(open_context: Any, live: LiveServer, locale: str, viewport: str) -> None:
    tab = open_context(viewport=VIEWPORTS[viewport]).new_page()
    sign_in(tab, locale, ADMIN_EMAIL, live.password)
    tab.goto(f"/{locale}/admin")
    tab.locator(f"nav.admin-nav a[href='/{locale}/admin/insights']").click()
    tab.wait_for_url(re.compile(r"/admin/insights$"))
    assert html_attrs(tab) == (locale, "rtl" if locale == "ar" else "ltr")
    tables = tab.locator("main table.bar-table")
    assert tables.count() == 4
    weeks = tables.nth(0).locator("tbody tr")
    assert weeks.count() == 12
    counts = [int(re.sub(r"\D", "", c) or 0) for c in weeks.locator("td:nth-child(2)").all_inner_texts()]
    assert sum(1 for n in counts if n > 0) >= 3, f"the demo has participants in several weeks: {counts}"
    assert tables.nth(1).locator("tbody tr").count() >= 3, "several projects"
    assert tab.locator("main svg.rep-chart[aria-hidden='true'] rect").count() >= 5
    if locale == "ar":
        assert tab.locator("main svg.rep-chart g[transform]").count() >= 1, "the bars grow from the right"
    no_sideways_scroll(tab)
    assert_accessible(tab, f"dashboard ({locale}, {viewport})")
    shoot(tab, f"insights-{locale}-{viewport}")

    tab.locator("main a[href*='/report']").first.click()
    tab.wait_for_url(re.compile(r"/admin/projects/\d+/report$"))
    assert tab.locator("main h1").inner_text()
    assert tab.locator("main table").count() >= 2
    no_sideways_scroll(tab)
    assert_accessible(tab, f"project report ({locale}, {viewport})")
    shoot(tab, f"report-{locale}-{viewport}")
    tab.emulate_media(media="print")
    assert not tab.locator("header.site-header").is_visible() and not tab.locator("nav.admin-nav").is_visible()
    assert tab.locator("main table").first.is_visible()
    shoot(tab, f"report-print-{locale}-{viewport}")
