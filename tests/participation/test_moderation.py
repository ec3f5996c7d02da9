"""Reports, auto-hide, hide/unhide with a reason shown in place, bans, the audit log, and ONE moderation queue per
municipality: moderators see the projects they moderate, admins all; filters by project, method and reason."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, Comment, Report, User


async def _audit(scene) -> list[str]:
    async with scene.factory.db.session(scene.tenant.id) as session:
        return list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


async def test_one_report_per_person_and_auto_hide_after_n(scene, factory, tenant) -> None:
    await scene.setup(auto_hide_reports=2)
    await scene.resident()
    comment_id = await scene.comment("Rude words")
    report = f"/items/core.comment/{comment_id}/report"
    await scene.resident()
    assert (await scene.client.get(report)).status_code == 200
    assert (await scene.post(report, {"reason": "offensive"})).status_code == 303
    assert (await scene.post(report, {"reason": "spam"})).status_code == 303
    assert await factory.count(Report, tenant.id) == 1
    assert not (await factory.reload(Comment, comment_id, tenant.id)).hidden
    await scene.resident()
    await scene.post(report, {"reason": "offensive", "note": "Really"})
    hidden = await factory.reload(Comment, comment_id, tenant.id)
    assert hidden.hidden and hidden.hidden_reason == "reports"
    page = await scene.client.get(scene.page)
    assert "This comment is hidden by a moderator." in page.text
    assert "Hidden after several reports, pending review" in page.text
    assert "Rude words" not in page.text
    assert "moderation.hidden" in await _audit(scene)


async def test_report_needs_a_known_reason(scene, factory, tenant) -> None:
    await scene.resident()
    response = await scene.post(f"{scene.item}/report", {"reason": "because"})
    assert response.status_code == 422
    assert "Choose a reason." in response.text
    assert await factory.count(Report, tenant.id) == 0


async def test_queue_spans_projects_and_methods_for_admins(scene, factory, tenant) -> None:
    await scene.resident()
    comment_id = await scene.comment("Spam spam")
    other_project = await factory.project(tenant, title={"en": "Other project"})
    other_phase = await factory.phase(other_project, "dummy")
    await scene.post(f"/items/core.comment/{comment_id}/report", {"reason": "spam"})
    await scene.post(f"/items/dummy.phase/{other_phase.id}/report", {"reason": "off_topic"})
    admin = await factory.user(tenant, role="admin")
    await factory.login(scene.client, admin)
    queue = await scene.client.get("/admin/moderation")
    assert queue.status_code == 200
    assert f'id="queue-core.comment-{comment_id}"' in queue.text
    assert f'id="queue-dummy.phase-{other_phase.id}"' in queue.text
    assert "Spam spam" in queue.text
    by_reason = await scene.client.get("/admin/moderation?reason=spam")
    assert f"queue-core.comment-{comment_id}" in by_reason.text
    assert f"queue-dummy.phase-{other_phase.id}" not in by_reason.text
    by_project = await scene.client.get(f"/admin/moderation?project={other_project.id}")
    assert f"queue-core.comment-{comment_id}" not in by_project.text
    assert f"queue-dummy.phase-{other_phase.id}" in by_project.text
    by_method = await scene.client.get("/admin/moderation?method=ideation")
    assert "queue-" not in by_method.text
    nav = await scene.client.get("/admin")
    assert 'href="/admin/moderation"' in nav.text


async def test_moderators_see_only_their_projects_and_residents_none(scene, factory, tenant) -> None:
    await scene.resident()
    comment_id = await scene.comment("Needs a look")
    other_project = await factory.project(tenant)
    other_phase = await factory.phase(other_project, "dummy")
    await scene.post(f"/items/core.comment/{comment_id}/report", {"reason": "spam"})
    await scene.post(f"/items/dummy.phase/{other_phase.id}/report", {"reason": "spam"})
    assert (await scene.client.get("/admin/moderation")).status_code == 403
    moderator = await factory.user(tenant)
    await factory.moderator(scene.project, moderator)
    await factory.login(scene.client, moderator)
    queue = await scene.client.get("/admin/moderation")
    assert queue.status_code == 200
    assert f"queue-core.comment-{comment_id}" in queue.text
    assert f"queue-dummy.phase-{other_phase.id}" not in queue.text
    refused = await scene.post(f"/items/dummy.phase/{other_phase.id}/moderate", {"action": "hide", "reason": "rules"})
    assert refused.status_code == 403


async def test_hide_unhide_dismiss_and_ban_are_audited(scene, factory, tenant) -> None:
    author = await scene.resident()
    comment_id = await scene.comment("Off the rails")
    await scene.resident()
    await scene.post(f"/items/core.comment/{comment_id}/report", {"reason": "offensive"})
    moderator = await factory.user(tenant)
    await factory.moderator(scene.project, moderator)
    await factory.login(scene.client, moderator)
    act = f"/items/core.comment/{comment_id}/moderate"
    hidden = await scene.post(act, {"action": "hide", "reason": "rules", "next": "/admin/moderation"})
    assert hidden.status_code == 303 and hidden.headers["location"] == "/admin/moderation?notice=moderated"
    row = await factory.reload(Comment, comment_id, tenant.id)
    assert row.hidden and row.hidden_reason == "rules"
    async with factory.db.session(tenant.id) as session:
        assert (await session.scalar(select(Report.resolution))) == "hidden"
    assert (await scene.post(act, {"action": "unhide"})).status_code == 303
    assert not (await factory.reload(Comment, comment_id, tenant.id)).hidden
    assert (await scene.post(act, {"action": "dismiss"})).status_code == 303
    assert (await scene.post(act, {"action": "ban", "days": "0"})).status_code == 422
    assert (await scene.post(act, {"action": "ban", "days": "7"})).status_code == 303
    assert (await factory.reload(User, author.id, tenant.id)).banned_until is not None
    assert (await scene.post(act, {"action": "explode"})).status_code == 400
    actions = await _audit(scene)
    for expected in (
        "moderation.hidden",
        "moderation.unhidden",
        "moderation.reports_dismissed",
        "moderation.user_banned",
    ):
        assert expected in actions
    await factory.login(scene.client, author)
    banned = await scene.post(f"{scene.item}/comments", {"body": "Again"})
    assert banned.status_code == 403


async def test_a_hidden_item_is_404_for_residents_and_shown_to_moderators(scene, factory, tenant) -> None:
    admin = await factory.user(tenant, role="admin")
    await factory.login(scene.client, admin)
    assert (await scene.post(f"{scene.item}/moderate", {"action": "hide", "reason": "duplicate"})).status_code == 303
    page = await scene.client.get(scene.page)
    assert 'id="comments"' in page.text
    await scene.resident()
    assert (await scene.post(f"{scene.item}/comments", {"body": "x"})).status_code == 404
    page = await scene.client.get(scene.page)
    assert "Hidden by a moderator." in page.text


async def test_hidden_view_keeps_hidden_items_reachable_after_their_reports_were_handled(
    scene, factory, tenant
) -> None:
    """A hidden item whose reports were all handled used to vanish from every queue; the "hidden" view lists it with
    the project/method/reason filters, only for its project's moderators, and unhides it with an audited reason."""
    await scene.resident()
    await scene.post(f"{scene.item}/report", {"reason": "spam"})
    other_project = await factory.project(tenant)
    other_phase = await factory.phase(other_project, "dummy")
    admin = await factory.user(tenant, role="admin")
    await factory.login(scene.client, admin)
    hidden = await scene.post(f"{scene.item}/moderate", {"action": "hide", "reason": "duplicate"})
    assert hidden.status_code == 303
    assert (await scene.post(f"/items/dummy.phase/{other_phase.id}/moderate", {"action": "hide"})).status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert (await session.scalar(select(Report.resolution))) == "hidden"  # no open report is left
    entry = f'id="queue-dummy.phase-{scene.phase.id}"'
    other = f'id="queue-dummy.phase-{other_phase.id}"'
    reported = await scene.client.get("/admin/moderation")
    assert entry not in reported.text and other not in reported.text
    view = await scene.client.get("/admin/moderation?view=hidden")
    assert view.status_code == 200
    assert entry in view.text and other in view.text
    assert 'id="view-hidden" aria-current="page"' in view.text
    assert 'name="view" value="hidden"' in view.text  # the filters stay in the hidden view
    by_project = await scene.client.get(f"/admin/moderation?view=hidden&project={other_project.id}")
    assert entry not in by_project.text and other in by_project.text
    by_reason = await scene.client.get("/admin/moderation?view=hidden&reason=duplicate")
    assert entry in by_reason.text and other not in by_reason.text
    by_method = await scene.client.get("/admin/moderation?view=hidden&method=ideation")
    assert "queue-" not in by_method.text
    by_dummy = await scene.client.get("/admin/moderation?view=hidden&method=dummy")
    assert entry in by_dummy.text
    moderator = await factory.user(tenant)
    await factory.moderator(scene.project, moderator)
    await factory.login(scene.client, moderator)
    theirs = await scene.client.get("/admin/moderation?view=hidden")
    assert entry in theirs.text and other not in theirs.text
    assert f'id="unhide-reason-dummy.phase-{scene.phase.id}"' in theirs.text
    act = f"{scene.item}/moderate"
    bad = await scene.post(act, {"action": "unhide", "reason": "duplicate", "next": "/admin/moderation?view=hidden"})
    assert bad.status_code == 422
    shown = await scene.post(act, {"action": "unhide", "reason": "mistake", "next": "/admin/moderation?view=hidden"})
    assert shown.status_code == 303
    assert shown.headers["location"] == "/admin/moderation?view=hidden&notice=moderated"
    after = await scene.client.get("/admin/moderation?view=hidden")
    assert entry not in after.text
    async with factory.db.session(tenant.id) as session:
        unhidden = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.unhidden"))).all()
    assert [(e.actor_id, e.data["reason"]) for e in unhidden] == [(moderator.id, "mistake")]


async def test_hidden_view_lists_hidden_comments_by_hiding_reason(scene, factory, tenant) -> None:
    await scene.resident()
    comment_id = await scene.comment("Private phone number")
    admin = await factory.user(tenant, role="admin")
    await factory.login(scene.client, admin)
    await scene.post(f"/items/core.comment/{comment_id}/moderate", {"action": "hide", "reason": "personal"})
    personal = await scene.client.get("/admin/moderation?view=hidden&reason=personal")
    assert f'id="queue-core.comment-{comment_id}"' in personal.text
    rules = await scene.client.get("/admin/moderation?view=hidden&reason=rules")
    assert f'id="queue-core.comment-{comment_id}"' not in rules.text
