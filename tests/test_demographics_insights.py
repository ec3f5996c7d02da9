"""The staff dashboard's counting (core.demographics.insights): distinct people per week, project, method and area,
in SQL, with empty weeks filled in and small area groups suppressed; a method's StatSpec figures as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from core import hookimpl
from core.demographics import insights
from core.models import Area, Comment, Follow, Reaction

FOLLOW_KIND = "test.participant"
TODAY = date(2026, 12, 3)  # a Thursday; its week starts on Monday 30 November


class DatedParticipants:
    """A method's own rows with the time they were made (the optional ``at`` column of the ``participants`` hook)."""

    @hookimpl
    def participants(self, phase: Any) -> Any:
        if phase.method != "ideation":
            return None
        return select(Follow.user_id, Follow.created_at.label("at")).where(
            Follow.item_kind == FOLLOW_KIND, Follow.item_id == phase.id
        )


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    return [*townhall_all_plugins, DatedParticipants()]


async def make_area(factory: Any, tenant: Any, name: str) -> Area:
    async with factory.db.session(tenant.id, write=True) as session:
        area = Area(name={"en": name}, position=0)
        session.add(area)
        await session.flush()
        return area


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_weeks_are_filled_in_from_monday() -> None:
    assert insights.monday(TODAY) == date(2026, 11, 30)
    assert insights.monday(date(2026, 11, 30)) == date(2026, 11, 30)
    weeks = insights.fill_weeks({date(2026, 11, 16): 3, date(2026, 11, 30): 1}, TODAY, weeks=4)
    assert weeks == [(date(2026, 11, 9), 0), (date(2026, 11, 16), 3), (date(2026, 11, 23), 0), (date(2026, 11, 30), 1)]


def test_stat_figures_become_tables() -> None:
    locales = {"en", "nl"}
    number = insights.stat_table("Responses", 7, locales, "en", "en")
    assert number.rows == [["Responses", 7]]
    figure = {"proposals": 3, "by_state": {"open": 2, "closed": 1}}
    nested = insights.stat_table("Proposals", figure, locales, "en", "en")
    assert nested.rows == [["Proposals", 3], ["By state: Open", 2], ["By state: Closed", 1]]
    records = insights.stat_table(
        "Top topics", [{"name": {"en": "Parks", "nl": "Parken"}, "ideas": 4}], locales, "nl", "en"
    )
    assert records.header == ["Name", "Ideas"] and records.rows == [["Parken", 4]]
    themes = insights.stat_table("Themes", [{"terms": ["trees", "shade"], "idea_ids": [1, 2]}], locales, "en", "en")
    assert themes.rows == [["trees, shade", "1, 2"]]
    assert insights.stat_table("Nothing", [], locales, "en", "en").rows == []


async def test_counting_people_per_week_project_method_and_area(app, factory, tenant) -> None:
    state = app.state.townhall
    area_a, area_b = await make_area(factory, tenant, "North"), await make_area(factory, tenant, "South")
    first, second = await factory.project(tenant), await factory.project(tenant)
    idea_phase = await factory.phase(first, "ideation")
    survey_phase = await factory.phase(second, "survey")
    people = [await factory.user(tenant, area_id=area_a.id if i < 6 else area_b.id) for i in range(8)]
    stranger = await factory.user(tenant)
    this_week, two_weeks_ago = date(2026, 12, 1), date(2026, 11, 17)
    async with factory.db.session(tenant.id, write=True) as session:
        for person in people[:6]:  # six people comment twice in the first project, in two different weeks
            session.add(Comment(item_kind="i", item_id=1, phase_id=idea_phase.id, author_id=person.id,
                                created_at=at(two_weeks_ago)))  # fmt: skip
            session.add(Comment(item_kind="i", item_id=1, phase_id=idea_phase.id, author_id=person.id,
                                created_at=at(two_weeks_ago, 11)))  # fmt: skip
        # people[0] also takes part in the second project: counted in both projects, once overall
        session.add(Reaction(item_kind="i", item_id=1, phase_id=survey_phase.id, user_id=people[0].id, kind="up",
                             created_at=at(this_week)))  # fmt: skip
        # two people through the method's own hook, dated this week
        for person in people[6:]:
            session.add(Follow(item_kind=FOLLOW_KIND, item_id=idea_phase.id, user_id=person.id,
                               created_at=at(this_week)))  # fmt: skip
        # a follow of another kind is not taking part
        session.add(Follow(item_kind="project", item_id=first.id, user_id=stranger.id))
    async with factory.db.session(tenant.id) as session:
        events = await insights.tenant_participation(session, state.pm)
        assert await insights.counts(session, events) == (8, 0), "a participant in two projects counts once overall"
        weeks = await insights.per_week(session, events, TODAY, weeks=4)
        assert weeks == [
            (date(2026, 11, 9), 0),
            (date(2026, 11, 16), 6),  # twice each in the same week: six people, not twelve comments
            (date(2026, 11, 23), 0),  # a week with no participants is there, with 0
            (date(2026, 11, 30), 3),
        ]
        assert dict(await insights.per_project(session, events)) == {first.id: 8, second.id: 1}
        assert dict(await insights.per_method(session, events)) == {"ideation": 8, "survey": 1}
        assert dict(await insights.per_area(session, events)) == {area_a.id: 6, area_b.id: 2}
        board = await insights.dashboard(session, state.pm, state.registry, "en", "en", TODAY)
        assert board.total == 8
        by_area = {bar.label: bar.count for bar in board.areas}
        assert by_area == {"North": None, "South": None}, "2 is under 5, and the 6 would give it away"
        assert next((b.label, b.count) for b in board.projects)[1] == 8
        assert board.weeks[-1].count == 3 and max(b.share or 0 for b in board.weeks) == 1.0
        only_first = await insights.tenant_participation(session, state.pm, first.id)
        assert await insights.counts(session, only_first) == (8, 0)


async def test_undated_participation_is_counted_but_in_no_week(app, factory, tenant) -> None:
    """A method whose participants select has no ``at`` column: its people count, in no week."""
    from plugins.survey.models import SurveyParticipant

    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey")
    person = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(SurveyParticipant(phase_id=phase.id, who=f"u:{person.id}"))
    async with factory.db.session(tenant.id) as session:
        events = await insights.tenant_participation(session, app.state.townhall.pm)
        assert await insights.counts(session, events) == (1, 1)
        assert sum(n for _w, n in await insights.per_week(session, events, date.today())) == 0


async def test_another_municipality_is_not_counted(app, factory, tenant, other_tenant) -> None:
    mine = await factory.phase(await factory.project(tenant), "ideation")
    theirs = await factory.phase(await factory.project(other_tenant), "ideation")
    me, them = await factory.user(tenant), await factory.user(other_tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Comment(item_kind="i", item_id=1, phase_id=mine.id, author_id=me.id))
    async with factory.db.session(other_tenant.id, write=True) as session:
        session.add(Comment(item_kind="i", item_id=1, phase_id=theirs.id, author_id=them.id))
        session.add(Follow(item_kind=FOLLOW_KIND, item_id=theirs.id, user_id=them.id))
    async with factory.db.session(tenant.id) as session:
        events = await insights.tenant_participation(session, app.state.townhall.pm)
        assert await insights.counts(session, events) == (1, 0)
        assert dict(await insights.per_project(session, events)) == {mine.project_id: 1}
