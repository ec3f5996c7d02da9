"""The optional profile questions are offered before a first participation, once, and never block it (issue 14)."""

from __future__ import annotations

from typing import Any

from core.demographics.prompt import ASKED_COOKIE
from core.models import ProfileQuestion
from tests.smtp import form_post

HEADING = "Before you take part: a few optional questions"


async def _question(factory: Any, tenant: Any) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(ProfileQuestion(kind="gender", label={"en": "Gender"}))


async def test_a_resident_is_asked_once_before_taking_part(client: Any, factory: Any, tenant: Any) -> None:
    project = await factory.project(tenant)
    open_phase = await factory.phase(project, "ideation")
    ended = await factory.phase(project, "ideation", state="ended")
    path = f"/projects/{project.slug}/phases/{open_phase.id}"
    await _question(factory, tenant)

    assert HEADING not in (await client.get(path)).text  # signed out: nothing to ask
    await factory.login(client, await factory.user(tenant))
    page = (await client.get(path)).text
    assert HEADING in page
    assert f'href="/account/about?next={path.replace("/", "%2F")}"' in page or "/account/about?next=" in page
    assert HEADING not in (await client.get(f"/projects/{project.slug}/phases/{ended.id}")).text  # only open phases

    later = await form_post(client, "/account/about/later", {"next": path})
    assert later.status_code == 303 and later.headers["location"] == path
    assert client.cookies.get(ASKED_COOKIE) == "1"
    assert HEADING not in (await client.get(path)).text


async def test_opening_the_questions_counts_as_asked(client: Any, factory: Any, tenant: Any) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    await _question(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    assert (await client.get("/account/about")).status_code == 200
    assert HEADING not in (await client.get(f"/projects/{project.slug}/phases/{phase.id}")).text


async def test_no_prompt_until_the_municipality_asks_something(client: Any, factory: Any, tenant: Any) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    path = f"/projects/{project.slug}/phases/{phase.id}"
    await factory.login(client, await factory.user(tenant))
    assert HEADING not in (await client.get(path)).text
    await _question(factory, tenant)  # the worker's cached "asks nothing" is outdated by the new question
    assert HEADING in (await client.get(path)).text
