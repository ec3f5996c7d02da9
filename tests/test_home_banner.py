"""The municipality's home page (issue 13): its banner and introduction, set at /admin/settings, and how many people
took part in each project so far on the project cards, counted for the whole page in one statement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from core import participants_so_far
from core.models import AuditEntry, Comment, Reaction, Tenant
from core.testing.statements import counting
from core.web.render import EASY_READ_COOKIE
from plugins.ideation.models import Idea
from tests.test_admin import PNG, token
from tests.test_admin import post as form_post

SETTINGS = {  # a valid settings form; tests add or change fields
    "name.en": "City",
    "locales": ["en", "nl"],
    "default_locale": "en",
    "timezone": "UTC",
    "currency": "EUR",
    "primary_color": "#1d4ed8",
    "accent_color": "#0f766e",
}
FIXED_LINE = "Have your say on the projects that shape your municipality."


async def post(client: Any, path: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
    """The settings form as a browser sends it: multipart when a file is chosen (lists kept, like ``locales``)."""
    if files is None:
        return await form_post(client, path, data)
    if "csrftoken" not in client.cookies:
        await client.get("/")
    body = {**data, "_csrf_token": token(client)}
    return await client.post(path, data=body, files=files, follow_redirects=False)


def _file(content: bytes, name: str = "banner.png", kind: str = "image/png") -> dict[str, Any]:
    return {"banner": (name, content, kind)}


async def _set_tenant(factory: Any, tenant: Any, **values: Any) -> None:
    async with factory.db.session(unscoped=True, write=True) as session:
        await session.execute(update(Tenant).where(Tenant.id == tenant.id).values(**values))


async def _admin(client: Any, factory: Any, tenant: Any) -> None:
    await factory.login(client, await factory.user(tenant, role="admin"))


def _banners(app: Any) -> list[Path]:
    folder = app.state.townhall.settings.upload_path / "banners"
    return sorted(folder.iterdir()) if folder.is_dir() else []


# --- settings ---------------------------------------------------------------------------------------------------


async def test_an_admin_sets_replaces_and_removes_the_banner(app: Any, client: Any, factory: Any, tenant: Any) -> None:
    await _admin(client, factory, tenant)
    page = await client.get("/admin/settings")
    assert 'enctype="multipart/form-data"' in page.text and 'name="banner" type="file"' in page.text
    assert 'name="remove_banner"' not in page.text  # nothing to remove yet

    saved = await post(client, "/admin/settings", SETTINGS, files=_file(PNG, "city.txt", "text/plain"))
    assert saved.status_code == 303, saved.text
    row = await factory.reload(Tenant, tenant.id, tenant.id)
    first = row.banner_path
    assert first and first.endswith(".png") and "city" not in first
    assert [p.name for p in _banners(app)] == [first]
    image = await client.get(f"/media/banners/{first}")
    assert image.status_code == 200 and image.content == PNG and image.headers["content-type"] == "image/png"
    home = await client.get("/")
    assert f'<img class="home-banner-image" src="/media/banners/{first}" alt="">' in home.text
    settings = await client.get("/admin/settings")
    assert f'src="/media/banners/{first}"' in settings.text and 'name="remove_banner"' in settings.text

    # saving without a file keeps the banner; a new file replaces it
    assert (await post(client, "/admin/settings", SETTINGS)).status_code == 303
    assert (await factory.reload(Tenant, tenant.id, tenant.id)).banner_path == first
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 32
    assert (
        await post(client, "/admin/settings", SETTINGS, files=_file(jpeg, "b.jpg", "image/jpeg"))
    ).status_code == 303
    second = (await factory.reload(Tenant, tenant.id, tenant.id)).banner_path
    assert second != first and second.endswith(".jpg")
    assert (await client.get(f"/media/banners/{first}")).status_code == 404  # no longer this municipality's banner

    removed = await post(client, "/admin/settings", {**SETTINGS, "remove_banner": "1"})
    assert removed.status_code == 303
    assert (await factory.reload(Tenant, tenant.id, tenant.id)).banner_path is None
    assert (await client.get(f"/media/banners/{second}")).status_code == 404
    home = await client.get("/")
    assert "home-banner-image" not in home.text and "<h1>City</h1>" in home.text
    async with factory.db.session(tenant.id) as session:
        stmt = select(AuditEntry).where(AuditEntry.action == "tenant.settings_changed").order_by(AuditEntry.id)
        changes = (await session.scalars(stmt)).all()
    assert [c.data["after"]["banner_path"] for c in changes] == [first, first, second, None]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a" + b"\x00" * 20, "Upload a PNG, JPEG or WebP image."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Upload a PNG, JPEG or WebP image."),
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "The image is too large (at most 5 MB)."),
    ],
)
async def test_a_file_that_is_no_image_is_refused_and_nothing_is_written(
    app: Any, client: Any, factory: Any, tenant: Any, content: bytes, message: str
) -> None:
    await _admin(client, factory, tenant)
    data = {**SETTINGS, "intro.en": "Not saved either."}
    refused = await post(client, "/admin/settings", data, files=_file(content, "banner.png", "image/png"))
    assert refused.status_code == 422
    assert message in refused.text and 'href="#banner"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    row = await factory.reload(Tenant, tenant.id, tenant.id)
    assert row.banner_path is None and row.intro == {} and row.locales != ["en", "nl"]
    assert _banners(app) == []


async def test_the_refusal_is_in_the_admins_language(client: Any, factory: Any, tenant: Any) -> None:
    await _admin(client, factory, tenant)
    english = await post(client, "/admin/settings", SETTINGS, files=_file(b"nope", "b.png", "image/png"))
    dutch = await post(client, "/nl/admin/settings", SETTINGS, files=_file(b"nope", "b.png", "image/png"))
    assert english.status_code == dutch.status_code == 422
    assert "Upload a PNG, JPEG or WebP image." in english.text
    assert "Upload een afbeelding in PNG, JPEG of WebP." in dutch.text


async def test_another_municipalitys_banner_is_not_served_here(
    app: Any, client: Any, factory: Any, tenant: Any, other_tenant: Any
) -> None:
    await _admin(client, factory, tenant)
    assert (await post(client, "/admin/settings", SETTINGS, files=_file(PNG, "b.png", "image/png"))).status_code == 303
    name = (await factory.reload(Tenant, tenant.id, tenant.id)).banner_path
    assert (await client.get(f"/media/banners/{name}")).status_code == 200
    assert (await client.get(f"/media/banners/{name}", headers={"Host": "other.test"})).status_code == 404
    assert (await client.get("/media/banners/..%2f..%2fetc%2fpasswd")).status_code == 404
    # a stored project image's name is no banner either
    assert (await client.get("/media/banners/" + "0" * 32 + ".png")).status_code == 404


async def test_the_settings_routes_are_for_admins_only(client: Any, factory: Any, tenant: Any) -> None:
    anonymous = await client.get("/admin/settings", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=%2Fadmin%2Fsettings")
    attempt = {**SETTINGS, "intro.en": "Hacked", "remove_banner": "1"}
    files = {"banner": ("b.png", PNG, "image/png")}
    assert (await post(client, "/admin/settings", attempt, files=files)).status_code == 401
    await factory.login(client, await factory.user(tenant))
    assert (await client.get("/admin/settings", follow_redirects=False)).status_code == 403
    assert (await post(client, "/admin/settings", attempt, files=files)).status_code == 403
    row = await factory.reload(Tenant, tenant.id, tenant.id)
    assert row.intro == {} and row.banner_path is None
    client.cookies.clear()
    await _admin(client, factory, tenant)
    assert (await client.get("/admin/settings")).status_code == 200
    assert (await post(client, "/admin/settings", attempt, files=files)).status_code == 303
    row = await factory.reload(Tenant, tenant.id, tenant.id)
    assert row.intro == {"en": "Hacked"} and row.banner_path


# --- the introduction -------------------------------------------------------------------------------------------


async def test_an_admin_writes_the_introduction_with_an_easy_read_variant(
    client: Any, factory: Any, tenant: Any
) -> None:
    await _admin(client, factory, tenant)
    page = await client.get("/admin/settings")
    assert 'name="intro.en"' in page.text and 'name="intro.en-x-easy"' in page.text
    data = {
        **SETTINGS,
        "intro.en": "Our city changes.\nTell us what you think.",
        "intro.en-x-easy": "Help make the city better.",
        "intro.nl": "Onze stad verandert.",
        "intro.fr": "Not an enabled language: dropped.",
        "intro.fr-x-easy": "Dropped too.",
    }
    assert (await post(client, "/admin/settings", data)).status_code == 303
    row = await factory.reload(Tenant, tenant.id, tenant.id)
    assert row.intro == {
        "en": "Our city changes.\nTell us what you think.",
        "en-x-easy": "Help make the city better.",
        "nl": "Onze stad verandert.",
    }
    too_long = await post(client, "/admin/settings", {**data, "intro.nl": "x" * 2001})
    assert too_long.status_code == 422 and "Use at most 2000 characters." in too_long.text
    assert (await factory.reload(Tenant, tenant.id, tenant.id)).intro == row.intro


async def test_the_home_page_shows_the_introduction_else_the_fixed_line(client: Any, factory: Any, tenant: Any) -> None:
    home = await client.get("/")
    assert f'<p class="lead">{FIXED_LINE}</p>' in home.text and "home-intro" not in home.text

    intro = {
        "en": "Our city <changes>.",
        "en-x-easy": "Help make the city better.",
        "ar": "مدينتنا تتغير.",
    }
    await _set_tenant(factory, tenant, intro=intro)
    english = (await client.get("/")).text
    assert '<div class="lead home-intro" dir="auto">Our city &lt;changes&gt;.</div>' in english
    assert FIXED_LINE not in english
    # a language without its own text falls back, marked with the language it is in
    dutch = (await client.get("/nl/")).text
    assert '<bdi lang="en">Our city &lt;changes&gt;.</bdi> <span class="fallback-marker">' in dutch
    assert "مدينتنا تتغير." in (await client.get("/ar/")).text

    # easy read: the variant in the reader's language, marked as such
    client.cookies.set(EASY_READ_COOKIE, "1", domain="city.test")
    easy = (await client.get("/")).text
    assert 'Help make the city better. <span class="easy-marker">' in easy
    assert "Our city &lt;changes&gt;." not in easy


# --- participants so far ----------------------------------------------------------------------------------------


async def _acts(factory: Any, tenant: Any, phase: Any, people: list[Any], *, comments: int = 1) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        for person in people:
            for n in range(comments):
                session.add(
                    Comment(item_kind="dummy.thing", item_id=1, phase_id=phase.id, author_id=person.id, body=f"c{n}")
                )
            session.add(
                Reaction(item_kind="dummy.thing", item_id=phase.id, phase_id=phase.id, user_id=person.id, kind="like")
            )


async def test_cards_count_each_person_once_per_project(
    client: Any, factory: Any, tenant: Any, other_tenant: Any
) -> None:
    nobody = await factory.project(tenant, slug="nobody-yet", title={"en": "Nobody yet"})
    await factory.phase(nobody, "dummy")
    ended = await factory.project(tenant, slug="ended-quiet", title={"en": "Ended quietly"})
    await factory.phase(ended, "dummy", state="ended")
    one = await factory.project(tenant, slug="just-one", title={"en": "Just one"})
    one_phase = await factory.phase(one, "dummy")
    many = await factory.project(tenant, slug="several", title={"en": "Several"})
    first, second = await factory.phase(many, "dummy", state="ended"), await factory.phase(many, "ideation")
    people = [await factory.user(tenant) for _ in range(3)]
    # one person, several acts in one phase: counted once
    await _acts(factory, tenant, one_phase, people[:1], comments=3)
    # three people over two phases and a method's own rows (an idea); people[0] acts in both phases
    await _acts(factory, tenant, first, people[:2])
    await _acts(factory, tenant, second, people[:1])
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Idea(phase_id=second.id, author_id=people[2].id, title="A tree", body="Here"))
        session.add(Idea(phase_id=second.id, author_id=people[0].id, title="Another", body="There"))
    # another municipality's residents in its own project do not count here
    elsewhere = await factory.project(other_tenant, slug="several", title={"en": "Several"})
    foreign_phase = await factory.phase(elsewhere, "dummy")
    await _acts(factory, other_tenant, foreign_phase, [await factory.user(other_tenant) for _ in range(4)])

    for path in ("/", "/projects"):
        text = (await client.get(path)).text
        cards = {slug: _card(text, slug) for slug in ("nobody-yet", "ended-quiet", "just-one", "several")}
        assert "1 participant so far" in cards["just-one"]
        assert "3 participants so far" in cards["several"]
        assert "Be the first to take part" in cards["nobody-yet"] and "so far" not in cards["nobody-yet"]
        assert "so far" not in cards["ended-quiet"] and "Be the first" not in cards["ended-quiet"]
    assert "4 participants so far" in (await client.get("/", headers={"Host": "other.test"})).text


def _card(text: str, slug: str) -> str:
    """The project card of ``slug`` on a page (from its link to the end of the card)."""
    start = text.index(f'href="/projects/{slug}"')
    return text[start : text.index("</li>", start)]


async def test_home_page_statements_do_not_grow_with_the_projects(
    app: Any, client: Any, factory: Any, tenant: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(participants_so_far, "TTL", 0.0)  # count every time: what a worker pays once a minute
    engine = app.state.townhall.db.engine
    people = [await factory.user(tenant) for _ in range(3)]

    async def add_projects(n: int) -> None:
        for _ in range(n):
            project = await factory.project(tenant)
            for state in ("ended", "active"):
                phase = await factory.phase(project, "ideation" if state == "active" else "dummy", state=state)
                await _acts(factory, tenant, phase, people)

    async def statements(path: str) -> list[str]:
        assert (await client.get(path)).status_code == 200  # warm the catalogs and templates
        with counting(engine) as seen:
            response = await client.get(path)
        assert response.status_code == 200 and "3 participants so far" in response.text
        return list(seen)

    await add_projects(1)
    few = {path: await statements(path) for path in ("/", "/projects")}
    await add_projects(9)
    many = {path: await statements(path) for path in ("/", "/projects")}
    for path in few:
        assert len(many[path]) == len(few[path]), (path, few[path], many[path])
        assert sum("count(distinct" in s.lower() for s in many[path]) == 1

    # within the minute a worker keeps the counts: the page spends one statement less
    monkeypatch.setattr(participants_so_far, "TTL", 60.0)
    await client.get("/")
    with counting(engine) as cached:
        assert "3 participants so far" in (await client.get("/")).text
    assert len(cached) == len(many["/"]) - 1


async def test_the_demo_city_has_a_banner_an_introduction_and_participants(app: Any, client: Any) -> None:
    from core.demo import HOME_INTRO, seed

    await seed(app.state.townhall, "demo-password-1")
    demo = {"Host": "localhost"}
    home = await client.get("/", headers=demo)
    assert home.status_code == 200
    banner = home.text.split('<img class="home-banner-image" src="', 1)[1].split('"', 1)[0]
    image = await client.get(banner, headers=demo)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG") and len(image.content) < 2048
    assert (await client.get(banner, headers={"Host": "other.localhost"})).status_code == 404
    assert HOME_INTRO["en"] in home.text and FIXED_LINE not in home.text
    assert HOME_INTRO["nl"] in (await client.get("/nl/", headers=demo)).text
    assert HOME_INTRO["ar"] in (await client.get("/ar/", headers=demo)).text
    assert "participants so far" in home.text
    # the other demo municipality keeps the platform's line and has no banner
    other = await client.get("/", headers={"Host": "other.localhost"})
    assert "home-banner-image" not in other.text
