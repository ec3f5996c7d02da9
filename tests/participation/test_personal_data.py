"""Each primitive's part of a person's data export, and forgetting them: their reactions, follows and reports go,
their comments stay without an author, and every count shown equals the rows afterwards."""

from __future__ import annotations

import re

from sqlalchemy import select

from core import accounts
from core.models import Comment, Follow, Reaction, Report, User


async def test_export_contains_comments_reactions_follows_and_reports(scene, factory, tenant, app) -> None:
    person = await scene.resident()
    comment_id = await scene.comment("Mine")
    await scene.post(f"{scene.item}/react", {"kind": "like"})
    await scene.post(f"/items/core.comment/{comment_id}/react", {"kind": "like"})
    await scene.post(f"{scene.item}/follow", {"follow": "1"})
    await scene.post(f"{scene.item}/report", {"reason": "other"})
    async with factory.db.session(tenant.id) as session:
        data = await accounts.export_user_data(
            session, await session.get(User, person.id), app.state.townhall.registry.pm
        )
    mine = data["plugins"]["core.participation"]
    assert [c["body"] for c in mine["comments"]] == ["Mine"]
    assert sorted(r["on"] for r in mine["reactions"]) == sorted(
        [f"dummy.phase:{scene.phase.id}", f"core.comment:{comment_id}"]
    )
    assert [f["on"] for f in mine["follows"]] == [f"dummy.phase:{scene.phase.id}"]
    assert [r["reason"] for r in mine["reports"]] == ["other"]


async def test_deleting_an_account_leaves_every_count_equal_to_its_rows(scene, factory, tenant, app) -> None:
    await scene.resident()
    comment_id = await scene.comment("Stays")
    leaving = await scene.resident()
    await scene.post(f"{scene.item}/react", {"kind": "like"})
    await scene.post(f"/items/core.comment/{comment_id}/react", {"kind": "dislike"})
    await scene.post(f"{scene.item}/follow", {"follow": "1"})
    await scene.post(f"/items/core.comment/{comment_id}/report", {"reason": "spam"})
    await scene.comment("My words")
    stayer = await scene.resident()
    await scene.post(f"{scene.item}/react", {"kind": "like"})
    async with factory.db.session(tenant.id, write=True) as session:
        await accounts.delete_user(session, await session.get(User, leaving.id), app.state.townhall.registry.pm)
    async with factory.db.session(tenant.id) as session:
        reactions = (await session.execute(select(Reaction.item_kind, Reaction.user_id, Reaction.kind))).all()
        comments = (await session.scalars(select(Comment).order_by(Comment.id))).all()
        assert await session.scalar(select(Follow.id).where(Follow.user_id == leaving.id)) is None
        assert await session.scalar(select(Report.id)) is None
    assert [(k, u) for k, u, _ in reactions] == [("dummy.phase", stayer.id)]
    assert comments[1].author_id is None and comments[1].anonymous and comments[1].body == "My words"
    page = await scene.client.get(scene.page)
    item_likes = re.search(rf'id="like-item-{scene.phase.id}-reactions".*?class="count">(\d+)<', page.text, re.S)
    comment_dislikes = re.search(
        rf'id="dislike-comment-{comment_id}-reactions".*?class="count">(\d+)<', page.text, re.S
    )
    assert int(item_likes.group(1)) == 1
    assert int(comment_dislikes.group(1)) == 0
    assert "2 comments" in page.text
