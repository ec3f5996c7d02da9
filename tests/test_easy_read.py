"""Easy read: an editor writes a plain-language variant of a content field per language; a resident switches to it
with one remembered control, and the page says which text is being read (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.models import Project
from core.multiloc import clean, content_keys, pick, render
from core.web.render import EASY_READ_COOKIE
from tests.smtp import form_post

PLAIN = "We plant trees on the squares. You can choose where."


def test_an_easy_read_variant_is_picked_only_when_asked_for_and_only_in_the_readers_language() -> None:
    text = {"en": "Greening of public squares", "en-x-easy": "More trees", "nl": "Vergroening"}
    assert pick(text, "en", "en").text == "Greening of public squares"
    found = pick(text, "en", "en", easy=True)
    assert (found.text, found.easy, found.fallback) == ("More trees", True, False)
    # a Dutch reader asking for easy read gets standard Dutch, never English easy read
    assert pick(text, "nl", "en", easy=True).text == "Vergroening"
    # a German reader (no German text) falls back to the default language's standard text, not to a variant
    assert pick({"en-x-easy": "More trees", "nl": "Vergroening"}, "de", "en").text == "Vergroening"
    assert pick({"en-x-easy": "More trees"}, "de", "en").text == ""


def test_render_marks_an_easy_read_text_and_escapes_it() -> None:
    html = render({"en": "Standard", "en-x-easy": "<b>Easy</b>"}, "en", "en", easy=True, easy_label="easy read")
    assert html == '&lt;b&gt;Easy&lt;/b&gt; <span class="easy-marker">easy read</span>'
    assert render({"en": "Standard", "en-x-easy": "Easy"}, "en", "en", easy_label="easy read") == "Standard"


def test_clean_keeps_variants_of_the_municipalitys_languages_only() -> None:
    assert content_keys(["en", "nl"]) == ["en", "nl", "en-x-easy", "nl-x-easy"]
    assert clean({"en": "A", "nl-x-easy": " B "}, ["en", "nl"]) == {"en": "A", "nl-x-easy": "B"}
    with pytest.raises(ValueError, match="not enabled"):
        clean({"en": "A", "fr-x-easy": "B"}, ["en", "nl"])
    with pytest.raises(ValueError, match="required"):  # a variant does not stand in for the required text
        clean({"en-x-easy": "A"}, ["en"], required_locale="en")


async def test_an_editor_writes_easy_read_and_a_resident_switches_to_it(client: Any, factory: Any, tenant: Any) -> None:
    admin = await factory.user(tenant, role="admin")
    await factory.login(client, admin)
    form = await client.get("/admin/projects/new")
    assert 'name="description.en-x-easy"' in form.text and "Easy-read version (optional)" in form.text
    saved = await form_post(
        client,
        "/admin/projects/new",
        {
            "title.en": "Greening of public squares",
            "title.en-x-easy": "More trees on squares",
            "description.en": "The municipality intends to increase canopy cover.",
            "description.en-x-easy": PLAIN,
            "slug": "greening",
            "status": "published",
        },
    )
    assert saved.status_code == 303, saved.text
    async with factory.db.session(tenant.id) as session:
        project = await session.scalar(select(Project).where(Project.slug == "greening"))
    assert project.description == {"en": "The municipality intends to increase canopy cover.", "en-x-easy": PLAIN}
    edit = await client.get(f"/admin/projects/{project.id}")
    assert PLAIN in edit.text  # the editor sees the variant again
    await client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken")})

    page = await client.get("/projects/greening")
    assert "canopy cover" in page.text and PLAIN not in page.text
    assert "This page is also written in easy read" in page.text

    switched = await form_post(client, "/preferences/easy-read", {"easy": "1", "next": "/projects/greening?x=1"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/projects/greening?x=1"
    assert client.cookies.get(EASY_READ_COOKIE) == "1"
    page = await client.get("/projects/greening")
    assert PLAIN in page.text and "canopy cover" not in page.text
    assert '<span class="easy-marker">easy read</span>' in page.text
    assert "You are reading easy read" in page.text and "Show the standard text" in page.text
    assert "More trees on squares ·" in page.text  # the page title follows too

    other = await factory.project(tenant, slug="plain", title={"en": "Only standard"})
    assert other is not None
    page = await client.get("/projects/plain")
    assert "this page has no easy-read text yet" in page.text  # on, but nothing to show: said, and switchable

    back = await form_post(client, "/preferences/easy-read", {"easy": "0", "next": "https://evil.example/x"})
    assert back.headers["location"] == "/"  # only back to this site
    page = await client.get("/projects/greening")
    assert "canopy cover" in page.text and PLAIN not in page.text


async def test_the_switch_keeps_the_language_and_needs_the_form_token(client: Any, factory: Any, tenant: Any) -> None:
    switched = await form_post(client, "/nl/preferences/easy-read", {"easy": "1", "next": "/nl/projects"})
    assert switched.headers["location"] == "/nl/projects"
    refused = await client.post("/preferences/easy-read", data={"easy": "1"}, follow_redirects=False)
    assert refused.status_code == 403
