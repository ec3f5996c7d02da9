"""HTTP behaviour of the workshop method: sessions, registration with a waiting list, the board for every role and
session state, the edit conflict, facilitator controls, the live-connection cap, the report, reminders and data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core import Notification, utcnow
from plugins.workshop import controllers, jobs, rules, services
from plugins.workshop.models import Card, Registration, Reminder, Vote, WorkshopSession

LIVE, UPCOMING, ENDED = "live", "upcoming", "ended"
STARTS = {
    LIVE: (timedelta(minutes=-5), timedelta(hours=1)),
    UPCOMING: (timedelta(days=2), timedelta(days=2, hours=2)),
    ENDED: (timedelta(hours=-3), timedelta(hours=-1)),
}


class World:
    """A tenant with a workshop phase, a facilitator (project moderator), residents and an admin."""

    def __init__(self, factory: Any, client: Any, tenant: Any) -> None:
        self.factory, self.client, self.tenant, self.db = factory, client, tenant, factory.db

    async def setup(self, **config: Any) -> World:
        config.setdefault("allowed_hosts", ["meet.example.org"])
        self.project = await self.factory.project(self.tenant)
        self.phase = await self.factory.phase(self.project, "workshop", config=config)
        self.facilitator = await self.factory.user(self.tenant)
        await self.factory.moderator(self.project, self.facilitator)
        self.alice = await self.factory.user(self.tenant)
        self.bob = await self.factory.user(self.tenant)
        self.carol = await self.factory.user(self.tenant)
        return self

    @property
    def base(self) -> str:
        return f"/p/{self.phase.id}/workshop"

    async def as_(self, user: Any) -> None:
        if user is None:
            self.client.cookies.clear()
        else:
            await self.factory.login(self.client, user)

    async def post(self, path: str, data: dict | None = None, *, htmx: bool = False) -> Any:
        if "csrftoken" not in self.client.cookies:
            await self.client.get("/")
        headers = {"x-csrftoken": self.client.cookies.get("csrftoken", "")}
        if htmx:
            headers["HX-Request"] = "true"
        return await self.client.post(self.base + path, data=data or {}, headers=headers, follow_redirects=False)

    async def get(self, path: str) -> Any:
        return await self.client.get(self.base + path, follow_redirects=False)

    async def session(self, state: str = LIVE, *, capacity: int = 0, seats: tuple = (), **fields: Any) -> Any:
        start, end = STARTS[state]
        now = utcnow()
        async with self.db.session(self.tenant.id, write=True) as db:
            ws = WorkshopSession(
                phase_id=self.phase.id,
                title={"en": f"Park session {state}"},
                agenda={"en": ["Welcome", "Ideas", "Choices"]},
                starts_at=now + start,
                ends_at=now + end,
                capacity=capacity,
                **fields,
            )
            db.add(ws)
            await db.flush()
            for user in seats:
                db.add(Registration(session_id=ws.id, user_id=user.id, status=rules.REGISTERED))
            return ws

    async def card(self, ws: Any, author: Any, body: str = "More benches", **fields: Any) -> Card:
        async with self.db.session(self.tenant.id, write=True) as db:
            card = Card(session_id=ws.id, phase_id=self.phase.id, author_id=author.id, body=body, **fields)
            db.add(card)
            await db.flush()
            return card

    async def reload(self, model: type, id_: int) -> Any:
        return await self.factory.reload(model, id_, self.tenant.id)

    async def count(self, model: type, *where: Any) -> int:
        return await self.factory.count(model, self.tenant.id, *where)


@pytest.fixture
async def world(factory: Any, client: Any, tenant: Any) -> World:
    return await World(factory, client, tenant).setup()


def session_form(**changes: Any) -> dict[str, str]:
    start = utcnow() + timedelta(days=3)
    form = {
        "title.en": "Evening workshop",
        "agenda.en": "Welcome\nIdeas\n\nChoices",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "2",
        "join_minutes": "15",
        "meeting_url": "https://meet.example.org/park",
        "registration_open": "1",
    }
    return {**form, **changes}


# --------------------------------------------------------------------------- sessions (staff)


async def test_staff_create_and_edit_sessions_residents_cannot(world: World) -> None:
    await world.as_(None)
    assert (await world.post("/new", session_form())).status_code == 401
    await world.as_(world.alice)
    assert (await world.get("/new")).status_code == 403
    assert (await world.post("/new", session_form())).status_code == 403

    await world.as_(world.facilitator)
    assert (await world.get("/new")).status_code == 200
    bad = await world.post("/new", session_form(meeting_url="https://evil.org/x", ends_at="2000-01-01T00:00"))
    assert bad.status_code == 422
    assert "not one the municipality allows" in bad.text and "must end after it starts" in bad.text
    assert "http" in (await world.post("/new", session_form(meeting_url="http://meet.example.org/x"))).text
    made = await world.post("/new", session_form())
    assert made.status_code == 303, made.text
    sid = int(made.headers["location"].split("/workshop/")[1].split("?")[0])
    ws = await world.reload(WorkshopSession, sid)
    assert ws.title == {"en": "Evening workshop"} and ws.agenda == {"en": ["Welcome", "Ideas", "Choices"]}
    assert ws.capacity == 2 and ws.join_minutes == 15 and ws.meeting_url == "https://meet.example.org/park"
    assert (await world.post(f"/{sid}/edit", session_form(capacity="5"))).status_code == 303
    assert (await world.reload(WorkshopSession, sid)).capacity == 5

    await world.as_(None)
    page = await world.get(f"/{sid}")
    assert page.status_code == 200 and "Evening workshop" in page.text and "Upcoming" in page.text
    assert "meet.example.org" not in page.text  # the link only for participants, while live
    ics = await world.get(f"/{sid}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Evening workshop" in ics.text and "BEGIN:VEVENT" in ics.text
    assert (await world.get("/999999")).status_code == 404


async def test_meeting_link_opens_in_a_new_tab_for_participants_while_live(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice,), meeting_url="https://meet.example.org/room")
    await world.as_(world.alice)
    page = await world.get(f"/{ws.id}")
    assert 'href="https://meet.example.org/room" target="_blank" rel="noopener noreferrer"' in page.text
    await world.as_(world.bob)
    assert "meet.example.org/room" not in (await world.get(f"/{ws.id}")).text
    assert "<iframe" not in page.text and "frame-src" not in page.headers["content-security-policy"]


async def test_an_embedded_meeting_frames_that_host_only_on_that_page(factory: Any, client: Any, tenant: Any) -> None:
    world = await World(factory, client, tenant).setup(embed_meeting=True)
    ws = await world.session(LIVE, seats=(world.alice,), meeting_url="https://meet.example.org/room")
    await world.as_(world.alice)
    page = await world.get(f"/{ws.id}")
    assert '<iframe src="https://meet.example.org/room"' in page.text and 'sandbox="' in page.text
    policy = page.headers["content-security-policy"]
    assert "frame-src https://meet.example.org" in policy and "frame-ancestors 'none'" in policy
    assert 'camera=(self "https://meet.example.org")' in page.headers["permissions-policy"]
    assert page.headers["x-frame-options"] == "DENY", "the page itself still may not be framed"
    await world.as_(world.bob)  # not on the board: no meeting, no opened policy
    other = await world.get(f"/{ws.id}")
    assert "<iframe" not in other.text and "frame-src" not in other.headers["content-security-policy"]
    assert "camera=()" in other.headers["permissions-policy"]


# --------------------------------------------------------------------------- registration and waiting list


async def test_capacity_waiting_list_and_automatic_promotion(world: World) -> None:
    ws = await world.session(UPCOMING, capacity=1)
    await world.as_(None)
    assert (await world.post(f"/{ws.id}/register")).status_code == 401

    await world.as_(world.alice)
    first = await world.post(f"/{ws.id}/register")
    assert first.status_code == 303 and "done=registered" in first.headers["location"]
    assert (await world.post(f"/{ws.id}/register")).status_code == 409  # once per person
    await world.as_(world.bob)
    assert "done=waiting" in (await world.post(f"/{ws.id}/register")).headers["location"]
    await world.as_(world.carol)
    await world.post(f"/{ws.id}/register")
    page = await world.get(f"/{ws.id}")
    assert "number 2 on the waiting list" in page.text

    await world.as_(world.alice)
    assert (await world.post(f"/{ws.id}/cancel")).status_code == 303
    assert (await world.post(f"/{ws.id}/cancel")).status_code == 409
    regs = {r.user_id: r.status for r in await all_rows(world, Registration)}
    assert regs == {world.bob.id: rules.REGISTERED, world.carol.id: rules.WAITING}
    assert (
        await world.count(Notification, Notification.user_id == world.bob.id, Notification.kind == "workshop.promoted")
        == 1
    )

    await world.as_(world.facilitator)  # a larger capacity seats the waiting list too
    ws = await world.reload(WorkshopSession, ws.id)
    form = session_form(
        capacity="3",
        starts_at=controllers.local_input(ws.starts_at, "UTC"),
        ends_at=controllers.local_input(ws.ends_at, "UTC"),
    )
    assert (await world.post(f"/{ws.id}/edit", form)).status_code == 303
    assert await world.count(Registration, Registration.status == rules.WAITING) == 0


async def test_registration_refused_when_closed_or_ended(world: World) -> None:
    closed = await world.session(UPCOMING, registration_open=False)
    ended = await world.session(ENDED)
    await world.as_(world.alice)
    refused = await world.post(f"/{closed.id}/register")
    assert refused.status_code == 409 and "closed" in refused.text
    assert (await world.post(f"/{ended.id}/register")).status_code == 409
    assert await world.count(Registration) == 0


async def all_rows(world: World, model: type) -> list[Any]:
    from sqlalchemy import select

    async with world.db.session(world.tenant.id) as db:
        return list((await db.scalars(select(model))).all())


# --------------------------------------------------------------------------- the board: routes x roles x states


@pytest.mark.parametrize("state", [UPCOMING, LIVE, ENDED])
async def test_board_routes_for_every_role_and_state(world: World, state: str) -> None:
    ws = await world.session(state, seats=(world.alice,))
    async with world.db.session(world.tenant.id, write=True) as db:
        db.add(Registration(session_id=ws.id, user_id=world.bob.id, status=rules.WAITING))
    card = await world.card(ws, world.alice)
    writable = state == LIVE
    # (user, may see the board, may write)
    roles = [
        (None, False, False),
        (world.carol, False, False),
        (world.bob, False, False),
        (world.alice, state != UPCOMING, writable),
        (world.facilitator, True, writable),
    ]
    for user, sees, writes in roles:
        await world.as_(user)
        page = await world.get(f"/{ws.id}")
        assert page.status_code == 200
        assert (card.body in page.text) is (sees and state != UPCOMING), (user, state)
        live = await world.get(f"/{ws.id}/live")
        assert live.status_code == (200 if sees or (user is world.alice) else 403), (user, state)
        posted = await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "Shade sails"})
        expected = 303 if writes else 401 if user is None else 403 if user in (world.carol, world.bob) else 409
        assert posted.status_code == expected, (user, state, posted.text)
        voted = await world.post(f"/{ws.id}/cards/{card.id}/vote")
        assert voted.status_code == (303 if writes else expected), (user, state)
        moderated = await world.post(f"/{ws.id}/cards/{card.id}/moderate", {"act": "pin"})
        assert moderated.status_code == (303 if user is world.facilitator else 401 if user is None else 403)
        control = await world.post(f"/{ws.id}/control", {"act": "lock"})
        staff_code = 409 if state == ENDED else 303
        assert control.status_code == (staff_code if user is world.facilitator else 401 if user is None else 403)
        if user is world.facilitator and state != ENDED:
            await world.post(f"/{ws.id}/control", {"act": "unlock"})
    cards = await world.count(Card, Card.session_id == ws.id)
    assert cards == (3 if writable else 1)


async def test_posting_voting_replying_and_anonymity(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice, world.bob))
    await world.as_(world.alice)
    live = await world.post(
        f"/{ws.id}/cards", {"kind": "question", "body": "Who maintains it?", "anonymous": "1"}, htmx=True
    )
    assert live.status_code == 200 and "Who maintains it?" in live.text  # the live fragment
    card = (await all_rows(world, Card))[0]
    assert card.anonymous and card.step == 0
    assert (await world.post(f"/{ws.id}/cards", {"kind": "rant", "body": "x"})).status_code == 422
    assert (await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": ""})).status_code == 422
    assert (await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "x" * 501})).status_code == 422

    await world.as_(world.bob)
    page = await world.get(f"/{ws.id}")
    assert "Anonymous" in page.text and world.alice.display_name not in page.text
    joined = {r.user_id: r.joined_at for r in await all_rows(world, Registration)}
    assert joined[world.bob.id] is not None  # opening the live board counts as attendance
    assert (await world.post(f"/{ws.id}/cards/{card.id}/vote")).status_code == 303
    assert (await world.post(f"/{ws.id}/cards/{card.id}/vote")).status_code == 409  # one up-vote per person
    assert await world.count(Vote) == 1
    assert (await world.post(f"/{ws.id}/cards/{card.id}/vote", {"undo": "1"})).status_code == 303
    assert await world.count(Vote) == 0
    assert (await world.get(f"/{ws.id}/cards/{card.id}/reply")).status_code == 200
    reply = await world.post(f"/{ws.id}/cards", {"body": "The city does.", "parent": str(card.id)})
    assert reply.status_code == 303
    assert await world.count(Card, Card.parent_id == card.id) == 1
    assert (await world.post(f"/{ws.id}/cards", {"body": "x", "parent": "999999"})).status_code == 404

    await world.as_(world.facilitator)  # staff see who wrote an anonymous card
    assert world.alice.display_name in (await world.get(f"/{ws.id}")).text


async def test_facilitator_moderates_and_premoderation_holds_cards(factory: Any, client: Any, tenant: Any) -> None:
    world = await World(factory, client, tenant).setup(premoderation=True)
    ws = await world.session(LIVE, seats=(world.alice, world.bob))
    await world.as_(world.alice)
    posted = await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "A pond for ducks"})
    assert "done=pending" in posted.headers["location"]
    card = (await all_rows(world, Card))[0]
    assert "A pond for ducks" in (await world.get(f"/{ws.id}")).text  # its author sees it, marked as waiting
    await world.as_(world.bob)
    assert "A pond for ducks" not in (await world.get(f"/{ws.id}")).text
    assert (await world.post(f"/{ws.id}/cards/{card.id}/vote")).status_code == 404

    await world.as_(world.facilitator)
    for act in ("approve", "answer", "pin", "shortlist"):
        assert (await world.post(f"/{ws.id}/cards/{card.id}/moderate", {"act": act})).status_code == 303
    assert (
        await world.post(f"/{ws.id}/cards/{card.id}/moderate", {"act": "cluster", "cluster": "  Water  "})
    ).status_code == 303
    assert (await world.post(f"/{ws.id}/cards/{card.id}/moderate", {"act": "explode"})).status_code == 422
    card = await world.reload(Card, card.id)
    assert card.approved and card.answered and card.pinned and card.shortlisted and card.cluster == "Water"
    await world.as_(world.bob)
    assert "A pond for ducks" in (await world.get(f"/{ws.id}")).text

    await world.as_(world.facilitator)
    await world.post(f"/{ws.id}/cards/{card.id}/moderate", {"act": "hide"})
    await world.as_(world.bob)
    assert "A pond for ducks" not in (await world.get(f"/{ws.id}")).text
    assert (await world.get(f"/{ws.id}/cards/{card.id}/edit")).status_code == 404


async def test_edit_conflict_refuses_a_stale_version_and_shows_the_current_text(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice,))
    card = await world.card(ws, world.alice, "Benches by the pond")
    await world.as_(world.alice)
    form = await world.get(f"/{ws.id}/cards/{card.id}/edit")
    assert form.status_code == 200 and 'name="version" value="1"' in form.text

    await world.as_(world.facilitator)  # the facilitator edits from the same version first
    first = await world.post(f"/{ws.id}/cards/{card.id}/edit", {"version": "1", "body": "Benches in the shade"})
    assert first.status_code == 303
    await world.as_(world.alice)
    second = await world.post(f"/{ws.id}/cards/{card.id}/edit", {"version": "1", "body": "Benches by the water"})
    assert second.status_code == 409
    assert "Benches in the shade" in second.text and "Benches by the water" in second.text
    assert "Your text was not saved" in second.text and 'name="version" value="2"' in second.text
    card = await world.reload(Card, card.id)
    assert card.body == "Benches in the shade" and card.version == 2
    retry = await world.post(f"/{ws.id}/cards/{card.id}/edit", {"version": "2", "body": "Benches by the water"})
    assert retry.status_code == 303 and (await world.reload(Card, card.id)).version == 3

    await world.as_(world.bob)  # not the author, not staff
    assert (await world.post(f"/{ws.id}/cards/{card.id}/edit", {"version": "3", "body": "mine"})).status_code == 403


async def test_facilitator_controls_step_timer_lock_and_end(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice,))
    await world.as_(world.facilitator)
    assert (await world.post(f"/{ws.id}/control", {"act": "step", "step": "1"})).status_code == 303
    assert (await world.post(f"/{ws.id}/control", {"act": "step", "step": "9"})).status_code == 422
    timer = await world.post(f"/{ws.id}/control", {"act": "timer", "minutes": "5"}, htmx=True)
    assert timer.status_code == 200 and "data-ends-at" in timer.text
    assert (await world.post(f"/{ws.id}/control", {"act": "timer", "minutes": "0"})).status_code == 422
    saved = await world.reload(WorkshopSession, ws.id)
    assert saved.current_step == 1
    assert 295 <= rules.timer_state(saved.timer_ends_at, utcnow()).remaining <= 300

    await world.as_(world.alice)  # everyone sees the current step and the time left
    page = await world.get(f"/{ws.id}")
    assert "step 2 of 3" in page.text and "Ideas" in page.text and "data-ends-at" in page.text

    await world.as_(world.facilitator)
    await world.post(f"/{ws.id}/control", {"act": "lock"})
    await world.as_(world.alice)
    locked = await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "Late idea"})
    assert locked.status_code == 409 and "locked" in locked.text
    await world.as_(world.facilitator)
    assert (await world.post(f"/{ws.id}/cards", {"kind": "note", "body": "Summary"})).status_code == 303
    assert (await world.post(f"/{ws.id}/control", {"act": "end"})).status_code == 303
    assert (await world.post(f"/{ws.id}/control", {"act": "unlock"})).status_code == 409
    assert services.state_of(await world.reload(WorkshopSession, ws.id)) == rules.ENDED


async def test_posting_is_rate_limited(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice,))
    await world.as_(world.alice)
    codes = [(await world.post(f"/{ws.id}/cards", {"kind": "note", "body": f"n{i}"})).status_code for i in range(12)]
    assert codes[:10] == [303] * 10 and codes[-1] == 429
    assert await world.count(Card) == 10


async def test_live_connections_per_person_are_capped(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice,))
    await world.as_(None)
    assert (await world.get(f"/{ws.id}/events")).status_code == 401
    await world.as_(world.bob)
    assert (await world.get(f"/{ws.id}/events")).status_code == 403
    await world.as_(world.alice)
    slots = world.client.app.state.townhall.realtime.slots
    key = f"{world.tenant.id}:workshop:user:{world.alice.id}"
    held = [await slots.acquire(key, controllers.MAX_STREAMS) for _ in range(controllers.MAX_STREAMS)]
    try:
        refused = await world.get(f"/{ws.id}/events")
        assert refused.status_code == 429 and "too many live pages" in refused.text
    finally:
        for release in held:
            release()
    assert await slots.acquire(key, controllers.MAX_STREAMS) is not None, "released slots are free again"


# --------------------------------------------------------------------------- outcome, reminders, data


async def test_report_export_and_hand_over(world: World) -> None:
    ws = await world.session(ENDED, seats=(world.alice, world.bob))
    top = await world.card(ws, world.alice, "Water play area", shortlisted=True, kind="idea")
    await world.card(ws, world.bob, "Fence it", kind="question")
    async with world.db.session(world.tenant.id, write=True) as db:
        db.add_all([Vote(card_id=top.id, user_id=world.alice.id), Vote(card_id=top.id, user_id=world.bob.id)])

    await world.as_(world.alice)
    assert (await world.get(f"/{ws.id}/report")).status_code == 404  # not published yet
    assert (await world.get(f"/{ws.id}/export.csv")).status_code == 403
    await world.as_(world.facilitator)
    report = await world.get(f"/{ws.id}/report")
    assert report.status_code == 200 and "2 people registered." in report.text and "2 up-votes" in report.text
    saved = await world.post(f"/{ws.id}/report", {"notes.en": "Shade came up most.", "published": "1"})
    assert saved.status_code == 303
    csv = await world.get(f"/{ws.id}/export.csv")
    assert csv.status_code == 200 and "Water play area" in csv.text and "Fence it" in csv.text
    xlsx = await world.get(f"/{ws.id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (await world.get(f"/{ws.id}/export.pdf")).status_code == 404

    await world.as_(world.carol)
    public = await world.get(f"/{ws.id}/report")
    assert public.status_code == 200 and "Shade came up most." in public.text

    async with world.db.session(world.tenant.id) as db:
        outputs = await services.phase_outputs(db, world.phase)
    assert [(o.key, o.score) for o in outputs] == [(f"card:{top.id}", 2)]
    assert "Water play area" in next(iter(outputs[0].title.values()))


async def test_reminders_are_sent_once(world: World) -> None:
    soon = await world.session(UPCOMING, seats=(world.alice, world.bob))
    async with world.db.session(world.tenant.id, write=True) as db:
        ws = await db.get(WorkshopSession, soon.id)
        ws.starts_at = utcnow() + timedelta(minutes=50)
        ws.ends_at = ws.starts_at + timedelta(hours=1)
        later = WorkshopSession(
            phase_id=world.phase.id,
            title={"en": "Later"},
            starts_at=utcnow() + timedelta(hours=20),
            ends_at=utcnow() + timedelta(hours=22),
        )
        db.add(later)
        await db.flush()
        db.add(Registration(session_id=later.id, user_id=world.alice.id, status=rules.REGISTERED))
        db.add(Registration(session_id=later.id, user_id=world.carol.id, status=rules.WAITING))
    for _ in range(2):
        async with world.db.session(world.tenant.id, write=True) as db:
            await jobs.due_reminders(db, utcnow())
    assert await world.count(Reminder, Reminder.kind == "1h") == 2
    assert await world.count(Reminder, Reminder.kind == "24h") == 1  # the later session; not the waiting list
    assert await world.count(Notification, Notification.kind == "workshop.reminder") == 3


async def test_user_data_and_forgetting(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice,))
    card = await world.card(ws, world.alice, "My idea")
    async with world.db.session(world.tenant.id, write=True) as db:
        db.add(Vote(card_id=card.id, user_id=world.alice.id))
    async with world.db.session(world.tenant.id, write=True) as db:
        data = await services.user_data(db, world.alice)
        assert data["workshop_cards"][0]["text"] == "My idea" and data["workshop_up_votes"] == [card.id]
        assert data["workshop_registrations"][0]["status"] == rules.REGISTERED
        await services.forget_user(db, world.alice)
    assert await world.count(Registration) == 0 and await world.count(Vote) == 0
    card = await world.reload(Card, card.id)
    assert card.author_id is None and card.body == "My idea"
    await world.as_(world.facilitator)
    assert "Former participant" in (await world.get(f"/{ws.id}")).text


async def test_other_tenants_cannot_reach_a_session(world: World, other_tenant: Any) -> None:
    ws = await world.session(LIVE, seats=(world.alice,))
    stranger = await world.factory.user(other_tenant)
    await world.as_(stranger)
    assert (await world.client.get(f"{world.base}/{ws.id}", headers={"host": "other.test"})).status_code == 404


# --------------------------------------------------------------------------- breakout rooms


async def test_breakout_rooms_assigned_each_with_its_own_board_and_brought_back(world: World) -> None:
    dave = await world.factory.user(world.tenant)
    ws = await world.session(LIVE, seats=(world.alice, world.bob, world.carol, dave))
    await world.as_(world.alice)
    assert (await world.post(f"/{ws.id}/control", {"act": "rooms_open", "rooms": "2"})).status_code == 403
    await world.as_(world.facilitator)
    assert (await world.post(f"/{ws.id}/control", {"act": "rooms_open", "rooms": "1"})).status_code == 422
    opened = await world.post(f"/{ws.id}/control", {"act": "rooms_open", "rooms": "2", "mode": "assign"}, htmx=True)
    assert opened.status_code == 200 and "2 breakout rooms are open." in opened.text
    rooms = {r.user_id: r.room_id for r in await all_rows(world, Registration)}
    assert len(set(rooms.values())) == 2 and None not in rooms.values()  # round robin over the seats
    same = next(u for u in (world.bob, world.carol, dave) if rooms[u.id] == rooms[world.alice.id])
    other = next(u for u in (world.bob, world.carol, dave) if rooms[u.id] != rooms[world.alice.id])

    await world.as_(world.alice)
    page = await world.get(f"/{ws.id}")
    assert "You are in breakout room" in page.text
    assert (await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "Room idea"})).status_code == 303
    card = next(c for c in await all_rows(world, Card) if c.body == "Room idea")
    assert card.room_id == rooms[world.alice.id]
    await world.as_(same)
    assert "Room idea" in (await world.get(f"/{ws.id}/live")).text
    await world.as_(other)  # another room's board does not show it, and its card cannot be reached
    assert "Room idea" not in (await world.get(f"/{ws.id}/live")).text
    assert (await world.post(f"/{ws.id}/cards/{card.id}/vote")).status_code == 404
    await world.as_(world.facilitator)  # the facilitator sees every room
    assert "Room idea" in (await world.get(f"/{ws.id}/live")).text

    assert (await world.post(f"/{ws.id}/control", {"act": "rooms_close"})).status_code == 303
    await world.as_(other)  # back together: everyone sees every room's cards, marked with their room
    live = await world.get(f"/{ws.id}/live")
    assert "Room idea" in live.text and ("Room 1" in live.text or "Room 2" in live.text)
    await world.as_(world.facilitator)
    ws_row = await world.reload(WorkshopSession, ws.id)
    async with world.db.session(world.tenant.id) as db:
        data = await services.report(db, ws_row, ["Welcome", "Ideas", "Choices"])
    assert sum(n for _, n in data["per_room"]) == 1


async def test_breakout_rooms_people_choose(world: World) -> None:
    ws = await world.session(LIVE, seats=(world.alice, world.bob))
    await world.as_(world.facilitator)
    await world.post(f"/{ws.id}/control", {"act": "rooms_open", "rooms": "3", "mode": "choose"})
    await world.as_(world.alice)
    page = await world.get(f"/{ws.id}")
    assert "Choose a breakout room to take part." in page.text and "Join room 3" in page.text
    refused = await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "Too early"})
    assert refused.status_code == 409
    assert (await world.post(f"/{ws.id}/rooms/join", {"room": "9"})).status_code == 422
    assert (await world.post(f"/{ws.id}/rooms/join", {"room": "2"})).status_code == 303
    assert (await world.post(f"/{ws.id}/rooms/join", {"room": "1"})).status_code == 409
    assert "You are in breakout room 2." in (await world.get(f"/{ws.id}")).text
    assert (await world.post(f"/{ws.id}/cards", {"kind": "idea", "body": "In room 2"})).status_code == 303
    await world.as_(world.carol)  # no seat: no room
    assert (await world.post(f"/{ws.id}/rooms/join", {"room": "1"})).status_code == 403
