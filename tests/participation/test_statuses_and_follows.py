"""Statuses and official updates: history with multilingual text and author; followers and the author told;
follow and unfollow without JavaScript and with htmx."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, Follow, Notification, StatusChange
from core.testing import HTMX_HEADERS


async def test_follow_and_unfollow(scene, factory, tenant) -> None:
    await scene.resident()
    assert (await scene.post(f"{scene.item}/follow", {"follow": "1"})).status_code == 303
    assert (await scene.post(f"{scene.item}/follow", {"follow": "1"})).status_code == 303
    assert await factory.count(Follow, tenant.id) == 1
    fragment = await scene.post(f"{scene.item}/follow", {"follow": "0"}, headers=HTMX_HEADERS)
    assert fragment.status_code == 200 and 'aria-pressed="false"' in fragment.text
    assert await factory.count(Follow, tenant.id) == 0


async def test_visitor_cannot_follow(scene) -> None:
    assert (await scene.post(f"{scene.item}/follow", {"follow": "1"})).status_code == 401


async def test_status_change_with_feedback_is_kept_and_followers_told(scene, factory, tenant) -> None:
    follower = await scene.resident()
    await scene.post(f"{scene.item}/follow", {"follow": "1"})
    moderator = await factory.user(tenant, display_name="Clerk Kent")
    await factory.moderator(scene.project, moderator)
    await factory.login(scene.client, moderator)
    response = await scene.post(
        f"{scene.item}/status", {"status": "answered", "feedback.en": "We read it all.", "feedback.fr": "Tout lu."}
    )
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        entry = await session.scalar(select(StatusChange))
        told = (await session.scalars(select(Notification).where(Notification.user_id == follower.id))).all()
        audited = (await session.scalars(select(AuditEntry.action))).all()
    assert (entry.from_status, entry.status, entry.author_id) == ("open", "answered", moderator.id)
    assert entry.feedback == {"en": "We read it all.", "fr": "Tout lu."}
    assert [n.kind for n in told] == ["status.changed"]
    assert {"status.changed", "status.feedback_given"} <= set(audited)
    page = await scene.client.get(scene.page)
    assert "We read it all." in page.text and "Clerk Kent" in page.text and "Answered" in page.text
    # An official update without a new status is history too.
    await scene.post(f"{scene.item}/status", {"status": "answered", "feedback.en": "More news."})
    async with factory.db.session(tenant.id) as session:
        kinds = (await session.scalars(select(Notification.kind).where(Notification.user_id == follower.id))).all()
    assert sorted(kinds) == ["status.changed", "status.feedback"]
    assert await factory.count(StatusChange, tenant.id) == 2


async def test_only_moderators_set_statuses_and_only_known_ones(scene, factory, tenant) -> None:
    await scene.resident()
    assert (await scene.post(f"{scene.item}/status", {"status": "answered"})).status_code == 403
    admin = await factory.user(tenant, role="admin")
    await factory.login(scene.client, admin)
    assert (await scene.post(f"{scene.item}/status", {"status": "nonsense"})).status_code == 400
    assert await factory.count(StatusChange, tenant.id) == 0


async def test_followers_read_the_status_in_their_own_language(scene, factory, tenant) -> None:
    from core import notifications
    from core.i18n import activate

    follower = await scene.resident(locale="fr")
    await scene.post(f"{scene.item}/follow", {"follow": "1"})
    admin = await factory.user(tenant, role="admin")
    await factory.login(scene.client, admin)
    await scene.post(f"{scene.item}/status", {"status": "answered"})
    async with factory.db.session(tenant.id) as session:
        row = await session.scalar(select(Notification).where(Notification.user_id == follower.id))
    assert row.data["args"]["status"] == {"t": "Answered"}
    activate("en", scene.factory.app.catalogs.get("en"))
    assert "is now Answered" in notifications.describe(row, "en")
