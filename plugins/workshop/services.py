"""Database work of the workshop method: sessions, registrations with a waiting list, the board, the report.

Registration and cancellation lock the session's row (``SELECT ... FOR UPDATE`` on PostgreSQL; an SQLite writer
already holds the database lock), so the seats counted and the row written cannot cross another person's; one
registration per person is a UNIQUE constraint on top. A cancellation promotes the oldest waiting people into the
freed seats in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from core import PhaseOutput, User, current_locale, notifications, pick_locale_text, utcnow
from plugins.workshop import rules
from plugins.workshop.models import Card, Registration, Reminder, Room, Vote, WorkshopSession
from plugins.workshop.spec import KEY


def session_url(s: WorkshopSession) -> str:
    return f"/p/{s.phase_id}/{KEY}/{s.id}"


def title_of(s: WorkshopSession, default_locale: str = "en") -> str:
    return pick_locale_text(s.title or {}, current_locale(), default_locale).text


def steps_of(s: WorkshopSession, default_locale: str = "en") -> list[str]:
    agenda = s.agenda or {}
    if not agenda:
        return []
    locale = current_locale()
    lang = locale if agenda.get(locale) else (default_locale if agenda.get(default_locale) else next(iter(agenda)))
    return list(agenda.get(lang) or [])


def state_of(s: WorkshopSession, now: datetime | None = None) -> str:
    return rules.session_state(s.starts_at, s.ends_at, s.join_minutes, s.ended_at, now or utcnow())


async def sessions(session: Any, phase_id: int) -> list[WorkshopSession]:
    stmt = select(WorkshopSession).where(WorkshopSession.phase_id == phase_id).order_by(WorkshopSession.starts_at)
    return list((await session.scalars(stmt)).all())


async def get_session(session: Any, phase_id: int, session_id: int, *, lock: bool = False) -> WorkshopSession | None:
    stmt = select(WorkshopSession).where(WorkshopSession.id == session_id, WorkshopSession.phase_id == phase_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


# --------------------------------------------------------------------------- registration


async def counts(session: Any, session_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Registration.status, func.count())
        .where(Registration.session_id == session_id)
        .group_by(Registration.status)
    )
    found = {status: int(n) for status, n in rows.all()}
    return {rules.REGISTERED: found.get(rules.REGISTERED, 0), rules.WAITING: found.get(rules.WAITING, 0)}


async def my_registration(session: Any, session_id: int, user: Any) -> Registration | None:
    if user is None:
        return None
    return await session.scalar(
        select(Registration).where(Registration.session_id == session_id, Registration.user_id == user.id)
    )


async def waiting_position(session: Any, reg: Registration) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.session_id == reg.session_id,
            Registration.status == rules.WAITING,
            Registration.id < reg.id,
        )
    )
    return int(ahead or 0) + 1


async def register(session: Any, ws: WorkshopSession, user_id: int) -> Registration | None:
    """A seat, or a place on the waiting list; None when this person is already registered. Caller locked ``ws``."""
    taken = (await counts(session, ws.id))[rules.REGISTERED]
    reg = Registration(session_id=ws.id, user_id=user_id, status=rules.new_registration_status(taken, ws.capacity))
    try:
        async with session.begin_nested():
            session.add(reg)
    except IntegrityError:
        return None
    return reg


async def promote(session: Any, ws: WorkshopSession, now: datetime | None = None) -> list[int]:
    """Move the oldest waiting people into free seats; returns their user ids. Caller locked ``ws``."""
    c = await counts(session, ws.id)
    n = rules.seats_to_fill(c[rules.REGISTERED], ws.capacity, c[rules.WAITING])
    if n <= 0:
        return []
    ids = list(
        (
            await session.scalars(
                select(Registration.id)
                .where(Registration.session_id == ws.id, Registration.status == rules.WAITING)
                .order_by(Registration.id)
                .limit(n)
            )
        ).all()
    )
    result = await session.execute(
        update(Registration)
        .where(Registration.id.in_(ids), Registration.status == rules.WAITING)
        .values(status=rules.REGISTERED, promoted_at=now or utcnow())
        .returning(Registration.user_id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


async def cancel(session: Any, ws: WorkshopSession, user_id: int) -> tuple[bool, list[int]]:
    """Remove this person's registration; (whether there was one, user ids promoted). Caller locked ``ws``."""
    result = await session.execute(
        delete(Registration)
        .where(Registration.session_id == ws.id, Registration.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False, []
    return True, await promote(session, ws)


PROMOTED_MESSAGE = "A seat became free: you are now registered for the workshop “%(title)s”."
REMINDER_24H = "Reminder: the workshop “%(title)s” starts in 24 hours."
REMINDER_1H = "Reminder: the workshop “%(title)s” starts in one hour."


async def notify_promoted(session: Any, ws: WorkshopSession, user_ids: list[int]) -> list[Any]:
    data = notifications.message(PROMOTED_MESSAGE, title=notifications.localised(ws.title or {}))
    return await notifications.notify(session, user_ids, f"{KEY}.promoted", data, url=session_url(ws))


async def mark_joined(session: Any, ws: WorkshopSession, user_id: int) -> None:
    await session.execute(
        update(Registration)
        .where(
            Registration.session_id == ws.id,
            Registration.user_id == user_id,
            Registration.status == rules.REGISTERED,
            Registration.joined_at.is_(None),
        )
        .values(joined_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- breakout rooms


async def rooms(session: Any, ws: WorkshopSession) -> list[Room]:
    """The rooms in use (1..room_count), in order."""
    stmt = select(Room).where(Room.session_id == ws.id, Room.number <= ws.room_count).order_by(Room.number)
    return list((await session.scalars(stmt)).all())


async def room_numbers(session: Any, ws: WorkshopSession) -> dict[int, int]:
    """Room id → number for every room the session ever had (cards keep their room after the rooms close)."""
    rows = await session.execute(select(Room.id, Room.number).where(Room.session_id == ws.id))
    return {rid: number for rid, number in rows.all()}


async def open_rooms(session: Any, ws: WorkshopSession, count: int, choice: bool) -> None:
    """Rooms 1..count (created when missing); everyone's room is cleared, then assigned round-robin unless people
    choose. Caller locked ``ws``."""
    existing = set((await session.scalars(select(Room.number).where(Room.session_id == ws.id))).all())
    session.add_all(Room(session_id=ws.id, number=n) for n in range(1, count + 1) if n not in existing)
    ws.room_count, ws.rooms_open, ws.rooms_choice = count, True, choice
    await session.flush()
    await session.execute(
        update(Registration)
        .where(Registration.session_id == ws.id)
        .values(room_id=None)
        .execution_options(synchronize_session=False)
    )
    if choice:
        return
    ids = [r.id for r in await rooms(session, ws)]
    seated = (
        await session.scalars(
            select(Registration.id)
            .where(Registration.session_id == ws.id, Registration.status == rules.REGISTERED)
            .order_by(Registration.id)
        )
    ).all()
    for i, reg_id in enumerate(seated):
        await session.execute(
            update(Registration)
            .where(Registration.id == reg_id)
            .values(room_id=ids[i % len(ids)])
            .execution_options(synchronize_session=False)
        )


async def join_room(session: Any, ws: WorkshopSession, reg: Registration, number: int) -> bool:
    room = await session.scalar(
        select(Room).where(Room.session_id == ws.id, Room.number == number, Room.number <= ws.room_count)
    )
    if room is None:
        return False
    reg.room_id = room.id
    await session.flush()
    return True


# --------------------------------------------------------------------------- board


async def board_cards(
    session: Any, ws: WorkshopSession, viewer_id: int | None, staff: bool, room_id: int | None = None
) -> list[Card]:
    """Cards the viewer may see: staff see all; others approved and not hidden, plus their own pending. With
    ``room_id`` only that breakout room's cards (while rooms are open)."""
    stmt = select(Card).where(Card.session_id == ws.id)
    if room_id is not None:
        stmt = stmt.where(Card.room_id == room_id)
    if not staff:
        visible = (Card.approved.is_(True)) & (Card.hidden.is_(False))
        if viewer_id is not None:
            visible = visible | ((Card.author_id == viewer_id) & (Card.hidden.is_(False)))
        stmt = stmt.where(visible)
    return list((await session.scalars(stmt.order_by(Card.id))).all())


async def vote_counts(session: Any, card_ids: list[int]) -> dict[int, int]:
    if not card_ids:
        return {}
    rows = await session.execute(
        select(Vote.card_id, func.count()).where(Vote.card_id.in_(card_ids)).group_by(Vote.card_id)
    )
    return {cid: int(n) for cid, n in rows.all()}


async def my_votes(session: Any, card_ids: list[int], user: Any) -> set[int]:
    if user is None or not card_ids:
        return set()
    rows = await session.scalars(select(Vote.card_id).where(Vote.card_id.in_(card_ids), Vote.user_id == user.id))
    return set(rows.all())


async def vote(session: Any, card: Card, user_id: int) -> bool:
    try:
        async with session.begin_nested():
            session.add(Vote(card_id=card.id, user_id=user_id))
    except IntegrityError:
        return False
    return True


async def unvote(session: Any, card: Card, user_id: int) -> bool:
    result = await session.execute(
        delete(Vote)
        .where(Vote.card_id == card.id, Vote.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def edit_card(session: Any, card_id: int, seen_version: int, body: str, kind: str) -> bool:
    """Conditional update: only an edit made from the current version is applied (no silent loss)."""
    result = await session.execute(
        update(Card)
        .where(Card.id == card_id, Card.version == seen_version)
        .values(body=body, kind=kind, version=Card.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def names(session: Any, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows.all()}


# --------------------------------------------------------------------------- outcome


async def report(session: Any, ws: WorkshopSession, steps: list[str]) -> dict[str, Any]:
    c = await counts(session, ws.id)
    attended = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.session_id == ws.id, Registration.joined_at.is_not(None))
    )
    cards = list(
        (
            await session.scalars(
                select(Card).where(Card.session_id == ws.id, Card.hidden.is_(False), Card.approved.is_(True))
            )
        ).all()
    )
    votes = await vote_counts(session, [card.id for card in cards])
    per_step: dict[int, int] = {}
    per_room: dict[int, int] = {}
    numbers = await room_numbers(session, ws)
    for card in cards:
        per_step[card.step] = per_step.get(card.step, 0) + 1
        if card.room_id in numbers:
            per_room[numbers[card.room_id]] = per_room.get(numbers[card.room_id], 0) + 1
    top = sorted((card for card in cards if card.parent_id is None), key=lambda k: (-votes.get(k.id, 0), k.id))[:10]
    return {
        "registered": c[rules.REGISTERED],
        "waiting": c[rules.WAITING],
        "attended": int(attended or 0),
        "contributions": len(cards),
        "per_step": [(i, label, per_step.get(i, 0)) for i, label in enumerate(steps or [""])],
        "per_room": sorted(per_room.items()),
        "top": top,
        "votes": votes,
        "shortlisted": [card for card in cards if card.shortlisted and card.parent_id is None],
    }


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


async def export_rows(session: Any, phase: Any) -> tuple[list[str], list[list[Any]]]:
    """Every visible card of the phase's sessions, with its up-votes (never the author of an anonymous card)."""
    rows = await session.execute(
        select(Card, WorkshopSession)
        .join(WorkshopSession, WorkshopSession.id == Card.session_id)
        .where(WorkshopSession.phase_id == phase.id, Card.hidden.is_(False), Card.approved.is_(True))
        .order_by(WorkshopSession.id, Card.id)
    )
    pairs = rows.all()
    votes = await vote_counts(session, [card.id for card, _ in pairs])
    header = [
        "session_id",
        "session",
        "card_id",
        "reply_to",
        "kind",
        "step",
        "text",
        "up_votes",
        "answered",
        "pinned",
        "shortlisted",
        "cluster",
        "created_at",
    ]
    data = [
        [
            ws.id,
            title_of(ws),
            card.id,
            card.parent_id or "",
            card.kind,
            card.step + 1,
            card.body,
            votes.get(card.id, 0),
            card.answered,
            card.pinned,
            card.shortlisted,
            card.cluster,
            _iso(card.created_at),
        ]
        for card, ws in pairs
    ]
    return header, data


async def stats(session: Any, phase: Any) -> dict[str, Any]:
    ids = select(WorkshopSession.id).where(WorkshopSession.phase_id == phase.id).scalar_subquery()
    n_sessions = await session.scalar(
        select(func.count()).select_from(WorkshopSession).where(WorkshopSession.phase_id == phase.id)
    )
    regs = await session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.session_id.in_(ids), Registration.status == rules.REGISTERED)
    )
    cards = await session.scalar(select(func.count()).select_from(Card).where(Card.session_id.in_(ids)))
    return {"sessions": int(n_sessions or 0), "registrations": int(regs or 0), "cards": int(cards or 0)}


async def phase_outputs(session: Any, phase: Any) -> list[PhaseOutput]:
    """Shortlisted cards (visible, top-level) for a later ideation or budgeting phase — never their authors."""
    rows = await session.execute(
        select(Card, WorkshopSession)
        .join(WorkshopSession, WorkshopSession.id == Card.session_id)
        .where(
            WorkshopSession.phase_id == phase.id,
            Card.shortlisted.is_(True),
            Card.hidden.is_(False),
            Card.approved.is_(True),
            Card.parent_id.is_(None),
        )
        .order_by(Card.id)
    )
    pairs = rows.all()
    votes = await vote_counts(session, [card.id for card, _ in pairs])
    lang = current_locale()
    return [
        PhaseOutput(
            key=f"card:{card.id}",
            title={lang: card.body[:200]},
            description={lang: card.body[:2000]},
            url=session_url(ws),
            status=card.cluster or None,
            score=votes.get(card.id, 0),
        )
        for card, ws in pairs
    ]


async def user_data(session: Any, user: Any) -> dict[str, Any]:
    regs = await session.execute(
        select(Registration.session_id, Registration.status, Registration.created_at, Registration.joined_at)
        .where(Registration.user_id == user.id)
        .order_by(Registration.id)
    )
    cards = await session.scalars(select(Card).where(Card.author_id == user.id).order_by(Card.id))
    voted = await session.scalars(select(Vote.card_id).where(Vote.user_id == user.id).order_by(Vote.id))
    return {
        "workshop_registrations": [
            {"session_id": r[0], "status": r[1], "registered_at": _iso(r[2]), "joined_at": _iso(r[3])}
            for r in regs.all()
        ],
        "workshop_cards": [
            {
                "id": c.id,
                "session_id": c.session_id,
                "kind": c.kind,
                "text": c.body,
                "anonymous": c.anonymous,
                "created_at": _iso(c.created_at),
            }
            for c in cards.all()
        ],
        "workshop_up_votes": list(voted.all()),
    }


async def forget_user(session: Any, user: Any) -> None:
    """Registrations, up-votes and reminder markers go; cards stay on the board without an author."""
    for model in (Registration, Vote, Reminder):
        await session.execute(
            delete(model).where(model.user_id == user.id).execution_options(synchronize_session=False)
        )
    await session.execute(
        update(Card)
        .where(Card.author_id == user.id)
        .values(author_id=None)
        .execution_options(synchronize_session=False)
    )
