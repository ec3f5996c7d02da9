"""The survey's weighted shares in a real browser: staff read the estimate next to the raw shares in English and
Arabic, on a phone (390 px) and a desktop (1280 px); the page fits the screen and passes axe (WCAG 2.1 A/AA)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible, html_attrs
from tests.browser.test_budgeting_journey import run_db
from tests.browser.test_insights import no_sideways_scroll, shoot
from tests.browser.test_survey_journey import signed_in

LABELS = {"en": "Weighted estimate (for analysis; not an official result)"}


async def _seed(db: Any, slug: str) -> tuple[int, str]:
    """An ended named survey with one choice question: 8 women answer yes, 2 men no (demo population: about half
    and half); returns the phase id and a staff session token."""
    from sqlalchemy import select

    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Phase, ProfileAnswer, ProfileQuestion, Project, Tenant
    from core.passwords import new_token, token_hash
    from plugins.survey.models import SurveyParticipant, SurveyQuestion, SurveyResponse

    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
    now = utcnow()
    async with db.session(tenant.id, write=True) as session:
        gender = await session.scalar(select(ProfileQuestion).where(ProfileQuestion.kind == "gender"))
        assert gender is not None and gender.reference, "the demo has population shares for gender"
        project = Project(slug=slug, title={"en": "Weighted city", "ar": "مدينة موزونة"},
                          description={"en": "A survey."}, status="published")  # fmt: skip
        session.add(project)
        await session.flush()
        phase = Phase(project_id=project.id, title={"en": "Housing survey", "ar": "استبيان السكن"},
                      description={"en": "One question."}, method="survey", config={}, permissions={},
                      starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=1))  # fmt: skip
        session.add(phase)
        await session.flush()
        question = SurveyQuestion(phase_id=phase.id, position=1, page=1, kind="single",
                                  text={"en": "Do you live here?", "ar": "هل تسكن هنا؟"},
                                  options=[["yes", {"en": "Yes", "ar": "نعم"}],
                                           ["no", {"en": "No", "ar": "لا"}]])  # fmt: skip
        session.add(question)
        await session.flush()
        for i in range(10):
            woman = i < 8
            user = await create_user(session, email=f"weighted-{i}-{slug}@demo-city.example",
                                     password="survey-browser-password-1", display_name=f"W{i}",
                                     role="resident", confirmed=True)  # fmt: skip
            session.add(ProfileAnswer(user_id=user.id, question_id=gender.id, value="woman" if woman else "man"))
            session.add(SurveyParticipant(phase_id=phase.id, who=f"u:{user.id}"))
            session.add(SurveyResponse(phase_id=phase.id, user_id=user.id, submission_key=f"{slug}-{i}",
                                       answers={str(question.id): "yes" if woman else "no"}))  # fmt: skip
        staff = await create_user(session, email=f"weighted-staff-{slug}@demo-city.example",
                                  password="survey-browser-password-1", display_name="Staff", role="admin",
                                  confirmed=True)  # fmt: skip
        token = new_token()
        session.add(AuthSession(token_hash=token_hash(token), user_id=staff.id, expires_at=now + SESSION_LIFETIME))
    return phase.id, token


@pytest.fixture(scope="module")
def weighted_survey(live: LiveServer) -> tuple[int, str]:
    if "survey" not in live.methods:
        pytest.skip("the survey plugin is not installed in the browser server")
    return run_db(database_url(live.log_path.parent), lambda db: _seed(db, f"weighted-{uuid.uuid4().hex[:8]}"))


@pytest.mark.parametrize("locale", ["en", "ar"])
@pytest.mark.parametrize("width", [390, 1280])
def test_staff_read_weighted_shares(
    open_context: Callable[..., Any], live: LiveServer, weighted_survey: tuple[int, str], locale: str, width: int
) -> None:
    phase_id, token = weighted_survey
    page = signed_in(open_context, live, token, viewport={"width": width, "height": 900})
    response = page.goto(f"/{locale}/p/{phase_id}/survey/results")
    assert response is not None and response.status == 200
    assert html_attrs(page) == (locale, "rtl" if locale == "ar" else "ltr")
    section = page.locator("main section.survey-weighting")
    assert section.count() == 1 and section.is_visible()
    if locale in LABELS:
        assert section.locator("h2").inner_text().strip() == LABELS[locale]
    table = page.locator("main table.survey-table")
    assert table.locator("thead th").count() == 4, "answer, count, share, weighted share"
    cells = table.locator("tbody tr").first.locator("td")
    assert cells.nth(2).is_visible() and cells.nth(2).inner_text().strip() not in ("", "–")
    no_sideways_scroll(page)
    shoot(page, f"survey-weighted-{locale}-{width}")
    assert_accessible(page, f"survey weighted results ({locale}, {width}px)")
