"""Ideation insights for staff: the most liked ideas, each one's share of likers raw and weighted by who took part."""

from __future__ import annotations

from typing import Any

from core.models import ProfileAnswer, ProfileQuestion, Reaction
from plugins.ideation.models import Idea


async def liked_phase(factory: Any, tenant: Any, *, reference: bool = True) -> Any:
    """8 women like the park, 2 men the road; the population is half and half."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    author = await factory.user(tenant)
    women = [(await factory.user(tenant)).id for _ in range(8)]
    men = [(await factory.user(tenant)).id for _ in range(2)]
    async with factory.db.session(tenant.id, write=True) as session:
        gender = ProfileQuestion(
            kind="gender", label={"en": "Gender"}, reference={"woman": 0.5, "man": 0.5} if reference else None
        )
        park = Idea(phase_id=phase.id, author_id=author.id, title="A park", body="Green")
        road = Idea(phase_id=phase.id, author_id=author.id, title="A road", body="Fast")
        session.add_all([gender, park, road])
        await session.flush()
        for uid in women + men:
            session.add(ProfileAnswer(user_id=uid, question_id=gender.id, value="woman" if uid in women else "man"))
            idea = park if uid in women else road
            session.add(
                Reaction(item_kind="ideation.idea", item_id=idea.id, phase_id=phase.id, user_id=uid, kind="like")
            )
    return phase


async def test_staff_see_likes_weighted_by_who_took_part(client: Any, factory: Any, tenant: Any) -> None:
    phase = await liked_phase(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/p/{phase.id}/ideation/insights")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Most liked, weighted by who took part" in text and "Weighted share (estimate)" in text
    park = text.split("A park</bdi></a></th>", 1)[1].split("</tr>", 1)[0]
    road = text.split("A road</bdi></a></th>", 1)[1].split("</tr>", 1)[0]
    # raw: 80 % and 20 % of the likers; weighted (women 0.625, men 2.5): 50 % each
    assert "<td>8</td><td>80%</td><td>50%</td>" in park
    assert "<td>2</td><td>20%</td><td>50%</td>" in road
    assert "Effective sample size 6.4 of 10 people with answers; 0 left out." in text


async def test_without_a_reference_population_the_page_says_why(client: Any, factory: Any, tenant: Any) -> None:
    phase = await liked_phase(factory, tenant, reference=False)
    await factory.login(client, await factory.user(tenant, role="admin"))
    text = (await client.get(f"/p/{phase.id}/ideation/insights")).text
    assert "Weighted share (estimate)" not in text
    assert "No weighted estimate: no profile question has reference shares of the population." in text
