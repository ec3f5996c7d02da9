from __future__ import annotations

from plugins.ideation.models import Idea


async def test_post_and_browse(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    user = await factory.user(tenant)
    await ideation.login(user)
    response = await ideation.post_idea(phase)
    idea_id = await ideation.idea_id(response)
    page = await client.get(f"/p/{phase.id}/ideation")
    assert page.status_code == 200, page.text
    assert "More trees in the park" in page.text
    detail = await client.get(f"/p/{phase.id}/ideation/ideas/{idea_id}")
    assert detail.status_code == 200, detail.text
    assert await factory.count(Idea, tenant.id) == 1
