"""Threaded comments on any item: replies, edit window, deleted placeholder, sanitised markdown, anonymity, counts."""

from __future__ import annotations

from datetime import timedelta

from core.models import Comment, Notification


async def test_comment_reply_and_count_on_the_item_page(scene) -> None:
    await scene.resident(display_name="Ada")
    first = await scene.comment("First **bold**")
    reply = await scene.comment("A reply", parent_id=str(first))
    deeper = await scene.comment("A reply to the reply", parent_id=str(reply))
    rows = {c.id: c for c in await scene.comments()}
    assert rows[reply].parent_id == first
    assert rows[deeper].parent_id == reply  # the dummy allows two levels of replies
    page = await scene.client.get(scene.page)
    assert "3 comments" in page.text
    assert "<strong>bold</strong>" in page.text
    assert f'id="comment-{deeper}"' in page.text
    assert "<bdi>Ada</bdi>" in page.text


async def test_markdown_is_sanitised(scene) -> None:
    await scene.resident()
    await scene.comment('Hi <script>alert(1)</script> <img src=x onerror="alert(2)">')
    page = await scene.client.get(scene.page)
    section = page.text.split('id="comments"')[1]
    assert "<script>alert(1)" not in section
    assert "<img" not in section


async def test_empty_or_too_long_comment_is_a_clear_422(scene) -> None:
    await scene.resident()
    assert (await scene.post(f"{scene.item}/comments", {"body": "  "})).status_code == 422
    too_long = await scene.post(f"{scene.item}/comments", {"body": "x" * 3001})
    assert too_long.status_code == 422
    assert "at most 3000 characters" in too_long.text
    assert await scene.comments() == []


async def test_anonymous_only_where_the_phase_allows_it(scene, factory, tenant) -> None:
    await scene.resident(display_name="Hidden Name")
    refused = await scene.post(f"{scene.item}/comments", {"body": "Psst", "anonymous": "1"})
    assert refused.status_code == 403
    await scene.setup(anonymous_comments=True)
    await scene.comment("Psst", anonymous="1")
    page = await scene.client.get(scene.page)
    assert "Anonymous" in page.text
    assert "Hidden Name" not in page.text.split('id="comments"')[1]


async def test_visitor_cannot_comment_and_sees_why(scene) -> None:
    page = await scene.client.get(scene.page)
    assert "Sign in to take part." in page.text
    assert (await scene.post(f"{scene.item}/comments", {"body": "x"})).status_code == 401


async def test_comment_refused_when_the_phase_has_ended(scene, factory) -> None:
    scene.phase = await factory.phase(scene.project, "dummy", state="ended")
    await scene.resident()
    response = await scene.post(f"{scene.item}/comments", {"body": "Late"})
    assert response.status_code == 403
    assert "This phase is not open right now." in response.text


async def test_edit_within_the_window_only(scene, factory, tenant) -> None:
    await scene.resident()
    comment_id = await scene.comment("Typo")
    path = f"/items/core.comment/{comment_id}/edit"
    assert (await scene.client.get(path)).status_code == 200
    assert (await scene.post(path, {"body": "Fixed"})).status_code == 303
    fixed = await factory.reload(Comment, comment_id, tenant.id)
    assert fixed.body == "Fixed" and fixed.edited_at is not None
    async with factory.db.session(tenant.id, write=True) as session:
        row = await session.get(Comment, comment_id)
        row.created_at = row.created_at - timedelta(minutes=16)
    late = await scene.post(path, {"body": "Too late"})
    assert late.status_code == 403
    assert "shortly after posting" in late.text


async def test_only_the_author_edits(scene) -> None:
    await scene.resident()
    comment_id = await scene.comment("Mine")
    await scene.resident()
    response = await scene.post(f"/items/core.comment/{comment_id}/edit", {"body": "Theirs"})
    assert response.status_code == 403


async def test_deleted_comment_leaves_a_placeholder_and_leaves_the_count(scene, factory, tenant) -> None:
    await scene.resident()
    first = await scene.comment("Keep the thread")
    await scene.comment("A reply", parent_id=str(first))
    assert (await scene.post(f"/items/core.comment/{first}/delete")).status_code == 303
    gone = await factory.reload(Comment, first, tenant.id)
    assert gone.deleted_at is not None and gone.body == ""
    page = await scene.client.get(scene.page)
    assert "This comment was deleted." in page.text
    assert "1 comment" in page.text
    assert "A reply" in page.text


async def test_followers_hear_of_new_comments(scene, factory, tenant) -> None:
    follower = await scene.resident()
    assert (await scene.post(f"{scene.item}/follow", {"follow": "1"})).status_code == 303
    await scene.resident()
    await scene.comment("News")
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        rows = (await session.scalars(select(Notification).where(Notification.user_id == follower.id))).all()
    assert [r.kind for r in rows] == ["core.comment"]
    assert rows[0].url.endswith(f"/phases/{scene.phase.id}#comment-{(await scene.comments())[0].id}")


async def test_items_of_another_tenant_or_unknown_kinds_are_404(scene, factory, other_tenant, client) -> None:
    await scene.resident()
    project = await factory.project(other_tenant)
    foreign = await factory.phase(project, "dummy")
    assert (await scene.post(f"/items/dummy.phase/{foreign.id}/comments", {"body": "x"})).status_code == 404
    assert (await scene.post(f"/items/nosuch.thing/{scene.phase.id}/comments", {"body": "x"})).status_code == 404
    ideation = await factory.phase(scene.project, "ideation")
    assert (await scene.post(f"/items/dummy.phase/{ideation.id}/comments", {"body": "x"})).status_code == 404
    assert await scene.comments() == []


async def test_the_fragments_are_translated(scene) -> None:
    await scene.resident(locale="ar")
    await scene.comment("مرحبا")
    page = await scene.client.get(scene.page)
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text
    assert "التحديثات الرسمية" in page.text  # Official updates
    assert "<bdi>" in page.text
