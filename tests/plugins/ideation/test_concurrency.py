"""Many simultaneous reactions of one person on one item leave exactly one row (SQLite and PostgreSQL: run with
TOWNHALL_TEST_DATABASE_URL to use PostgreSQL)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.models import Comment, Reaction
from core.participation.reactions import counts


async def test_simultaneous_likes_make_one_row(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(dislikes_enabled=True)
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    headers = await ideation.csrf()
    url = f"/items/ideation.idea/{idea}/react"
    kinds = ["like"] * 15 + ["dislike"] * 5
    responses = await asyncio.gather(*(client.post(url, data={"kind": k}, headers=headers) for k in kinds))
    assert all(r.status_code in (200, 303) for r in responses), [r.status_code for r in responses]
    async with factory.db.session(tenant.id) as session:
        rows = (await session.scalars(select(Reaction).where(Reaction.item_kind == "ideation.idea"))).all()
        counted = (await counts(session, "ideation.idea", [idea]))[idea]
    assert len(rows) == 1
    assert counted == {rows[0].kind: 1}


async def test_simultaneous_comment_likes_make_one_row(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": "First!"})
    async with factory.db.session(tenant.id) as session:
        comment_id = await session.scalar(select(Comment.id))
    headers = await ideation.csrf()
    url = f"/items/core.comment/{comment_id}/react"
    responses = await asyncio.gather(*(client.post(url, data={"kind": "like"}, headers=headers) for _ in range(20)))
    assert all(r.status_code in (200, 303) for r in responses)
    assert await factory.count(Reaction, tenant.id) == 1
    async with factory.db.session(tenant.id) as session:
        assert (await counts(session, "core.comment", [comment_id]))[comment_id] == {"like": 1}


async def test_unique_constraint_holds_without_the_service(ideation, factory, tenant) -> None:
    """The database itself refuses a second reaction row, whatever code writes it."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    phase = await ideation.phase()
    user = await factory.user(tenant)
    await ideation.login(user)
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    with pytest.raises(IntegrityError):
        async with factory.db.session(tenant.id, write=True) as session:
            for kind in ("like", "dislike"):
                session.add(
                    Reaction(item_kind="ideation.idea", item_id=idea, user_id=user.id, phase_id=phase.id, kind=kind)
                )
