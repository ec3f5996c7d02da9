"""Reports, the moderator queue, hide/unhide, automatic hiding, status changes with notifications and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, Comment, Notification, Report, StatusChange
from core.participation.comments import counts
from plugins.ideation.models import Idea


async def _idea(ideation, factory, tenant, **config):
    phase = await ideation.phase(**config)
    author = await factory.user(tenant, display_name="Alice Author")
    await ideation.login(author)
    idea = await ideation.idea_id(await ideation.post_idea(phase))
    return phase, author, idea


async def test_reports_hide_after_threshold_and_queue_lists_them(ideation, factory, tenant, client) -> None:
    phase, _author, idea = await _idea(ideation, factory, tenant, auto_hide_reports=2)
    base = f"/p/{phase.id}/ideation"
    reporters = [await factory.user(tenant) for _ in range(2)]
    await ideation.login(reporters[0])
    form = await client.get(f"/items/ideation.idea/{idea}/report")
    assert form.status_code == 200 and 'id="report-form"' in form.text
    assert (await ideation.post(f"/items/ideation.idea/{idea}/report", {"reason": "nonsense"})).status_code == 422
    first = await ideation.post(f"/items/ideation.idea/{idea}/report", {"reason": "spam", "note": "Advert"})
    assert first.status_code == 303 and first.headers["location"].endswith(f"/ideation/ideas/{idea}?notice=reported")
    shown = await client.get("/nl" + first.headers["location"])
    assert "Bedankt. Een moderator bekijkt je melding." in shown.text
    again = await ideation.post(f"/items/ideation.idea/{idea}/report", {"reason": "spam"})
    assert again.status_code == 303
    assert await factory.count(Report, tenant.id) == 1
    async with factory.db.session(tenant.id) as session:
        assert (await session.get(Idea, idea)).hidden is False
    await ideation.login(reporters[1])
    await ideation.post(f"/items/ideation.idea/{idea}/report", {"reason": "offensive"})
    async with factory.db.session(tenant.id) as session:
        row = await session.get(Idea, idea)
        assert row.hidden is True and row.hidden_reason == "reports"
        audit = (await session.scalars(select(AuditEntry.action))).all()
    assert "moderation.hidden" in audit
    assert await factory.count(Report, tenant.id) == 2
    assert (await client.get(f"{base}/ideas/{idea}")).status_code == 404  # hidden for residents
    assert "More trees" not in (await client.get(base)).text
    moderator = await factory.user(tenant)
    project = await factory.reload(__import__("core.models", fromlist=["Project"]).Project, phase.project_id, tenant.id)
    await factory.moderator(project, moderator)
    await ideation.login(moderator)
    moved = await client.get(f"{base}/moderation", follow_redirects=False)
    assert moved.status_code in (302, 303)
    assert f"/admin/moderation?project={phase.project_id}" in moved.headers["location"]
    queue = await client.get(f"/admin/moderation?project={phase.project_id}")
    assert queue.status_code == 200 and f'id="queue-ideation.idea-{idea}"' in queue.text and "Advert" in queue.text
    assert (await ideation.post(f"/items/ideation.idea/{idea}/moderate", {"action": "unhide"})).status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert (await session.get(Idea, idea)).hidden is False
        open_reports = (await session.scalars(select(Report).where(Report.resolved_at.is_(None)))).all()
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert open_reports == []
    assert "moderation.unhidden" in actions


async def test_moderator_hides_comment_and_count_follows(ideation, factory, tenant, client) -> None:
    phase, _author, idea = await _idea(ideation, factory, tenant)
    base = f"/p/{phase.id}/ideation"
    await ideation.post(f"/items/ideation.idea/{idea}/comments", {"body": "Rude words here"})
    async with factory.db.session(tenant.id) as session:
        cid = await session.scalar(select(Comment.id))
    await ideation.login(await factory.user(tenant, role="admin"))
    assert (
        await ideation.post(f"/items/core.comment/{cid}/moderate", {"action": "hide", "reason": "rules"})
    ).status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert (await counts(session, "ideation.idea", [idea]))[idea] == 0
    await ideation.login(await factory.user(tenant))
    page = await client.get(f"{base}/ideas/{idea}")
    assert "Rude words here" not in page.text and "hidden by a moderator" in page.text


async def test_residents_cannot_moderate(ideation, factory, tenant, client) -> None:
    phase, _author, idea = await _idea(ideation, factory, tenant)
    base = f"/p/{phase.id}/ideation"
    assert (await client.get(f"{base}/moderation")).status_code == 403
    assert (await ideation.post(f"/items/ideation.idea/{idea}/moderate", {"action": "hide"})).status_code == 403
    assert (await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "accepted"})).status_code == 403
    assert (await client.get(f"/p/{phase.id}/import/ideation.ideas")).status_code == 403
    assert (await client.get(f"{base}/export/ideas?format=csv")).status_code == 403


async def test_status_and_feedback_notify_author_and_followers(ideation, factory, tenant, client, app) -> None:
    phase, author, idea = await _idea(ideation, factory, tenant)
    base = f"/p/{phase.id}/ideation"
    follower = await factory.user(tenant)
    digest = await factory.user(tenant)
    quiet = await factory.user(tenant)
    await ideation.update_user(digest, notification_prefs={"email": True, "digest": True})
    await ideation.update_user(quiet, notification_prefs={"email": False})
    for person in (follower, digest, quiet):
        await ideation.login(person)
        followed = await ideation.post(f"/items/ideation.idea/{idea}/follow", {"follow": "1"}, htmx=True)
        assert followed.status_code == 200
    admin = await factory.user(tenant, role="admin")
    await ideation.login(admin)
    outbox = app.state.townhall.mailer.outbox
    outbox.clear()
    response = await ideation.post(
        f"/items/ideation.idea/{idea}/status",
        {"status": "accepted", "feedback.en": "We will plant them in spring.", "feedback.nl": "In het voorjaar."},
    )
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        notes = (await session.scalars(select(Notification))).all()
        feedback = (await session.scalars(select(StatusChange))).all()
        public = (await session.scalars(select(AuditEntry).where(AuditEntry.public.is_(True)))).all()
    assert sorted(n.user_id for n in notes) == sorted([author.id, follower.id, digest.id, quiet.id])
    assert admin.id not in {n.user_id for n in notes}
    assert len(feedback) == 1 and feedback[0].author_id == admin.id
    assert feedback[0].feedback["nl"] == "In het voorjaar."
    assert {e.action for e in public} == {"status.changed", "status.feedback_given"}
    recipients = sorted(m["To"] for m in outbox)
    assert recipients == sorted([author.email, follower.email])
    assert "Accepted" in outbox[0]["Subject"]
    from core import notifications

    assert await notifications.send_digests(app.state.townhall, tenant.id) == 1
    assert outbox[-1]["To"] == digest.email
    page = await client.get(f"{base}/ideas/{idea}")
    assert "We will plant them in spring." in page.text and "Accepted" in page.text
    nl = await client.get(f"/nl{base}/ideas/{idea}")
    assert "In het voorjaar." in nl.text


async def test_status_labels_are_translated_in_notifications(ideation, factory, tenant, app) -> None:
    _phase, author, idea = await _idea(ideation, factory, tenant)
    await ideation.update_user(author, locale="nl")
    await ideation.login(await factory.user(tenant, role="admin"))
    outbox = app.state.townhall.mailer.outbox
    outbox.clear()
    await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "implemented"})
    assert len(outbox) == 1 and "Uitgevoerd" in outbox[0]["Subject"]


async def test_custom_status_with_multilingual_label(ideation, factory, tenant, client) -> None:
    phase, _author, idea = await _idea(ideation, factory, tenant)
    base = f"/p/{phase.id}/ideation"
    await ideation.login(await factory.user(tenant, role="admin"))
    bad = await ideation.post(f"{base}/statuses", {"label.en": "Funded", "colour": "red"})
    assert bad.status_code == 422
    ok = await ideation.post(
        f"{base}/statuses", {"label.en": "Funded", "label.nl": "Gefinancierd", "colour": "#0f766e"}
    )
    assert ok.status_code == 303
    page = await client.get(f"{base}/ideas/{idea}")
    assert "Funded" in page.text
    from plugins.ideation.models import IdeaStatus

    async with factory.db.session(tenant.id) as session:
        key = await session.scalar(select(IdeaStatus.key))
    assert (await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": key})).status_code == 303
    assert "Gefinancierd" in (await client.get(f"/nl{base}/ideas/{idea}")).text
    assert (await ideation.post(f"/items/ideation.idea/{idea}/status", {"status": "no-such"})).status_code == 400


async def test_a_hidden_idea_stays_in_the_hidden_view_after_its_reports_were_handled(
    ideation, factory, tenant, client
) -> None:
    _phase, _author, idea = await _idea(ideation, factory, tenant, auto_hide_reports=1)
    await ideation.login(await factory.user(tenant))
    await ideation.post(f"/items/ideation.idea/{idea}/report", {"reason": "spam"})
    admin = await factory.user(tenant, role="admin")
    await ideation.login(admin)
    await ideation.post(f"/items/ideation.idea/{idea}/moderate", {"action": "dismiss"})
    async with factory.db.session(tenant.id) as session:
        assert (await session.get(Idea, idea)).hidden is True
        assert (await session.scalars(select(Report).where(Report.resolved_at.is_(None)))).all() == []
    assert f"queue-ideation.idea-{idea}" not in (await client.get("/admin/moderation")).text
    hidden = await client.get("/admin/moderation?view=hidden&method=ideation&reason=reports")
    assert f'id="queue-ideation.idea-{idea}"' in hidden.text
    assert "Hidden after several reports, pending review" in hidden.text
    unhide = await ideation.post(f"/items/ideation.idea/{idea}/moderate", {"action": "unhide", "reason": "reviewed"})
    assert unhide.status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert (await session.get(Idea, idea)).hidden is False
    assert f"queue-ideation.idea-{idea}" not in (await client.get("/admin/moderation?view=hidden")).text
