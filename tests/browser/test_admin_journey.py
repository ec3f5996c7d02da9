"""The municipality's journey through the admin UI: a project with two phases, published, then seen by a resident."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import ADMIN_EMAIL, RESIDENT_EMAIL, LiveServer
from tests.browser.helpers import assert_accessible, fill_multiloc, html_attrs, open_menu, path_of, sign_in


def local_input(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def add_phase(page, locale: str, project_id: int, title: dict[str, str], starts: datetime, ends: datetime) -> int:
    page.locator(f"main a[href='/{locale}/admin/projects/{project_id}/phases/new']").first.click()
    page.wait_for_url(f"**/{locale}/admin/projects/{project_id}/phases/new")
    assert_accessible(page, f"new phase form ({locale})")
    for code, text in title.items():
        fill_multiloc(page, "title", code, text)
    page.locator("#starts_at").fill(local_input(starts))
    page.locator("#ends_at").fill(local_input(ends))
    assert page.locator("#method option").count() >= 1
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"/{locale}/admin/projects/{project_id}/phases/(\d+)\?saved=1$"))
    assert page.locator("main [role=status]", has_text=re.compile(".+")).count() >= 1
    assert_accessible(page, f"phase saved ({locale})")
    phase_id = int(re.search(r"/phases/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.locator(".breadcrumb a").click()
    page.wait_for_url(f"**/{locale}/admin/projects/{project_id}")
    return phase_id


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_admin_publishes_a_two_phase_project_that_residents_see(open_context, live: LiveServer, locale: str) -> None:
    slug = f"admin-made-{locale}-{uuid.uuid4().hex[:6]}"
    title = {"en": f"Safer school streets {slug[-6:]}", "ar": f"شوارع مدرسية أكثر أمانا {slug[-6:]}"}
    phase_titles = [
        {"en": "Tell us the dangerous spots", "ar": "أخبرونا بالأماكن الخطرة"},
        {"en": "Vote", "ar": "صوتوا"},
    ]
    now = datetime.now().replace(second=0, microsecond=0)

    admin = open_context().new_page()
    sign_in(admin, locale, ADMIN_EMAIL, live.password)
    open_menu(admin)
    admin.locator(f"header a[href='/{locale}/admin']:not([hreflang])").click()  # not the language switch
    admin.wait_for_url(f"**/{locale}/admin")
    assert html_attrs(admin)[0] == locale
    assert_accessible(admin, f"admin dashboard ({locale})")

    admin.locator(f"main a[href='/{locale}/admin/projects/new']").first.click()
    admin.wait_for_url(f"**/{locale}/admin/projects/new")
    assert_accessible(admin, f"new project form ({locale})")
    for code, text in title.items():
        fill_multiloc(admin, "title", code, text)
    fill_multiloc(admin, "description", "en", "Slower traffic and safe crossings near every school.")
    fill_multiloc(admin, "description", "ar", "حركة مرور أبطأ وممرات آمنة قرب كل مدرسة.")
    admin.locator("#slug").fill(slug)
    assert admin.locator("#status").input_value() == "draft"
    admin.locator("main form button[type=submit]").first.click()
    admin.wait_for_url(re.compile(rf"/{locale}/admin/projects/(\d+)\?saved=1$"))
    project_id = int(re.search(r"/admin/projects/(\d+)", admin.url).group(1))  # type: ignore[union-attr]
    assert_accessible(admin, f"project saved ({locale})")

    # A draft stays hidden from the public.
    visitor = open_context().new_page()
    response = visitor.goto(f"/{locale}/projects/{slug}")
    assert response is not None and response.status == 404

    first = add_phase(admin, locale, project_id, phase_titles[0], now - timedelta(days=10), now - timedelta(days=3))
    second = add_phase(admin, locale, project_id, phase_titles[1], now - timedelta(days=2), now + timedelta(days=20))
    assert admin.locator("main .admin-phases > li").count() == 2

    admin.locator("#status").select_option("published")
    admin.locator("main form button[type=submit]").first.click()
    admin.wait_for_url(f"**/{locale}/admin/projects/{project_id}?saved=1")
    assert admin.locator("#status").input_value() == "published"

    resident = open_context().new_page()
    sign_in(resident, locale, RESIDENT_EMAIL, live.password)
    resident.goto(f"/{locale}/projects")
    resident.locator("main a", has_text=title[locale]).click()
    resident.wait_for_url(f"**/{locale}/projects/{slug}")
    assert resident.locator("h1").inner_text().strip() == title[locale]
    steps = resident.locator("ol.timeline > li")
    assert steps.count() == 2
    assert [steps.nth(i).locator(".step-title").inner_text().strip() for i in range(2)] == [
        phase_titles[0][locale],
        phase_titles[1][locale],
    ]
    assert "state-ended" in (steps.nth(0).get_attribute("class") or "")
    assert "state-active" in (steps.nth(1).get_attribute("class") or "")
    hrefs = [path_of(steps.nth(i).locator("a").get_attribute("href") or "") for i in range(2)]
    assert hrefs == [f"/{locale}/projects/{slug}/phases/{first}", f"/{locale}/projects/{slug}/phases/{second}"]
    assert_accessible(resident, f"published project seen by a resident ({locale})")
    resident.locator("ol.timeline a").nth(1).click()
    resident.wait_for_url(f"**/phases/{second}")
    assert resident.locator("h1").inner_text().strip() == phase_titles[1][locale]
    assert_accessible(resident, f"new phase seen by a resident ({locale})")


def test_residents_cannot_open_the_admin(open_context, live: LiveServer) -> None:
    resident = open_context().new_page()
    sign_in(resident, "en", RESIDENT_EMAIL, live.password)
    assert resident.locator("header a[href='/en/admin']").count() == 0
    response = resident.goto("/en/admin")
    assert response is not None and response.status == 403
    assert_accessible(resident, "admin refused")
