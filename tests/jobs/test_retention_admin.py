"""The retention setting in the phase form and the project's retention report in the back office."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.db.base import utcnow
from core.jobs.runner import run_periodic
from core.models import Phase
from tests.dummy_method.models import DummySupport
from tests.test_admin import local, phase_form, post


async def _phase(factory: Any, tenant: Any, **kwargs: Any) -> tuple[Any, Phase]:
    project = await factory.project(tenant)
    return project, await factory.phase(project, "dummy", **kwargs)


def _form(phase: Phase, **extra: Any) -> dict[str, Any]:
    return phase_form(local(phase.starts_at), local(phase.ends_at), method="dummy", **extra)


async def test_admin_sets_and_clears_the_retention_period(client: Any, factory: Any, tenant: Any) -> None:
    project, phase = await _phase(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert 'name="retention_days"' in page.text and "Remove personal data after (days)" in page.text

    path = f"/admin/projects/{project.id}/phases/{phase.id}"
    assert (await post(client, path, _form(phase, retention_days="90"))).status_code == 303
    assert (await factory.reload(Phase, phase.id, tenant.id)).retention_days == 90
    assert 'value="90"' in (await client.get(path)).text

    for bad in ("-1", "ten", "3651", "1.5"):
        refused = await post(client, path, _form(phase, retention_days=bad, **{"title.en": "Changed"}))
        assert refused.status_code == 422, bad
        assert "Enter a whole number of days from 0 to 3650" in refused.text
        stored = await factory.reload(Phase, phase.id, tenant.id)
        assert stored.retention_days == 90 and stored.title == {"en": "Vote phase"}  # nothing half written

    assert (await post(client, path, _form(phase, retention_days=""))).status_code == 303
    assert (await factory.reload(Phase, phase.id, tenant.id)).retention_days is None


async def test_the_report_shows_setting_due_date_and_result_translated(
    app: Any, client: Any, factory: Any, tenant: Any
) -> None:
    now = utcnow()
    project, phase = await _phase(factory, tenant, starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=10))
    kept = await factory.phase(project, "dummy", state="active")
    user = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        (await session.get(Phase, phase.id)).retention_days = 7
        session.add(DummySupport(phase_id=phase.id, user_id=user.id))
    admin = await factory.user(tenant, role="admin")
    await factory.login(client, admin)
    report = f"/admin/projects/{project.id}/retention"
    assert f'href="/admin/projects/{project.id}/retention"' in (await client.get(f"/admin/projects/{project.id}")).text

    before = await client.get(report)
    assert before.status_code == 200
    assert "7 days after the end" in before.text and "Not yet" in before.text and "Kept" in before.text

    state = app.state.townhall
    await run_periodic(state, state.registry.jobs["core.retention"])
    after = await client.get(report)
    assert "Anonymised: Supports (1)" in after.text
    assert "Not yet" in after.text  # the active phase with no setting is untouched
    assert (await factory.reload(Phase, kept.id, tenant.id)).retention_done_at is None

    dutch = await client.get("/nl" + report)
    assert "Bewaartermijn" in dutch.text and "Geanonimiseerd: Steunbetuigingen (1)" in dutch.text


async def test_residents_are_refused_the_report(client: Any, factory: Any, tenant: Any) -> None:
    project, _phase_row = await _phase(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    assert (await client.get(f"/admin/projects/{project.id}/retention", follow_redirects=False)).status_code == 403


async def test_the_report_lists_the_core_participation_rows_translated(
    app: Any, client: Any, factory: Any, tenant: Any
) -> None:
    from core.models import Comment, Follow

    now = utcnow()
    project, phase = await _phase(factory, tenant, starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=10))
    user = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        (await session.get(Phase, phase.id)).retention_days = 7
        session.add(Comment(item_kind="dummy.phase", item_id=phase.id, phase_id=phase.id, author_id=user.id, body="Hi"))
        session.add(Follow(item_kind="dummy.phase", item_id=phase.id, user_id=user.id))
    state = app.state.townhall
    await run_periodic(state, state.registry.jobs["core.retention"])
    await factory.login(client, await factory.user(tenant, role="admin"))
    report = f"/admin/projects/{project.id}/retention"
    english = await client.get(report)
    assert "Anonymised: Comment authors (1)" in english.text and "Deleted: Follows (1)" in english.text
    dutch = await client.get("/nl" + report)
    assert "Geanonimiseerd: Auteurs van reacties (1)" in dutch.text and "Verwijderd: Volgers (1)" in dutch.text
