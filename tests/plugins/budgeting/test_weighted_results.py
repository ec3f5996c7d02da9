"""Budgeting results for staff: a weighted share of voters per option next to the raw votes, an estimate for
analysis; the winners always come from the ballots as cast; residents never see weights."""

from __future__ import annotations

from typing import Any

from core.models import ProfileAnswer, ProfileQuestion
from plugins.budgeting.models import Ballot, Budget, Option

NOTE = "Weighted share of voters: an estimate for analysis, not an official result"


async def vote_with_profiles(factory: Any, tenant: Any, *, reference: bool = True) -> tuple[Any, dict[str, int]]:
    """8 women vote for the park, 2 men for the road (population half and half), one paper ballot for the road."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "budgeting", state="ended", config={"ballot_type": "approval"})
    women = [(await factory.user(tenant)).id for _ in range(8)]
    men = [(await factory.user(tenant)).id for _ in range(2)]
    async with factory.db.session(tenant.id, write=True) as session:
        gender = ProfileQuestion(
            kind="gender", label={"en": "Gender"}, reference={"woman": 0.5, "man": 0.5} if reference else None
        )
        budget = Budget(phase_id=phase.id, name={"en": "City"}, amount=100_00, rule="greedy")
        session.add_all([gender, budget])
        await session.flush()
        park = Option(phase_id=phase.id, budget_id=budget.id, code="P", title={"en": "Park"}, cost=60_00, position=1)
        road = Option(phase_id=phase.id, budget_id=budget.id, code="R", title={"en": "Road"}, cost=60_00, position=2)
        session.add_all([park, road])
        await session.flush()
        for i, uid in enumerate(women + men):
            chosen = park.id if uid in women else road.id
            session.add(ProfileAnswer(user_id=uid, question_id=gender.id, value="woman" if uid in women else "man"))
            session.add(Ballot(budget_id=budget.id, user_id=uid, option_ids=[chosen], receipt=f"r{i:02d}" * 4))
        session.add(Ballot(budget_id=budget.id, source="paper", reference="p1", option_ids=[road.id], receipt="p" * 8))
        ids = {"park": park.id, "road": road.id}
    return phase, ids


async def test_staff_see_weighted_shares_and_the_raw_winners(client: Any, factory: Any, tenant: Any) -> None:
    phase, _ids = await vote_with_profiles(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/p/{phase.id}/budgeting/results")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Weighted share of voters (estimate)" in text and NOTE in text
    # women weigh 0.625, men 2.5: the park has 8 * 0.625 / 10 = 50 % of the weighted voters, the road 50 %
    assert text.count("<td>50%</td>") == 2
    # the paper ballot has no person: counted in the votes, left out of the weighted shares
    assert "Effective sample size 6.4 of 10 voters with answers; 1 left out." in text
    # the official outcome counts ballots as cast: the park (8 votes) is funded, not the road (3)
    park_row = text.split('<tr class="winner">', 1)[1].split("</tr>", 1)[0]
    assert "Park" in park_row


async def test_no_weighted_column_without_a_reference_population(client: Any, factory: Any, tenant: Any) -> None:
    phase, _ids = await vote_with_profiles(factory, tenant, reference=False)
    await factory.login(client, await factory.user(tenant, role="admin"))
    text = (await client.get(f"/p/{phase.id}/budgeting/results")).text
    assert "Weighted share of voters (estimate)" not in text
    assert "No weighted estimate: no profile question has reference shares of the population." in text


async def test_residents_never_see_weights(client: Any, factory: Any, tenant: Any) -> None:
    phase, _ids = await vote_with_profiles(factory, tenant)
    await factory.login(client, await factory.user(tenant))
    page = await client.get(f"/p/{phase.id}/budgeting/results")
    assert page.status_code == 200
    assert "Weighted" not in page.text and "Park" in page.text
