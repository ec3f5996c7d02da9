"""Citizen proposals in a real browser: an author drafts a proposal and invites a co-sponsor by link, who accepts;
the author submits, staff publish it after pre-screening; residents sign on a phone-sized screen (two with
JavaScript, one without), which reaches the small threshold; the council publishes its answer and everyone reads it
on the proposal page. axe (WCAG 2.1 A/AA) checks the draft, the staff view, the signing box without JavaScript, and
the proposal and browse pages in English and in Arabic.

The module seeds its own project into the live server's database: one open proposals phase with pre-screening, a
threshold of 3 signatures and one required co-sponsor, and the people signed in by cookie.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible
from tests.browser.test_budgeting_journey import accessible, run_db

PHONE = {"width": 390, "height": 844}
THRESHOLD = 3
TITLE = "Shade sails over the market square"
BODY = "Every summer the market square is too hot to stay. Put up shade sails from June to September."
ANSWER = "The council agrees: shade sails go up next June, paid from the climate budget."
PEOPLE = {
    "author": ("resident", False),
    "cosponsor": ("resident", False),
    "staff": ("admin", True),
    "phone1": ("resident", True),
    "phone2": ("resident", True),
    "nojs": ("resident", True),
}


@dataclass
class Seeded:
    url: str
    project_slug: str
    phase_id: int
    tokens: dict[str, str] = field(default_factory=dict)

    def base(self, locale: str = "en") -> str:
        return f"/{locale}/p/{self.phase_id}/proposals"


async def _seed(db: Any, slug: str) -> Seeded:
    from sqlalchemy import select

    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Phase, Project, Tenant
    from core.passwords import new_token, token_hash

    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
    assert tenant is not None, "the demo tenant is missing"
    now = utcnow()
    async with db.session(tenant.id, write=True) as session:
        project = Project(slug=slug, title={"en": "A shadier market", "ar": "سوق أكثر ظلًا"},
                          description={"en": "Your proposals for the market square."}, status="published")  # fmt: skip
        session.add(project)
        await session.flush()
        config = {"threshold": THRESHOLD, "prescreening": True, "min_cosponsors": 1, "deadline_days": 30}
        phase = Phase(project_id=project.id, title={"en": "Citizen proposals", "ar": "مقترحات المواطنين"},
                      description={"en": "Collect signatures."}, method="proposals", config=config, permissions={},
                      starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=60))  # fmt: skip
        session.add(phase)
        await session.flush()
        seeded = Seeded(url=db.url, project_slug=slug, phase_id=phase.id)
        for who, (role, verified) in PEOPLE.items():
            user = await create_user(session, email=f"proposals-{who}-{slug}@demo-city.example",
                                     password="proposals-browser-password-1", display_name=who.capitalize(),
                                     role=role, confirmed=True, verified=verified)  # fmt: skip
            token = new_token()
            session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=now + SESSION_LIFETIME))
            seeded.tokens[who] = token
    return seeded


@pytest.fixture(scope="module")
def proposals(live: LiveServer) -> Seeded:
    if "proposals" not in live.methods:
        pytest.skip("the proposals plugin is not installed in the browser server")
    return run_db(database_url(live.log_path.parent), lambda db: _seed(db, f"market-{uuid.uuid4().hex[:8]}"))


def signed_in(open_context: Callable[..., Any], live: LiveServer, token: str, **options: Any) -> Any:
    from core.context import AUTH_COOKIE

    context = open_context(**options)
    context.add_cookies([{"name": AUTH_COOKIE, "value": token, "url": live.base_url}])
    return context.new_page()


def state_of(page: Any) -> str:
    return page.locator("article.proposal .proposal-meta .badge").inner_text().strip()


def count_of(page: Any) -> str:
    return page.locator("#proposal-progress .proposal-count strong").inner_text().strip()


def sign_with_javascript(page: Any, path: str, expected: str) -> None:
    """Sign on a phone: htmx swaps the signing box in place (no page load) with the thanks and the new count."""
    page.goto(path)
    assert state_of(page) == "Collecting signatures"
    page.get_by_role("button", name="Sign this proposal").click()
    box = page.locator("#proposal-sign")
    box.get_by_text("Thank you for signing.").wait_for()
    assert page.url.endswith(path), "signing with JavaScript should not leave the page"
    assert box.get_by_text("You signed this proposal.").count() == 1
    assert count_of(page) == expected
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the proposal page scrolls sideways on a phone ({width}px)"


def test_draft_cosponsor_screen_sign_reach_and_answer(open_context, live: LiveServer, proposals: Seeded) -> None:
    # The author drafts the proposal from the browse page.
    author = signed_in(open_context, live, proposals.tokens["author"])
    author.goto(f"{proposals.base()}/")
    author.get_by_role("link", name="Start a proposal").click()
    author.wait_for_url(f"**{proposals.base()}/new")
    author.get_by_label("Title").fill(TITLE)
    author.get_by_label("What do you propose, and why?").fill(BODY)
    author.get_by_role("button", name="Save the draft").click()
    author.wait_for_url(re.compile(r"/proposals/\d+\?done=created$"))
    proposal_path = re.sub(r"^https?://[^/]+|\?.*$", "", author.url)
    assert author.locator("h1").inner_text().strip() == TITLE
    assert state_of(author) == "Draft"
    assert_accessible(author, "proposal draft (author)")
    invite_url = author.locator("#invite-link").input_value()
    assert "/cosponsor?token=" in invite_url

    # Without the co-sponsor the phase asks for, submission is refused with a clear message.
    author.get_by_role("button", name="Submit the proposal").click()
    author.wait_for_load_state()
    assert author.get_by_text("More co-sponsors must accept your invitation before you can submit.").count() == 1

    # The co-sponsor opens the invitation link and accepts.
    cosponsor = signed_in(open_context, live, proposals.tokens["cosponsor"])
    cosponsor.goto(invite_url)
    assert cosponsor.locator("h1").inner_text().strip() == "Co-sponsor a proposal"
    assert_accessible(cosponsor, "co-sponsor invitation")
    cosponsor.get_by_role("button", name="I co-sponsor this proposal").click()
    cosponsor.wait_for_url(re.compile(r"\?done=cosponsor$"))
    assert cosponsor.get_by_text("You are now a co-sponsor of this proposal.").count() == 1

    # Now the author can submit; pre-screening keeps it from the public until staff publish it.
    author.goto(proposal_path)
    assert author.locator("section[aria-labelledby=cosponsors-heading] li", has_text="Cosponsor").count() == 1
    author.get_by_role("button", name="Submit the proposal").click()
    author.wait_for_url(re.compile(r"\?done=submitted$"))
    assert state_of(author) == "Awaiting screening"
    phone1 = signed_in(open_context, live, proposals.tokens["phone1"], viewport=PHONE, is_mobile=True, has_touch=True)
    phone1.goto(f"{proposals.base()}/")
    assert phone1.locator("ul.proposals").get_by_text(TITLE).count() == 0

    staff = signed_in(open_context, live, proposals.tokens["staff"])
    staff.goto(proposal_path)
    assert state_of(staff) == "Awaiting screening"
    assert_accessible(staff, "proposal awaiting screening (staff)")
    staff.get_by_role("button", name="Publish", exact=True).click()
    staff.wait_for_url(re.compile(r"\?done=done$"))
    assert state_of(staff) == "Collecting signatures"
    assert count_of(staff) == f"0 of {THRESHOLD} signatures"

    # Residents sign: two on a phone with JavaScript, the last one on a phone without it.
    phone1.goto(f"{proposals.base()}/")
    phone1.locator("ul.proposals a", has_text=TITLE).click()
    phone1.wait_for_url(f"**{proposal_path}")
    sign_with_javascript(phone1, proposal_path, f"1 of {THRESHOLD} signatures")
    phone2 = signed_in(open_context, live, proposals.tokens["phone2"], viewport=PHONE, is_mobile=True, has_touch=True)
    sign_with_javascript(phone2, proposal_path, f"2 of {THRESHOLD} signatures")

    nojs = signed_in(open_context, live, proposals.tokens["nojs"], viewport=PHONE, java_script_enabled=False)
    mirror = signed_in(open_context, live, proposals.tokens["nojs"], viewport=PHONE)
    nojs.goto(proposal_path)
    assert count_of(nojs) == f"2 of {THRESHOLD} signatures"
    accessible(nojs, "proposal signing box", mirror)
    nojs.get_by_role("button", name="Sign this proposal").click()
    nojs.wait_for_url(re.compile(r"\?done=signed$"))
    assert nojs.get_by_text("Thank you for signing.").count() >= 1
    assert count_of(nojs) == f"{THRESHOLD} of {THRESHOLD} signatures"
    assert state_of(nojs) == "Threshold reached"
    assert nojs.get_by_text(re.compile(r"The council must answer within \d+ days")).count() == 1
    accessible(nojs, "proposal at its threshold", mirror)

    # The council answers; the answer is on the proposal page for everyone.
    staff.goto(proposal_path)
    assert state_of(staff) == "Threshold reached"
    staff.locator("[id='answer.en']").fill(ANSWER)
    staff.get_by_label("Link to the official document (optional)").fill("https://demo-city.example/council/42")
    staff.get_by_role("button", name="Publish the answer").click()
    staff.wait_for_url(re.compile(r"\?done=done$"))
    assert state_of(staff) == "Answered"

    nojs.goto(proposal_path)
    answer = nojs.locator("section.proposal-answer")
    assert answer.locator("h2").inner_text().strip() == "The council's answer"
    assert ANSWER in answer.inner_text()
    assert answer.get_by_role("link", name="Read the official document").get_attribute("href") == (
        "https://demo-city.example/council/42"
    )
    history = nojs.locator("ol.proposal-history").inner_text()
    for step in ("Awaiting screening", "Collecting signatures", "Threshold reached", "Answered"):
        assert step in history, f"{step!r} is missing from the public history:\n{history}"

    for locale in ("en", "ar"):
        phone1.goto(re.sub(r"^/en/", f"/{locale}/", proposal_path))
        assert phone1.get_attribute("html", "lang") == locale
        assert phone1.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
        assert phone1.locator("section.proposal-answer").count() == 1
        assert_accessible(phone1, f"answered proposal ({locale})")
        phone1.goto(f"{proposals.base(locale)}/")
        assert phone1.locator("ul.proposals a", has_text=TITLE).count() == 1
        assert_accessible(phone1, f"proposals browse page ({locale})")
