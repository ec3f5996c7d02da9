"""The referendum in a real browser: a voter on a phone-sized screen without JavaScript answers a yes/no and a
ranked question, keeps the receipt from the confirmation page, and after the close checks it and reads the
results; the pages pass axe (WCAG 2.1 A/AA) in English and Arabic.

The module seeds its own project into the live server's database: one open referendum, the voter signed in by
cookie (verified, so on the roll that is snapshotted at the first visit).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible
from tests.browser.test_budgeting_journey import accessible, run_db

PHONE = {"width": 375, "height": 740}
QUESTION = {"en": "Should the old harbour become a car-free park?", "ar": "هل يصبح الميناء القديم حديقة بلا سيارات؟"}
RANKED = {"en": "Which name for the park?", "ar": "أي اسم للحديقة؟"}
NAMES = [{"en": "Harbour Park", "ar": "حديقة الميناء"}, {"en": "Lighthouse Garden", "ar": "حديقة المنارة"}]


async def _seed(db: Any, slug: str) -> dict[str, Any]:
    from sqlalchemy import select

    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Phase, Project, Tenant
    from core.passwords import new_token, token_hash
    from plugins.referendum.models import Question

    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
    now = utcnow()
    async with db.session(tenant.id, write=True) as session:
        project = Project(
            slug=slug, title={"en": "The harbour", "ar": "الميناء"}, description={"en": "x"}, status="published"
        )
        session.add(project)
        await session.flush()
        phase = Phase(
            project_id=project.id, title={"en": "Harbour referendum", "ar": "استفتاء الميناء"}, description={},
            method="referendum", config={"binding": True}, permissions={},
            starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=7),
        )  # fmt: skip
        session.add(phase)
        await session.flush()
        session.add(
            Question(
                phase_id=phase.id, position=0, kind="yesno", title=QUESTION, background={"en": "Read **the plan**."}
            )
        )
        session.add(Question(phase_id=phase.id, position=1, kind="ranked", title=RANKED, choices=NAMES))
        user = await create_user(
            session, email=f"voter-{slug}@demo-city.example", password="referendum-browser-1", display_name="Voter",
            verified=True, confirmed=True,
        )  # fmt: skip
        token = new_token()
        session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=now + SESSION_LIFETIME))
        return {"url": db.url, "slug": slug, "phase": phase.id, "token": token}


def _close(url: str, phase_id: int) -> None:
    from sqlalchemy import update

    from core.db.base import utcnow
    from core.models import Phase

    async def work(db: Any) -> None:
        async with db.session(unscoped=True, write=True) as session:
            await session.execute(
                update(Phase).where(Phase.id == phase_id).values(ends_at=utcnow() - timedelta(minutes=1))
            )

    run_db(url, work)


@pytest.fixture
def ref(live: LiveServer) -> dict[str, Any]:
    """A fresh referendum per test and per rerun: a first attempt that voted and closed it must not be the next's."""
    if "referendum" not in live.methods:
        pytest.skip("the referendum plugin is not installed in the browser server")
    return run_db(database_url(live.log_path.parent), lambda db: _seed(db, f"harbour-{uuid.uuid4().hex[:8]}"))


def test_vote_on_a_phone_without_javascript_keep_the_receipt_check_it_and_read_the_results(
    open_context: Any, live: LiveServer, ref: dict[str, Any]
) -> None:
    from core.context import AUTH_COOKIE

    context = open_context(java_script_enabled=False, viewport=PHONE)
    context.add_cookies([{"name": AUTH_COOKIE, "value": ref["token"], "url": live.base_url}])
    page = context.new_page()
    mirror_context = open_context(viewport=PHONE)
    mirror_context.add_cookies([{"name": AUTH_COOKIE, "value": ref["token"], "url": live.base_url}])
    mirror = mirror_context.new_page()
    phase_path = f"/en/projects/{ref['slug']}/phases/{ref['phase']}"

    page.goto(phase_path)
    accessible(page, "referendum ballot", mirror)
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label(NAMES[1]["en"]).fill("1")
    page.get_by_label(NAMES[0]["en"]).fill("2")
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_url(re.compile(r"/referendum/vote$"))
    assert page.locator("h1").inner_text().strip() == "Your vote is recorded"
    receipt = page.locator(".referendum-receipt code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", receipt)
    page.goto(phase_path)
    assert page.get_by_text("You have voted.").count() == 1

    _close(ref["url"], ref["phase"])
    page.goto(phase_path)
    assert page.get_by_text("Valid and binding: yes wins.").count() == 1
    assert page.get_by_text(f"Winner: {NAMES[1]['en']}").count() == 1
    accessible(page, "referendum results", mirror)
    page.goto(f"/en/p/{ref['phase']}/referendum/check")
    page.get_by_label("Receipt code").fill(receipt.lower())
    page.get_by_role("button", name="Check").click()
    assert page.get_by_text("Your ballot is in the published ballot box and was counted.").count() == 1

    for locale in ("en", "ar"):
        mirror.goto(f"/{locale}/projects/{ref['slug']}/phases/{ref['phase']}")
        assert mirror.get_attribute("html", "lang") == locale
        assert_accessible(mirror, f"referendum results ({locale})")
        mirror.goto(f"/{locale}/p/{ref['phase']}/referendum/check?receipt={receipt}")
        assert_accessible(mirror, f"receipt check ({locale})")
