"""Two app instances (two workers, each with its own engine and pool) on one PostgreSQL database: one resident's
50 concurrent like / unlike / dislike clicks on one comment, split across both, give no 5xx and counts equal rows.
Runs with TOWNHALL_TEST_DATABASE_URL pointing at PostgreSQL (SQLite has one writer anyway)."""

from __future__ import annotations

import asyncio
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.app import create_app
from core.db.engine import Database
from core.models import Reaction
from core.testing import HTMX_HEADERS


async def test_two_workers_fifty_toggles_counts_equal_rows(scene, townhall_settings) -> None:
    if scene.factory.app.db.dialect == "sqlite":
        pytest.skip("several workers need PostgreSQL")
    await scene.resident()
    comment_id = await scene.comment("Vote on me from two workers")
    second = create_app(townhall_settings)
    await second.state.townhall.db.dispose()
    second.state.townhall.db = Database(townhall_settings.database_url, pooled=False)
    csrf = (await scene.csrf(scene.client))["x-csrftoken"]
    cookie = f"csrftoken={csrf}; th_session={scene.client.cookies.get('th_session')}"
    headers = {"x-csrftoken": csrf, "cookie": cookie, **HTMX_HEADERS}
    url = f"/items/core.comment/{comment_id}/react"
    kinds = ["like", "none", "dislike", "like", "dislike"] * 10
    try:
        async with AsyncTestClient(app=second, base_url="http://city.test") as other:
            calls = [
                (scene.client if i % 2 else other).post(url, data={"kind": k}, headers=headers)
                for i, k in enumerate(kinds)
            ]
            responses = await asyncio.wait_for(asyncio.gather(*calls), timeout=120)
    finally:
        await second.state.townhall.db.dispose()
    assert all(r.status_code == 200 for r in responses), sorted({r.status_code for r in responses})
    async with scene.factory.db.session(scene.tenant.id) as session:
        rows = list(
            (
                await session.scalars(
                    select(Reaction.kind).where(Reaction.item_kind == "core.comment", Reaction.item_id == comment_id)
                )
            ).all()
        )
    assert len(rows) <= 1
    page = await scene.client.get(scene.page)
    for reaction in ("like", "dislike"):
        shown = re.search(rf'id="{reaction}-comment-{comment_id}-reactions".*?class="count">(\d+)<', page.text, re.S)
        assert int(shown.group(1)) == rows.count(reaction)
