"""Dashboard figures, themes and the demo seed."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Comment, Project, Reaction, StatusChange
from plugins.ideation import demo, insights
from plugins.ideation.models import Idea


async def test_totals_participants_and_topics(ideation, factory, tenant, client) -> None:
    phase = await ideation.phase()
    topics, _areas = await ideation.taxonomy()
    alice, bob, carol = [await factory.user(tenant) for _ in range(3)]
    await ideation.login(alice)
    base = f"/p/{phase.id}/ideation"
    one = await ideation.idea_id(await ideation.post_idea(phase, title="Trees on the square", topics=str(topics[0].id)))
    await ideation.idea_id(await ideation.post_idea(phase, title="Bike lanes to school", topics=str(topics[0].id)))
    await ideation.login(bob)
    await ideation.post(f"/items/ideation.idea/{one}/comments", {"body": "Yes"})
    await ideation.login(carol)
    await ideation.post(f"/items/ideation.idea/{one}/react", {"kind": "like"})
    async with factory.db.session(tenant.id) as session:
        totals = await insights.totals(session, phase)
        days = await insights.over_time(session, phase)
        top = await insights.top_topics(session, phase)
        themes = await insights.themes(session, phase)
    assert totals == {"ideas": 2, "comments": 1, "reactions": 1, "participants": 3}
    assert sum(d["participants"] for d in days) == 3 and sum(d["ideas"] for d in days) == 2
    assert top == [{"topic_id": topics[0].id, "name": topics[0].name, "ideas": 2}]
    assert sorted(i for t in themes for i in t["idea_ids"]) == sorted([one, one + 1])
    admin = await factory.user(tenant, role="admin")
    await ideation.login(admin)
    page = await client.get(f"{base}/insights")
    assert page.status_code == 200 and 'id="total-participants">3<' in page.text


async def test_demo_seed_is_realistic(ideation, factory, tenant) -> None:
    await ideation.taxonomy()
    await factory.user(tenant, role="admin")
    phase = await ideation.phase()
    async with factory.db.session(tenant.id, write=True) as session:
        project = await session.get(Project, phase.project_id)
        await demo.seed(session, tenant, project, await session.get(type(phase), phase.id))
    async with factory.db.session(tenant.id) as session:
        ideas = (await session.scalars(select(Idea))).all()
        languages = {i.language for i in ideas}
        statuses = {i.status for i in ideas}
        assert len(ideas) >= 24 and len(languages) >= 5 and len(statuses) >= 4
        assert len({i.area_id for i in ideas}) >= 2
        assert await session.scalar(select(Comment.id).limit(1)) is not None
        assert await session.scalar(select(Reaction.id).where(Reaction.item_kind == "ideation.idea").limit(1))
        feedback = (await session.scalars(select(StatusChange))).all()
        assert len(feedback) == 1 and len(feedback[0].feedback) == 6
        assert {c.item_kind for c in (await session.scalars(select(Comment))).all()} == {"ideation.idea"}
