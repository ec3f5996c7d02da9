"""A resident's data export (the JSON download) holds their ideas, comments on ideas, reactions on ideas and on
comments, follows and reports; deleting the account leaves every reaction and comment count equal to its rows."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from core.models import Comment, Follow, Reaction, Report, User
from core.participation import comments as core_comments
from core.participation import reactions as core_reactions
from core.testing.factories import DEFAULT_PASSWORD


async def _counts(factory, tenant, kind, ids):
    async with factory.db.session(tenant.id) as session:
        return (
            await core_reactions.counts(session, kind, ids),
            await core_comments.counts(session, kind, ids),
        )


async def _rows(factory, tenant, kind, ids):
    """The same figures straight from the rows: reactions by kind, visible comments."""
    async with factory.db.session(tenant.id) as session:
        reacted = {i: {} for i in ids}
        for item_id, reaction, n in (
            await session.execute(
                select(Reaction.item_id, Reaction.kind, func.count())
                .where(Reaction.item_kind == kind, Reaction.item_id.in_(ids))
                .group_by(Reaction.item_id, Reaction.kind)
            )
        ).all():
            reacted[item_id][reaction] = n
        commented = dict.fromkeys(ids, 0)
        for row in (await session.scalars(select(Comment).where(Comment.item_kind == kind))).all():
            if row.item_id in commented and row.visible:
                commented[row.item_id] += 1
    return reacted, commented


async def test_export_and_forgetting_cover_the_core_rows_on_ideas(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(dislikes_enabled=True)
    base = f"/p/{phase.id}/ideation"
    other = await factory.user(tenant, display_name="Other")
    await ideation.login(other)
    theirs = await ideation.idea_id(await ideation.post_idea(phase, title="A fountain"))
    await ideation.post(f"/items/ideation.idea/{theirs}/comments", {"body": "Their comment"})
    async with factory.db.session(tenant.id) as session:
        their_comment = await session.scalar(select(Comment.id).where(Comment.author_id == other.id))

    person = await factory.user(tenant, display_name="Leaving Person")
    await ideation.login(person)
    mine = await ideation.idea_id(await ideation.post_idea(phase, title="A bench"))
    assert (await ideation.post(f"/items/ideation.idea/{theirs}/comments", {"body": "I agree"})).status_code == 303
    assert (await ideation.post(f"/items/ideation.idea/{theirs}/react", {"kind": "like"})).status_code == 303
    assert (await ideation.post(f"/items/core.comment/{their_comment}/react", {"kind": "dislike"})).status_code == 303
    assert (await ideation.post(f"/items/ideation.idea/{theirs}/follow", {"follow": "1"})).status_code == 303
    assert (await ideation.post(f"/items/core.comment/{their_comment}/report", {"reason": "spam"})).status_code == 303
    await ideation.login(other)
    await ideation.post(f"/items/ideation.idea/{mine}/react", {"kind": "like"})

    await ideation.login(person)
    download = await client.get("/account/data")
    assert download.status_code == 200
    data = json.loads(download.content)
    part = data["plugins"]["core.participation"]
    assert [c["body"] for c in part["comments"]] == ["I agree"]
    assert all(c["on"] == f"ideation.idea:{theirs}" for c in part["comments"])
    assert sorted((r["on"], r["kind"]) for r in part["reactions"]) == sorted(
        [(f"ideation.idea:{theirs}", "like"), (f"core.comment:{their_comment}", "dislike")]
    )
    assert sorted(f["on"] for f in part["follows"]) == sorted([f"ideation.idea:{mine}", f"ideation.idea:{theirs}"])
    assert [(r["on"], r["reason"]) for r in part["reports"]] == [(f"core.comment:{their_comment}", "spam")]
    assert [i["title"] for i in data["plugins"]["ideation"]["ideas"]] == ["A bench"]

    ideas, comment_ids = [theirs, mine], [their_comment]
    before_ideas = await _counts(factory, tenant, "ideation.idea", ideas)
    assert before_ideas[0][theirs] == {"like": 1} and before_ideas[1][theirs] == 2

    deleted = await ideation.post("/account/delete", {"delete_password": DEFAULT_PASSWORD})
    assert deleted.status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert await session.get(User, person.id) is None
        for column in (Reaction.user_id, Follow.user_id, Report.reporter_id):
            assert await session.scalar(select(func.count()).where(column == person.id)) == 0
        kept = await session.scalar(select(Comment).where(Comment.body == "I agree"))
    assert kept.author_id is None and kept.anonymous

    for kind, ids in (("ideation.idea", ideas), ("core.comment", comment_ids)):
        assert await _counts(factory, tenant, kind, ids) == await _rows(factory, tenant, kind, ids)
    after_ideas = await _counts(factory, tenant, "ideation.idea", ideas)
    assert after_ideas[0] == {theirs: {}, mine: {"like": 1}}  # the leaver's like is gone, the one they got stays
    assert after_ideas[1] == {theirs: 2, mine: 0}  # their comment stays, without an author
    assert (await _counts(factory, tenant, "core.comment", comment_ids))[0] == {their_comment: {}}

    page = await client.get(f"{base}/?view=list&sort=newest")
    assert page.status_code == 200
    assert "Leaving Person" not in page.text
    shown = re.search(rf'id="like-item-{theirs}-reactions".*?class="count">(\d+)<', page.text, re.S)
    assert shown is not None and int(shown.group(1)) == 0
    idea_page = await client.get(f"{base}/ideas/{theirs}")
    assert "I agree" in idea_page.text and "Leaving Person" not in idea_page.text
    dislikes = re.search(
        rf'id="dislike-comment-{their_comment}-reactions".*?class="count">(\d+)<', idea_page.text, re.S
    )
    assert dislikes is not None and int(dislikes.group(1)) == 0
