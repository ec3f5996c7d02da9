"""Rules: limits, switches, phase states, roles, status locks, anonymity, bans; each refusal says why."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db.base import utcnow
from core.models import Reaction, User
from core.participation.reactions import counts
from plugins.ideation.models import Idea


async def test_posting_limit_applies_and_is_explained(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(posting_limit=1)
    await ideation.login(await factory.user(tenant))
    await ideation.idea_id(await ideation.post_idea(phase))
    second = await ideation.post_idea(phase, title="Another idea entirely")
    assert second.status_code == 403
    assert "You have reached the limit for this phase." in second.text
    page = await client.get(f"/p/{phase.id}/ideation")
    assert 'id="post-idea-reason"' in page.text and "reached the limit" in page.text
    assert await factory.count(Idea, tenant.id) == 1


async def test_anonymous_posts_count_towards_the_limit(ideation, factory, tenant) -> None:
    phase = await ideation.phase(posting_limit=1, anonymous_allowed=True)
    await ideation.login(await factory.user(tenant))
    await ideation.idea_id(await ideation.post_idea(phase, anonymous="1"))
    assert (await ideation.post_idea(phase, title="Second anonymous idea", anonymous="1")).status_code == 403


async def test_submission_switched_off(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(submission_enabled=False)
    await ideation.login(await factory.user(tenant))
    response = await ideation.post_idea(phase)
    assert response.status_code == 403
    assert "switched this off" in response.text
    form = await client.get(f"/p/{phase.id}/ideation/new")
    assert 'id="post-idea-reason"' in form.text and 'id="idea-form"' not in form.text


async def test_phase_state_gates_posting(ideation, factory, tenant, client) -> None:
    await ideation.login(await factory.user(tenant))
    for state in ("upcoming", "ended"):
        phase = await ideation.phase(state=state)
        response = await ideation.post_idea(phase)
        assert response.status_code == 403, state
        assert "This phase is not open right now." in response.text
        page = await client.get(f"/p/{phase.id}/ideation")
        assert "This phase is not open right now." in page.text
    assert await factory.count(Idea, tenant.id) == 0


async def test_visitors_must_sign_in(ideation, client) -> None:
    phase = await ideation.phase()
    response = await ideation.post_idea(phase)
    assert response.status_code == 401
    page = await client.get(f"/p/{phase.id}/ideation")
    assert "Sign in to take part." in page.text


async def test_verified_level_and_admin_override(ideation, factory, tenant) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation", permissions={"ideation.post": {"level": "verified"}})
    await ideation.login(await factory.user(tenant, verified=False))
    refused = await ideation.post_idea(phase)
    assert refused.status_code == 403 and "Only verified residents" in refused.text
    await ideation.login(await factory.user(tenant, verified=True))
    await ideation.idea_id(await ideation.post_idea(phase))


async def test_banned_user_may_not_post(ideation, factory, tenant) -> None:
    phase = await ideation.phase()
    user = await factory.user(tenant)
    await ideation.update_user(user, banned_until=utcnow() + timedelta(days=3))
    await ideation.login(user)
    response = await ideation.post_idea(phase)
    assert response.status_code == 403 and "may not post" in response.text


async def test_like_limit_counts_per_phase_and_switching_frees_a_slot(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(like_limit=1)
    await ideation.login(await factory.user(tenant))
    first = await ideation.idea_id(await ideation.post_idea(phase, title="First idea here"))
    second = await ideation.idea_id(await ideation.post_idea(phase, title="Second idea here"))
    base = "/items/ideation.idea"
    assert "reached the limit" not in (await client.get(f"/p/{phase.id}/ideation")).text
    assert (await ideation.post(f"{base}/{first}/react", {"kind": "like"})).status_code == 303
    # The list says so too: its page query counted the likes this person gave in the phase.
    assert "reached the limit" in (await client.get(f"/p/{phase.id}/ideation")).text
    refused = await ideation.post(f"{base}/{second}/react", {"kind": "like"})
    assert refused.status_code == 403 and "reached the limit" in refused.text
    assert (await ideation.post(f"{base}/{first}/react", {"kind": "none"})).status_code == 303
    assert (await ideation.post(f"{base}/{second}/react", {"kind": "like"})).status_code == 303
    async with factory.db.session(tenant.id) as session:
        rows = (await session.execute(select(Reaction.item_id, Reaction.kind))).all()
        counted = await counts(session, "ideation.idea", [first, second])
    assert rows == [(second, "like")]
    assert counted == {first: {}, second: {"like": 1}}


async def test_dislikes_only_when_enabled_and_switch_keeps_one_row(ideation, factory, tenant) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    url = f"/items/ideation.idea/{idea}/react"
    refused = await ideation.post(url, {"kind": "dislike"})
    assert refused.status_code == 403 and "switched this off" in refused.text
    phase2 = await ideation.phase(dislikes_enabled=True)
    idea2 = await ideation.idea_id(await ideation.post_idea(phase2))
    url2 = f"/items/ideation.idea/{idea2}/react"
    assert (await ideation.post(url2, {"kind": "like"})).status_code == 303
    assert (await ideation.post(url2, {"kind": "dislike"})).status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert (await counts(session, "ideation.idea", [idea2]))[idea2] == {"dislike": 1}
    assert await factory.count(Reaction, tenant.id) == 1


async def test_reacting_switched_off_and_ended_phase(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(reacting_enabled=False)
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    response = await ideation.post(f"/items/ideation.idea/{idea}/react", {"kind": "like"})
    assert response.status_code == 403
    page = await client.get(f"/p/{phase.id}/ideation/ideas/{idea}")
    assert f'id="like-item-{idea}-reactions"' in page.text and "disabled" in page.text
    assert "switched this off" in page.text


async def test_author_edits_until_a_status_is_set(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    author = await factory.user(tenant)
    await ideation.login(author)
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    edit = f"/p/{phase.id}/ideation/ideas/{idea}/edit"
    ok = await ideation.post(edit, {"title": "More trees in the big park", "body": "Updated."})
    assert ok.status_code == 303
    admin = await factory.user(tenant, role="admin")
    await ideation.login(admin)
    assert (await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "accepted"})).status_code == 303
    await ideation.login(author)
    locked = await ideation.post(edit, {"title": "Try to change it", "body": "Nope."})
    assert locked.status_code == 403 and "can no longer be changed" in locked.text
    assert (await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea}/withdraw")).status_code == 403
    page = await client.get(f"/p/{phase.id}/ideation/ideas/{idea}")
    assert 'id="edit-reason"' in page.text
    async with factory.db.session(tenant.id) as session:
        assert (await session.get(Idea, idea)).title == "More trees in the big park"


async def test_only_the_author_edits_and_withdrawn_ideas_disappear(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    author = await factory.user(tenant)
    await ideation.login(author)
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    await ideation.login(await factory.user(tenant))
    assert (
        await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea}/edit", {"title": "Hijacked title", "body": "x"})
    ).status_code == 403
    assert (await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea}/withdraw")).status_code == 403
    await ideation.login(author)
    assert (await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea}/withdraw")).status_code == 303
    listing = await client.get(f"/p/{phase.id}/ideation")
    assert "More trees in the park" not in listing.text
    assert (await client.get(f"/p/{phase.id}/ideation/ideas/{idea}")).status_code == 404


async def test_anonymous_posting_needs_the_switch(ideation, factory, tenant) -> None:
    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    response = await ideation.post_idea(phase, anonymous="1")
    assert response.status_code == 422 and "Anonymous posting is not allowed" in response.text


async def test_anonymous_author_never_shown(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase(anonymous_allowed=True)
    author = await factory.user(tenant, display_name="Zebulon Secretname")
    await ideation.login(author)
    idea = await ideation.idea_id(await ideation.post_idea(phase, anonymous="1"))
    comment = await ideation.post(
        f"/items/ideation.idea/{idea}/comments", {"body": "Anonymous remark", "anonymous": "1"}
    )
    assert comment.status_code == 303
    follower = await factory.user(tenant)
    await ideation.login(follower)
    await ideation.post(f"/items/ideation.idea/{idea}/follow", {"follow": "1"})
    pages = [
        await client.get(f"/p/{phase.id}/ideation"),
        await client.get(f"/p/{phase.id}/ideation", headers={"HX-Request": "true"}),
        await client.get(f"/p/{phase.id}/ideation/ideas/{idea}"),
        await ideation.post(f"/items/ideation.idea/{idea}/react", {"kind": "like"}, htmx=True),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "Zebulon" not in page.text
    assert "Anonymous" in pages[2].text
    admin = await factory.user(tenant, role="admin")
    await ideation.login(admin)
    for key in ("ideas", "comments", "reactions"):
        export = await client.get(f"/p/{phase.id}/ideation/export/{key}?format=csv")
        assert export.status_code == 200 and "Zebulon" not in export.text
        assert str(author.email) not in export.text
    await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "accepted"})
    from core.models import Notification

    async with factory.db.session(tenant.id) as session:
        notes = (await session.scalars(select(Notification))).all()
    assert {n.user_id for n in notes} == {author.id, follower.id}
    assert all("Zebulon" not in str(n.data) for n in notes)


async def test_moderator_rights_are_per_project(ideation, factory, tenant) -> None:
    phase = await ideation.phase()
    other_project = await factory.project(tenant)
    moderator = await factory.user(tenant)
    await factory.moderator(other_project, moderator)
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    await ideation.login(moderator)
    refused = await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "accepted"})
    assert refused.status_code == 403
    assert (await ideation.client.get(f"/p/{phase.id}/ideation/moderation")).status_code == 403
    project = (await factory.reload(type(phase), phase.id, tenant.id)).project_id
    from core.models import Project

    await factory.moderator(await factory.reload(Project, project, tenant.id), moderator)
    assert (await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "accepted"})).status_code == 303


async def test_other_tenant_cannot_see_ideas(ideation, factory, tenant, other_tenant, app) -> None:
    from litestar.testing import AsyncTestClient

    phase = await ideation.phase()
    await ideation.login(await factory.user(tenant))
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    async with AsyncTestClient(app=app, base_url="http://other.test") as other:
        assert (await other.get(f"/p/{phase.id}/ideation")).status_code == 404
        assert (await other.get(f"/p/{phase.id}/ideation/ideas/{idea}")).status_code == 404


async def test_banning_sets_banned_until(ideation, factory, tenant) -> None:
    phase = await ideation.phase()
    author = await factory.user(tenant)
    await ideation.login(author)
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    await ideation.login(await factory.user(tenant, role="admin"))
    response = await ideation.post(f"/items/ideation.idea/{idea}/moderate", {"action": "ban", "days": "5"})
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        banned = await session.scalar(select(User.banned_until).where(User.id == author.id))
    assert banned is not None and banned > utcnow() + timedelta(days=4)


def test_the_list_counts_what_a_person_gave_only_for_the_limits_the_phase_sets() -> None:
    """A phase without limits reads none of the visitor's reactions or ideas in the phase: a list page of a person
    who reacted to hundreds of ideas cost that much more for counts nothing showed (issue 16)."""
    from plugins.ideation.services import _page_statement

    def columns(**limits: object) -> set[str]:
        shaped = _page_statement("newest", False, False, False, False, True, False, **limits)
        return {c.name for c in shaped.rows.selected_columns}

    assert not {"th_given_like", "th_given_dislike", "own_ideas"} & columns()
    assert {"th_given_like", "own_ideas"} <= columns(limited=("like",), posting_limit=True)
    assert "th_given_dislike" not in columns(limited=("like",), posting_limit=True)
    assert {"th_given_dislike"} <= columns(limited=("dislike",)) and "own_ideas" not in columns(limited=("dislike",))
