"""Budget options taken from an earlier ideation phase through the core's ``phase_outputs`` hook (issue #4)."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import phase_outputs, utcnow
from core.models import Area, AuditEntry, Phase, Reaction
from plugins.budgeting import handoff
from plugins.budgeting.handoff import token_of
from plugins.budgeting.models import Ballot, Budget, Option
from plugins.ideation.models import Idea

from .web_support import voter


class World:
    def __init__(self, project: Any, ideation: Any, budgeting: Any, budget: Budget, ideas: dict[str, Idea]) -> None:
        self.project, self.ideation, self.budgeting, self.budget, self.ideas = (
            project,
            ideation,
            budgeting,
            budget,
            ideas,
        )

    @property
    def page(self) -> str:
        return f"/p/{self.budgeting.id}/budgeting/manage/from-phase"

    def form(self, picks: dict[str, str], *, source: Any = None, budget: Any = None) -> dict[str, Any]:
        """Form data ticking the named ideas with the given cost text."""
        data: dict[str, Any] = {
            "source": str((source or self.ideation).id),
            "budget": str((budget or self.budget).id),
            "pick": [token_of(f"idea:{self.ideas[name].id}") for name in picks],
        }
        for name, cost in picks.items():
            data[f"cost-{token_of(f'idea:{self.ideas[name].id}')}"] = cost
        return data


async def world(factory: Any, tenant: Any, author: Any) -> World:
    """A project whose ideation phase ended before its budgeting phase starts, with ideas of every kind."""
    now = utcnow()
    project = await factory.project(tenant)
    ideation = await factory.phase(
        project, "ideation", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=10)
    )
    budgeting = await factory.phase(
        project, "budgeting", starts_at=now - timedelta(days=5), ends_at=now + timedelta(days=5)
    )
    voters = [await factory.user(tenant) for _ in range(5)]  # reactions are one per person per idea
    async with factory.db.session(tenant.id, write=True) as session:
        area = Area(name={"en": "North"}, position=1)
        session.add(area)
        await session.flush()
        budget = Budget(phase_id=budgeting.id, name={"en": "City budget"}, amount=100000_00, rule="greedy")
        session.add(budget)
        support: list[tuple[Idea, list[str]]] = []

        def idea(title: str, likes: int = 0, dislikes: int = 0, **fields: Any) -> Idea:
            row = Idea(phase_id=ideation.id, author_id=author.id, title=title, body=f"Why: {title}.", **fields)
            session.add(row)
            support.append((row, ["like"] * likes + ["dislike"] * dislikes))
            return row

        ideas = {
            "trees": idea("More trees", likes=4, dislikes=1, area_id=area.id, status="accepted"),
            "bench": idea("A bench by the pond", likes=1, anonymous=True),
            "lights": idea("Street lights", likes=2, language="nl"),
            "hidden": idea("Spam offer", likes=5, hidden=True, hidden_reason="rules"),
            "withdrawn": idea("Withdrawn plan", withdrawn_at=now - timedelta(days=15)),
        }
        await session.flush()
        session.add_all(
            Reaction(item_kind="ideation.idea", item_id=row.id, user_id=person.id, phase_id=ideation.id, kind=kind)
            for row, kinds in support
            for person, kind in zip(voters, kinds, strict=False)
        )
        await session.flush()
    return World(project, ideation, budgeting, budget, ideas)


async def staff(factory: Any, client: Any, tenant: Any, w: World) -> Any:
    user = await voter(factory, client, tenant, display_name="Mod Erator")
    await factory.moderator(w.project, user)
    return user


async def options_of(factory: Any, tenant: Any, budget_id: int) -> list[Option]:
    async with factory.db.session(tenant.id) as session:
        return list((await session.scalars(select(Option).where(Option.budget_id == budget_id))).all())


async def test_ideation_hands_over_its_public_ideas_without_authors(app, factory, tenant) -> None:
    author = await factory.user(tenant, display_name="Anna Author")
    w = await world(factory, tenant, author)
    async with factory.db.session(tenant.id) as session:
        phase = await session.get(Phase, w.ideation.id)
        outputs = await phase_outputs(app.state.townhall, session, phase)
        budgeting_phase = await session.get(Phase, w.budgeting.id)
        assert await phase_outputs(app.state.townhall.pm, session, budgeting_phase) == []
    keys = [o.key for o in outputs]
    # Best supported first; hidden and withdrawn ideas are not handed on.
    assert keys == [f"idea:{w.ideas[n].id}" for n in ("trees", "lights", "bench")]
    trees, lights, bench = outputs
    assert trees.title == {"en": "More trees"} and trees.description == {"en": "Why: More trees."}
    assert trees.score == 3 and trees.status == "Accepted" and trees.area_id == w.ideas["trees"].area_id
    assert trees.url == f"/p/{w.ideation.id}/ideation/ideas/{w.ideas['trees'].id}"
    assert lights.title == {"nl": "Street lights"}
    # No author at all: not in the data type, not in any value, anonymous or not.
    assert {f.name for f in fields(bench)} == {"key", "title", "description", "area_id", "url", "status", "score"}
    assert bench.title == {"en": "A bench by the pond"} and "Anna Author" not in repr(outputs)


async def test_staff_pick_two_ideas_with_costs_and_the_source_is_recorded(client, factory, tenant, csrf) -> None:
    author = await factory.user(tenant, display_name="Anna Author")
    w = await world(factory, tenant, author)
    await staff(factory, client, tenant, w)

    chooser = await client.get(w.page)
    assert chooser.status_code == 200
    assert "Add options from an earlier phase" in chooser.text and 'name="source"' in chooser.text
    listing = await client.get(w.page, params={"source": w.ideation.id, "budget": w.budget.id})
    assert listing.status_code == 200
    assert "More trees" in listing.text and "A bench by the pond" in listing.text
    assert "Spam offer" not in listing.text and "Withdrawn plan" not in listing.text
    assert "Anna Author" not in listing.text
    token = token_of(f"idea:{w.ideas['trees'].id}")
    assert f'<label for="pick-{token}"' in listing.text and f'<label for="cost-{token}"' in listing.text

    headers = await csrf(client)
    added = await client.post(
        w.page, data=w.form({"trees": "1500", "bench": "250.50"}), headers=headers, follow_redirects=False
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith(f"/manage#budget-{w.budget.id}")
    options = sorted(await options_of(factory, tenant, w.budget.id), key=lambda o: o.cost)
    assert [(o.title, o.cost) for o in options] == [
        ({"en": "A bench by the pond"}, 25050),
        ({"en": "More trees"}, 150000),
    ]
    assert {o.source_phase_id for o in options} == {w.ideation.id}
    assert {o.source_key for o in options} == {f"idea:{w.ideas['bench'].id}", f"idea:{w.ideas['trees'].id}"}
    trees = options[1]
    assert trees.area_id == w.ideas["trees"].area_id and trees.description == {"en": "Why: More trees."}
    assert trees.code == str(trees.id) and trees.phase_id == w.budgeting.id
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.action == "budgeting.option_created") == 2

    # The listing now shows both as already taken; adding one of them again is refused and writes nothing.
    again_page = await client.get(w.page, params={"source": w.ideation.id, "budget": w.budget.id})
    assert again_page.text.count("Already an option") == 2
    again = await client.post(w.page, data=w.form({"trees": "1500", "lights": "100"}), headers=headers)
    assert again.status_code == 422
    assert "“More trees” is already an option of this budget." in again.text
    assert len(await options_of(factory, tenant, w.budget.id)) == 2

    # The same idea may still go to another budget of the phase.
    async with factory.db.session(tenant.id, write=True) as session:
        other = Budget(phase_id=w.budgeting.id, name={"en": "North budget"}, amount=5000_00, rule="greedy")
        session.add(other)
        await session.flush()
    other_added = await client.post(
        w.page, data=w.form({"trees": "1500"}, budget=other), headers=headers, follow_redirects=False
    )
    assert other_added.status_code == 303
    assert [o.source_key for o in await options_of(factory, tenant, other.id)] == [f"idea:{w.ideas['trees'].id}"]


async def test_an_invalid_cost_answers_422_and_writes_nothing(client, factory, tenant, csrf) -> None:
    w = await world(factory, tenant, await factory.user(tenant))
    await staff(factory, client, tenant, w)
    headers = await csrf(client)
    response = await client.post(
        w.page, data=w.form({"trees": "1500", "bench": "-3", "lights": "abc"}), headers=headers
    )
    assert response.status_code == 422
    assert "Please correct the following" in response.text
    bench, lights = (token_of(f"idea:{w.ideas[n].id}") for n in ("bench", "lights"))
    assert f'id="cost-{bench}-error"' in response.text and f'id="cost-{lights}-error"' in response.text
    assert f'href="#cost-{bench}"' in response.text and 'aria-invalid="true"' in response.text
    assert "Enter a cost above zero for “A bench by the pond”" in response.text
    assert 'value="1500"' in response.text  # what staff typed is kept
    zero = await client.post(w.page, data=w.form({"trees": "0"}), headers=headers)
    too_dear = await client.post(w.page, data=w.form({"trees": "999999999"}), headers=headers)
    missing = await client.post(w.page, data=w.form({"trees": ""}), headers=headers)
    none_ticked = await client.post(w.page, data=w.form({}), headers=headers)
    assert [r.status_code for r in (zero, too_dear, missing, none_ticked)] == [422, 422, 422, 422]
    assert "larger than the whole budget" in too_dear.text and "Tick at least one item" in none_ticked.text
    assert await options_of(factory, tenant, w.budget.id) == []
    assert await factory.count(AuditEntry, tenant.id, AuditEntry.action == "budgeting.option_created") == 0


async def test_residents_may_not_use_the_page(client, factory, tenant, csrf) -> None:
    w = await world(factory, tenant, await factory.user(tenant))
    await voter(factory, client, tenant, verified=True)
    headers = await csrf(client)
    assert (await client.get(w.page)).status_code == 403
    posted = await client.post(w.page, data=w.form({"trees": "1500"}), headers=headers)
    assert posted.status_code == 403
    assert await options_of(factory, tenant, w.budget.id) == []


async def test_only_earlier_phases_of_the_same_project_are_sources(client, factory, tenant, other_tenant, csrf) -> None:
    author = await factory.user(tenant)
    w = await world(factory, tenant, author)
    await staff(factory, client, tenant, w)
    headers = await csrf(client)
    now = utcnow()
    later = await factory.phase(
        w.project, "ideation", starts_at=now + timedelta(days=6), ends_at=now + timedelta(days=9)
    )
    overlapping = await factory.phase(w.project, "ideation", starts_at=now - timedelta(days=8), ends_at=now)
    elsewhere_project = await factory.project(tenant)
    elsewhere = await factory.phase(
        elsewhere_project, "ideation", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=10)
    )
    dummy = await factory.phase(
        w.project, "dummy", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=10)
    )
    foreign_project = await factory.project(other_tenant)
    foreign = await factory.phase(
        foreign_project, "ideation", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=10)
    )

    chooser = await client.get(w.page)
    assert f'<option value="{w.ideation.id}"' in chooser.text
    for phase in (later, overlapping, elsewhere, dummy, foreign):
        assert f'<option value="{phase.id}"' not in chooser.text

    for phase in (later, overlapping, elsewhere, dummy):
        shown = await client.get(w.page, params={"source": phase.id, "budget": w.budget.id})
        assert shown.status_code == 400, phase.id
        posted = await client.post(w.page, data=w.form({"trees": "10"}, source=phase), headers=headers)
        assert posted.status_code == 400, phase.id
        assert "ended before this phase starts" in posted.text
    assert (await client.get(w.page, params={"source": foreign.id, "budget": w.budget.id})).status_code == 404
    assert (await client.post(w.page, data=w.form({"trees": "10"}, source=foreign), headers=headers)).status_code == 404
    # A budget of another phase cannot be the target either.
    other_phase = await factory.phase(w.project, "budgeting", state="upcoming")
    async with factory.db.session(tenant.id, write=True) as session:
        stray = Budget(phase_id=other_phase.id, name={"en": "Stray"}, amount=100, rule="greedy")
        session.add(stray)
        await session.flush()
    assert (await client.post(w.page, data=w.form({"trees": "1"}, budget=stray), headers=headers)).status_code == 404
    assert await options_of(factory, tenant, w.budget.id) == []


async def test_another_tenants_budgeting_phase_is_not_found(client, factory, tenant, other_tenant, csrf) -> None:
    w = await world(factory, other_tenant, await factory.user(other_tenant))
    admin = await voter(factory, client, tenant, role="admin")
    assert admin.tenant_id == tenant.id
    headers = await csrf(client)
    assert (await client.get(w.page)).status_code == 404
    assert (await client.post(w.page, data=w.form({"trees": "10"}), headers=headers)).status_code == 404
    assert await options_of(factory, other_tenant, w.budget.id) == []


async def test_refused_once_ballots_exist(client, factory, tenant, csrf) -> None:
    w = await world(factory, tenant, await factory.user(tenant))
    await staff(factory, client, tenant, w)
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Ballot(budget_id=w.budget.id, source="paper", reference="1", option_ids=[], receipt="r1"))
    page = await client.get(w.page)
    assert page.status_code == 200 and "can no longer change" in page.text and 'name="pick"' not in page.text
    manage = await client.get(f"/p/{w.budgeting.id}/budgeting/manage")
    assert "/manage/from-phase" not in manage.text
    headers = await csrf(client)
    posted = await client.post(w.page, data=w.form({"trees": "1500"}), headers=headers)
    assert posted.status_code == 409
    assert await options_of(factory, tenant, w.budget.id) == []


async def test_the_page_is_translated(client, factory, tenant) -> None:
    w = await world(factory, tenant, await factory.user(tenant))
    await staff(factory, client, tenant, w)
    dutch = await client.get(f"/nl{w.page}", params={"source": w.ideation.id, "budget": w.budget.id})
    assert dutch.status_code == 200
    assert "Opties toevoegen uit een eerdere fase" in dutch.text


async def test_the_database_refuses_the_same_source_twice_per_budget(factory, tenant) -> None:
    w = await world(factory, tenant, await factory.user(tenant))
    key = f"idea:{w.ideas['trees'].id}"
    with pytest.raises(IntegrityError):
        async with factory.db.session(tenant.id, write=True) as session:
            for code in ("a", "b"):
                session.add(
                    Option(
                        phase_id=w.budgeting.id,
                        budget_id=w.budget.id,
                        code=code,
                        title={"en": "More trees"},
                        cost=1,
                        source_phase_id=w.ideation.id,
                        source_key=key,
                    )
                )
            await session.flush()


async def test_a_race_lost_to_another_request_is_a_clear_409(client, factory, tenant, csrf, monkeypatch) -> None:
    """Two staff members adding the same idea at once: the check passes for both, the UNIQUE constraint decides."""
    w = await world(factory, tenant, await factory.user(tenant))
    await staff(factory, client, tenant, w)
    headers = await csrf(client)
    first = await client.post(w.page, data=w.form({"trees": "10"}), headers=headers, follow_redirects=False)
    assert first.status_code == 303

    async def nothing_taken(*args: Any) -> set[str]:
        return set()

    monkeypatch.setattr(handoff, "taken_keys", nothing_taken)
    second = await client.post(w.page, data=w.form({"lights": "5", "trees": "10"}), headers=headers)
    assert second.status_code == 409 and "added to this budget meanwhile" in second.text
    assert [o.source_key for o in await options_of(factory, tenant, w.budget.id)] == [f"idea:{w.ideas['trees'].id}"]
