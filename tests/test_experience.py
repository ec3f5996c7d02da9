"""Dead ends a resident or a member of staff ran into (issue 13): sign-in prompts that lead back, where signing in
lands, why a page is refused, which language a fallback text is in, the favicon."""

from __future__ import annotations

import re
from urllib.parse import quote

from core.testing import HTMX_HEADERS
from core.testing.factories import DEFAULT_PASSWORD
from tests.smtp import form_post


async def _dummy_phase(factory, tenant):
    project = await factory.project(tenant, slug="support-project")
    return project, await factory.phase(project, "dummy")


async def test_sign_in_prompt_links_to_login_and_back(client, factory, tenant) -> None:
    project, phase = await _dummy_phase(factory, tenant)
    here = f"/projects/{project.slug}/phases/{phase.id}"
    page = await client.get(here)
    link = f'<a href="/login?next={quote(here, safe="")}">Sign in to take part.</a>'
    assert link in page.text
    # the header's link comes back too, and so does the login form once it is opened from there
    login = await client.get(f"/login?next={quote(here, safe='')}")
    assert f'name="next" value="{here}"' in login.text
    assert f'href="/register?next={quote(here, safe="")}"' in login.text

    await factory.user(tenant, email="back@example.org")
    data = {"email": "back@example.org", "password": DEFAULT_PASSWORD, "next": here}
    response = await form_post(client, "/login", data)
    assert response.status_code == 303 and response.headers["location"] == here


async def test_sign_in_prompt_keeps_the_language_and_refuses_other_sites(client, factory, tenant) -> None:
    project, phase = await _dummy_phase(factory, tenant)
    here = f"/projects/{project.slug}/phases/{phase.id}"
    page = await client.get(f"/nl{here}")
    assert f'href="/nl/login?next={quote(here, safe="")}"' in page.text
    # a fragment names the page it sits in through htmx, and only a same-site one counts
    fragment = await client.get(here, headers={**HTMX_HEADERS, "HX-Current-URL": f"http://city.test{here}?x=1"})
    assert f'href="/login?next={quote(here + "?x=1", safe="")}"' in fragment.text
    foreign = await client.get(here, headers={**HTMX_HEADERS, "HX-Current-URL": "https://evil.test/phish"})
    assert "evil.test" not in foreign.text and "phish" not in foreign.text


async def test_register_page_keeps_the_way_back(client, tenant) -> None:
    page = await client.get("/register?next=/projects")
    assert 'name="next" value="/projects"' in page.text
    assert 'href="/login?next=%2Fprojects"' in page.text
    assert 'href="/login?next=' not in (await client.get("/register?next=//evil.test")).text


async def test_sign_in_without_next_lands_staff_in_the_back_office(client, factory, tenant) -> None:
    await factory.user(tenant, email="staff@example.org", role="admin")
    await factory.user(tenant, email="resident@example.org")
    staff = await form_post(client, "/nl/login", {"email": "staff@example.org", "password": DEFAULT_PASSWORD})
    assert staff.status_code == 303 and staff.headers["location"] == "/nl/admin"
    client.cookies.clear()
    resident = await form_post(client, "/login", {"email": "resident@example.org", "password": DEFAULT_PASSWORD})
    assert resident.status_code == 303 and resident.headers["location"] == "/"
    client.cookies.clear()
    moderator = await factory.user(tenant, email="moderator@example.org")
    await factory.moderator(await factory.project(tenant), moderator)
    moderating = await form_post(client, "/login", {"email": "moderator@example.org", "password": DEFAULT_PASSWORD})
    assert moderating.status_code == 303 and moderating.headers["location"] == "/admin/moderation"
    assert (await client.get("/admin/moderation")).status_code == 200


async def test_a_form_that_expired_says_so_and_leads_back(client, factory, tenant) -> None:
    project, phase = await _dummy_phase(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    here = f"/projects/{project.slug}/phases/{phase.id}"
    await client.get(here)
    refused = await client.post(f"/p/{phase.id}/dummy/support", headers={"Referer": f"http://city.test{here}"})
    assert refused.status_code == 403 and "Your form may have expired" in refused.text
    assert f'<a href="{here}">Back to the form</a>' in refused.text
    assert "for the municipality&#39;s staff" not in refused.text


async def test_a_resident_in_the_back_office_is_told_it_is_for_staff(client, factory, tenant) -> None:
    await factory.login(client, await factory.user(tenant))
    page = await client.get("/nl/admin/projects")
    assert page.status_code == 403
    assert "Deze pagina is voor de medewerkers van de gemeente." in page.text
    assert "formulier" not in page.text  # not the expired-form message
    assert 'href="/nl/"' in page.text
    assert f'href="/nl/login?next={quote("/admin/projects", safe="")}"' in page.text


async def test_a_refusal_with_a_reason_shows_the_reason(client, factory, tenant, csrf) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "dummy", state="ended")
    await factory.login(client, await factory.user(tenant))
    refused = await client.post(f"/p/{phase.id}/dummy/support", headers=await csrf(client))
    assert refused.status_code == 403
    assert "This phase is not open right now." in refused.text and "expired" not in refused.text


async def test_a_fallback_text_names_its_language_in_the_readers_language(client, factory, tenant) -> None:
    await factory.project(tenant, slug="only-english", title={"en": "Only in English"})
    arabic = await client.get("/ar/projects/only-english")
    assert '<bdi lang="en">Only in English</bdi>' in arabic.text
    assert "(باللغة الإنجليزية)" in arabic.text and "English)" not in arabic.text
    dutch = await client.get("/nl/projects/only-english")
    assert '<bdi lang="en">Only in English</bdi>' in dutch.text
    assert "(taal: Engels)" in dutch.text and "English)" not in dutch.text


async def test_every_page_links_a_favicon_that_is_served(client, tenant) -> None:
    page = await client.get("/")
    assert '<link rel="icon" href="/static/core/favicon.svg" type="image/svg+xml">' in page.text
    icon = await client.get("/static/core/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml") and icon.text.startswith("<svg")


def test_the_sign_in_prompt_is_plain_text_in_json() -> None:
    from core.permissions import denied
    from core.web.errors import _api_error

    prompt = denied("not_signed_in").message
    assert prompt == "Sign in to take part."
    assert type(_api_error(401, "t", prompt, None, None).content["detail"]) is str


# --- how long is left, the project's call to action, the timeline as steps -------------------------------------


def test_phase_when_counts_calendar_days_in_the_municipalitys_time_zone() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from core.web.when import phase_when

    now = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 in Brussels
    open_until = lambda end: SimpleNamespace(starts_at=now.replace(day=1), ends_at=end)  # noqa: E731
    assert phase_when(open_until(datetime(2026, 3, 11, 8, tzinfo=UTC)), "Europe/Brussels", now) == "Ends tomorrow"
    assert phase_when(open_until(datetime(2026, 3, 10, 22, 45, tzinfo=UTC)), "Europe/Brussels", now) == "Ends today"
    # a phase ending at midnight ends on the day before (the end is exclusive)
    assert phase_when(open_until(datetime(2026, 3, 13, 23, tzinfo=UTC)), "Europe/Brussels", now) == "Ends in 3 days"
    # in UTC the same moment is still the 10th: the resident's calendar decides
    assert phase_when(open_until(datetime(2026, 3, 11, 8, tzinfo=UTC)), "UTC", now) == "Ends tomorrow"
    later = SimpleNamespace(starts_at=datetime(2026, 3, 12, 9, tzinfo=UTC), ends_at=datetime(2026, 4, 1, tzinfo=UTC))
    assert phase_when(later, "Europe/Brussels", now) == "Opens in 2 days"
    soon = SimpleNamespace(starts_at=now.replace(minute=50), ends_at=datetime(2026, 4, 1, tzinfo=UTC))
    assert phase_when(soon, "Europe/Brussels", now) == "Opens today"
    past = SimpleNamespace(starts_at=datetime(2026, 1, 1, tzinfo=UTC), ends_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert phase_when(past, "Europe/Brussels", now) is None


async def test_project_page_invites_to_the_open_phase_and_numbers_its_steps(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="steps")
    await factory.phase(project, "dummy", state="ended", title={"en": "Collect ideas"})
    open_phase = await factory.phase(project, "dummy", title={"en": "Choose together"})
    await factory.phase(project, "dummy", state="upcoming", title={"en": "See the result"})
    page = (await client.get("/projects/steps")).text
    cta = page[page.index('class="call-to-action"') : page.index("</div>", page.index('class="call-to-action"'))]
    assert "Choose together" in cta and "Ends in" in cta
    assert f'href="/projects/steps/phases/{open_phase.id}">Take part</a>' in cta
    assert [f"Phase {n} of 3" in page for n in (1, 2, 3)] == [True, True, True]
    assert "Opens in" in page  # the upcoming step says when

    nl = (await client.get("/nl/projects/steps")).text
    assert "Fase 2 van 3" in nl and "Nu open:" in nl


async def test_project_page_after_the_last_phase_says_participation_ended(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="done")
    await factory.phase(project, "dummy", state="ended")
    page = (await client.get("/projects/done")).text
    assert "Participation in this project has ended." in page and "Take part</a>" not in page


async def test_project_cards_show_the_excerpt_and_time_left(client, factory, tenant) -> None:
    project = await factory.project(
        tenant, slug="card", description={"en": "<p>Plant <strong>trees</strong> along the river.</p>"}
    )
    await factory.phase(project, "dummy", title={"en": "Vote"})
    home = (await client.get("/")).text
    assert "Plant trees along the river." in home
    assert "Ends in" in home


# --- how to get verified -------------------------------------------------------------------------------------------


async def test_only_verified_leads_to_the_municipalitys_own_explanation(client, factory, tenant) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "dummy", permissions={"dummy.support": {"level": "verified"}})
    await factory.login(client, await factory.user(tenant, verified=False))
    page = (await client.get(f"/projects/{project.slug}/phases/{phase.id}")).text
    assert "Only verified residents can do this." in page
    assert '<a href="/verification">How to get verified</a>' in page
    # before the municipality wrote anything, the page still says what to do
    help_page = await client.get("/verification")
    assert help_page.status_code == 200
    assert "Your account is not verified yet." in help_page.text
    assert "Contact the municipality and ask them to verify your account" in help_page.text


async def test_an_admin_writes_how_verification_works_in_every_language(client, factory, tenant, csrf) -> None:
    from core.models import Tenant
    from tests.smtp import form_post
    from tests.test_home_banner import SETTINGS

    await factory.login(client, await factory.user(tenant, role="admin"))
    settings = await client.get("/admin/settings")
    assert 'name="verification_help.en"' in settings.text
    data = {
        **SETTINGS,
        "name.en": "Demo",
        "verification_help.en": "Bring your passport to the desk.\nWe are open on Mondays.",
        "verification_help.nl": "Breng je paspoort mee naar de balie.",
        "verification_help.fr": "Not an enabled language: dropped.",
    }
    saved = await form_post(client, "/admin/settings", data)
    assert saved.status_code == 303, saved.text
    row = await factory.reload(Tenant, tenant.id, tenant.id)
    assert row.verification_help == {
        "en": "Bring your passport to the desk.\nWe are open on Mondays.",
        "nl": "Breng je paspoort mee naar de balie.",
    }
    too_long = await form_post(client, "/admin/settings", {**data, "verification_help.en": "x" * 2001})
    assert too_long.status_code == 422 and "Use at most 2000 characters." in too_long.text
    client.cookies.clear()
    english = (await client.get("/verification")).text
    assert "Bring your passport to the desk.\nWe are open on Mondays." in english and "Sign in</a>" in english
    assert "Breng je paspoort mee naar de balie." in (await client.get("/nl/verification")).text


async def test_every_methods_setup_link_opens_for_staff(app, client, factory, tenant) -> None:
    """The back office's "Set up" link next to a phase (MethodSpec.manage_path) leads to a page, for every method."""
    registry = app.state.townhall.registry
    project = await factory.project(tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    linked = []
    for key, spec in sorted(registry.methods.items()):
        if spec.manage_path is None:
            continue
        phase = await factory.phase(project, key, state="upcoming")
        response = await client.get(spec.manage_url(phase.id))
        assert response.status_code == 200, (key, response.status_code)
        linked.append(key)
    assert {"budgeting", "survey", "referendum", "workshop", "ideation"} <= set(linked)


async def test_an_editor_publishes_a_draft_with_one_button(client, factory, tenant, csrf) -> None:
    from core.models import AuditEntry, Project

    draft = await factory.project(tenant, slug="draft-one", status="draft")
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = (await client.get(f"/admin/projects/{draft.id}")).text
    assert "Residents cannot see this project while it is a draft." in page
    assert "Publish this project</button>" not in page and "Add at least one phase before publishing" in page
    refused = await client.post(f"/admin/projects/{draft.id}/publish", headers=await csrf(client))
    assert refused.status_code == 409 and "Add at least one phase" in refused.text
    await factory.phase(draft, "dummy")
    page = (await client.get(f"/admin/projects/{draft.id}")).text
    assert f'action="/admin/projects/{draft.id}/publish"' in page and "Publish this project</button>" in page
    done = await client.post(f"/admin/projects/{draft.id}/publish", headers=await csrf(client), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/admin/projects/{draft.id}?saved=1"
    assert (await factory.reload(Project, draft.id, tenant.id)).status == "published"
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.action == "project.published") == 1
    assert "Residents cannot see this project" not in (await client.get(f"/admin/projects/{draft.id}")).text
    assert (await client.get("/projects/draft-one")).status_code == 200
    client.cookies.clear()
    await factory.login(client, await factory.user(tenant))
    assert (await client.post(f"/admin/projects/{draft.id}/publish", headers=await csrf(client))).status_code == 403


async def test_the_projects_page_filters_by_area_topic_method_state_and_words(client, factory, tenant) -> None:
    from core.models import Area, ProjectArea, ProjectTopic, Topic

    async with factory.db.session(tenant.id, write=True) as session:
        north, parks = Area(name={"en": "North"}), Topic(name={"en": "Parks"})
        session.add_all([north, parks])
    trees = await factory.project(tenant, slug="trees", title={"en": "Trees on the quay", "nl": "Bomen op de kade"})
    await factory.phase(trees, "dummy")
    bikes = await factory.project(tenant, slug="bikes", title={"en": "Bike lanes"})
    await factory.phase(bikes, "dummy", state="ended")
    await factory.project(tenant, slug="hidden", title={"en": "Trees draft"}, status="draft")
    async with factory.db.session(tenant.id, write=True) as session:
        session.add_all(
            [ProjectArea(project_id=trees.id, area_id=north.id), ProjectTopic(project_id=bikes.id, topic_id=parks.id)]
        )

    async def slugs(query: str) -> set[str]:
        page = await client.get(f"/projects{query}")
        assert page.status_code == 200
        return {s for s in ("trees", "bikes", "hidden") if f'href="/projects/{s}"' in page.text}

    assert await slugs("") == {"trees", "bikes"}
    assert await slugs(f"?area={north.id}") == {"trees"}
    assert await slugs(f"?topic={parks.id}") == {"bikes"}
    assert await slugs("?state=open") == {"trees"} and await slugs("?state=ended") == {"bikes"}
    assert await slugs("?q=quay") == {"trees"} and await slugs("?q=KADE") == {"trees"}, "any language's title"
    assert await slugs("?q=trees") == {"trees"}, "never a draft"
    assert await slugs("?method=dummy&state=upcoming") == set()
    for junk in ("?area=abc", "?topic=-1", "?method=nope", "?state=x", "?q=" + "x" * 5000, "?area=" + "9" * 40):
        assert await slugs(junk) == {"trees", "bikes"} or junk.startswith("?q="), junk
    empty = (await client.get("/projects?q=nothing+like+this")).text
    assert "No project matches these filters." in empty and '<a href="/projects">Show all projects</a>' in empty
    assert "<h2><a" in empty or "0 projects" in empty


async def test_home_shows_what_closes_soon_what_comes_and_what_ended(client, factory, tenant) -> None:
    from datetime import timedelta

    from core.db.base import utcnow

    now = utcnow()
    closing = await factory.project(tenant, slug="closing", title={"en": "Closing project"})
    await factory.phase(
        closing, "dummy", title={"en": "Last call"}, starts_at=now - timedelta(days=3), ends_at=now + timedelta(days=2)
    )
    later = await factory.project(tenant, slug="later", title={"en": "Later project"})
    await factory.phase(
        later, "dummy", title={"en": "Far off"}, starts_at=now + timedelta(days=10), ends_at=now + timedelta(days=20)
    )
    done = await factory.project(tenant, slug="done", title={"en": "Done project"})
    await factory.phase(done, "dummy", state="ended")
    home = (await client.get("/")).text
    strip = home[home.index('class="ends-soon"') : home.index("</section>", home.index('class="ends-soon"'))]
    assert "Closing project" in strip and "Last call" in strip and "Ends in 2 days" in strip and "Later" not in strip
    order = [home.index(h) for h in ("Open for participation", "Coming up", "Past projects")]
    assert order == sorted(order)
    assert home.index("Later project") > order[1] and home.index("Done project") > order[2]
    assert "Opens in 10 days" in home


def _between(page: str, start: str, end: str) -> str:
    begin = page.index(start)
    return page[begin : page.index(end, begin) + len(end)]


async def test_the_header_folds_navigation_and_languages_into_a_menu(client, factory, tenant) -> None:
    """On phones the header is one row (issue 13): a <details> whose summary is named "Menu" holds the main
    navigation and the language links, so it opens without JavaScript; app.css lays it open on wide screens."""
    page = (await client.get("/nl/")).text
    header = _between(page, '<header class="site-header">', "</header>")
    menu = _between(header, '<details class="site-menu">', "</details>")
    summary = _between(menu, "<summary", "</summary>")
    # the summary's accessible name is its visible word; the language code beside it is decoration
    label = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>[^<]*</span>', "", summary)
    assert re.sub(r"<[^>]+>", "", label).strip() == "Menu"
    assert '<span class="menu-lang" aria-hidden="true">NL</span>' in summary
    assert menu.index("</summary>") < menu.index('class="main-nav"') < menu.index('class="language-switch"')
    assert 'href="/nl/projects"' in menu and 'href="/nl/login' in menu
    assert menu.count("hreflang=") == header.count("hreflang=") >= 2
    assert "<details open" not in header  # closed until the reader opens it


async def test_admin_tables_scroll_in_their_own_focusable_region(client, factory, tenant) -> None:
    """A wide back-office table scrolls inside a named region that takes focus, not the whole page on a phone."""
    admin = await factory.user(tenant, email="tables@example.org", role="admin")
    await factory.project(tenant, slug="tabled")
    await factory.login(client, admin)
    for path in ("/admin/users", "/admin/projects"):
        page = (await client.get(path)).text
        assert page.count("<table") == 1, path
        box = page[page.rindex("<div", 0, page.index("<table")) : page.index("<table")]
        assert re.fullmatch(r'<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*', box), (
            path,
            box,
        )
