"""Reactions: one per person per item, limits from the phase config, up-votes, and counts that equal the rows under
any concurrency (SQLite here; PostgreSQL with TOWNHALL_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import select

from core.models import Reaction
from core.testing import HTMX_HEADERS


async def _rows(scene, kind: str, item_id: int) -> list[str]:
    async with scene.factory.db.session(scene.tenant.id) as session:
        stmt = select(Reaction.kind).where(Reaction.item_kind == kind, Reaction.item_id == item_id)
        return list((await session.scalars(stmt)).all())


def _shown(html: str, dom_id: str, reaction: str) -> int:
    found = re.search(rf'id="{reaction}-{dom_id}".*?<span class="count">(\d+)</span>', html, re.S)
    assert found, f"no {reaction} button for {dom_id}"
    return int(found.group(1))


async def test_like_switch_to_dislike_then_remove(scene) -> None:
    await scene.resident()
    react = f"{scene.item}/react"
    assert (await scene.post(react, {"kind": "like"})).status_code == 303
    assert await _rows(scene, "dummy.phase", scene.phase.id) == ["like"]
    fragment = await scene.post(react, {"kind": "dislike"}, headers=HTMX_HEADERS)
    assert fragment.status_code == 200
    assert _shown(fragment.text, f"item-{scene.phase.id}-reactions", "dislike") == 1
    assert _shown(fragment.text, f"item-{scene.phase.id}-reactions", "like") == 0
    assert await _rows(scene, "dummy.phase", scene.phase.id) == ["dislike"]
    assert (await scene.post(react, {"kind": "none"})).status_code == 303
    assert await _rows(scene, "dummy.phase", scene.phase.id) == []


async def test_upvote_only_items_refuse_likes(scene) -> None:
    await scene.setup(upvotes_only=True)
    await scene.resident()
    refused = await scene.post(f"{scene.item}/react", {"kind": "like"})
    assert refused.status_code == 403
    assert (await scene.post(f"{scene.item}/react", {"kind": "up"})).status_code == 303
    assert await _rows(scene, "dummy.phase", scene.phase.id) == ["up"]
    assert (await scene.post(f"{scene.item}/react", {"kind": "bogus"})).status_code == 400


async def test_like_limit_per_person_per_phase(scene, factory) -> None:
    await scene.setup(like_limit=1)
    await scene.resident()
    assert (await scene.post(f"{scene.item}/react", {"kind": "like"})).status_code == 303
    # A second item of the same kind in the same phase does not exist for dummy.phase; the limit still refuses a
    # like after switching away and back is free: it is the same reaction.
    assert (await scene.post(f"{scene.item}/react", {"kind": "dislike"})).status_code == 303
    assert (await scene.post(f"{scene.item}/react", {"kind": "like"})).status_code == 303
    assert await _rows(scene, "dummy.phase", scene.phase.id) == ["like"]


async def test_visitor_and_ended_phase_are_refused(scene, factory) -> None:
    assert (await scene.post(f"{scene.item}/react", {"kind": "like"})).status_code == 401
    scene.phase = await factory.phase(scene.project, "dummy", state="ended")
    await scene.resident()
    assert (await scene.post(f"{scene.item}/react", {"kind": "like"})).status_code == 403
    assert await _rows(scene, "dummy.phase", scene.phase.id) == []


async def test_reacting_to_a_deleted_comment_is_refused(scene) -> None:
    await scene.resident()
    comment_id = await scene.comment("Soon gone")
    await scene.post(f"/items/core.comment/{comment_id}/delete")
    response = await scene.post(f"/items/core.comment/{comment_id}/react", {"kind": "like"})
    assert response.status_code == 409


async def test_fifty_concurrent_toggles_on_a_comment_leave_counts_equal_to_rows(scene) -> None:
    await scene.setup()
    await scene.resident()
    comment_id = await scene.comment("Vote on me")
    headers = {**await scene.csrf(scene.client), **HTMX_HEADERS}
    url = f"/items/core.comment/{comment_id}/react"
    kinds = ["like", "none", "dislike", "like", "dislike"] * 10
    responses = await asyncio.gather(*(scene.client.post(url, data={"kind": k}, headers=headers) for k in kinds))
    assert all(r.status_code < 500 for r in responses), sorted({r.status_code for r in responses})
    assert all(r.status_code == 200 for r in responses), sorted({r.status_code for r in responses})
    rows = await _rows(scene, "core.comment", comment_id)
    assert len(rows) <= 1
    page = await scene.client.get(scene.page)
    dom_id = f"comment-{comment_id}-reactions"
    assert _shown(page.text, dom_id, "like") == rows.count("like")
    assert _shown(page.text, dom_id, "dislike") == rows.count("dislike")


async def test_fifty_concurrent_toggles_on_the_item_by_several_people(scene, factory, tenant) -> None:
    """Five residents click ten times each at once; each request carries its own session cookie."""
    sessions = []
    for _ in range(5):
        await scene.resident()
        csrf = (await scene.csrf(scene.client))["x-csrftoken"]  # bound to this resident's session
        sessions.append((csrf, f"csrftoken={csrf}; th_session={scene.client.cookies.get('th_session')}"))
    url = f"{scene.item}/react"
    kinds = ["like", "dislike", "none", "like", "like"] * 2
    responses = await asyncio.gather(
        *(
            scene.client.post(url, data={"kind": k}, headers={"x-csrftoken": csrf, "cookie": cookie, **HTMX_HEADERS})
            for csrf, cookie in sessions
            for k in kinds
        )
    )
    assert all(r.status_code == 200 for r in responses), sorted({r.status_code for r in responses})
    rows = await _rows(scene, "dummy.phase", scene.phase.id)
    assert 1 <= len(rows) <= 5
    page = await scene.client.get(scene.page)
    dom_id = f"item-{scene.phase.id}-reactions"
    assert _shown(page.text, dom_id, "like") == rows.count("like")
    assert _shown(page.text, dom_id, "dislike") == rows.count("dislike")
