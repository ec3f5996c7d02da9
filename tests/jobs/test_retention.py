"""Per-phase data retention: due phases are purged once by the daily job, counts and results stay."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.db.base import utcnow
from core.jobs.retention import due_at
from core.jobs.runner import run_periodic
from core.models import Phase
from plugins.budgeting.models import Ballot, Budget, Cart, Option
from plugins.ideation.models import Idea
from tests.dummy_method.models import DummySupport


async def _ended_phase(factory: Any, project: Any, method: str, days_ago: int, retention: int | None) -> Phase:
    now = utcnow()
    phase = await factory.phase(
        project, method, starts_at=now - timedelta(days=days_ago + 5), ends_at=now - timedelta(days=days_ago)
    )
    async with factory.db.session(project.tenant_id, write=True) as session:
        row = await session.get(Phase, phase.id)
        row.retention_days = retention
    return await factory.reload(Phase, phase.id, project.tenant_id)


async def _results(state: Any, phase: Phase) -> dict[str, Any]:
    async with state.db.session(phase.tenant_id) as session:
        out: dict[str, Any] = {}
        for compute in state.pm.hook.phase_results(phase=phase):
            if compute is not None:
                out.update(await compute(session))
        return out


async def _run_twice_at_once(state: Any, second_state: Any) -> None:
    spec = state.registry.jobs["core.retention"]
    now = utcnow()
    await asyncio.gather(run_periodic(state, spec, now), run_periodic(second_state, spec, now))


async def test_a_due_phase_is_anonymised_once_and_keeps_its_results(
    state: Any, second_state: Any, factory: Any, tenant: Any
) -> None:
    project = await factory.project(tenant)
    due = await _ended_phase(factory, project, "dummy", days_ago=10, retention=7)
    not_yet = await _ended_phase(factory, project, "dummy", days_ago=10, retention=30)
    kept = await _ended_phase(factory, project, "dummy", days_ago=400, retention=None)
    users = [await factory.user(tenant, email=f"r{i}@example.org") for i in range(3)]
    async with factory.db.session(tenant.id, write=True) as session:
        for phase in (due, not_yet, kept):
            for user in users:
                session.add(DummySupport(phase_id=phase.id, user_id=user.id))
    before = await _results(state, due)
    assert before["supporters"] == 3
    assert due_at(due) == due.ends_at + timedelta(days=7) and due_at(kept) is None

    await _run_twice_at_once(state, second_state)

    assert await _results(state, due) == before
    async with state.db.session(tenant.id) as session:
        rows = (await session.execute(select(DummySupport.phase_id, DummySupport.user_id))).all()
    assert {u for p, u in rows if p == due.id} == {None}
    assert all(u is not None for p, u in rows if p in (not_yet.id, kept.id))
    done = await factory.reload(Phase, due.id, tenant.id)
    assert done.retention_done_at is not None
    assert done.retention_result == {"anonymised": {"Supports": 3}, "deleted": {}}
    for other in (not_yet, kept):
        row = await factory.reload(Phase, other.id, tenant.id)
        assert row.retention_done_at is None and row.retention_result is None

    # Tomorrow's run finds nothing to do; the report is not overwritten.
    spec = state.registry.jobs["core.retention"]
    await run_periodic(state, spec, utcnow() + timedelta(days=1))
    again = await factory.reload(Phase, due.id, tenant.id)
    assert again.retention_done_at == done.retention_done_at
    assert again.retention_result == done.retention_result


async def test_budgeting_ballots_lose_their_voters_and_carts_go(
    state: Any, second_state: Any, factory: Any, tenant: Any
) -> None:
    project = await factory.project(tenant)
    phase = await _ended_phase(factory, project, "budgeting", days_ago=40, retention=30)
    voters = [await factory.user(tenant, email=f"v{i}@example.org") for i in range(3)]
    staff = await factory.user(tenant, email="staff@example.org", role="admin")
    async with factory.db.session(tenant.id, write=True) as session:
        budget = Budget(phase_id=phase.id, name={"en": "City"}, amount=1000, rule="greedy")
        session.add(budget)
        await session.flush()
        options = [
            Option(phase_id=phase.id, budget_id=budget.id, code=f"p{i}", title={"en": f"Option {i}"}, cost=400)
            for i in range(3)
        ]
        session.add_all(options)
        await session.flush()
        for i, voter in enumerate(voters[:2]):
            session.add(Ballot(budget_id=budget.id, user_id=voter.id, option_ids=[options[i].id], receipt=f"r{i}"))
        session.add(
            Ballot(
                budget_id=budget.id,
                source="paper",
                reference="B-1",
                entered_by_id=staff.id,
                option_ids=[options[0].id],
                receipt="r9",
            )
        )
        session.add(Cart(budget_id=budget.id, user_id=voters[2].id, items=[[options[2].id, 1]]))
    before = await _results(state, phase)
    assert before["budgets"][0]["ballots"] == 3

    await _run_twice_at_once(state, second_state)

    assert await _results(state, phase) == before
    async with state.db.session(tenant.id) as session:
        ballots = (await session.execute(select(Ballot.user_id, Ballot.entered_by_id))).all()
        carts = (await session.scalars(select(Cart.id))).all()
    assert len(ballots) == 3 and all(u is None and e is None for u, e in ballots)
    assert carts == []
    row = await factory.reload(Phase, phase.id, tenant.id)
    assert row.retention_result == {"anonymised": {"Ballots": 3}, "deleted": {"Unsubmitted ballots": 1}}


async def test_ideation_ideas_lose_their_authors_and_precise_pins(
    state: Any, second_state: Any, factory: Any, tenant: Any
) -> None:
    project = await factory.project(tenant)
    phase = await _ended_phase(factory, project, "ideation", days_ago=8, retention=7)
    author = await factory.user(tenant, email="author@example.org")
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Idea(phase_id=phase.id, author_id=author.id, title="A bench", lat=51.054321, lon=3.723456))
        session.add(Idea(phase_id=phase.id, author_id=author.id, title="A tree", body="Shade for the square"))
    await _run_twice_at_once(state, second_state)
    async with state.db.session(tenant.id) as session:
        ideas = (await session.scalars(select(Idea).order_by(Idea.id))).all()
    assert [i.author_id for i in ideas] == [None, None]
    assert (ideas[0].lat, ideas[0].lon) == (51.05, 3.72)
    assert ideas[1].lat is None and ideas[1].body == "Shade for the square"
    row = await factory.reload(Phase, phase.id, tenant.id)
    assert row.retention_result == {"anonymised": {"Idea authors": 2, "Idea locations": 1}, "deleted": {}}


async def _participation(state: Any, tenant: Any, kind: str, ids: list[int]) -> dict[str, Any]:
    from core.participation import comments, reactions

    async with state.db.session(tenant.id) as session:
        return {
            "reactions": await reactions.counts(session, kind, ids),
            "comments": await comments.counts(session, kind, ids),
        }


async def test_comments_reactions_follows_reports_and_updates_of_the_phase_lose_their_people(
    state: Any, second_state: Any, factory: Any, tenant: Any
) -> None:
    """The core's pass covers its own rows on every item kind of the phase; counts stay, other phases untouched."""
    from core.models import Comment, Follow, Reaction, Report, StatusChange
    from core.participation import reactions

    project = await factory.project(tenant)
    phase = await _ended_phase(factory, project, "ideation", days_ago=8, retention=7)
    other = await _ended_phase(factory, project, "ideation", days_ago=8, retention=None)
    dummy = await _ended_phase(factory, project, "dummy", days_ago=8, retention=7)
    people = [await factory.user(tenant, email=f"p{i}@example.org") for i in range(3)]
    moderator = await factory.user(tenant, email="mod@example.org", role="admin")
    async with factory.db.session(tenant.id, write=True) as session:
        ideas = [Idea(phase_id=p.id, author_id=people[0].id, title=f"Idea {p.id}") for p in (phase, other, phase)]
        session.add_all(ideas)
        await session.flush()
        comments = []
        for idea in ideas:
            for person in people:
                comments.append(
                    Comment(
                        item_kind="ideation.idea",
                        item_id=idea.id,
                        phase_id=idea.phase_id,
                        author_id=person.id,
                        body=f"Said by {person.id}",
                    )
                )
        comments.append(
            Comment(
                item_kind="dummy.phase",
                item_id=dummy.id,
                phase_id=dummy.id,
                author_id=people[1].id,
                body="On the dummy phase",
            )
        )
        session.add_all(comments)
        await session.flush()
        for idea in ideas:
            for i, person in enumerate(people):
                session.add(
                    Reaction(
                        item_kind="ideation.idea",
                        item_id=idea.id,
                        phase_id=idea.phase_id,
                        user_id=person.id,
                        kind="like" if i else "dislike",
                    )
                )
                session.add(Follow(item_kind="ideation.idea", item_id=idea.id, user_id=person.id))
            session.add(
                Report(
                    item_kind="ideation.idea",
                    item_id=idea.id,
                    project_id=project.id,
                    phase_id=idea.phase_id,
                    reporter_id=people[2].id,
                    reason="spam",
                )
            )
            session.add(
                StatusChange(
                    item_kind="ideation.idea",
                    item_id=idea.id,
                    phase_id=idea.phase_id,
                    author_id=moderator.id,
                    status="accepted",
                    feedback={"en": "Yes"},
                )
            )
        for comment in comments:
            session.add(
                Reaction(
                    item_kind="core.comment",
                    item_id=comment.id,
                    phase_id=comment.phase_id,
                    user_id=people[0].id,
                    kind="like",
                )
            )
            session.add(Follow(item_kind="core.comment", item_id=comment.id, user_id=people[1].id))
        session.add(Follow(item_kind="dummy.phase", item_id=dummy.id, user_id=people[2].id))
    idea_ids = [i.id for i in ideas]
    comment_ids = [c.id for c in comments]
    before = (
        await _participation(state, tenant, "ideation.idea", idea_ids),
        await _participation(state, tenant, "core.comment", comment_ids),
    )
    async with state.db.session(tenant.id) as session:
        assert await reactions.counts(session, "core.comment", comment_ids) == {i: {"like": 1} for i in comment_ids}

    await _run_twice_at_once(state, second_state)

    after = (
        await _participation(state, tenant, "ideation.idea", idea_ids),
        await _participation(state, tenant, "core.comment", comment_ids),
    )
    assert after == before
    purged = {phase.id, dummy.id}
    async with state.db.session(tenant.id) as session:
        rows = {
            "comments": (await session.execute(select(Comment.phase_id, Comment.author_id, Comment.body))).all(),
            "reactions": (await session.execute(select(Reaction.phase_id, Reaction.user_id))).all(),
            "reports": (await session.execute(select(Report.phase_id, Report.reporter_id))).all(),
            "updates": (await session.execute(select(StatusChange.phase_id, StatusChange.author_id))).all(),
        }
        follows = (await session.execute(select(Follow.item_kind, Follow.item_id))).all()
    for name, found in rows.items():
        assert {r[1] for r in found if r[0] in purged} == {None}, name  # no person left on the purged phases
        assert None not in {r[1] for r in found if r[0] == other.id}, name  # the kept phase keeps its people
    assert {r[2] for r in rows["comments"] if r[0] == phase.id} == {f"Said by {p.id}" for p in people}
    other_comments = {c.id for c in comments if c.phase_id == other.id}
    assert sorted(follows) == sorted(
        [("ideation.idea", ideas[1].id)] * 3 + [("core.comment", c) for c in other_comments]
    )
    done = await factory.reload(Phase, phase.id, tenant.id)
    assert done.retention_result == {
        "anonymised": {
            "Idea authors": 2,
            "Idea locations": 0,
            "Comment authors": 6,
            "Reactions": 12,
            "Reporters": 2,
            "Authors of status changes": 2,
        },
        "deleted": {"Follows": 12},
    }
    assert (await factory.reload(Phase, dummy.id, tenant.id)).retention_result == {
        "anonymised": {"Supports": 0, "Comment authors": 1, "Reactions": 1},
        "deleted": {"Follows": 2},
    }
    # Exactly once: tomorrow's run changes nothing and leaves the report as it was.
    await run_periodic(state, state.registry.jobs["core.retention"], utcnow() + timedelta(days=1))
    assert (await factory.reload(Phase, phase.id, tenant.id)).retention_result == done.retention_result
