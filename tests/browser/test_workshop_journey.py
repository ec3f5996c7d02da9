"""A live workshop in real browsers: a resident registers on a desktop; the facilitator (desktop) and a participant
on a phone see each other's changes arrive over server-sent events (a card, a pin, the agenda step, the countdown);
a participant without JavaScript posts by form and reload. axe (WCAG 2.1 A/AA) in English and Arabic.

The module seeds its own project into the live server's database: one open workshop phase with a session that is
live now (agenda of three steps) and the people signed in by cookie.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible
from tests.browser.test_budgeting_journey import accessible, run_db

PHONE = {"width": 390, "height": 844}
LIVE_WITHIN = 5000  # ms: a change must reach the other page within this (measured: well under a second)
PEOPLE = {"staff": "admin", "phone": "resident", "nojs": "resident", "desk": "resident"}
SHOTS = os.environ.get("TOWNHALL_SCREENSHOTS")


@dataclass
class Seeded:
    phase_id: int
    session_id: int
    tokens: dict[str, str] = field(default_factory=dict)

    def path(self, locale: str = "en") -> str:
        return f"/{locale}/p/{self.phase_id}/workshop/{self.session_id}"


async def _seed(db: Any, slug: str) -> Seeded:
    from sqlalchemy import select

    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Phase, Project, Tenant
    from core.passwords import new_token, token_hash
    from plugins.workshop.models import Registration, WorkshopSession

    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
    assert tenant is not None, "the demo tenant is missing"
    now = utcnow()
    async with db.session(tenant.id, write=True) as session:
        project = Project(slug=slug, title={"en": "A park for everyone", "ar": "حديقة للجميع"},
                          description={"en": "Plan the park together."}, status="published")  # fmt: skip
        session.add(project)
        await session.flush()
        phase = Phase(project_id=project.id, title={"en": "Workshops", "ar": "ورش العمل"},
                      description={"en": "Live sessions."}, method="workshop",
                      config={"allowed_hosts": ["meet.example.org"]}, permissions={},
                      starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))  # fmt: skip
        session.add(phase)
        await session.flush()
        ws = WorkshopSession(phase_id=phase.id, title={"en": "Ideas for the playground", "ar": "أفكار للملعب"},
                             agenda={"en": ["Welcome", "Ideas", "Choices"], "ar": ["ترحيب", "أفكار", "اختيارات"]},
                             starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=3), capacity=10,
                             meeting_url="https://meet.example.org/park")  # fmt: skip
        session.add(ws)
        await session.flush()
        seeded = Seeded(phase_id=phase.id, session_id=ws.id)
        for who, role in PEOPLE.items():
            user = await create_user(session, email=f"workshop-{who}-{slug}@demo-city.example",
                                     password="workshop-browser-password-1", display_name=who.capitalize(),
                                     role=role, confirmed=True, verified=False)  # fmt: skip
            token = new_token()
            session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=now + SESSION_LIFETIME))
            seeded.tokens[who] = token
            if who in ("phone", "nojs"):
                session.add(Registration(session_id=ws.id, user_id=user.id, status="registered"))
    return seeded


@pytest.fixture  # per test: a rerun starts from an empty board
def workshop(live: LiveServer) -> Seeded:
    if "workshop" not in live.methods:
        pytest.skip("the workshop plugin is not installed in the browser server")
    return run_db(database_url(live.log_path.parent), lambda db: _seed(db, f"park-{uuid.uuid4().hex[:8]}"))


def signed_in(open_context: Callable[..., Any], live: LiveServer, token: str, **options: Any) -> Any:
    from core.context import AUTH_COOKIE

    context = open_context(**options)
    context.add_cookies([{"name": AUTH_COOKIE, "value": token, "url": live.base_url}])
    return context.new_page()


def connected(page: Any) -> None:
    """Wait until the page's EventSource is open (the htmx SSE extension keeps it on the element)."""
    page.wait_for_function(
        "() => { const el = document.querySelector('[sse-connect]');"
        " const es = el && el['htmx-internal-data'] && el['htmx-internal-data'].sseEventSource;"
        " return es && es.readyState === 1; }",
        timeout=LIVE_WITHIN,
    )


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def card(page: Any, text: str) -> Any:
    return page.locator("#live li.workshop-card", has_text=text)


def sees_card(page: Any, text: str, live: LiveServer, timeout: float = 20000) -> Any:
    """Wait for the card; when it does not come, fail with what the page shows and what the server logged."""
    try:
        card(page, text).wait_for(timeout=timeout)
    except Exception:
        shown = page.locator("main").inner_text() if page.locator("main").count() else page.content()
        raise AssertionError(
            f"no card {text!r} on {page.url} after {timeout} ms; the page shows:\n{shown[:3000]}\n"
            f"--- the server's log ---\n{live.log_tail(80)}"
        ) from None
    return card(page, text)


def test_facilitator_and_participants_see_each_other_live(open_context, live: LiveServer, workshop: Seeded) -> None:
    path = workshop.path()
    # A resident registers on a desktop.
    desk = signed_in(open_context, live, workshop.tokens["desk"])
    desk.goto(path)
    assert desk.locator("h1").inner_text().strip() == "Ideas for the playground"
    desk.get_by_role("button", name="Register for this session").click()
    desk.wait_for_url(re.compile(r"\?done=registered"))
    assert desk.get_by_text("You have a seat in this session.").count() == 1
    assert desk.locator("a[href='https://meet.example.org/park'][target=_blank]").count() == 1
    assert_accessible(desk, "workshop session (participant, desktop)")

    staff = signed_in(open_context, live, workshop.tokens["staff"])
    staff.goto(path)
    connected(staff)
    phone = signed_in(open_context, live, workshop.tokens["phone"], viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(path)
    connected(phone)

    # The participant posts a card on the phone: the facilitator's board shows it without a reload.
    phone.get_by_label("Kind of card").select_option("idea")
    phone.get_by_label("Your card").fill("A water play area for hot days")
    phone.get_by_role("button", name="Post the card").click()
    card(phone, "A water play area for hot days").wait_for()
    assert phone.get_by_label("Your card").input_value() == ""
    card(staff, "A water play area for hot days").wait_for(timeout=LIVE_WITHIN)

    # The facilitator pins it, moves to the next step and starts a countdown: the phone follows live.
    staff_card = card(staff, "A water play area for hot days")
    staff_card.get_by_role("button", name=re.compile("^Pin")).click()
    card(phone, "A water play area for hot days").locator(".badge", has_text="Pinned").wait_for(timeout=LIVE_WITHIN)
    staff.locator("details.workshop-controls summary").click()
    staff.get_by_label("Agenda step").select_option("1")
    staff.get_by_role("button", name="Show this step").click()
    phone.locator(".workshop-step", has_text="step 2 of 3").wait_for(timeout=LIVE_WITHIN)
    assert "Ideas" in phone.locator(".workshop-step").inner_text()
    staff.locator("details.workshop-controls summary").click() if not staff.locator(
        "details.workshop-controls[open]"
    ).count() else None
    staff.get_by_label("Countdown (minutes)").select_option("5")
    staff.get_by_role("button", name="Start the timer").click()
    countdown = phone.locator(".workshop-countdown")
    countdown.wait_for(timeout=LIVE_WITHIN)
    first = countdown.inner_text()
    try:
        phone.wait_for_function(
            "(first) => document.querySelector('.workshop-countdown').textContent !== first", arg=first, timeout=5000
        )  # the page ticks the countdown by itself
    except Exception:
        debug = phone.evaluate(
            "() => { const el = document.querySelector('.workshop-countdown');"
            " return [el.outerHTML, Date.now(), Date.parse(el.getAttribute('data-ends-at')),"
            " Array.from(document.scripts).map(s => s.src)]; }"
        )
        raise AssertionError(debug) from None
    assert re.fullmatch(r"0[45]:\d\d", countdown.inner_text()), countdown.inner_text()

    # The participant up-votes the card; the facilitator sees the count change.
    card(phone, "A water play area for hot days").get_by_role("button", name=re.compile("up-vote")).click()
    card(staff, "A water play area for hot days").get_by_text("1 up-vote").wait_for(timeout=LIVE_WITHIN)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the board scrolls sideways on a phone ({width}px)"
    shot(phone, "workshop-phone-en")
    shot(staff, "workshop-staff-en")
    assert_accessible(phone, "workshop board (phone)")
    assert_accessible(staff, "workshop board (facilitator)")

    # Without JavaScript: the board is there on load, a card posts by form and redirect, and reaches the others.
    nojs = signed_in(open_context, live, workshop.tokens["nojs"], viewport=PHONE, java_script_enabled=False)
    mirror = signed_in(open_context, live, workshop.tokens["nojs"], viewport=PHONE)
    nojs.goto(path)
    assert card(nojs, "A water play area for hot days").count() == 1
    assert nojs.get_by_text("Reload the page to see the latest cards.").count() == 1
    accessible(nojs, "workshop board without JavaScript", mirror)
    nojs.get_by_label("Your card").fill("Benches in the shade")
    nojs.get_by_label("Do not show my name to other residents").check()
    nojs.get_by_role("button", name="Post the card").click()
    nojs.wait_for_url(re.compile(r"\?done=posted"))
    sees_card(nojs, "Benches in the shade", live)
    phone_card = sees_card(phone, "Benches in the shade", live, timeout=LIVE_WITHIN)
    assert "Anonymous" in phone_card.inner_text()
    assert "Nojs" in card(staff, "Benches in the shade").inner_text()  # the facilitator knows who wrote it

    # Arabic, right to left, on both screens.
    for page, label in ((phone, "phone"), (staff, "facilitator")):
        page.goto(workshop.path("ar"))
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.locator("h1").inner_text().strip() == "أفكار للملعب"
        shot(page, f"workshop-{label}-ar")
        assert_accessible(page, f"workshop board in Arabic ({label})")
