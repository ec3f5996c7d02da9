"""The survey in a real browser: staff build a three-page survey with a condition in the builder, residents answer
it on a phone-sized screen (with JavaScript, and without), staff read the results with charts. axe (WCAG 2.1 A/AA)
checks the builder, the preview, the resident's pages and the results, in English and in Arabic.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible
from tests.browser.test_budgeting_journey import accessible, run_db

PHONE = {"width": 375, "height": 740}
CYCLE, STREET, CHANGE = "Do you cycle?", "Where is cycling hardest?", "What should change?"


@dataclass
class Seeded:
    url: str
    project_slug: str
    phase_id: int
    tokens: dict[str, str] = field(default_factory=dict)

    def base(self, locale: str = "en") -> str:
        return f"/{locale}/p/{self.phase_id}/survey"


async def _seed(db: Any, slug: str) -> Seeded:
    from sqlalchemy import select

    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Phase, Project, Tenant
    from core.passwords import new_token, token_hash

    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
    now = utcnow()
    async with db.session(tenant.id, write=True) as session:
        project = Project(slug=slug, title={"en": "Cycling city", "ar": "مدينة الدراجات"},
                          description={"en": "Tell us how you get around."}, status="published")  # fmt: skip
        session.add(project)
        await session.flush()
        phase = Phase(project_id=project.id, title={"en": "Mobility survey", "ar": "استبيان التنقل"},
                      description={"en": "Three short pages."}, method="survey", config={}, permissions={},
                      starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=20))  # fmt: skip
        session.add(phase)
        await session.flush()
        seeded = Seeded(url=db.url, project_slug=slug, phase_id=phase.id)
        for role in ("staff", "phone", "nojs"):
            user = await create_user(session, email=f"survey-{role}-{slug}@demo-city.example",
                                     password="survey-browser-password-1", display_name=role.capitalize(),
                                     role="admin" if role == "staff" else "resident", confirmed=True)  # fmt: skip
            token = new_token()
            session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=now + SESSION_LIFETIME))
            seeded.tokens[role] = token
    return seeded


@pytest.fixture(scope="module")
def survey(live: LiveServer) -> Seeded:
    if "survey" not in live.methods:
        pytest.skip("the survey plugin is not installed in the browser server")
    return run_db(database_url(live.log_path.parent), lambda db: _seed(db, f"cycling-{uuid.uuid4().hex[:8]}"))


def signed_in(open_context: Callable[..., Any], live: LiveServer, token: str, **options: Any) -> Any:
    from core.context import AUTH_COOKIE

    context = open_context(**options)
    context.add_cookies([{"name": AUTH_COOKIE, "value": token, "url": live.base_url}])
    return context.new_page()


def response_count(survey: Seeded) -> int:
    from sqlalchemy import func, select

    from core.models import Tenant
    from plugins.survey.models import SurveyResponse

    async def count(db: Any) -> int:
        async with db.session(unscoped=True) as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == TENANT_SLUG))
        async with db.session(tenant_id) as session:
            stmt = select(func.count()).select_from(SurveyResponse).where(SurveyResponse.phase_id == survey.phase_id)
            return int(await session.scalar(stmt) or 0)

    return int(run_db(survey.url, count))


def add_question(page: Any, kind: str, number: int, text: str, *, options: str = "", required: bool = False,
                 condition: tuple[str, str, str] | None = None) -> None:  # fmt: skip
    page.locator("#kind").select_option(kind)
    page.locator("#page").fill(str(number))
    page.locator("[id='text.en']").fill(text)
    if options:
        page.locator("[id='options.en']").fill(options)
    if required:
        page.locator("#required").check()
    if condition:
        question, op, value = condition
        page.locator("#cond_question").select_option(label=question)
        page.locator("#cond_op").select_option(op)
        page.locator("#cond_value").fill(value)
    page.get_by_role("button", name="Add the question").click()
    page.wait_for_load_state()
    assert page.locator("ol.survey-builder strong", has_text=text).count() == 1


def answer(page: Any, survey: Seeded, *, cycles: bool, mirror: Any = None) -> None:
    page.goto(f"/en/projects/{survey.project_slug}/phases/{survey.phase_id}")
    page.get_by_role("link", name="Take the survey").click()
    page.wait_for_url(f"**{survey.base()}/take")
    assert "Page 1 of 3" in page.locator(".survey-progress").inner_text()
    accessible(page, "survey page 1", mirror)
    page.get_by_role("button", name="Next page").click()  # nothing chosen: the required question says so
    page.wait_for_load_state()
    assert page.locator(".error-summary").get_by_text("This question needs an answer.").count() == 1
    accessible(page, "survey page 1 with an error", mirror)
    page.get_by_label("Yes" if cycles else "No", exact=True).check()
    page.get_by_role("button", name="Next page").click()
    page.wait_for_load_state()
    if cycles:
        page.get_by_label(STREET).fill("The old bridge")
        accessible(page, "survey page 2", mirror)
        page.get_by_role("button", name="Next page").click()
        page.wait_for_load_state()
    assert page.get_by_label(CHANGE).count() == 1 and page.get_by_label(STREET).count() == 0
    page.get_by_label(CHANGE).fill("Wider bike lanes" if cycles else "More buses")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(f"**{survey.base()}/done")
    assert page.locator("main p.alert[role=status]").inner_text().strip() == (
        "Your answers are stored. Thank you for taking part."
    )
    accessible(page, "survey confirmation", mirror)


def test_staff_build_residents_answer_staff_read_results(open_context, live: LiveServer, survey: Seeded) -> None:
    staff = signed_in(open_context, live, survey.tokens["staff"])
    staff.goto(f"{survey.base()}/manage")
    assert_accessible(staff, "survey builder")
    add_question(staff, "single", 1, CYCLE, options="Yes\nNo", required=True)
    cycle_label = staff.locator("#cond_question option", has_text=CYCLE).inner_text().strip()
    add_question(staff, "short", 2, STREET, required=True, condition=(cycle_label, "equals", "o1"))
    add_question(staff, "long", 3, CHANGE)
    assert "shown on a condition" in staff.locator("ol.survey-builder").inner_text()
    staff.locator("ol.survey-builder > li", has_text=CHANGE).get_by_role(
        "button", name="Move up"
    ).click()  # keyboard-reachable buttons reorder
    staff.wait_for_load_state()
    titles = [t.strip() for t in staff.locator("ol.survey-builder strong").all_inner_texts()]
    assert titles == [CYCLE, CHANGE, STREET]
    staff.locator("ol.survey-builder > li", has_text=CHANGE).get_by_role("button", name="Move down").click()
    staff.wait_for_load_state()
    staff.goto(f"{survey.base()}/preview")
    assert staff.get_by_text("Preview: this is what residents see.").count() == 1
    assert_accessible(staff, "survey preview")
    staff.goto(f"{survey.base('ar')}/manage")
    assert staff.get_attribute("html", "dir") == "rtl"
    assert_accessible(staff, "survey builder (ar)")

    phone = signed_in(open_context, live, survey.tokens["phone"], viewport=PHONE, is_mobile=True, has_touch=True)
    answer(phone, survey, cycles=True)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the survey page scrolls sideways on a phone ({width}px)"
    phone.goto(f"{survey.base('ar')}/take")
    assert_accessible(phone, "survey (ar, answered)")

    nojs = signed_in(open_context, live, survey.tokens["nojs"], viewport=PHONE, java_script_enabled=False)
    mirror = signed_in(open_context, live, survey.tokens["nojs"], viewport=PHONE)
    answer(nojs, survey, cycles=False, mirror=mirror)
    assert response_count(survey) == 2

    staff.goto(f"{survey.base()}/results")
    assert staff.locator("svg.survey-chart").count() >= 1
    assert "2 responses" in staff.locator("main").inner_text()
    assert staff.get_by_text("Wider bike lanes").count() == 1
    assert_accessible(staff, "survey results")
    staff.goto(f"{survey.base('ar')}/results")
    assert_accessible(staff, "survey results (ar)")
