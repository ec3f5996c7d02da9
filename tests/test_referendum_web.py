"""The referendum over HTTP: the voter's journey (vote, retry, refusal, receipt, results, audit), the polling
station, frozen rules, embargo, and every route, role and phase state."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core import Phase, utcnow
from plugins.referendum import rules
from plugins.referendum.models import Ballot, Box, Question, RollEntry

YES_NO = {"kind": "yesno", "title": {"en": "Car-free harbour?"}}
RANKED = {"kind": "ranked", "title": {"en": "Park name"}, "choices": [{"en": "A"}, {"en": "B"}, {"en": "C"}]}


async def make_referendum(factory: Any, tenant: Any, *, state: str = "active", config: dict | None = None) -> Any:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "referendum", state=state, config=config or {})
    async with factory.db.session(tenant.id, write=True) as session:
        for position, q in enumerate((YES_NO, RANKED)):
            session.add(Question(phase_id=phase.id, position=position, **q))
    return project, phase


async def question_ids(factory: Any, tenant: Any, phase: Any) -> list[int]:
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        return list((await session.scalars(select(Question.id).where(Question.phase_id == phase.id))).all())


async def set_state(factory: Any, tenant: Any, phase: Any, state: str) -> None:
    now = utcnow()
    start, end = {
        "active": (now - timedelta(days=1), now + timedelta(days=7)),
        "ended": (now - timedelta(days=14), now - timedelta(minutes=1)),
    }[state]
    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Phase).where(Phase.id == phase.id).values(starts_at=start, ends_at=end))


def ballot_form(qids: list[int], receipt: str, yes: str = "yes", ranking: tuple[int, ...] = (1, 2)) -> dict[str, str]:
    form = {"receipt": receipt, f"q{qids[0]}": yes}
    for option, rank in enumerate(ranking):
        form[f"q{qids[1]}_{option}"] = str(rank)
    return form


async def signed_in(factory: Any, client: Any, tenant: Any, **fields: Any) -> Any:
    user = await factory.user(tenant, **fields)
    await factory.login(client, user)
    return user


RECEIPT = "ABCD-EFGH-JKLM-NPQR"


async def test_journey_vote_retry_refusal_receipt_results_and_audit(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(
        factory, tenant, config={"participation_quorum": 30, "approval_quorum": 20, "binding": True}
    )
    voter = await factory.user(tenant, verified=True)
    await factory.user(tenant, verified=True)  # a second person on the roll who does not vote
    await factory.user(tenant, verified=False)  # not on the roll
    qids = await question_ids(factory, tenant, phase)
    await factory.login(client, voter)
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert page.status_code == 200 and "Cast my vote" in page.text and "2 people are on the electoral roll" in page.text
    headers = await csrf(client)

    form = ballot_form(qids, RECEIPT)
    first = await client.post(f"/p/{phase.id}/referendum/vote", data=form, headers=headers)
    assert first.status_code == 200 and RECEIPT in first.text and "Your vote is recorded" in first.text
    retry = await client.post(f"/p/{phase.id}/referendum/vote", data=form, headers=headers)
    assert retry.status_code == 200 and "counted once" in retry.text
    other = await client.post(
        f"/p/{phase.id}/referendum/vote", data=ballot_form(qids, "QRST-UVWX-YZ23-4567"), headers=headers
    )
    assert other.status_code == 409 and "You have already done this." in other.text
    assert await factory.count(Ballot, tenant.id) == 1
    assert await factory.count(RollEntry, tenant.id, RollEntry.voted.is_(True)) == 1

    # embargo: nothing of the results before the close, not even for an admin
    admin = await signed_in(factory, client, tenant, role="admin")
    assert admin is not None
    for path in ("ballot-box.json", "results.csv"):
        assert (await client.get(f"/p/{phase.id}/referendum/{path}")).status_code == 403
    assert "published once voting has closed" in (await client.get(f"/p/{phase.id}/referendum/check")).text

    await set_state(factory, tenant, phase, "ended")
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert "Valid and binding: yes wins." in page.text, page.text[page.text.find("referendum-panel") :][
        :3000
    ]  # 1 of 2 voted (50 >= 30), yes 1 of 2 (50 >= 20)
    box_file = await client.get(f"/p/{phase.id}/referendum/ballot-box.json")
    document = json.loads(box_file.content)
    assert "user" not in box_file.text and len(document["ballots"]) == 1
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        head = (await session.scalar(select(Box).where(Box.phase_id == phase.id))).head
    assert head in page.text
    report = rules.audit(document, head)
    assert report.ok and report.tally["questions"][str(qids[0])]["yes"] == 1
    assert rules.includes(document, RECEIPT.lower())
    check = await client.get(f"/p/{phase.id}/referendum/check", params={"receipt": RECEIPT})
    assert "Your ballot is in the published ballot box" in check.text
    missing = await client.get(f"/p/{phase.id}/referendum/check", params={"receipt": "QRST-UVWX-YZ23-4567"})
    assert "No ballot with this receipt code" in missing.text
    csv = await client.get(f"/p/{phase.id}/referendum/results.csv")
    assert csv.status_code == 200 and "Car-free harbour?,yes,1" in csv.text.replace("\r", "")

    # changing one ballot row in the database is detected against the head stored at close
    from plugins.referendum import services

    async with factory.db.session(tenant.id, write=True) as session:
        await session.execute(update(Ballot).values(choices={str(qids[0]): "no", str(qids[1]): [0, 1]}))
    async with factory.db.session(tenant.id) as session:
        problems = await services.verify_stored(session, await session.get(Phase, phase.id))
    assert problems and any("results page" in p for p in problems)


async def test_not_valid_below_the_participation_quorum(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant, config={"participation_quorum": 60})
    voter = await signed_in(factory, client, tenant, verified=True)
    await factory.user(tenant, verified=True)
    assert voter
    qids = await question_ids(factory, tenant, phase)
    await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    response = await client.post(
        f"/p/{phase.id}/referendum/vote", data=ballot_form(qids, RECEIPT), headers=await csrf(client)
    )
    assert response.status_code == 200
    await set_state(factory, tenant, phase, "ended")
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert "Not valid: turnout below the quorum." in page.text


async def test_bad_ballots_are_refused_and_write_nothing(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant)
    await signed_in(factory, client, tenant, verified=True)
    qids = await question_ids(factory, tenant, phase)
    await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    headers = await csrf(client)
    bad = [
        {"receipt": RECEIPT},  # nothing answered
        ballot_form(qids, RECEIPT, yes="maybe"),
        ballot_form(qids, RECEIPT, ranking=(1, 1)),  # two options with the same rank
        ballot_form(qids, "short"),
        {**ballot_form(qids, RECEIPT), f"q{qids[0]}": "blank"} | {f"q{qids[1]}_0": "x"},
    ]
    for form in bad:
        response = await client.post(f"/p/{phase.id}/referendum/vote", data=form, headers=headers)
        assert response.status_code in (400, 422), form
    assert await factory.count(Ballot, tenant.id) == 0
    assert await factory.count(RollEntry, tenant.id, RollEntry.voted.is_(True)) == 0
    blank = {"receipt": RECEIPT, f"q{qids[0]}": "blank", f"q{qids[1]}": "blank"}
    assert (await client.post(f"/p/{phase.id}/referendum/vote", data=blank, headers=headers)).status_code == 200


async def test_polling_station_one_vote_per_roll_entry_across_channels(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant)
    online = await factory.user(tenant, verified=True, display_name="Online Olga")
    paper = await factory.user(tenant, verified=True, display_name="Paper Pieter")
    qids = await question_ids(factory, tenant, phase)
    await factory.login(client, online)
    await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert (
        await client.post(f"/p/{phase.id}/referendum/vote", data=ballot_form(qids, RECEIPT), headers=await csrf(client))
    ).status_code == 200

    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    base = f"/p/{phase.id}/referendum"
    found = await client.get(f"{base}/manage", params={"q": "pieter"})
    assert "Paper Pieter" in found.text and "Online Olga" not in found.text
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        entries = {e.user_id: e for e in (await session.scalars(select(RollEntry))).all()}
    # no ballot before a mark
    form = ballot_form(qids, "")
    form.pop("receipt")
    assert (await client.post(f"{base}/paper/ballot", data=form, headers=headers)).status_code == 409
    # the online voter cannot also vote on paper
    refused = await client.post(f"{base}/paper/mark", data={"entry": entries[online.id].id}, headers=headers)
    assert refused.status_code == 409 and "already voted" in refused.text
    assert (
        await client.post(f"{base}/paper/mark", data={"entry": entries[paper.id].id}, headers=headers)
    ).status_code == 200
    assert (
        await client.post(f"{base}/paper/mark", data={"entry": entries[paper.id].id}, headers=headers)
    ).status_code == 409
    entered = await client.post(f"{base}/paper/ballot", data=form, headers=headers)
    assert entered.status_code == 200 and "Receipt code for the voter" in entered.text
    assert (await client.post(f"{base}/paper/ballot", data={"spoilt": "1"}, headers=headers)).status_code == 409
    assert await factory.count(Ballot, tenant.id) == 2
    assert await factory.count(RollEntry, tenant.id, RollEntry.voted.is_(True)) == 2
    # the paper voter can no longer vote online
    await factory.login(client, paper)
    response = await client.post(
        f"{base}/vote", data=ballot_form(qids, "QRST-UVWX-YZ23-4567"), headers=await csrf(client)
    )
    assert response.status_code == 409


async def test_questions_and_rules_freeze_when_voting_opens(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant, state="upcoming")
    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    base = f"/p/{phase.id}/referendum"
    added = await client.post(
        f"{base}/questions",
        data={
            "kind": "multiple",
            "title.en": "Which days?",
            "choices.en": "Mon\nTue\nWed",
            "min_choices": "1",
            "max_choices": "2",
            "allow_blank": "1",
        },
        headers=headers,
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert (
        await client.post(f"{base}/questions", data={"kind": "single", "title.en": "One option"}, headers=headers)
    ).status_code == 422
    assert await factory.count(Question, tenant.id) == 3
    await set_state(factory, tenant, phase, "active")
    await client.get(f"/projects/{project.slug}/phases/{phase.id}")  # the roll is snapshotted
    refused = await client.post(f"{base}/questions", data={"kind": "yesno", "title.en": "Late"}, headers=headers)
    assert refused.status_code == 409 and "can no longer change" in refused.text
    qid = (await question_ids(factory, tenant, phase))[0]
    assert (await client.post(f"{base}/questions/{qid}/delete", headers=headers)).status_code == 409
    assert await factory.count(Question, tenant.id) == 3
    from plugins.referendum.plugin import config_locked

    async with factory.db.session(tenant.id) as session:
        assert await config_locked(session, await session.get(Phase, phase.id))


ROUTES = ("page", "vote", "check", "log", "box", "csv", "xlsx", "manage", "add", "handover", "delete", "mark", "paper")


def expected(route: str, role: str, state: str) -> set[int]:
    """What each role gets on each route in each phase state."""
    staff = role == "admin"
    if route in ("page", "check", "log"):
        return {200}
    if route == "vote":
        if state != "active":
            return {403}  # the phase is not open, whoever asks
        if role == "anonymous":
            return {401}
        return {200} if role == "voter" else {403}
    if route in ("box", "csv", "xlsx"):
        return {200} if state == "ended" else {403}
    if not staff:
        return {403}
    if route == "manage":
        return {200}
    if route in ("add", "delete"):
        return {303} if state == "upcoming" else {409}
    if route == "handover":
        return {400} if state == "upcoming" else {409}  # nothing to hand over here; frozen once voting opened
    return {409, 200} if state == "active" else {403}


@pytest.mark.parametrize("state", ["upcoming", "active", "ended"])
async def test_every_route_for_every_role_in_every_state(client, factory, tenant, csrf, state) -> None:
    project, phase = await make_referendum(factory, tenant, state=state)
    qids = await question_ids(factory, tenant, phase)
    users = {
        "anonymous": None,
        "resident": await factory.user(tenant, verified=False),
        "voter": await factory.user(tenant, verified=True),
        "admin": await factory.user(tenant, role="admin"),
    }
    base = f"/p/{phase.id}/referendum"
    for role, user in users.items():
        client.cookies.clear()
        if user is not None:
            await factory.login(client, user)
        headers = await csrf(client)
        receipt = {"anonymous": "AAAA-BBBB-CCCC-DDDD", "resident": "EEEE-FFFF-GGGG-HHHH"}.get(role, RECEIPT)
        calls = {
            "page": ("GET", f"/projects/{project.slug}/phases/{phase.id}", None),
            "vote": ("POST", f"{base}/vote", ballot_form(qids, receipt)),
            "check": ("GET", f"{base}/check", None),
            "box": ("GET", f"{base}/ballot-box.json", None),
            "csv": ("GET", f"{base}/results.csv", None),
            "xlsx": ("GET", f"{base}/results.xlsx", None),
            "log": ("GET", f"/projects/{project.slug}/phases/{phase.id}/changes", None),
            "handover": ("POST", f"{base}/questions/from-phase", {"source": "1", "key": "idea:1"}),
            "manage": ("GET", f"{base}/manage", None),
            "add": ("POST", f"{base}/questions", {"kind": "yesno", "title.en": "Another?"}),
            "delete": ("POST", f"{base}/questions/{qids[-1]}/delete", None),
            "mark": ("POST", f"{base}/paper/mark", {"entry": "999999"}),
            "paper": ("POST", f"{base}/paper/ballot", {"spoilt": "1"}),
        }
        for route in ROUTES:
            method, path, data = calls[route]
            if method == "GET":
                response = await client.get(path)
            else:
                response = await client.post(path, data=data or {}, headers=headers, follow_redirects=False)
            assert response.status_code in expected(route, role, state), (route, role, state, response.status_code)
            assert response.status_code < 500
            if route in ("add", "delete") and response.status_code == 303:
                qids = await question_ids(factory, tenant, phase)


async def test_a_question_is_taken_from_an_earlier_phase_once(client, factory, tenant, csrf) -> None:
    from plugins.ideation.models import Idea

    now = utcnow()
    project = await factory.project(tenant)
    ideation = await factory.phase(
        project, "ideation", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=10)
    )
    phase = await factory.phase(
        project, "referendum", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=9)
    )
    author = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        idea = Idea(phase_id=ideation.id, author_id=author.id, title="A car-free harbour", body="Why: quieter.")
        session.add(idea)
        await session.flush()
    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    base = f"/p/{phase.id}/referendum"
    assert "A car-free harbour" in (await client.get(f"{base}/manage")).text
    form = {"source": str(ideation.id), "key": f"idea:{idea.id}"}
    taken = await client.post(f"{base}/questions/from-phase", data=form, headers=headers, follow_redirects=False)
    assert taken.status_code == 303
    again = await client.post(f"{base}/questions/from-phase", data=form, headers=headers, follow_redirects=False)
    assert again.status_code == 409
    bad = {"source": str(phase.id), "key": f"idea:{idea.id}"}
    assert (await client.post(f"{base}/questions/from-phase", data=bad, headers=headers)).status_code == 400
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        questions = (await session.scalars(select(Question).where(Question.phase_id == phase.id))).all()
    assert [(q.kind, q.title, q.source_key) for q in questions] == [
        ("yesno", {"en": "A car-free harbour"}, f"{ideation.id}:idea:{idea.id}")
    ]


async def test_public_change_log_lists_question_changes_and_never_votes(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant, state="upcoming")
    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    base = f"/p/{phase.id}/referendum"
    form = {"kind": "yesno", "title.en": "A new pool?", "allow_blank": "1"}
    assert (
        await client.post(f"{base}/questions", data=form, headers=headers, follow_redirects=False)
    ).status_code == 303
    qid = (await question_ids(factory, tenant, phase))[0]
    await client.post(f"{base}/questions/{qid}/delete", headers=headers, follow_redirects=False)
    await set_state(factory, tenant, phase, "active")
    voter = await signed_in(factory, client, tenant, verified=True)
    await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert voter is not None
    qids = await question_ids(factory, tenant, phase)
    vote = {"receipt": RECEIPT, **{f"q{q}": "blank" for q in qids}}
    assert (await client.post(f"{base}/vote", data=vote, headers=await csrf(client))).status_code == 200
    client.cookies.clear()
    log = await client.get(f"/projects/{project.slug}/phases/{phase.id}/changes")  # public: anyone reads it
    assert log.status_code == 200
    assert "Question added" in log.text and "A new pool?" in log.text and "Question removed" in log.text
    assert RECEIPT not in log.text and "referendum.vote" not in log.text


async def test_an_imported_register_joins_the_roll_and_freezes_with_it(client, factory, tenant, csrf) -> None:
    project, phase = await make_referendum(factory, tenant, state="upcoming", config={"roll_source": "register"})
    listed = await factory.user(tenant, email="listed@example.org", verified=True)  # on the roll by the register
    await factory.user(tenant, verified=True)  # verified but not in the register: not on the roll
    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    url = f"/p/{phase.id}/import/referendum.register"
    csv_text = "Voter code or e-mail\nLISTED@example.org\nABCD1234\nnot an address@\nabcd-1234\n"
    uploaded = await client.post(
        url, data={"source": "Register of 1 May"}, files={"file": ("register.csv", csv_text.encode(), "text/csv")},
        headers=headers, follow_redirects=False,
    )  # fmt: skip
    assert uploaded.status_code == 303, uploaded.text
    preview = await client.get(uploaded.headers["location"])
    assert "2 of 4 rows can be imported" in preview.text and "already on the register" in preview.text
    assert (await client.post(uploaded.headers["location"], headers=headers, follow_redirects=False)).status_code == 303
    assert await factory.count(RollEntry, tenant.id) == 2

    await set_state(factory, tenant, phase, "active")
    await factory.login(client, listed)
    page = await client.get(f"/projects/{project.slug}/phases/{phase.id}")
    assert "2 people are on the electoral roll" in page.text and "Cast my vote" in page.text
    qids = await question_ids(factory, tenant, phase)
    vote = await client.post(
        f"/p/{phase.id}/referendum/vote", data=ballot_form(qids, RECEIPT), headers=await csrf(client)
    )
    assert vote.status_code == 200
    # frozen: a second register is refused at confirmation
    await signed_in(factory, client, tenant, role="admin")
    headers = await csrf(client)
    late = await client.post(
        url, data={"source": "Late"}, files={"file": ("late.csv", b"Voter code or e-mail\nZZZZ9999\n", "text/csv")},
        headers=headers, follow_redirects=False,
    )  # fmt: skip
    if late.status_code == 303:
        confirm = await client.post(late.headers["location"], headers=headers, follow_redirects=False)
        assert confirm.status_code == 409
    assert await factory.count(RollEntry, tenant.id) == 2


async def test_only_a_proposal_that_reached_its_threshold_is_offered_as_a_question(
    client, factory, tenant, csrf
) -> None:
    from plugins.proposals.models import Proposal

    now = utcnow()
    project = await factory.project(tenant)
    petitions = await factory.phase(
        project, "proposals", starts_at=now - timedelta(days=60), ends_at=now - timedelta(days=5)
    )
    phase = await factory.phase(
        project, "referendum", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=9)
    )
    author = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        common = {"phase_id": petitions.id, "author_id": author.id, "invite_token": "t" * 43, "body": "Because."}
        reached = Proposal(title="Open the harbour to swimmers", state="threshold_reached", reached_at=now, **common)
        short = Proposal(title="Paint the bridge pink", state="collecting", **common)
        session.add_all([reached, short])
        await session.flush()
    await signed_in(factory, client, tenant, role="admin")
    manage = await client.get(f"/p/{phase.id}/referendum/manage")
    assert "Open the harbour to swimmers" in manage.text and "Paint the bridge pink" not in manage.text
    form = {"source": str(petitions.id), "key": f"proposal:{reached.id}"}
    taken = await client.post(
        f"/p/{phase.id}/referendum/questions/from-phase", data=form, headers=await csrf(client), follow_redirects=False
    )
    assert taken.status_code == 303
    assert (await question_ids(factory, tenant, phase)) != []
