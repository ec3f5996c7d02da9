"""Every resident write answers 429 with Retry-After and a translated sentence once over its limit, and writes nothing.

Limits are set low through ``Settings.rate_limits`` (the operators' override), so each test needs only a few requests.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select

from core import RateLimit
from core.models import Comment, Follow, Reaction, Report
from core.testing import HTMX_HEADERS
from plugins.budgeting.models import Ballot, Cart
from plugins.ideation.models import Idea
from tests.plugins.budgeting.web_support import cart, setup_phase, submit, voter
from tests.plugins.ideation.conftest import Ideation

TWO = "account 2/min; ip 10/min"
LOW = {
    key: TWO
    for key in (
        "ideation.post",
        "ideation.post:edit",
        "ideation.comment",
        "ideation.react",
        "core.follow",
        "core.report",
        "core.comment_edit",
        "budgeting.vote:cart",
    )
} | {"budgeting.vote:submit": "account 1/min; ip 10/min"}
MESSAGES = {
    "en": "You have done this too often in a short time. Please wait",
    "nl": "Je hebt dit te vaak gedaan in korte tijd. Wacht",
    "ar": "لقد قمت بهذا مرات كثيرة في وقت قصير",
}


@pytest.fixture
def townhall_settings(townhall_settings: Any) -> Any:
    return msgspec.structs.replace(townhall_settings, rate_limits=LOW)


@pytest.fixture
async def ideation(factory: Any, client: Any, tenant: Any) -> Ideation:
    return Ideation(factory, client, tenant)


async def rows(factory: Any, tenant: Any, model: Any, *where: Any) -> int:
    async with factory.db.session(tenant.id) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def refused(response: Any, locale: str = "en") -> None:
    """A 429 with a Retry-After within the minute-long window and the sentence in the reader's language."""
    assert response.status_code == 429, response.text[:500]
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert MESSAGES[locale] in response.text


async def idea_phase(ideation: Ideation, factory: Any, tenant: Any) -> tuple[Any, int]:
    """An active phase with one idea by a fresh resident who is signed in."""
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    return phase, await ideation.idea_id(await ideation.post_idea(phase))


async def test_posting_ideas(ideation: Ideation, factory: Any, tenant: Any) -> None:
    phase, _first = await idea_phase(ideation, factory, tenant)
    assert (await ideation.post_idea(phase, title="A second idea")).status_code == 303
    before = await rows(factory, tenant, Idea)
    over = await ideation.post(f"/nl/p/{phase.id}/ideation/new", {"title": "A third idea", "body": "More."})
    refused(over, "nl")
    assert await rows(factory, tenant, Idea) == before == 2


async def test_editing_and_withdrawing_ideas(ideation: Ideation, factory: Any, tenant: Any) -> None:
    phase, idea_id = await idea_phase(ideation, factory, tenant)
    edit = f"/p/{phase.id}/ideation/ideas/{idea_id}/edit"
    for n in (1, 2):
        assert (await ideation.post(edit, {"title": f"Edited {n}", "body": "Body"})).status_code == 303
    refused(await ideation.post(edit, {"title": "Edited 3", "body": "Body"}))
    refused(await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea_id}/withdraw"))  # the same "edit" step
    async with factory.db.session(tenant.id) as session:
        idea = await session.get(Idea, idea_id)
        assert idea.title == "Edited 2" and idea.withdrawn_at is None


async def test_comments_and_their_edits_and_deletions(ideation: Ideation, factory: Any, tenant: Any) -> None:
    _phase, idea_id = await idea_phase(ideation, factory, tenant)
    item = f"/items/ideation.idea/{idea_id}"
    first = await ideation.post(f"{item}/comments", {"body": "One"})
    assert first.status_code == 303
    comment_id = int(first.headers["location"].rsplit("#comment-", 1)[1])
    assert (await ideation.post(f"{item}/comments", {"body": "Two"})).status_code == 303
    refused(await ideation.post(f"/ar{item}/comments", {"body": "Three"}), "ar")
    assert await rows(factory, tenant, Comment) == 2

    mine = f"/items/core.comment/{comment_id}"
    for n in (1, 2):
        assert (await ideation.post(f"{mine}/edit", {"body": f"One, edited {n}"})).status_code == 303
    refused(await ideation.post(f"{mine}/edit", {"body": "One, edited 3"}))
    refused(await ideation.post(f"{mine}/delete"))
    async with factory.db.session(tenant.id) as session:
        comment = await session.get(Comment, comment_id)
        assert comment.body == "One, edited 2" and comment.deleted_at is None


async def test_reactions(ideation: Ideation, factory: Any, tenant: Any) -> None:
    _phase, idea_id = await idea_phase(ideation, factory, tenant)
    react = f"/items/ideation.idea/{idea_id}/react"
    assert (await ideation.post(react, {"kind": "like"})).status_code == 303
    assert (await ideation.post(react, {"kind": "none"})).status_code == 303
    over = await ideation.post(f"/nl{react}", {"kind": "like"})
    refused(over, "nl")
    assert await rows(factory, tenant, Reaction) == 0


async def test_follows(ideation: Ideation, factory: Any, tenant: Any) -> None:
    _phase, idea_id = await idea_phase(ideation, factory, tenant)
    follow = f"/items/ideation.idea/{idea_id}/follow"
    before = await rows(factory, tenant, Follow)  # the author follows their own idea
    assert (await ideation.post(follow, {"follow": ""})).status_code == 303
    assert (await ideation.post(follow, {"follow": "1"})).status_code == 303
    refused(await ideation.post(follow, {"follow": ""}))
    assert await rows(factory, tenant, Follow) == before


async def test_reports(ideation: Ideation, factory: Any, tenant: Any) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    ideas = [await ideation.idea_id(await ideation.post_idea(phase, title=f"Idea {n}")) for n in (1, 2)]
    await ideation.login(await factory.user(tenant))  # another resident reports them
    for idea_id in ideas:
        assert (await ideation.post(f"/items/ideation.idea/{idea_id}/report", {"reason": "spam"})).status_code == 303
    comment = await ideation.post(f"/items/ideation.idea/{ideas[0]}/comments", {"body": "Hm"})
    comment_id = int(comment.headers["location"].rsplit("#comment-", 1)[1])
    refused(await ideation.post(f"/items/core.comment/{comment_id}/report", {"reason": "spam"}))
    assert await rows(factory, tenant, Report) == 2


async def test_an_htmx_request_gets_the_refusal_as_a_fragment(ideation: Ideation, factory: Any, tenant: Any) -> None:
    _phase, idea_id = await idea_phase(ideation, factory, tenant)
    react = f"/items/ideation.idea/{idea_id}/react"
    for kind in ("like", "none"):
        assert (await ideation.post(react, {"kind": kind}, htmx=True)).status_code == 200
    over = await ideation.post(react, {"kind": "like"}, htmx=True)
    refused(over)
    assert "<html" not in over.text and 'role="alert"' in over.text
    assert over.headers["hx-retarget"] == "#flash"


async def test_the_address_is_limited_across_accounts(ideation: Ideation, factory: Any, tenant: Any) -> None:
    """Per-IP counts add up every account behind one address (here all test-client requests)."""
    ideation.client.app.state.townhall.rate_limits["ideation.react"] = RateLimit.parse("account 5/min; ip 3/min")
    _phase, idea_id = await idea_phase(ideation, factory, tenant)
    react = f"/items/ideation.idea/{idea_id}/react"
    assert (await ideation.post(react, {"kind": "like"})).status_code == 303
    assert (await ideation.post(react, {"kind": "none"})).status_code == 303
    await ideation.login(await factory.user(tenant))  # a second person at the same library PC
    assert (await ideation.post(react, {"kind": "like"})).status_code == 303
    refused(await ideation.post(react, {"kind": "none"}))  # their own second click, the address's fourth
    assert await rows(factory, tenant, Reaction) == 1


async def test_budgeting_cart_changes(client: Any, factory: Any, tenant: Any, csrf: Any) -> None:
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    assert (await cart(client, s, headers, "add", s.options[0])).status_code == 303
    assert (await cart(client, s, headers | HTMX_HEADERS, "add", s.options[1])).status_code == 200
    before = await rows(factory, tenant, Cart)
    data = {"action": "remove", "option_id": str(s.options[0].id)}
    over = await client.post(f"/nl{s.cart_url}", data=data, headers=headers, follow_redirects=False)
    refused(over, "nl")
    assert await rows(factory, tenant, Cart) == before
    page = await client.get(s.ballot_url)
    assert page.status_code == 200 and "Option 1" in page.text


async def test_budgeting_ballot_submission(client: Any, factory: Any, tenant: Any, csrf: Any) -> None:
    first, second = await setup_phase(factory, tenant), await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    for s in (first, second):
        assert (await cart(client, s, headers, "add", s.options[0])).status_code == 303
    assert (await submit(client, first, headers)).status_code == 303
    again = await submit(client, first, headers)  # a double click lands on the confirmation, uncounted
    assert again.status_code == 303 and again.headers["location"].endswith("/ballot")
    refused(await submit(client, second, headers))
    assert await rows(factory, tenant, Ballot) == 1
