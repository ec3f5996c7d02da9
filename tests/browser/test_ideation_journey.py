"""Ideation in a real browser: the resident journey (similar-idea suggestions while typing, posting, a comment and
its reply, a like and a follow without reloads, then the notification of a status change in the app and by mail),
the moderator queue (report, hide with a reason, show again), the same pages with JavaScript off, and axe on the
list, idea, post form and moderator queue in English and Arabic (rtl). Every page is axe-checked (WCAG 2.1 A/AA).

The module seeds its own project into the live server's database: one open ideation phase with a few ideas, a
comment thread with an official answer, an open report, and its own accounts (one resident signs in through the
form; the others get a session cookie so each test starts where it matters).
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
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TENANT_SLUG, LiveServer, database_url
from tests.browser.helpers import assert_accessible, html_attrs, path_of

PASSWORD = "ideation-browser-password-1"
PROJECT = {"en": "Greener streets", "ar": "شوارع أكثر خضرة"}
PHASE = {"en": "Share your ideas", "ar": "شاركوا أفكاركم"}
RIVER = "More trees along the river promenade"
BENCHES = "Benches at the tram stop"
FOUNTAIN = "A drinking fountain on the market square"
RACKS = "Bike racks by the library"
SHADES = "مظلات في ساحة المدرسة"
IDEAS = [
    (RIVER, "Shade for walkers and cyclists in summer.", "en"),
    (BENCHES, "Older people wait standing for a long time.", "en"),
    (FOUNTAIN, "Free water on hot market days.", "en"),
    (RACKS, "There is nowhere to lock a bike near the library.", "en"),
    (SHADES, "يحتاج الأطفال إلى الظل أثناء الاستراحة.", "ar"),
]
ROLES = ("neighbour", "journey", "reporter", "nojs", "moderator")
KIND = "ideation.idea"

PHONE = {"width": 390, "height": 844}


@dataclass
class Seeded:
    url: str
    slug: str
    phase: int
    ideas: dict[str, int]
    comment: int
    emails: dict[str, str]
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def base(self, locale: str = "en") -> str:
        return f"/{locale}/p/{self.phase}/ideation"

    def idea(self, title: str, locale: str = "en") -> str:
        return f"{self.base(locale)}/ideas/{self.ideas[title]}"


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


async def _tenant_id(db: Any) -> int:
    from sqlalchemy import select

    from core.models import Tenant

    async with db.session(unscoped=True) as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == TENANT_SLUG))
    assert tenant_id is not None, "the demo tenant is missing"
    return int(tenant_id)


async def _seed(db: Any, slug: str, emails: dict[str, str]) -> Seeded:
    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession, Comment, Follow, Phase, Project, ProjectModerator, Report, StatusChange
    from core.passwords import new_token, token_hash
    from plugins.ideation.models import Idea

    tenant_id = await _tenant_id(db)
    now = utcnow().replace(second=0, microsecond=0)
    async with db.session(tenant_id, write=True) as session:
        users = {}
        for role, address in emails.items():
            user = await create_user(
                session, email=address, password=PASSWORD, display_name=f"{role.capitalize()} Resident", confirmed=True
            )
            users[role] = user.id
        project = Project(slug=slug, title=PROJECT, description={"en": "Trees, benches and water."}, status="published")
        session.add(project)
        await session.flush()
        session.add(ProjectModerator(project_id=project.id, user_id=users["moderator"]))
        phase = Phase(
            project_id=project.id,
            title=PHASE,
            description={"en": "Tell us what would make your street greener."},
            method="ideation",
            config={"default_sort": "newest"},
            permissions={},
            starts_at=now - timedelta(days=3),
            ends_at=now + timedelta(days=30),
        )
        session.add(phase)
        await session.flush()
        ideas = {}
        for index, (title, body, language) in enumerate(IDEAS):
            idea = Idea(
                phase_id=phase.id,
                author_id=users["neighbour"],
                title=title,
                body=body,
                language=language,
                created_at=now - timedelta(hours=len(IDEAS) - index),
            )
            session.add(idea)
            await session.flush()
            session.add(Follow(item_kind=KIND, item_id=idea.id, user_id=users["neighbour"]))
            ideas[title] = idea.id
        # A thread with a reply, an official answer and an open report: the richest idea page and a non-empty queue.
        fountain = await session.get(Idea, ideas[FOUNTAIN])
        on_fountain = {"item_kind": KIND, "item_id": fountain.id, "phase_id": phase.id}
        first = Comment(**on_fountain, author_id=users["neighbour"], body="Near the fish stall, please.")
        session.add(first)
        await session.flush()
        session.add(Comment(**on_fountain, parent_id=first.id, author_id=users["reporter"], body="Agreed!"))
        fountain.status = "under_consideration"
        session.add(
            StatusChange(
                **on_fountain,
                author_id=users["moderator"],
                from_status="proposed",
                status="under_consideration",
                feedback={"en": "We are checking the water pipes.", "ar": "نحن نفحص أنابيب المياه."},
            )
        )
        session.add(
            Report(
                item_kind="core.comment", item_id=first.id, project_id=project.id, phase_id=phase.id,
                reporter_id=users["nojs"], reason="spam",
            )
        )  # fmt: skip
        seeded = Seeded(
            url=db.url, slug=slug, phase=phase.id, ideas=ideas, comment=first.id, emails=emails, users=users
        )
        for role in ("reporter", "nojs", "moderator"):
            token = new_token()
            session.add(
                AuthSession(token_hash=token_hash(token), user_id=users[role], expires_at=now + SESSION_LIFETIME)
            )
            seeded.tokens[role] = token
    return seeded


@pytest.fixture(scope="module")
def ideation(live: LiveServer) -> Seeded:
    if "ideation" not in live.methods:
        pytest.skip("the ideation plugin is not installed in the browser server")
    tag = uuid.uuid4().hex[:8]
    emails = {role: f"ideation-{role}-{tag}@demo-city.example" for role in ROLES}
    return run_db(database_url(live.log_path.parent), lambda db: _seed(db, f"greener-streets-{tag}", emails))


def signed_in(open_context: Callable[..., Any], live: LiveServer, seeded: Seeded, role: str, **options: Any) -> Any:
    """A page in a new context that carries ``role``'s session cookie."""
    from core.context import AUTH_COOKIE

    context = open_context(**options)
    context.add_cookies([{"name": AUTH_COOKIE, "value": seeded.tokens[role], "url": live.base_url}])
    return context.new_page()


class NoScriptAxe:
    """axe for pages a browser got with JavaScript off: axe needs scripts, so the exact HTML that page received (its
    DOM, which no script touched) is served again to a checking tab whose own page scripts are blocked."""

    def __init__(self, open_context: Callable[..., Any]) -> None:
        self.tab = open_context().new_page()
        self.tab.route(re.compile(r"\.js(\?.*)?$"), lambda route: route.abort())

    def check(self, page: Any, label: str) -> None:
        html, url = page.content(), page.url.split("#")[0]
        assert "<html" in html and page.evaluate("() => typeof window.htmx") == "undefined", "scripts ran"

        def serve(route: Any) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        def same(u: str) -> bool:
            return u.split("#")[0] == url

        self.tab.route(same, serve)
        try:
            self.tab.goto(url)
            assert self.tab.evaluate("() => typeof window.htmx") == "undefined"
            assert_accessible(self.tab, f"{label} (as served without JavaScript)")
        finally:
            self.tab.unroute(same, serve)


def card(page: Any, title: str) -> Any:
    return page.locator("#idea-list li.idea-card").filter(has=page.locator("h3", has_text=title))


def like_count(page: Any, idea_id: int) -> str:
    return page.locator(f"#like-item-{idea_id}-reactions .count").inner_text().strip()


# --------------------------------------------------------------------------------------------- resident journey


def test_resident_journey_with_javascript(tab, open_context, live: LiveServer, ideation: Seeded) -> None:
    address = ideation.emails["journey"]
    river = ideation.ideas[RIVER]
    # Sign in through the form.
    tab.goto("/en/login")
    tab.locator("#email").fill(address)
    tab.locator("#password").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(re.compile(r"/en/(\?.*)?$"))

    # From the project to the phase: its panel lists the ideas and offers to post one.
    tab.goto(f"/en/projects/{ideation.slug}")
    tab.locator("ol.timeline a", has_text=PHASE["en"]).click()
    tab.wait_for_url(f"**/en/projects/{ideation.slug}/phases/{ideation.phase}")
    expect(card(tab, RIVER)).to_have_count(1)
    assert_accessible(tab, "ideation phase page")
    tab.locator("#post-idea").click()
    tab.wait_for_url(f"**{ideation.base()}/new")
    assert_accessible(tab, "post form")

    # Typing a title like an existing idea suggests it; the request waits for a pause in typing (debounced).
    similar_requests: list[str] = []
    tab.on("request", lambda r: similar_requests.append(r.url) if "/ideation/similar" in r.url else None)
    live_region = tab.locator("#similar-ideas")
    live_region.evaluate("el => { el.dataset.original = 'yes'; }")
    typed = "More trees along the river"
    tab.locator("#title").press_sequentially(typed, delay=25)
    suggestion = live_region.get_by_role("link", name=RIVER)
    expect(suggestion).to_be_visible()
    assert suggestion.get_attribute("href") == f"{ideation.base()}/ideas/{river}"
    assert 1 <= len(similar_requests) < len(typed) // 4, similar_requests
    assert parse_qs(urlsplit(similar_requests[-1]).query)["title"] == [typed]
    # The polite live region is updated in place (a replaced region is not announced by screen readers).
    assert live_region.get_attribute("data-original") == "yes"
    assert live_region.get_attribute("aria-live") == "polite"
    assert "similar-ideas" in (tab.locator("#title").get_attribute("aria-describedby") or "")
    assert_accessible(tab, "post form with suggestions")
    # A title like nothing posted clears them again.
    tab.locator("#title").fill("Quieter nights for bats")
    expect(suggestion).to_have_count(0)
    expect(live_region).to_be_empty()
    assert live_region.get_attribute("data-original") == "yes"

    # Post it anyway.
    tab.locator("#title").fill("More trees along the river, on both banks")
    tab.locator("#body").fill("The other bank has no shade at all.")
    tab.locator("#submit-idea").click()
    tab.wait_for_url(re.compile(rf"{ideation.base()}/ideas/\d+\?done=posted$"))
    assert tab.locator("h1").inner_text().strip() == "More trees along the river, on both banks"
    expect(tab.locator(".alert-ok")).to_have_text("Thank you! Your idea has been posted.")
    assert_accessible(tab, "own idea just posted")

    # The similar idea: follow it, like it (no reloads), comment and reply.
    tab.goto(ideation.idea(RIVER))
    tab.evaluate("() => { window.noReload = true; }")
    follow = tab.locator("#follow-item")
    expect(follow).to_have_attribute("aria-pressed", "false")
    follow.click()
    expect(tab.locator("#follow-item")).to_have_attribute("aria-pressed", "true")
    expect(tab.locator("#follow-item")).to_have_text("Following")
    assert like_count(tab, river) == "0"
    like = tab.locator(f"#like-item-{river}-reactions")
    like.focus()
    with tab.expect_response(lambda r: r.url.endswith(f"/items/ideation.idea/{river}/react")) as reacted:
        tab.keyboard.press("Enter")
    assert reacted.value.status == 200 and reacted.value.request.headers.get("hx-request") == "true"
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".count")).to_have_text("1")
    assert tab.evaluate("() => window.noReload") is True
    focused = tab.evaluate("() => document.activeElement.id")
    assert focused == f"like-item-{river}-reactions", "focus lost after the swap"
    assert_accessible(tab, "idea after follow and like")

    tab.locator("#body").fill("Plane trees would suit the promenade.")
    tab.locator("#post-comment").click()
    tab.wait_for_url(re.compile(rf"{ideation.idea(RIVER)}#comment-\d+$"))
    comment_id = int(tab.url.rsplit("#comment-", 1)[1])
    comment = tab.locator(f"#comment-{comment_id}")
    expect(comment.locator(".comment-body")).to_have_text("Plane trees would suit the promenade.")
    expect(tab.locator("#comments-heading")).to_have_text("1 comment")
    tab.locator(f"#reply-to-{comment_id}").click()
    tab.locator(f"#reply-{comment_id}").fill("Or lime trees, they smell lovely.")
    with tab.expect_navigation():
        comment.get_by_role("button", name="Post reply").click()
    assert re.search(r"#comment-\d+$", tab.url) and not tab.url.endswith(f"#comment-{comment_id}"), tab.url
    reply = tab.locator(f"#comment-{comment_id} .replies article.comment")
    expect(reply).to_have_count(1)
    expect(reply.locator(".comment-body")).to_have_text("Or lime trees, they smell lovely.")
    expect(tab.locator("#comments-heading")).to_have_text("2 comments")
    # The comment's like button is named for what it does, and its visible count is part of that name.
    expect(tab.locator(f"#like-comment-{comment_id}-reactions")).to_have_accessible_name("Like 0")
    # The like and the follow survived the reloads of the comment posts.
    expect(tab.locator(f"#like-item-{river}-reactions")).to_have_attribute("aria-pressed", "true")
    expect(tab.locator("#follow-item")).to_have_attribute("aria-pressed", "true")
    assert_accessible(tab, "idea with comment and reply")

    # A moderator sets the status on the idea page; the follower is told in the app and by mail.
    mails_before = len(live.mailbox.to(address))
    staff = signed_in(open_context, live, ideation, "moderator")
    staff.goto(ideation.idea(RIVER))
    staff.locator("#status").select_option("accepted")
    staff.locator("#save-status").click()
    staff.wait_for_url(re.compile(re.escape(ideation.idea(RIVER)) + r"\?notice=status_saved$"))
    expect(staff.locator(".notice")).to_have_text("The status has been saved and followers have been told.")
    expect(staff.locator(".idea-meta .idea-status")).to_have_text("Accepted")
    assert_accessible(staff, "idea after the status change (moderator)")

    expected = f"The status of “{RIVER}” is now Accepted."
    tab.goto("/en/account/notifications")
    notice = tab.locator("main").get_by_text(expected)
    expect(notice).to_have_count(1)
    assert_accessible(tab, "notifications")
    mail = live.mailbox.wait_for(address, after=mails_before)
    assert expected in str(mail["Subject"])
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"/p/{ideation.phase}/ideation/ideas/{river}" in body
    # The notification leads back to the idea, which now shows the status.
    notice.locator("xpath=ancestor::li[1]").get_by_role("link", name="Open").click()
    tab.wait_for_url(f"**/ideation/ideas/{river}*")
    expect(tab.locator(".idea-meta .idea-status")).to_have_text("Accepted")


# --------------------------------------------------------------------------------------------- moderator queue


def test_moderator_queue_hides_and_restores(open_context, live: LiveServer, ideation: Seeded) -> None:
    benches = ideation.ideas[BENCHES]
    key = f"ideation.idea-{benches}"
    resident = signed_in(open_context, live, ideation, "reporter")
    resident.goto(ideation.idea(BENCHES))
    resident.locator("#report-idea").click()
    resident.wait_for_url(f"**/items/ideation.idea/{benches}/report")
    assert_accessible(resident, "report form")
    resident.locator("#reason-offensive").check()
    resident.locator("#note").fill("Rude words in the description.")
    resident.locator("#send-report").click()
    resident.wait_for_url(re.compile(re.escape(ideation.idea(BENCHES)) + r"\?notice=reported$"))

    staff = signed_in(open_context, live, ideation, "moderator")
    staff.goto(ideation.base())
    staff.locator("#moderation-link").click()
    staff.wait_for_url("**/admin/moderation?project=*")
    item = staff.locator(f"[id='queue-{key}']")
    expect(item).to_contain_text("Offensive or hateful: Rude words in the description.")
    expect(item).not_to_contain_text("Hidden")
    assert_accessible(staff, "moderation queue")
    staff.locator(f"[id='reason-{key}']").select_option("rules")
    staff.locator(f"[id='hide-{key}']").click()
    staff.wait_for_url(re.compile(r"/admin/moderation(\?.*)?[?&]notice=moderated$"))
    expect(item).to_have_count(0)  # hiding resolved its reports; the idea page offers to show it again
    assert_accessible(staff, "moderation queue after hiding")

    # Residents no longer see it: not in the list, not on its own page, not as a suggestion.
    resident.goto(ideation.base())
    expect(card(resident, RACKS)).to_have_count(1)
    expect(card(resident, BENCHES)).to_have_count(0)
    response = resident.goto(ideation.idea(BENCHES))
    assert response is not None and response.status == 404
    assert_accessible(resident, "hidden idea for a resident")
    suggestions = resident.goto(f"{ideation.base()}/similar?title=Benches+at+the+tram")
    assert suggestions is not None and suggestions.status == 200
    expect(resident.locator("#similar-ideas a", has_text=BENCHES)).to_have_count(0)
    # The moderator still reaches it, marked as hidden.
    staff.goto(ideation.idea(BENCHES))
    expect(staff.locator("article.idea .alert-error")).to_contain_text("This idea is hidden from residents.")
    expect(staff.locator("article.idea .alert-error")).to_contain_text("Breaks the participation rules")
    staff.locator(f"[id='unhide-{key}']").click()
    staff.wait_for_url(re.compile(re.escape(ideation.idea(BENCHES)) + r"\?notice=moderated$"))
    resident.goto(ideation.base())
    expect(card(resident, BENCHES)).to_have_count(1)
    response = resident.goto(ideation.idea(BENCHES))
    assert response is not None and response.status == 200
    assert resident.locator("h1").inner_text().strip() == BENCHES


# --------------------------------------------------------------------------------------------- without JavaScript


def test_browse_post_and_comment_without_javascript(open_context, live: LiveServer, ideation: Seeded) -> None:
    """On a phone-sized screen: the JavaScript journey above runs on a desktop one."""
    page = signed_in(open_context, live, ideation, "nojs", java_script_enabled=False, viewport=PHONE)
    axe = NoScriptAxe(open_context)
    page.goto(ideation.base())
    assert page.evaluate("() => typeof window.htmx") == "undefined"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the ideas list scrolls sideways on a phone ({width}px)"
    axe.check(page, "ideas list")
    # Filtering is a plain GET form.
    page.locator("#idea-search").fill("library")
    page.locator("#apply-filters").click()
    page.wait_for_url(re.compile(r"[?&]q=library"))
    expect(page.locator("#idea-list li.idea-card")).to_have_count(1)
    expect(card(page, RACKS)).to_have_count(1)
    # A like from the list is a plain post that comes back to the same filtered list.
    racks = ideation.ideas[RACKS]
    with page.expect_navigation():
        page.locator(f"#like-item-{racks}-reactions").click()
    assert "q=library" in page.url
    expect(page.locator(f"#like-item-{racks}-reactions")).to_have_attribute("aria-pressed", "true")
    assert like_count(page, racks) == "1"
    page.locator("#idea-list h3 a", has_text=RACKS).click()
    page.wait_for_url(f"**{ideation.idea(RACKS)}")
    axe.check(page, "idea page")

    page.locator("#body").fill("A covered rack would keep the saddles dry.")
    page.locator("#post-comment").click()
    page.wait_for_url(re.compile(rf"{ideation.idea(RACKS)}#comment-\d+$"))
    expect(page.locator("#comments .comment-body", has_text="keep the saddles dry")).to_have_count(1)
    expect(page.locator("#comments-heading")).to_have_text("1 comment")

    page.goto(ideation.base())
    page.locator("#post-idea").click()
    page.wait_for_url(f"**{ideation.base()}/new")
    axe.check(page, "post form")
    # Without a description the form comes back with the title kept; then it posts.
    page.locator("#title").fill("A repair station for bikes")
    with page.expect_navigation():
        page.locator("#submit-idea").click()
    expect(page.locator(".error-summary")).to_have_count(1)
    expect(page.locator("#title")).to_have_value("A repair station for bikes")
    axe.check(page, "post form with errors")
    page.locator("#body").fill("Pumps and tools chained to a post.")
    page.locator("#submit-idea").click()
    page.wait_for_url(re.compile(rf"{ideation.base()}/ideas/\d+\?done=posted$"))
    assert page.locator("h1").inner_text().strip() == "A repair station for bikes"
    # The similar-ideas page is the no-script fallback of the suggestions.
    page.goto(f"{ideation.base()}/similar?title=Bike+racks+near+the+library")
    expect(page.locator("#similar-ideas a", has_text=RACKS)).to_have_count(1)
    axe.check(page, "similar ideas page")


# --------------------------------------------------------------------------------------------- axe, en and ar


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_ideation_pages_are_accessible(open_context, live: LiveServer, ideation: Seeded, locale: str) -> None:
    page = signed_in(open_context, live, ideation, "moderator")
    pages = {
        "ideas list": ideation.base(locale),
        "idea page": ideation.idea(FOUNTAIN, locale),
        "idea in Arabic": ideation.idea(SHADES, locale),
        "post form": f"{ideation.base(locale)}/new",
        "moderation queue": f"{ideation.base(locale)}/moderation",
    }
    for label, path in pages.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert html_attrs(page) == (locale, "rtl" if locale == "ar" else "ltr"), label
        assert path_of(page.url).startswith(f"/{locale}/"), label
        assert_accessible(page, f"{label} ({locale})")
    # The queue lists the seeded comment report; the fountain page has its thread and official answer.
    page.goto(f"{ideation.base(locale)}/moderation")
    expect(page.locator(f"[id='queue-core.comment-{ideation.comment}']")).to_have_count(1)
    page.goto(ideation.idea(FOUNTAIN, locale))
    expect(page.locator("#official-updates article.feedback")).to_have_count(1)
    expect(page.locator("#comments article.comment")).to_have_count(2)
    expect(page.locator("#status-form")).to_have_count(1)
    # The list in cards and as rows, filtered, in the reader's direction.
    page.goto(f"{ideation.base(locale)}?view=list&sort=newest")
    expect(page.locator("#idea-list.rows li.idea-card").first).to_be_visible()
    assert_accessible(page, f"ideas as a list ({locale})")
