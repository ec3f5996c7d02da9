"""``ideation.idea`` as a participation item: the core's routes act on ideas under ideation's own rules."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Reaction


async def _reactions(ideation, idea_id: int) -> list[str]:
    async with ideation.db.session(ideation.tenant.id) as session:
        stmt = select(Reaction.kind).where(Reaction.item_kind == "ideation.idea", Reaction.item_id == idea_id)
        return list((await session.scalars(stmt)).all())


async def test_idea_kind_is_registered(app) -> None:
    kinds = app.state.townhall.registry.item_kinds
    assert "ideation.idea" in kinds
    assert kinds["ideation.idea"].method == "ideation"


async def test_core_reactions_follow_the_phase_config(ideation, factory) -> None:
    phase = await ideation.phase(dislikes_enabled=False, like_limit=1)
    await ideation.login(await factory.user(ideation.tenant))
    first = await ideation.idea_id(await ideation.post_idea(phase))
    second = await ideation.idea_id(await ideation.post_idea(phase, title="A bench by the river"))
    assert (await ideation.post(f"/items/ideation.idea/{first}/react", {"kind": "like"})).status_code == 303
    assert await _reactions(ideation, first) == ["like"]
    refused = await ideation.post(f"/items/ideation.idea/{first}/react", {"kind": "dislike"})
    assert refused.status_code == 403
    over = await ideation.post(f"/items/ideation.idea/{second}/react", {"kind": "like"})
    assert over.status_code == 403
    assert await _reactions(ideation, second) == []


async def test_switched_off_reactions_and_withdrawn_ideas(ideation, factory) -> None:
    phase = await ideation.phase(reacting_enabled=False)
    await ideation.login(await factory.user(ideation.tenant))
    idea_id = await ideation.idea_id(await ideation.post_idea(phase))
    refused = await ideation.post(f"/items/ideation.idea/{idea_id}/react", {"kind": "like"})
    assert refused.status_code == 403
    assert (await ideation.post(f"/p/{phase.id}/ideation/ideas/{idea_id}/withdraw")).status_code == 303
    gone = await ideation.post(f"/items/ideation.idea/{idea_id}/follow", {"follow": "1"})
    assert gone.status_code == 404
