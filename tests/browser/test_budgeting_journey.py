"""Participatory budgeting in a real browser: a resident fills a knapsack cart (with and without JavaScript), hits
the limit, reviews, submits once (a repeat finds the same ballot), and reads the results after the vote closed.

The module seeds its own project into the live server's database (``database_url`` of the server's folder, the
same SQLite file or PostgreSQL database the server uses): one open knapsack phase (budget €1,000) and one closed
phase whose Method of Equal Shares outcome is checked by hand below. Every page is axe-checked (WCAG 2.1 A/AA).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import helpers
from tests.browser.conftest import LOCALES, TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible, html_attrs, path_of, signed_in_header

PASSWORD = "budgeting-browser-password-1"
OPEN = {
    "project": {"en": "Cooler squares", "ar": "ساحات أكثر برودة"},
    "phase": {"en": "Vote on the cooling budget", "ar": "صوتوا على ميزانية التبريد"},
    "budget": {
        "en": "Cooling budget",
        "nl": "Verkoelingsbudget",
        "fr": "Budget fraîcheur",
        "de": "Kühlungsbudget",
        "nb": "Kjølebudsjett",
        "ar": "ميزانية التبريد",
    },
}
CLOSED = {
    "phase": {"en": "Last year's vote", "ar": "تصويت العام الماضي"},
    "budget": {"en": "Neighbourhood budget", "ar": "ميزانية الحي"},
}
# The open knapsack budget: €1,000. Options in minor units (cents).
SAILS, FOUNTAINS, ROOF, MISTING = "Shade sails", "Drinking fountains", "Cool roof on the school", "Misting posts"
OPEN_OPTIONS = [
    ({"en": SAILS, "ar": "أشرعة الظل"}, 45_000),
    ({"en": FOUNTAINS, "ar": "نوافير مياه الشرب"}, 35_000),
    ({"en": ROOF, "ar": "سطح بارد للمدرسة"}, 30_000),
    ({"en": MISTING, "ar": "أعمدة الرذاذ"}, 15_000),
]
# The closed budget: €1,000, rule ``equalshares`` (plain MES), six imported ballots:
#   3 x {A, B}, 1 x {A}, 2 x {C};   A = €600, B = €300, C = €300.
# Each voter holds 1000/6. A: its 4 supporters pay 150 each (price per euro of utility 150/600 = 1/4); C: its 2
# supporters pay 150 each (price 1/2); B: its 3 supporters hold only 3 x 16.67 after paying for A. MES funds A then
# C (€900 used); greedy-by-votes would have funded A and B instead, which is why the explanation matters.
MARKET, WATER, LIBRARY = "Shade on the market square", "Water play in the park", "Cool room in the library"
CLOSED_OPTIONS = [
    ({"en": MARKET, "ar": "ظل في ساحة السوق"}, 60_000),
    ({"en": WATER, "ar": "ألعاب مائية في الحديقة"}, 30_000),
    ({"en": LIBRARY, "ar": "غرفة باردة في المكتبة"}, 30_000),
]
CLOSED_BALLOTS = [[0, 1], [0, 1], [0, 1], [0], [2], [2]]

PHONE = {"width": 390, "height": 844}


@dataclass
class Seeded:
    url: str
    project_slug: str
    open_phase: int
    open_budget: int
    open_options: dict[str, int]
    closed_phase: int
    closed_budget: int
    closed_options: dict[str, int]
    emails: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def phase_path(self, locale: str, phase_id: int) -> str:
        return f"/{locale}/projects/{self.project_slug}/phases/{phase_id}"

    def budget_path(self, locale: str) -> str:
        return f"/{locale}/p/{self.open_phase}/budgeting/budgets/{self.open_budget}"


def run_db(url: str, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(db)`` against the live server's database on an event loop of its own (Playwright owns this one)."""
    from core.db.engine import Database

    async def main() -> Any:
        db = Database(url, pooled=False)
        try:
            return await work(db)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _seed(db: Any, slug: str, emails: dict[str, str]) -> Seeded:
    from sqlalchemy import select

    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import Area, AuthSession, Phase, Project, Tenant
    from core.passwords import new_token, token_hash
    from plugins.budgeting.models import Ballot, Budget, Cart, Option
    from plugins.budgeting.services import new_receipt

    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
    assert tenant is not None, "the demo tenant is missing"
    now = utcnow().replace(second=0, microsecond=0)
    async with db.session(tenant.id, write=True) as session:
        areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
        assert len(areas) >= 2, "the demo tenant should have areas"
        project = Project(slug=slug, title=OPEN["project"], description={"en": "Shade and water."}, status="published")
        session.add(project)
        await session.flush()
        phases = []
        for title, start, end in [
            (CLOSED["phase"], now - timedelta(days=40), now - timedelta(days=10)),
            (OPEN["phase"], now - timedelta(days=2), now + timedelta(days=20)),
        ]:
            phase = Phase(
                project_id=project.id,
                title=title,
                description={"en": "Choose what the money is spent on."},
                method="budgeting",
                config={"ballot_type": "knapsack"},
                permissions={},
                starts_at=start,
                ends_at=end,
            )
            session.add(phase)
            await session.flush()
            phases.append(phase)
        closed_phase, open_phase = phases

        async def budget_with(phase: Phase, name: dict, rule: str, specs: list) -> tuple[Budget, list[Option]]:
            budget = Budget(phase_id=phase.id, name=name, amount=100_000, rule=rule)
            session.add(budget)
            await session.flush()
            options = []
            for index, (title, cost) in enumerate(specs):
                option = Option(
                    phase_id=phase.id, budget_id=budget.id, code=str(index + 1), title=title, cost=cost, position=index
                )
                session.add(option)
                options.append(option)
            await session.flush()
            return budget, options

        open_budget, open_options = await budget_with(open_phase, OPEN["budget"], "greedy", OPEN_OPTIONS)
        closed_budget, closed_options = await budget_with(closed_phase, CLOSED["budget"], "equalshares", CLOSED_OPTIONS)
        for index, chosen in enumerate(CLOSED_BALLOTS):
            session.add(
                Ballot(
                    budget_id=closed_budget.id,
                    source="import",
                    reference=f"voter-{index + 1}",
                    area_id=areas[index % 2].id,
                    option_ids=[closed_options[i].id for i in chosen],
                    receipt=new_receipt(),
                )
            )
        # One ballot already in the open vote, so "results hidden until the end" hides something real.
        session.add(
            Ballot(
                budget_id=open_budget.id,
                source="import",
                reference="early-voter",
                option_ids=[open_options[0].id],
                receipt=new_receipt(),
            )
        )
        seeded = Seeded(
            url=db.url,
            project_slug=slug,
            open_phase=open_phase.id,
            open_budget=open_budget.id,
            open_options={o.title["en"]: o.id for o in open_options},
            closed_phase=closed_phase.id,
            closed_budget=closed_budget.id,
            closed_options={o.title["en"]: o.id for o in closed_options},
            emails=emails,
        )
        for role, address in emails.items():
            user = await create_user(
                session, email=address, password=PASSWORD, display_name=role.capitalize(), confirmed=True
            )
            seeded.users[role] = user.id
        # The accessibility visitor is signed in by cookie and has a cart with two options in it.
        token = new_token()
        session.add(
            AuthSession(token_hash=token_hash(token), user_id=seeded.users["a11y"], expires_at=now + SESSION_LIFETIME)
        )
        seeded.tokens["a11y"] = token
        session.add(
            Cart(
                budget_id=open_budget.id,
                user_id=seeded.users["a11y"],
                items=[[open_options[0].id, 1], [open_options[3].id, 1]],
            )
        )
    return seeded


@pytest.fixture(scope="module")
def pb(live: LiveServer) -> Seeded:
    if "budgeting" not in live.methods:
        pytest.skip("the budgeting plugin is not installed in the browser server")
    tag = uuid.uuid4().hex[:8]
    emails = {role: f"pb-{role}-{tag}@demo-city.example" for role in ("js", "nojs", "a11y")}
    url = database_url(live.log_path.parent)
    return run_db(url, lambda db: _seed(db, f"cooler-squares-{tag}", emails))


def ballots_of(pb: Seeded, user_role: str | None = None) -> int:
    """Rows in ``budgeting_ballot`` for the open budget (of one voter, or all), counted in the server's database."""
    from sqlalchemy import func, select

    from core.models import Tenant
    from plugins.budgeting.models import Ballot

    async def count(db: Any) -> int:
        async with db.session(unscoped=True) as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == TENANT_SLUG))
        async with db.session(tenant_id) as session:
            stmt = select(func.count()).select_from(Ballot).where(Ballot.budget_id == pb.open_budget)
            if user_role is not None:
                stmt = stmt.where(Ballot.user_id == pb.users[user_role])
            return int(await session.scalar(stmt) or 0)

    return int(run_db(pb.url, count))


def sign_in(page: Any, email: str) -> None:
    helpers.sign_in(page, "en", email, PASSWORD)


def signed_in_page(open_context: Callable[..., Any], live: LiveServer, pb: Seeded, **options: Any) -> Any:
    from core.context import AUTH_COOKIE

    context = open_context(**options)
    context.add_cookies([{"name": AUTH_COOKIE, "value": pb.tokens["a11y"], "url": live.base_url}])
    return context.new_page()


def card(page: Any, title: str) -> Any:
    return page.locator("li.option-card").filter(has=page.locator("h3", has_text=title))


def meter_text(page: Any) -> str:
    return " ".join(page.locator("#ballot-panel .cart-meter label").inner_text().split())


def cart_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#ballot-panel .cart-lines .cart-title").all_inner_texts()]


def spent(amount: str, left: str) -> str:
    return f"Spent {amount} of €1,000; {left} left"


def accessible(page: Any, label: str, mirror: Any = None) -> None:
    """axe on the page; for a page without JavaScript (axe cannot run there), on its exact HTML served to ``mirror``,
    a JavaScript-enabled page that loads it from the same URL (so styles and contrast are the real ones)."""
    if mirror is None:
        assert_accessible(page, label)
        return
    url, html = page.url, page.content()

    def same(u: str) -> bool:
        return u == url

    mirror.route(same, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    mirror.goto(url)
    mirror.unroute(same)
    assert mirror.locator("h1").inner_text() == page.locator("h1").inner_text()
    assert_accessible(mirror, f"{label} (without JavaScript)")


def open_the_vote(page: Any, pb: Seeded, mirror: Any = None) -> None:
    """From the project page to the phase and its budget, as a resident would click."""
    page.goto(f"/en/projects/{pb.project_slug}")
    page.locator("ol.timeline a", has_text=OPEN["phase"]["en"]).click()
    page.wait_for_url(f"**{pb.phase_path('en', pb.open_phase)}")
    accessible(page, "budgeting phase", mirror)
    assert page.locator("main .budgeting-panel").get_by_text("Results are published when voting closes.").count() == 1
    page.locator(f"main .budgeting-panel a.button[href='{pb.budget_path('en')}']").click()
    page.wait_for_url(f"**{pb.budget_path('en')}")
    assert page.locator("h1").inner_text().strip() == OPEN["budget"]["en"]
    assert meter_text(page) == spent("€0", "€1,000")
    assert page.locator("#ballot-panel").get_by_text("Nothing chosen yet.").count() == 1


def review_submit_and_resubmit(page: Any, pb: Seeded, role: str, mirror: Any = None) -> None:
    """Review, keep a second tab on the review form, submit, then submit the stale form and go back: one ballot."""
    review = f"{pb.budget_path('en')}/review"
    confirmation = f"{pb.budget_path('en')}/ballot"
    page.locator("#ballot-panel a.button", has_text="Review and submit").click()
    page.wait_for_url(f"**{review}")
    assert page.locator("h1").inner_text().strip() == "Review your ballot"
    rows = page.locator("main table tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())] == [SAILS, ROOF]
    assert " ".join(page.locator(".cart-meter label").inner_text().split()) == spent("€750", "€250")
    assert page.locator(".error-summary").count() == 0
    accessible(page, "review", mirror)

    stale = page.context.new_page()  # the same voter's second tab, still showing the submit form
    stale.goto(review)
    assert stale.get_by_role("button", name="Submit my ballot").count() == 1

    before = ballots_of(pb)
    page.get_by_role("button", name="Submit my ballot").click()
    page.wait_for_url(f"**{confirmation}")
    assert page.locator("main p.alert[role=status]").inner_text().strip() == (
        f"Your ballot for {OPEN['budget']['en']} is stored. Thank you for taking part."
    )
    receipt = page.locator("code.receipt").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{16}", receipt)
    assert [t.strip() for t in page.locator("main ul li").all_inner_texts()] == [
        f"{SAILS} (€450)",
        f"{ROOF} (€300)",
    ]
    assert page.locator("main dd").nth(2).inner_text().strip() == "€750"
    accessible(page, "confirmation", mirror)
    assert ballots_of(pb, role) == 1
    assert ballots_of(pb) == before + 1

    # The stale tab submits again: same confirmation, same receipt, still one ballot.
    stale.get_by_role("button", name="Submit my ballot").click()
    stale.wait_for_url(f"**{confirmation}")
    assert stale.locator("code.receipt").inner_text().strip() == receipt
    stale.close()
    # Back to the review step (the server now answers it with the confirmation); submit if the old form shows.
    page.go_back()
    page.wait_for_load_state()
    again = page.get_by_role("button", name="Submit my ballot")
    if again.count():
        again.click()
    page.wait_for_url(f"**{confirmation}")
    assert page.locator("code.receipt").inner_text().strip() == receipt
    page.reload()
    assert page.locator("code.receipt").inner_text().strip() == receipt
    assert ballots_of(pb, role) == 1
    assert ballots_of(pb) == before + 1

    # The cart is closed now: the ballot page says so and offers no Add buttons.
    page.goto(pb.budget_path("en"))
    assert page.locator("#vote-denied").count() == 1
    assert page.locator("#ballot-panel li.option-card button").count() == 0
    accessible(page, "ballot page after voting", mirror)


def test_resident_fills_a_knapsack_cart_with_htmx(tab, live: LiveServer, pb: Seeded) -> None:
    page = tab
    sign_in(page, pb.emails["js"])
    open_the_vote(page, pb)
    assert_accessible(page, "empty cart")
    cart_url = page.url
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page is fully reloaded

    card(page, SAILS).get_by_role("button").click()
    expect(page.locator("#ballot-panel .cart-meter label")).to_contain_text("€550 left")
    assert meter_text(page) == spent("€450", "€550")
    assert page.locator("#ballot-panel .cart-status").inner_text().strip() == f"In your selection: {SAILS}"
    # Keyboard focus stays on the option's toggle (now "Remove", pressed); the change is announced.
    toggle = card(page, SAILS).get_by_role("button")
    expect(toggle).to_be_focused()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.locator("#cart-announcer").inner_text().strip() == (
        f"In your selection: {SAILS} {spent('€450', '€550')}"
    )
    card(page, FOUNTAINS).get_by_role("button").click()
    expect(page.locator("#ballot-panel .cart-meter label")).to_contain_text("€200 left")
    assert cart_titles(page) == [SAILS, FOUNTAINS]
    assert page.locator("#ballot-panel progress").get_attribute("value") == "80000"
    assert page.url == cart_url
    assert page.evaluate("() => window.__sameDocument === true"), "htmx should swap the panel, not reload the page"

    # €300 does not fit in the €200 left: the card says so before the click, and the click is refused.
    roof_button = card(page, ROOF).get_by_role("button")
    hint_id = roof_button.get_attribute("aria-describedby")
    assert (
        hint_id and page.locator(f"#{hint_id}").inner_text().strip() == "Does not fit in what is left of your budget."
    )
    assert card(page, MISTING).get_by_role("button").get_attribute("aria-describedby") is None
    roof_button.click()
    alert = page.locator("#ballot-panel [role=alert]")
    expect(alert).to_have_text("This option costs €300 but only €200 of your budget is left. Remove something first.")
    expect(alert).to_be_focused()
    assert cart_titles(page) == [SAILS, FOUNTAINS]
    assert meter_text(page) == spent("€800", "€200")
    assert page.evaluate("() => window.__sameDocument === true")
    assert_accessible(page, "cart with a refused option")

    # Remove one (from the cart list), then the roof fits.
    page.locator("#ballot-panel .cart-lines li", has_text=FOUNTAINS).get_by_role("button").click()
    expect(page.locator("#ballot-panel .cart-meter label")).to_contain_text("€550 left")
    status = page.locator("#ballot-panel .cart-status p")
    assert status.inner_text().strip() == f"Removed: {FOUNTAINS}"
    expect(status).to_be_focused()  # the pressed button left with its line: focus lands on the message
    expect(page.locator("#cart-announcer")).to_contain_text("€550 left")
    card(page, ROOF).get_by_role("button").click()
    expect(page.locator("#ballot-panel .cart-meter label")).to_contain_text("€250 left")
    assert cart_titles(page) == [SAILS, ROOF]
    assert card(page, ROOF).get_by_role("button").get_attribute("aria-pressed") == "true"
    assert page.url == cart_url and page.evaluate("() => window.__sameDocument === true")
    assert_accessible(page, "cart with two options")

    # The cart survives a reload (it is stored on the server), then the explicit review and submit.
    page.reload()
    assert cart_titles(page) == [SAILS, ROOF]
    review_submit_and_resubmit(page, pb, "js")


def test_resident_fills_a_knapsack_cart_without_javascript(open_context, live: LiveServer, pb: Seeded) -> None:
    """On a phone-sized screen: the htmx journey above runs on a desktop one."""
    page = open_context(java_script_enabled=False, viewport=PHONE).new_page()
    mirror = open_context(viewport=PHONE).new_page()
    sign_in(page, pb.emails["nojs"])
    open_the_vote(page, pb, mirror)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the ballot scrolls sideways on a phone ({width}px)"

    def post(title: str, where: Any) -> Any:
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/cart")) as info:
            where.get_by_role("button").click()
        page.wait_for_load_state()
        return info.value

    for title, left in [(SAILS, "€550"), (FOUNTAINS, "€200")]:
        response = post(title, card(page, title))
        assert response.status == 303
        assert path_of(page.url) == pb.budget_path("en")
        assert meter_text(page).endswith(f"{left} left")
    assert cart_titles(page) == [SAILS, FOUNTAINS]
    # Down at the last option the meter is still on screen, at the top (sticky, server-rendered: no script here).
    page.locator("li.option-card").last.scroll_into_view_if_needed()
    assert page.evaluate("() => window.scrollY") > 0
    meter = page.locator("#ballot-panel .ballot-meter").bounding_box()
    assert meter is not None and abs(meter["y"]) < 1, f"the budget meter scrolled away ({meter})"

    response = post(ROOF, card(page, ROOF))
    assert response.status == 303  # post/redirect/get: reloading the refusal posts nothing again
    assert path_of(page.url).startswith(pb.budget_path("en") + "?refused=add&")
    assert page.locator("#ballot-panel [role=alert]").inner_text().strip() == (
        "This option costs €300 but only €200 of your budget is left. Remove something first."
    )
    assert cart_titles(page) == [SAILS, FOUNTAINS]
    assert meter_text(page) == spent("€800", "€200")
    accessible(page, "refused option", mirror)

    response = post(FOUNTAINS, page.locator("#ballot-panel .cart-lines li", has_text=FOUNTAINS))
    assert response.status == 303 and path_of(page.url) == pb.budget_path("en")
    assert meter_text(page) == spent("€450", "€550")
    response = post(ROOF, card(page, ROOF))
    assert response.status == 303
    assert cart_titles(page) == [SAILS, ROOF]
    assert meter_text(page) == spent("€750", "€250")
    review_submit_and_resubmit(page, pb, "nojs", mirror)


def result_rows(page: Any) -> list[list[str]]:
    rows = page.locator("table.result-table tbody tr")
    return [[" ".join(c.split()) for c in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def test_results_after_the_vote_closed(tab, open_context, live: LiveServer, pb: Seeded) -> None:
    page = tab
    page.goto(f"/en/projects/{pb.project_slug}")
    page.locator("ol.timeline a", has_text=CLOSED["phase"]["en"]).click()
    page.wait_for_url(f"**{pb.phase_path('en', pb.closed_phase)}")
    page.locator("main .budgeting-panel a", has_text="Results").click()
    page.wait_for_url(f"**/en/p/{pb.closed_phase}/budgeting/results")
    assert page.locator("h1").inner_text().strip() == "Results"
    section = page.locator(f"section#result-{pb.closed_budget}, section[aria-labelledby='result-{pb.closed_budget}']")
    assert section.locator("h2").inner_text().strip() == CLOSED["budget"]["en"]
    facts = [" ".join(t.split()) for t in section.locator(".result-facts dd").all_inner_texts()]
    assert facts[0] == "equalshares"
    assert facts[1].startswith("6")
    assert facts[2].startswith("€900 of €1,000")
    assert section.locator(f"meter#used-{pb.closed_budget}").get_attribute("value") == "90000"

    # Winners first (MES funds the market square and the library room, not the more popular water play).
    assert result_rows(page) == [
        [MARKET, "€600", "4", "", "Funded"],  # the empty cell is the chart's <meter>, checked below
        [LIBRARY, "€300", "2", "", "Funded"],
        [WATER, "€300", "3", "", "Not funded"],
    ]
    chart = page.locator("table.result-table tbody meter")
    assert [chart.nth(i).get_attribute("value") for i in range(3)] == ["4", "2", "3"]
    assert {chart.nth(i).get_attribute("max") for i in range(3)} == {"6"}
    assert chart.first.get_attribute("aria-label") == f"Share of ballots for {MARKET}"
    assert page.locator("table.result-table tr.winner").count() == 2

    # The per-district table (each voter's area) and the Method of Equal Shares explanation per winner.
    assert page.get_by_role("heading", name="Votes per district").count() == 1
    explained = page.locator("ul.mes-explanations > li")
    assert explained.count() == 2
    assert " ".join(explained.nth(0).inner_text().split()) == (
        f"{MARKET} (€600) Round 1: 4 supporters; the largest payment was €150. 4 voters paid €150 each"
    )
    assert " ".join(explained.nth(1).inner_text().split()) == (
        f"{LIBRARY} (€300) Round 2: 2 supporters; the largest payment was €150. 2 voters paid €150 each"
    )
    assert_accessible(page, "results (en)")

    # Before the end, a signed-in resident sees neither the results nor a link to them; the export is refused.
    page = signed_in_page(open_context, live, pb)
    page.goto(f"/en/p/{pb.open_phase}/budgeting/results")
    assert signed_in_header(page)
    assert page.locator("main .panel").inner_text().startswith("Results are published when voting closes on ")
    assert page.locator("table.result-table, .budget-result, meter").count() == 0
    assert_accessible(page, "results hidden while voting")
    response = page.request.get(f"/en/p/{pb.open_phase}/budgeting/results/export/csv")
    assert response.status == 403
    page.goto(pb.phase_path("en", pb.open_phase))
    assert page.locator("main .budgeting-panel a", has_text="Results").count() == 0


@pytest.mark.parametrize("locale", LOCALES)
def test_budgeting_pages_are_accessible(open_context, live: LiveServer, pb: Seeded, locale: str) -> None:
    """The cart in every locale; review, results and hidden results in English and Arabic (right to left)."""
    page = signed_in_page(open_context, live, pb)
    page.goto(pb.budget_path(locale))
    assert html_attrs(page) == (locale, "rtl" if locale == "ar" else "ltr")
    assert page.locator("#ballot-panel .cart-lines li").count() == 2
    assert page.locator("#ballot-panel progress").get_attribute("value") == "60000"
    assert_accessible(page, f"cart ({locale})")
    if locale not in ("en", "ar"):
        return
    page.goto(f"{pb.budget_path(locale)}/review")
    assert page.locator("main table tbody tr").count() == 2
    assert page.locator("main form button[type=submit]").count() == 1
    assert_accessible(page, f"review ({locale})")
    page.goto(f"/{locale}/p/{pb.closed_phase}/budgeting/results")
    assert html_attrs(page)[1] == ("rtl" if locale == "ar" else "ltr")
    assert page.locator("table.result-table tr.winner").count() == 2
    assert page.locator("ul.mes-explanations > li").count() == 2
    if locale == "ar":
        assert page.locator("h2", has_text=CLOSED["budget"]["ar"]).count() == 1
    assert_accessible(page, f"results ({locale})")
    page.goto(f"/{locale}/p/{pb.open_phase}/budgeting/results")
    assert page.locator("table.result-table").count() == 0
    assert_accessible(page, f"results hidden ({locale})")
