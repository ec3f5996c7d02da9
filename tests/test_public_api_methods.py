"""Survey, referendum and workshop in the public JSON API: what each publishes, and what stays private until when."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from core.db.base import utcnow
from core.models import Phase
from plugins.referendum.models import Box, Question
from plugins.survey.models import SurveyQuestion, SurveyResponse
from plugins.workshop.models import Card, Registration, WorkshopSession


async def _phase_data(client, phase) -> dict:
    response = await client.get(f"/api/v1/phases/{phase.id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _end(factory, tenant, phase) -> None:
    now = utcnow()
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(
            update(Phase).where(Phase.id == phase.id).values(starts_at=now - timedelta(days=3), ends_at=now)
        )


async def test_survey_counts_only_after_the_close_and_only_when_public(client, factory, tenant) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "survey", config={"results_public": True})
    async with factory.db.session(tenant.id, write=True) as session:
        colour = SurveyQuestion(phase_id=phase.id, kind="single", text={"en": "Colour?"},
                                options=[["r", {"en": "Red"}], ["g", {"en": "Green"}]])  # fmt: skip
        words = SurveyQuestion(phase_id=phase.id, kind="short", text={"en": "Anything else?"}, position=1)
        session.add_all([colour, words])
        await session.flush()
        for n, (choice, text) in enumerate([("r", "Call me, Ada 0612345678"), ("g", ""), ("r", "")]):
            session.add(SurveyResponse(phase_id=phase.id, submission_key=f"k{n}",
                                       answers={str(colour.id): choice, str(words.id): text}))  # fmt: skip
    open_data = await _phase_data(client, phase)
    assert open_data["kind"] == "question" and [q["text"] for q in open_data["items"]] == ["Colour?", "Anything else?"]
    assert open_data["items"][0]["options"] == [{"id": "r", "label": "Red"}, {"id": "g", "label": "Green"}]
    assert open_data["summary"] == {"responses": 3, "results_public": False}
    assert all(q["results"] is None for q in open_data["items"])

    await _end(factory, tenant, phase)
    closed = await _phase_data(client, phase)
    assert closed["items"][0]["results"]["counts"] == {"r": 2, "g": 1}
    assert "Ada" not in str(closed), "free-text answers never leave through the API"

    private = await factory.phase(project, "survey", state="ended", config={"results_public": False})
    assert (await _phase_data(client, private))["summary"]["results_public"] is False


async def test_referendum_results_only_once_counted(client, factory, tenant) -> None:
    phase = await factory.phase(await factory.project(tenant), "referendum", config={"live_turnout": False})
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(Question(phase_id=phase.id, kind="yesno", title={"en": "A new pool?"}))
        session.add(Box(phase_id=phase.id, roll_size=100, frozen_at=utcnow()))
    open_data = await _phase_data(client, phase)
    assert [q["title"] for q in open_data["items"]] == ["A new pool?"]
    assert open_data["summary"]["roll_size"] == 100
    assert open_data["summary"]["turnout"] is None and open_data["summary"]["results"] is None
    results = {"turnout": 40, "ballots": 40, "tally": {"1": {"yes": 30, "no": 10}}, "outcomes": {}, "head": "ab" * 32}
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Box).where(Box.phase_id == phase.id).values(results=results, head="ab" * 32))
    counted = await _phase_data(client, phase)
    assert counted["summary"]["turnout"] == 40
    assert counted["summary"]["results"]["chain_head"] == "ab" * 32


async def test_workshop_sessions_with_seats_and_reports_once_published(client, factory, tenant) -> None:
    phase = await factory.phase(await factory.project(tenant), "workshop")
    people = [await factory.user(tenant, display_name=f"Person {n}") for n in range(3)]
    now = utcnow()
    async with factory.db.session(tenant.id, write=True) as session:
        ws = WorkshopSession(
            phase_id=phase.id,
            title={"en": "Park evening"},
            agenda={"en": ["Welcome", "Ideas"]},
            starts_at=now - timedelta(hours=3),
            ends_at=now - timedelta(hours=1),
            capacity=2,
        )
        session.add(ws)
        await session.flush()
        session.add_all(
            [
                Registration(session_id=ws.id, user_id=people[0].id, status="registered"),
                Registration(session_id=ws.id, user_id=people[1].id, status="registered"),
                Registration(session_id=ws.id, user_id=people[2].id, status="waiting"),
                Card(session_id=ws.id, phase_id=phase.id, author_id=people[0].id, body="More benches", step=1),
                Card(session_id=ws.id, phase_id=phase.id, author_id=people[1].id, body="Secret", hidden=True),
            ]
        )
    data = await _phase_data(client, phase)
    [item] = data["items"]
    assert item["title"] == "Park evening" and item["agenda"] == ["Welcome", "Ideas"]
    assert (item["registered"], item["waiting"], item["capacity"]) == (2, 1, 2)
    assert item["report"] is None, "a report is public once staff publish it"
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(WorkshopSession).values(report_published=True, notes={"en": "Thanks all"}))
    report = (await _phase_data(client, phase))["items"][0]["report"]
    assert report["notes"] == "Thanks all" and [c["text"] for c in report["top"]] == ["More benches"]
    assert "Person" not in str(report) and "Secret" not in str(report)
