"""Browsing: filters, search, sorts (random stable per visitor), pagination with and without htmx, similar ideas,
images, the phase panel and the map."""

from __future__ import annotations

import re

from core.models import Comment, Reaction
from plugins.ideation.models import Idea, IdeaTopic

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _many(ideation, factory, tenant, n=25, **config):
    """``n`` ideas; idea i has i % 7 likes and (i * 3) % 5 comments (rows in the core tables)."""
    phase = await ideation.phase(**config)
    topics, areas = await ideation.taxonomy()
    likers = [await factory.user(tenant) for _ in range(6)]
    async with factory.db.session(tenant.id, write=True) as session:
        for i in range(n):
            idea = Idea(phase_id=phase.id, title=f"Idea number {i:02d}", body="text", area_id=areas[i % 2].id)
            session.add(idea)
            await session.flush()
            session.add(IdeaTopic(idea_id=idea.id, topic_id=topics[i % 2].id))
            for person in likers[: i % 7]:
                item = {"item_kind": "ideation.idea", "item_id": idea.id, "phase_id": phase.id}
                session.add(Reaction(**item, user_id=person.id, kind="like"))
            for c in range((i * 3) % 5):
                session.add(Comment(item_kind="ideation.idea", item_id=idea.id, phase_id=phase.id, body=f"c{c}"))
    return phase, topics, areas


def titles(html: str) -> list[str]:
    return re.findall(r"Idea number \d\d", html)


async def test_sorts_filters_and_search(ideation, factory, tenant, client) -> None:
    phase, topics, areas = await _many(ideation, factory, tenant, page_size=50)
    base = f"/p/{phase.id}/ideation"
    newest = titles((await client.get(base, params={"sort": "newest"})).text)
    assert newest[0] == "Idea number 24" and len(newest) == 25
    top = titles((await client.get(base, params={"sort": "reactions"})).text)
    assert top[0] in {"Idea number 06", "Idea number 13", "Idea number 20"}
    discussed = (await client.get(base, params={"sort": "discussed"})).text
    assert titles(discussed)[0] in {f"Idea number {i:02d}" for i in range(25) if (i * 3) % 5 == 4}
    only_topic = titles((await client.get(base, params={"topic": str(topics[1].id)})).text)
    assert len(only_topic) == 12 and all(int(t[-2:]) % 2 == 1 for t in only_topic)
    only_area = titles((await client.get(base, params={"area": str(areas[0].id), "sort": "newest"})).text)
    assert len(only_area) == 13
    found = titles((await client.get(base, params={"q": "number 07"})).text)
    assert found == ["Idea number 07"]
    assert titles((await client.get(base, params={"q": "100%_"})).text) == []
    junk = await client.get(base, params={"topic": "abc", "page": "-4", "sort": "bogus"})
    assert junk.status_code == 200


async def test_random_order_is_stable_per_visitor(ideation, factory, tenant, client) -> None:
    phase, _t, _a = await _many(ideation, factory, tenant, page_size=50)
    base = f"/p/{phase.id}/ideation"
    client.cookies.set("th_visitor", "visitor-one")
    first = titles((await client.get(base, params={"sort": "random"})).text)
    again = titles((await client.get(base, params={"sort": "random"})).text)
    client.cookies.set("th_visitor", "visitor-two")
    other = titles((await client.get(base, params={"sort": "random"})).text)
    assert first == again and sorted(first) == sorted(other) and first != other


async def test_pagination_plain_links_and_load_more(ideation, factory, tenant, client) -> None:
    phase, _t, _a = await _many(ideation, factory, tenant, page_size=10)
    base = f"/p/{phase.id}/ideation"
    page1 = await client.get(base, params={"sort": "newest"})
    assert 'id="page-next"' in page1.text and 'id="load-more-link"' in page1.text
    page3 = await client.get(base, params={"sort": "newest", "page": "3"})
    assert len(titles(page3.text)) == 5 and 'id="page-prev"' in page3.text and 'id="page-next"' not in page3.text
    more = await client.get(base, params={"sort": "newest", "page": "2", "more": "1"}, headers={"HX-Request": "true"})
    assert more.status_code == 200
    assert "<html" not in more.text and more.text.lstrip().startswith("<li")
    assert titles(more.text) == [f"Idea number {i:02d}" for i in range(14, 4, -1)]
    results = await client.get(base, params={"sort": "newest"}, headers={"HX-Request": "true"})
    assert 'id="idea-results"' in results.text and "<html" not in results.text


async def test_similar_ideas_suggested(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    await ideation.idea_id(await ideation.post_idea(phase, title="More trees along the river"))
    await ideation.idea_id(await ideation.post_idea(phase, title="Open the library on Sundays"))
    base = f"/p/{phase.id}/ideation"
    form = await client.get(f"{base}/new")
    assert 'hx-trigger="input changed delay:400ms"' in form.text and 'hx-get="/p/' in form.text
    found = await client.get(f"{base}/similar", params={"title": "trees by the river"}, headers={"HX-Request": "true"})
    assert "More trees along the river" in found.text and "library" not in found.text
    nothing = await client.get(f"{base}/similar", params={"title": "xq"}, headers={"HX-Request": "true"})
    assert "<li>" not in nothing.text


async def test_images_checked_and_served_as_attachments(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    base = f"/p/{phase.id}/ideation"
    fake = await ideation.post(
        f"{base}/new", {"title": "Idea with fake image", "body": "b"},
        files={"images": ("evil.png", b"<svg onload=alert(1)>", "image/png")},
    )  # fmt: skip
    assert fake.status_code == 422 and "Only PNG, JPEG, GIF and WebP" in fake.text
    ok = await ideation.post(
        f"{base}/new",
        {"title": "Idea with an image", "body": "b"},
        files={"images": ("../../x.png", PNG, "text/plain")},
    )
    idea = await ideation.idea_id(ok)
    page = await client.get(f"{base}/ideas/{idea}")
    src = re.search(r'<img src="([^"]+/images/\d+)"', page.text).group(1)
    image = await client.get(src)
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("attachment;")
    assert image.headers["x-content-type-options"] == "nosniff"


async def test_location_bounds_and_map(ideation, factory, tenant, client) -> None:
    from core.models import Tenant

    async with factory.db.session(unscoped=True, write=True) as session:
        (await session.get(Tenant, tenant.id)).bounds = {"south": 52.0, "west": 4.0, "north": 52.5, "east": 5.0}
    phase = await ideation.phase(collect_location=True, presentation="map")
    await ideation.login(await factory.user(tenant))
    outside = await ideation.post_idea(phase, lat="48.85", lon="2.35")
    assert outside.status_code == 422 and "outside the municipality" in outside.text
    garbage = await ideation.post_idea(phase, lat="north", lon="4.5")
    assert garbage.status_code == 422
    await ideation.idea_id(await ideation.post_idea(phase, lat="52.25", lon="4.5"))
    page = await client.get(f"/p/{phase.id}/ideation")
    assert 'class="idea-map"' in page.text and '<circle cx="500.0" cy="300.0"' in page.text


async def test_phase_panel_renders_on_the_phase_page(ideation, factory, tenant, client) -> None:
    from core.models import Project

    phase = await ideation.phase()
    project = await factory.reload(Project, phase.project_id, tenant.id)
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert page.status_code == 200 and 'id="ideas-heading"' in page.text and 'id="idea-results"' in page.text
    assert "Sign in to take part." in page.text


async def test_an_empty_list_invites_the_first_idea_and_a_filtered_one_offers_the_way_back(
    ideation, factory, tenant, client
) -> None:
    phase = await ideation.phase()
    base = f"/p/{phase.id}/ideation"
    empty = (await client.get(base)).text
    assert "No ideas yet: yours could be the first." in empty and "No ideas match these filters." not in empty
    await _many(ideation, factory, tenant, n=3)
    filtered = (await client.get(base, params={"q": "nothing like this"})).text
    assert "No ideas match these filters." in filtered
    assert f'<a href="{base}">Show all ideas</a>' in filtered
    dutch = (await client.get(f"/nl{base}")).text
    assert "Nog geen ideeën: het jouwe kan het eerste zijn." in dutch


async def test_names_and_offline_sources_are_isolated_from_the_text_around_them(
    ideation, factory, tenant, client
) -> None:
    """An author's name and an offline source are what people typed: in <bdi>, so a Latin name beside an Arabic date
    (or an Arabic name in an English line) keeps its own order."""
    phase = await ideation.phase()
    author = await factory.user(tenant, display_name="Resident 2")
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Idea(phase_id=phase.id, author_id=author.id, title="Named idea", body="text"))
        session.add(Idea(phase_id=phase.id, title="Paper idea", body="text", offline=True, offline_source="حي الميناء"))
    for path in (f"/p/{phase.id}/ideation", f"/ar/p/{phase.id}/ideation"):
        html = (await client.get(path, params={"sort": "newest"})).text
        assert '<bdi class="author">Resident 2</bdi>' in html
        assert ": <bdi>حي الميناء</bdi>" in html
