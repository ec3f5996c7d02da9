from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from core.db.base import utcnow
from core.models import Comment
from core.participation.comments import counts


async def _setup(ideation, factory, tenant, **config):
    phase = await ideation.phase(**config)
    user = await factory.user(tenant, display_name="Commenter One")
    await ideation.login(user)
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    return phase, user, idea


async def _comment_ids(factory, tenant):
    async with factory.db.session(tenant.id) as session:
        return list((await session.scalars(select(Comment.id).order_by(Comment.id))).all())


async def test_threaded_reply_edit_and_delete_placeholder(ideation, factory, tenant, client) -> None:
    phase, _user, idea = await _setup(ideation, factory, tenant)
    base = f"/p/{phase.id}/ideation"
    comments = f"/items/ideation.idea/{idea}/comments"
    assert (await ideation.post(comments, {"body": "Top level remark"})).status_code == 303
    [top] = await _comment_ids(factory, tenant)
    reply = await ideation.post(comments, {"body": "A reply", "parent_id": str(top)})
    assert reply.status_code == 303
    [_, child] = await _comment_ids(factory, tenant)
    deeper = await ideation.post(comments, {"body": "Reply to reply", "parent_id": str(child)})
    assert deeper.status_code == 303
    async with factory.db.session(tenant.id) as session:
        parents = dict((await session.execute(select(Comment.id, Comment.parent_id))).all())
    assert list(parents.values()) == [None, top, top]  # two levels: replies to replies join the thread
    assert (await ideation.post(f"/items/core.comment/{top}/edit", {"body": "Edited remark"})).status_code == 303
    assert (await ideation.post(f"/items/core.comment/{top}/delete")).status_code == 303
    page = await client.get(f"{base}/ideas/{idea}")
    assert "This comment was deleted." in page.text
    assert "Edited remark" not in page.text and "A reply" in page.text
    async with factory.db.session(tenant.id) as session:
        assert (await counts(session, "ideation.idea", [idea]))[idea] == 2


async def test_edit_window_closes(ideation, factory, tenant) -> None:
    _phase, _user, idea = await _setup(ideation, factory, tenant, comment_edit_minutes=10)
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": "Original"})
    [cid] = await _comment_ids(factory, tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Comment).values(created_at=utcnow() - timedelta(minutes=11)))
    refused = await ideation.post(f"/items/core.comment/{cid}/edit", {"body": "Too late"})
    assert refused.status_code == 403 and "shortly after posting" in refused.text


async def test_others_cannot_edit_or_delete(ideation, factory, tenant) -> None:
    _phase, _user, idea = await _setup(ideation, factory, tenant)
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": "Mine"})
    [cid] = await _comment_ids(factory, tenant)
    await ideation.login(await factory.user(tenant))
    assert (await ideation.post(f"/items/core.comment/{cid}/edit", {"body": "Theirs"})).status_code == 403
    assert (await ideation.post(f"/items/core.comment/{cid}/delete")).status_code == 403


async def test_commenting_off_and_empty_comment(ideation, factory, tenant, client) -> None:
    phase, _user, idea = await _setup(ideation, factory, tenant, commenting_enabled=False)
    base = f"/p/{phase.id}/ideation"
    refused = await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": "Hello"})
    assert refused.status_code == 403
    page = await client.get(f"{base}/ideas/{idea}")
    assert 'id="comment-reason"' in page.text and "switched this off" in page.text
    _phase2, _u, idea2 = await _setup(ideation, factory, tenant)
    page = await client.get(f"/p/{_phase2.id}/ideation/ideas/{idea2}")
    assert re.search(r'<form [^>]*id="comment-form" novalidate>', page.text), "no browser bubble in its own language"
    empty = await ideation.post(f"/items/ideation.idea/{idea2}/comments", {"body": "   "})
    assert empty.status_code == 422 and "Write a comment first." in empty.text
    dutch = await ideation.post(f"/nl/items/ideation.idea/{idea2}/comments", {"body": ""})
    assert dutch.status_code == 422 and "Schrijf eerst een reactie." in dutch.text
    assert await factory.count(Comment, tenant.id) == 0
