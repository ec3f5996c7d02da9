"""The phase's public change log, one core page for every method: public entries about the phase only, settings
named by the method's labels, nothing of another phase, another municipality or a draft project."""

from __future__ import annotations

from core import audit


async def _log(factory, tenant, phase, action, data, *, public=True, target=None) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        audit.record(session, None, action, target or ("phase", phase.id), data, public=public)


async def test_public_changes_of_this_phase_only(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="park")
    phase = await factory.phase(project, "budgeting")
    other = await factory.phase(project, "budgeting", state="upcoming")
    config = {"before": {"ballot_type": "knapsack"}, "after": {"ballot_type": "approval"}}
    await _log(factory, tenant, phase, "phase.config_changed", config)
    here = {"phase_id": phase.id, "title": {"en": "Skate park"}}
    await _log(factory, tenant, phase, "budgeting.option_created", here, target=("budgeting_option", 9))
    there = {"phase_id": other.id, "title": {"en": "Elsewhere"}}
    await _log(factory, tenant, other, "budgeting.option_created", there, target=("budgeting_option", 10))
    await _log(factory, tenant, phase, "phase.permissions_changed", {"secret": "staff only"}, public=False)
    page = await client.get(f"/projects/park/phases/{phase.id}/changes")
    assert page.status_code == 200
    assert "Rules changed" in page.text and "approval" in page.text and "knapsack" in page.text
    assert "Ballot type" in page.text  # the method's label for the setting, not its key
    assert "Option added" in page.text and "Skate park" in page.text
    assert "Elsewhere" not in page.text and "staff only" not in page.text


async def test_empty_log_says_so(client, factory, tenant) -> None:
    project = await factory.project(tenant, slug="quiet")
    phase = await factory.phase(project, "dummy")
    page = await client.get(f"/projects/quiet/phases/{phase.id}/changes")
    assert page.status_code == 200 and "No changes recorded yet." in page.text


async def test_not_found_for_drafts_wrong_slugs_and_other_municipalities(client, factory, tenant, other_tenant):
    draft = await factory.project(tenant, slug="draft", status="draft")
    draft_phase = await factory.phase(draft, "dummy")
    mine = await factory.project(tenant, slug="mine")
    foreign = await factory.phase(await factory.project(other_tenant, slug="theirs"), "dummy")
    for path in (
        f"/projects/draft/phases/{draft_phase.id}/changes",
        f"/projects/mine/phases/{foreign.id}/changes",
        f"/projects/theirs/phases/{foreign.id}/changes",
        f"/projects/{mine.slug}/phases/{draft_phase.id}/changes",
    ):
        assert (await client.get(path)).status_code == 404, path
