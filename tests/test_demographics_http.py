"""Demographics through HTTP, per route and role: the resident's optional answers (export, forgetting), the back
office's questions and population shares, and a project's representativeness page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from core import hookimpl
from core.models import Comment, Follow, ProfileAnswer, ProfileQuestion, Reaction
from core.testing.factories import DEFAULT_PASSWORD

FOLLOW_KIND = "test.participant"


class ParticipantsPlugin:
    """A method's own table, stood in for by follows of a test kind whose item id is the phase id."""

    @hookimpl
    def participants(self, phase: Any) -> Any:
        if phase.method != "ideation":
            return None
        return select(Follow.user_id).where(Follow.item_kind == FOLLOW_KIND, Follow.item_id == phase.id)


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    return [*townhall_all_plugins, ParticipantsPlugin()]


async def make_questions(factory: Any, tenant: Any) -> dict[str, int]:
    async with factory.db.session(tenant.id, write=True) as session:
        gender = ProfileQuestion(
            kind="gender",
            label={"en": "Gender"},
            purpose={"en": "To see whether women and men take part alike."},
            reference={"woman": 0.5, "man": 0.48, "other": 0.02},
            reference_source="Census",
            reference_year=2024,
        )
        year = ProfileQuestion(kind="birth_year", label={"en": "Year of birth"}, purpose={"en": "Age groups."})
        session.add_all([gender, year])
        await session.flush()
        return {"gender": gender.id, "year": year.id}


async def factory_admin(session: Any) -> int:
    from core.models import User

    return await session.scalar(select(User.id).where(User.role == "admin"))


async def answers(factory: Any, tenant: Any, user_id: int) -> dict[int, str]:
    async with factory.db.session(tenant.id) as session:
        rows = await session.execute(
            select(ProfileAnswer.question_id, ProfileAnswer.value).where(ProfileAnswer.user_id == user_id)
        )
        return dict(rows.all())


async def test_anonymous_visitors_are_sent_to_sign_in(client, factory, tenant, csrf) -> None:
    response = await client.get("/account/about", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert (await client.post("/account/about", data={}, headers=await csrf(client))).status_code == 401
    for path in ("/admin/demographics", "/admin/projects/1/representativeness"):
        assert (await client.get(path, follow_redirects=False)).status_code == 303


async def test_resident_answers_changes_skips_exports_and_is_forgotten(client, factory, tenant, csrf) -> None:
    ids = await make_questions(factory, tenant)
    user = await factory.user(tenant)
    await factory.login(client, user)
    account = await client.get("/account")
    assert 'href="/account/about"' in account.text
    page = await client.get("/account/about")
    assert page.status_code == 200
    assert "To see whether women and men take part alike." in page.text and "Prefer not to say" in page.text
    g, y = f"q{ids['gender']}", f"q{ids['year']}"
    saved = await client.post("/account/about", data={g: "woman", y: "1980"}, headers=await csrf(client))
    assert saved.status_code == 200 and "Your answers are saved." in saved.text
    assert await answers(factory, tenant, user.id) == {ids["gender"]: "woman", ids["year"]: "1980"}
    await client.post("/account/about", data={g: "prefer_not", y: ""}, headers=await csrf(client))
    assert await answers(factory, tenant, user.id) == {ids["gender"]: "prefer_not"}, "cleared and changed in place"
    assert await factory.count(ProfileAnswer, tenant.id) == 1
    for bad in ({g: "robot"}, {y: "3000"}, {y: "abcd"}):
        refused = await client.post("/account/about", data=bad, headers=await csrf(client))
        assert refused.status_code == 422 and "Choose one of the answers" in refused.text
    assert await answers(factory, tenant, user.id) == {ids["gender"]: "prefer_not"}
    export = json.loads((await client.get("/account/data")).content)
    assert export["plugins"]["core.demographics"]["profile_answers"] == [
        {"question": {"en": "Gender"}, "kind": "gender", "answer": "prefer_not"}
    ]
    gone = await client.post("/account/delete", data={"delete_password": DEFAULT_PASSWORD}, headers=await csrf(client))
    assert gone.status_code in (200, 303)
    assert await factory.count(ProfileAnswer, tenant.id) == 0


async def test_residents_cannot_reach_the_back_office(client, factory, tenant, csrf) -> None:
    ids = await make_questions(factory, tenant)
    project = await factory.project(tenant)
    await factory.login(client, await factory.user(tenant))
    for path in ("/admin/demographics", f"/admin/projects/{project.id}/representativeness"):
        assert (await client.get(path, follow_redirects=False)).status_code == 403
    headers = await csrf(client)
    for path in ("/admin/demographics", f"/admin/demographics/{ids['gender']}/delete"):
        assert (await client.post(path, data={"kind": "gender", "label.en": "x"}, headers=headers)).status_code == 403
    assert await factory.count(ProfileQuestion, tenant.id) == 2


async def test_admin_adds_questions_and_population_shares(client, factory, tenant, csrf) -> None:
    await factory.login(client, await factory.user(tenant, role="admin"))
    headers = await csrf(client)
    data = {
        "kind": "choice",
        "label.en": "Highest education",
        "purpose.en": "To reach people of every background.",
        "options.en": "Primary\nSecondary\nHigher",
        "options.nl": "Basis\nMiddelbaar\nHoger",
    }
    assert (await client.post("/admin/demographics", data=data, headers=headers)).status_code in (200, 303)
    async with factory.db.session(tenant.id) as session:
        question = await session.scalar(select(ProfileQuestion))
    assert [o["label"] for o in question.options][2] == {"en": "Higher", "nl": "Hoger"}
    uneven = await client.post("/admin/demographics", data={**data, "options.nl": "Basis"}, headers=headers)
    assert uneven.status_code == 422 and "same number of answers" in uneven.text
    one = await client.post("/admin/demographics", data={**data, "options.en": "Only"}, headers=headers)
    assert one.status_code == 422
    nolabel = await client.post("/admin/demographics", data={"kind": "gender", "purpose.en": "x"}, headers=headers)
    assert nolabel.status_code == 422
    noareas = await client.post("/admin/demographics", data={**data, "kind": "area"}, headers=headers)
    assert noareas.status_code == 422 and "areas first" in noareas.text
    assert await factory.count(ProfileQuestion, tenant.id) == 1
    page = await client.get("/admin/demographics")
    assert page.status_code == 200 and "Highest education" in page.text
    q = f"q{question.id}."
    ref = f"/admin/demographics/{question.id}/reference"
    shares = {
        q + "share.o1": "20",
        q + "share.o2": "50,5",
        q + "share.o3": "29.5",
        q + "source": "CBS",
        q + "year": "2024",
    }
    assert (await client.post(ref, data=shares, headers=headers)).status_code in (200, 303)
    stored = await factory.reload(ProfileQuestion, question.id, tenant.id)
    assert stored.reference == {"o1": 0.2, "o2": 0.505, "o3": 0.295} and stored.reference_year == 2024
    for bad, message in (
        ({**shares, q + "share.o1": "30"}, "must add up to 100"),
        ({**shares, q + "share.o1": "-20"}, "percentage between 0 and 100"),
        ({**shares, q + "source": ""}, "where the figures come from"),
        ({**shares, q + "year": "20x4"}, "year of the figures"),
    ):
        refused = await client.post(ref, data=bad, headers=headers)
        assert refused.status_code == 422 and message in refused.text, message
    assert (await factory.reload(ProfileQuestion, question.id, tenant.id)).reference == stored.reference
    async with factory.db.session(tenant.id, write=True) as session:
        session.add(ProfileAnswer(user_id=(await factory_admin(session)), question_id=question.id, value="o1"))
    delete = await client.post(f"/admin/demographics/{question.id}/delete", data={}, headers=headers)
    assert delete.status_code in (200, 303) and await factory.count(ProfileQuestion, tenant.id) == 0
    assert await factory.count(ProfileAnswer, tenant.id) == 0, "the answers go with their question"


async def test_another_municipality_gets_404(client, factory, tenant, other_tenant, csrf) -> None:
    ids = await make_questions(factory, tenant)
    project = await factory.project(tenant)
    await factory.login(client, await factory.user(other_tenant, role="admin"))
    host = {"Host": "other.test"}
    got = await client.get(f"/admin/projects/{project.id}/representativeness", headers=host)
    assert got.status_code == 404
    await client.get("/", headers=host)
    headers = {**host, "x-csrftoken": client.cookies.get("csrftoken", "")}
    for path in (f"/admin/demographics/{ids['gender']}/reference", f"/admin/demographics/{ids['gender']}/delete"):
        assert (await client.post(path, data={}, headers=headers)).status_code == 404, path
    assert await factory.count(ProfileQuestion, tenant.id) == 2


async def test_a_projects_moderators_see_its_representativeness_and_no_other(client, factory, tenant) -> None:
    await make_questions(factory, tenant)
    mine, other = await factory.project(tenant), await factory.project(tenant)
    moderator = await factory.user(tenant)
    await factory.moderator(mine, moderator)
    await factory.login(client, moderator)
    page = await client.get(f"/admin/projects/{mine.id}/representativeness")
    assert page.status_code == 200 and "<h1>" in page.text
    assert 'href="/admin/settings"' not in page.text, "no back-office links a moderator may not follow"
    assert (await client.get(f"/admin/projects/{other.id}/representativeness")).status_code == 403
    assert (await client.get("/admin/projects/999999/representativeness")).status_code == 403, "no id probing"
    assert (await client.get(f"/admin/projects/{mine.id}/representativeness/export")).status_code == 200
    assert (await client.get(f"/admin/projects/{other.id}/representativeness/export")).status_code == 403
    queue = await client.get("/admin/moderation")
    assert f"/admin/projects/{mine.id}/representativeness" in queue.text
    assert f"/admin/projects/{other.id}/representativeness" not in queue.text


async def test_representativeness_of_a_project(client, factory, tenant, csrf) -> None:
    ids = await make_questions(factory, tenant)
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    other = await factory.phase(await factory.project(tenant), "ideation")
    second = await factory.phase(project, "ideation", state="ended")
    people = [await factory.user(tenant) for _ in range(24)]
    outsider = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        for i, person in enumerate(people):
            gender = "woman" if i < 6 else "man" if i < 22 else "other"  # 6 women, 16 men, 2 other
            session.add(ProfileAnswer(user_id=person.id, question_id=ids["gender"], value=gender))
            if i < 20:
                session.add(Comment(item_kind="ideation.idea", item_id=1, phase_id=phase.id, author_id=person.id))
            else:
                session.add(
                    Reaction(item_kind="ideation.idea", item_id=i, phase_id=phase.id, user_id=person.id, kind="up")
                )
        session.add(ProfileAnswer(user_id=outsider.id, question_id=ids["gender"], value="woman"))
        session.add(Comment(item_kind="ideation.idea", item_id=2, phase_id=other.id, author_id=outsider.id))
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/admin/projects/{project.id}/representativeness")
    assert page.status_code == 200
    text = page.text
    assert "Participants: 24." in text, "the other project's participant is not counted"
    assert "Under-represented: Woman." in text and "Over-represented: Man." in text
    assert "fewer than 5" in text and ">2<" not in text, "the 2 'other' are never shown"
    assert "Representativeness score: 75%" in text  # 1 - (|6/24-.5| + |16/24-.48| + |2/24-.02|) / 2 = 0.75
    assert "<svg" in text and "<table" in text and "Weighted share (estimate)" in text
    assert "Effective sample size" in text
    assert "Fewer than 5 participants answered this question" in text, "nobody gave a year of birth"
    base = f"/admin/projects/{project.id}/representativeness"
    assert "Participants: 24." in (await client.get(f"{base}?phase={phase.id}")).text
    quiet = await client.get(f"{base}?phase={second.id}")
    assert quiet.status_code == 200 and "Participants: fewer than 5." in quiet.text
    assert 'aria-current="page"' in quiet.text
    for bad in (str(other.id), "abc", "-1", "9" * 30):
        assert (await client.get(f"{base}?phase={bad}")).status_code == 404, bad

    # The same tables as a download, with the same suppression.
    assert f'href="{base}/export?format=csv"' in text and f'href="{base}/export?format=xlsx"' in text
    csv_file = await client.get(f"{base}/export?format=csv")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_file.headers["content-disposition"]
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Question,Answer,Participants,Share of participants,Share of population")
    by_answer = {line.split(",")[1]: line.split(",") for line in lines[1:]}
    assert by_answer["Man"][2:6] == ["16", "0.6667", "0.48", "0.75"]
    assert by_answer["Another gender"][2:4] == ["", ""], "a group under 5 is empty in the file too"
    assert by_answer["Woman"][2:4] == ["", ""], "and so is the next smallest, as on the page"
    xlsx = await client.get(f"{base}/export?format=xlsx&phase={phase.id}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert f"-phase-{phase.id}.xlsx" in xlsx.headers["content-disposition"]
    pdf = await client.get(f"{base}/export?format=pdf")
    assert pdf.status_code == 400 and "Choose CSV or XLSX." in pdf.text
    assert (await client.get(f"{base}/export?phase=abc")).status_code == 404


async def test_the_demo_has_demographics_on_first_start(app, client, factory) -> None:
    from core.demo import seed
    from core.models import Project, Tenant, User

    await seed(app.state.townhall, "demo-password-1")
    async with factory.db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo-city"))
    async with factory.db.session(tenant.id) as session:
        admin = await session.scalar(select(User).where(User.email == "admin@demo-city.example"))
        project = await session.scalar(select(Project).where(Project.slug == "ideation-project"))
        people = await session.scalar(select(func.count()).select_from(User))
    assert await factory.count(ProfileQuestion, tenant.id) == 3
    assert await factory.count(ProfileAnswer, tenant.id) == 3 * people
    await factory.login(client, admin)
    page = await client.get(f"/admin/projects/{project.id}/representativeness", headers={"Host": "localhost"})
    assert page.status_code == 200
    assert "Representativeness score" in page.text and "Over-represented" in page.text
    assert "Effective sample size" in page.text


async def test_methods_add_their_participants_through_the_hook(client, factory, tenant) -> None:
    ids = await make_questions(factory, tenant)
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    elsewhere = await factory.phase(await factory.project(tenant), "ideation")
    people = [await factory.user(tenant) for _ in range(7)]
    async with factory.db.session(tenant.id, write=True) as session:
        for i, person in enumerate(people):
            session.add(ProfileAnswer(user_id=person.id, question_id=ids["gender"], value="man"))
            target = phase if i < 6 else elsewhere
            session.add(Follow(item_kind=FOLLOW_KIND, item_id=target.id, user_id=person.id))
        session.add(Comment(item_kind="ideation.idea", item_id=1, phase_id=phase.id, author_id=people[0].id))
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/admin/projects/{project.id}/representativeness")
    assert "Participants: 6." in page.text, "six through the hook (one also commented), not the other project's"
    assert "Under-represented: Woman." in page.text


async def test_population_shares_from_a_csv_file(client, factory, tenant, csrf) -> None:
    ids = await make_questions(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    headers = await csrf(client)
    q = f"q{ids['gender']}."
    url = f"/admin/demographics/{ids['gender']}/reference/file"

    async def upload(body: bytes, name: str = "census.csv", **fields: str) -> Any:
        data = {q + "source": "Census 2025", q + "year": "2025", **{q + k: v for k, v in fields.items()}}
        return await client.post(url, data=data, files={"file": (name, body, "text/csv")}, headers=headers)

    done = await upload(b"answer;percent\nWoman;51\nman;48 %\nAnother gender;1\n")
    assert done.status_code in (200, 303), done.text[:300]
    stored = await factory.reload(ProfileQuestion, ids["gender"], tenant.id)
    assert stored.reference == {"woman": 0.51, "man": 0.48, "other": 0.01}
    assert stored.reference_source == "Census 2025" and stored.reference_year == 2025
    unknown = await upload(b"Woman,50\nRobot,50\n")
    assert unknown.status_code == 422 and "Unknown answer in the file: Robot" in unknown.text
    short = await upload(b"Woman,50\nMan,20\n")
    assert short.status_code == 422 and "must add up to 100" in short.text
    assert (await upload(b"")).status_code == 422
    nofile = await client.post(url, data={q + "source": "x"}, headers=headers)
    assert nofile.status_code == 422 and "Choose a CSV or XLSX file." in nofile.text
    assert (await factory.reload(ProfileQuestion, ids["gender"], tenant.id)).reference == stored.reference


async def test_the_methods_own_participants_count(client, factory, tenant) -> None:
    """Idea authors, budget voters, proposal signatories and workshop registrations are participants too."""
    from datetime import timedelta

    from core.db.base import utcnow
    from plugins.budgeting.models import Ballot, Budget
    from plugins.ideation.models import Idea
    from plugins.proposals.models import Proposal, Signature
    from plugins.referendum.models import RollEntry
    from plugins.survey.models import SurveyParticipant
    from plugins.workshop.models import Registration, WorkshopSession

    ids = await make_questions(factory, tenant)
    project = await factory.project(tenant)
    ideation = await factory.phase(project, "ideation", state="ended")
    budgeting = await factory.phase(project, "budgeting", state="ended")
    proposals = await factory.phase(project, "proposals", state="ended")
    workshop = await factory.phase(project, "workshop", state="ended")
    survey = await factory.phase(project, "survey", state="ended")
    referendum = await factory.phase(project, "referendum")
    people = [await factory.user(tenant) for _ in range(8)]
    now = utcnow()
    async with factory.db.session(tenant.id, write=True) as session:
        for person in people:
            session.add(ProfileAnswer(user_id=person.id, question_id=ids["gender"], value="woman"))
        budget = Budget(phase_id=budgeting.id, name={"en": "City"}, amount=100)
        proposal = Proposal(phase_id=proposals.id, author_id=people[3].id, title="Buses", invite_token="t" * 43)
        ws = WorkshopSession(
            phase_id=workshop.id, title={"en": "Evening"}, starts_at=now, ends_at=now + timedelta(hours=1)
        )
        session.add_all([budget, proposal, ws, Idea(phase_id=ideation.id, author_id=people[0].id, title="Trees")])
        session.add(Idea(phase_id=ideation.id, author_id=people[1].id, title="Benches"))
        await session.flush()
        session.add(Ballot(budget_id=budget.id, user_id=people[2].id, option_ids=[], receipt="r" * 32))
        session.add(Signature(proposal_id=proposal.id, user_id=people[4].id))
        session.add(Registration(session_id=ws.id, user_id=people[5].id, status="registered"))
        # a survey respondent (signed in) and one answering by browser token (no account: not counted)
        session.add(SurveyParticipant(phase_id=survey.id, who=f"u:{people[6].id}"))
        session.add(SurveyParticipant(phase_id=survey.id, who="b:" + "f" * 64))
        # a referendum voter, and someone on the roll who has not voted
        session.add(RollEntry(phase_id=referendum.id, user_id=people[7].id, code="A1", voted=True))
        session.add(RollEntry(phase_id=referendum.id, user_id=people[0].id, code="A2", voted=False))
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/admin/projects/{project.id}/representativeness")
    assert "Participants: 8." in page.text, (
        "two idea authors, a voter, a proposal author, a signatory, a registration, a survey respondent, a referendum"
        " voter"
    )
    only = await client.get(f"/admin/projects/{project.id}/representativeness?phase={referendum.id}")
    assert "Participants: fewer than 5." in only.text, "one voter is below the smallest group shown"
