"""Many simultaneous reactions of one person on one item leave exactly one row (SQLite and PostgreSQL: run with
TOWNHALL_TEST_DATABASE_URL to use PostgreSQL)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from plugins.ideation.models import Comment, CommentReaction, Idea, IdeaReaction


async def test_simultaneous_likes_make_one_row(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(dislikes_enabled=True)
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    headers = await ideation.csrf()
    url = f"/p/{phase.id}/ideation/ideas/{idea}/react"
    kinds = ["like"] * 15 + ["dislike"] * 5
    responses = await asyncio.gather(*(client.post(url, data={"kind": k}, headers=headers) for k in kinds))
    assert all(r.status_code in (200, 303) for r in responses), [r.status_code for r in responses]
    async with factory.db.session(tenant.id) as session:
        rows = (await session.scalars(select(IdeaReaction))).all()
        counted = await session.get(Idea, idea)
    assert len(rows) == 1
    assert counted.like_count + counted.dislike_count == 1
    assert (counted.like_count, counted.dislike_count) == ((1, 0) if rows[0].kind == "like" else (0, 1))


async def test_simultaneous_comment_likes_make_one_row(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea}/comments", {"body": "First!"})
    async with factory.db.session(tenant.id) as session:
        comment_id = await session.scalar(select(Comment.id))
    headers = await ideation.csrf()
    url = f"/p/{phase.id}/ideation/comments/{comment_id}/react"
    responses = await asyncio.gather(*(client.post(url, data={"kind": "like"}, headers=headers) for _ in range(20)))
    assert all(r.status_code in (200, 303) for r in responses)
    assert await factory.count(CommentReaction, tenant.id) == 1
    async with factory.db.session(tenant.id) as session:
        assert (await session.get(Comment, comment_id)).like_count == 1


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
            session.add(IdeaReaction(idea_id=idea, user_id=user.id, phase_id=phase.id, kind="like"))
            session.add(IdeaReaction(idea_id=idea, user_id=user.id, phase_id=phase.id, kind="dislike"))
