"""Database work of the referendum: the roll snapshot, casting a ballot, paper voting, counting at close.

Secrecy rules this module keeps: casting touches the roll (a conditional UPDATE of the voter's own entry: voted,
the *day*, the channel) and inserts one ballot (random id, receipt hash, answers) — it never writes a user id,
time or sequence next to the answers, logs nothing, emits no event and notifies nobody.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from core import Phase, User, mixing, phase_state, utcnow

from . import rules
from .models import Ballot, Box, Question, RollEntry
from .spec import ReferendumConfig

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on paper
RECEIPT_LENGTH = 16


def new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def receipt_ok(receipt: str) -> bool:
    norm = rules.normalise_receipt(receipt)
    return len(norm) == RECEIPT_LENGTH and all(ch in RECEIPT_ALPHABET for ch in norm)


def today() -> Any:
    return utcnow().date()


async def box_of(session: Any, phase: Phase) -> Box | None:
    return await session.scalar(select(Box).where(Box.phase_id == phase.id))


async def box_and_entry(session: Any, phase: Phase, user: User | None) -> tuple[Box | None, RollEntry | None]:
    """The phase's box and this person's own roll entry, in one statement (every page of the phase reads both).
    The roll says whether they voted, never how: nothing here touches the ballots."""
    if user is None:
        return await box_of(session, phase), None
    stmt = (
        select(Box, RollEntry)
        .outerjoin(RollEntry, (RollEntry.phase_id == Box.phase_id) & (RollEntry.user_id == user.id))
        .where(Box.phase_id == phase.id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def questions(session: Any, phase: Phase) -> list[Question]:
    found = await session.scalars(select(Question).where(Question.phase_id == phase.id).order_by(Question.position))
    return list(found.all())


def rule_question(q: Question) -> rules.Question:
    return rules.Question(
        id=q.id,
        kind=q.kind,
        options=len(q.choices),
        min_choices=q.min_choices,
        max_choices=q.max_choices,
        allow_blank=q.allow_blank,
    )


def frozen(phase: Phase, box: Box | None) -> bool:
    """Questions and rules freeze when voting opens (the roll snapshot), or at the start date, whichever first."""
    return box is not None or phase_state(phase) != "upcoming"


async def eligible_users(session: Any, config: ReferendumConfig) -> list[User]:
    stmt = select(User).order_by(User.id)
    if config.roll_source == "verified":
        stmt = stmt.where(User.verified.is_(True))
    if config.roll_areas:
        stmt = stmt.where(User.area_id.in_(config.roll_areas))
    return list((await session.scalars(stmt)).all())


async def ensure_roll(session: Any, phase: Phase, config: ReferendumConfig) -> Box | None:
    """The roll, snapshotted once voting has opened (None before): the imported register plus the residents the
    rules select (``roll_source = "register"``: the register alone). Two requests racing to snapshot: the UNIQUE
    box row lets one win; the other rolls its savepoint back and reads the winner's."""
    box = await box_of(session, phase)
    if box is not None or phase_state(phase) == "upcoming":
        return box
    if config.minimum_age:
        await _drop_too_young(session, phase, config.minimum_age)
    rows = (
        await session.execute(select(RollEntry.user_id, RollEntry.code).where(RollEntry.phase_id == phase.id))
    ).all()
    on_roll = {user_id for user_id, _ in rows if user_id is not None}
    codes: set[str] = {code for _, code in rows}
    users = [] if config.roll_source == "register" else await eligible_users(session, config)
    users = [u for u in users if u.id not in on_roll]
    try:
        async with session.begin_nested():
            box = Box(phase_id=phase.id, roll_size=len(rows) + len(users), frozen_at=utcnow())
            session.add(box)
            for user in users:
                code = secrets.token_hex(4).upper()
                while code in codes:
                    code = secrets.token_hex(4).upper()
                codes.add(code)
                session.add(RollEntry(phase_id=phase.id, user_id=user.id, code=code, name=user.display_name))
            await session.flush()
    except IntegrityError:
        box = await box_of(session, phase)
    return box


def last_voting_day(phase: Phase) -> date:
    """The last day voting is open (the end is exclusive), in UTC."""
    return (phase.ends_at - timedelta(microseconds=1)).date()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


async def _drop_too_young(session: Any, phase: Phase, minimum: int) -> None:
    """At the snapshot (in its savepoint's transaction): register entries without a birth date, or younger than
    ``minimum`` on the last day of voting, leave the roll; the birth dates are then cleared — only the verdict stays."""
    day = last_voting_day(phase)
    entries = (
        await session.execute(select(RollEntry.id, RollEntry.born_on).where(RollEntry.phase_id == phase.id))
    ).all()
    young = [entry_id for entry_id, born in entries if born is None or age_on(born, day) < minimum]
    if young:
        await session.execute(
            delete(RollEntry).where(RollEntry.id.in_(young)).execution_options(synchronize_session=False)
        )
    await session.execute(
        update(RollEntry)
        .where(RollEntry.phase_id == phase.id, RollEntry.born_on.is_not(None))
        .values(born_on=None)
        .execution_options(synchronize_session=False)
    )


async def my_entry(session: Any, phase: Phase, user: User | None) -> RollEntry | None:
    if user is None:
        return None
    return await session.scalar(select(RollEntry).where(RollEntry.phase_id == phase.id, RollEntry.user_id == user.id))


def parse_ballot(form: Any, qs: list[Question]) -> dict[str, Any] | None:
    """The answers of a submitted ballot form, or None when any answer is missing or malformed.

    Fields: ``q<id>`` = ``yes``/``no``/``blank`` or an option index; multiple choice repeats ``q<id>``; ranked
    questions send ``q<id>_<option>`` = the rank (1 = first), empty for unranked, or ``q<id>`` = ``blank``.
    """
    choices: dict[str, Any] = {}
    for q in qs:
        rq, name = rule_question(q), f"q{q.id}"
        raw = form.getlist(name)
        answer: Any
        if raw == [rules.BLANK]:
            answer = rules.BLANK
        elif q.kind == "yesno":
            answer = raw[0] if len(raw) == 1 else None
        elif q.kind == "single":
            answer = _int(raw[0]) if len(raw) == 1 else None
        elif q.kind == "multiple":
            answer = sorted(_int(v) for v in raw) if all(_int(v) is not None for v in raw) else None
        else:
            ranks: list[tuple[int, int]] = []
            for option in range(len(q.choices)):
                text = form.get(f"{name}_{option}", "").strip()
                if text:
                    rank = _int(text)
                    if rank is None or rank < 1:
                        return None
                    ranks.append((rank, option))
            if len({r for r, _ in ranks}) != len(ranks):
                return None
            answer = [option for _, option in sorted(ranks)]
        if not rules.valid_answer(rq, answer):
            return None
        choices[str(q.id)] = answer
    return choices


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


async def _insert_ballot(session: Any, phase: Phase, receipt: str, choices: dict[str, Any]) -> None:
    """The new ballot goes into the box covered (core ``mixing.cover``): written together with a few random
    ballots already there, deleted and inserted again in a random order, so on PostgreSQL it shares its ``xmin``
    and its place in the heap with them."""
    box = Ballot.__table__
    row = {
        "id": secrets.token_hex(16),
        "tenant_id": phase.tenant_id,
        "phase_id": phase.id,
        "receipt_hash": rules.receipt_hash(receipt),
        "choices": choices,
    }
    pivot = secrets.token_hex(16)  # ids are random hex: the next ballots from a random one are random ballots
    await mixing.cover(session, box, box.c.id, box.c.phase_id == phase.id, add=[row], pivot=pivot)


async def _cover_mark(session: Any, phase: Phase, entry_id: int) -> None:
    """The voter's fresh roll mark, rewritten with a few random marks of the same day in a random order: the
    transaction that cast a ballot touched several voters' marks, not one."""
    roll = RollEntry.__table__
    same_day = (roll.c.phase_id == phase.id) & roll.c.voted.is_(True) & (roll.c.voted_on == today())
    low, high = (
        await session.execute(select(func.min(roll.c.id), func.max(roll.c.id)).where(roll.c.phase_id == phase.id))
    ).one()
    pivot = secrets.SystemRandom().randint(low, high) if low is not None else None
    await mixing.cover(session, roll, roll.c.id, same_day, own=[entry_id], pivot=pivot)


async def mix(session: Any, phase: Phase) -> int:
    """Rewrite the phase's whole ballot box and every roll mark in a random order, in this transaction: afterwards
    no ballot's place in the heap or ``xmin`` says when it was cast, and no mark's says when its voter voted (the
    scheduled ``referendum.mix`` job while voting is open, and the close before counting). Returns the ballots."""
    box, roll = Ballot.__table__, RollEntry.__table__
    ballots = await mixing.rewrite_shuffled(session, box, box.c.phase_id == phase.id)
    await mixing.rewrite_shuffled(session, roll, (roll.c.phase_id == phase.id) & roll.c.voted.is_(True))
    return ballots


async def receipt_in_box(session: Any, phase: Phase, receipt: str) -> bool:
    found = await session.scalar(
        select(Ballot.id).where(Ballot.phase_id == phase.id, Ballot.receipt_hash == rules.receipt_hash(receipt))
    )
    return found is not None


async def cast_online(session: Any, phase: Phase, entry_id: int, receipt: str, choices: dict[str, Any]) -> str:
    """``"cast"``, ``"repeat"`` (this very submission was recorded already: a retry or a double click),
    ``"already_done"`` (this roll entry voted, by another submission or on paper) or ``"receipt_taken"``."""
    try:
        async with session.begin_nested():
            marked = await session.execute(
                update(RollEntry)
                .where(RollEntry.id == entry_id, RollEntry.voted.is_(False))
                .values(voted=True, voted_on=today(), channel="online")
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount != 1:
                return "repeat" if await receipt_in_box(session, phase, receipt) else "already_done"
            await _cover_mark(session, phase, entry_id)
            await _insert_ballot(session, phase, receipt, choices)
    except IntegrityError:
        return "receipt_taken"
    return "cast"


async def find_roll(session: Any, phase: Phase, query: str) -> list[RollEntry]:
    """Staff look a voter up at the polling station by their roll code or part of their name."""
    query = query.strip()
    if not query:
        return []
    stmt = select(RollEntry).where(RollEntry.phase_id == phase.id)
    code = query.upper()
    stmt = stmt.where((RollEntry.code == code) | (func.lower(RollEntry.name).contains(query.lower())))
    return list((await session.scalars(stmt.order_by(RollEntry.name).limit(20))).all())


async def mark_paper(session: Any, phase: Phase, entry_id: int) -> bool:
    """A voter at the polling station: marked once, refused when they already voted by any channel."""
    marked = await session.execute(
        update(RollEntry)
        .where(RollEntry.id == entry_id, RollEntry.phase_id == phase.id, RollEntry.voted.is_(False))
        .values(voted=True, voted_on=today(), channel="paper")
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        return False
    await _cover_mark(session, phase, entry_id)
    return True


async def paper_counts(session: Any, phase: Phase) -> tuple[int, int]:
    marks = await session.scalar(
        select(func.count()).where(RollEntry.phase_id == phase.id, RollEntry.channel == "paper")
    )
    box = await box_of(session, phase)
    return int(marks or 0), (box.paper_ballots if box else 0)


async def enter_paper(session: Any, phase: Phase, choices: dict[str, Any]) -> str | None:
    """Put a paper ballot in the box: allowed only while fewer paper ballots than paper roll marks were entered,
    claimed by a conditional UPDATE of the box's counter. Returns the receipt printed for the voter, or None."""
    marks = (
        select(func.count())
        .select_from(RollEntry)
        .where(RollEntry.phase_id == phase.id, RollEntry.channel == "paper")
        .scalar_subquery()
    )
    claimed = await session.execute(
        update(Box)
        .where(Box.phase_id == phase.id, Box.paper_ballots < marks)
        .values(paper_ballots=Box.paper_ballots + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    receipt = new_receipt()
    await _insert_ballot(session, phase, receipt, choices)
    return receipt


async def turnout(session: Any, phase: Phase) -> int:
    return int(await session.scalar(select(func.count()).where(RollEntry.phase_id == phase.id, RollEntry.voted)) or 0)


async def ballot_rows(session: Any, phase: Phase) -> list[tuple[str, dict[str, Any]]]:
    """Every ballot's receipt hash and answers in receipt-hash order, as plain tuples.

    Read on the session's connection, past the ORM's per-row loading (the session's tenant criterion does not
    apply there, so the statement names the phase's tenant itself). The answers come as their stored JSON text,
    and each different text is decoded once: identical ballots share one dict, which ``rules.tally`` and
    ``rules.chain`` then judge and hash once (a box of 100,000 ballots holds a few hundred different ones)."""
    stmt = (
        select(Ballot.receipt_hash, cast(Ballot.choices, Text))
        .where(Ballot.phase_id == phase.id, Ballot.tenant_id == phase.tenant_id)
        .order_by(Ballot.receipt_hash)
    )
    found = await (await session.connection()).execute(stmt)
    decoded: dict[str, Any] = {}
    rows = []
    for receipt, text in found.all():
        choices = decoded.get(text)
        if choices is None:
            choices = decoded[text] = msgspec.json.decode(text)
        rows.append((receipt, choices))
    return rows


async def count(session: Any, phase: Phase, config: ReferendumConfig, box: Box) -> dict[str, Any]:
    """The results as stored at close: tally, per yes/no question the outcome against the quorums, the head."""
    qs = await questions(session, phase)
    rows = await ballot_rows(session, phase)
    counted = rules.tally([rule_question(q) for q in qs], [c for _, c in rows])
    voted = await turnout(session, phase)
    outcomes = {}
    for q in qs:
        entry = counted["questions"][str(q.id)]
        if q.kind == "yesno":
            o = rules.outcome(
                box.roll_size,
                voted,
                entry["yes"],
                entry["no"],
                participation_quorum=config.participation_quorum,
                approval_quorum=config.approval_quorum,
                binding=config.binding,
            )
            outcomes[str(q.id)] = {
                "code": o.code,
                "valid": o.valid,
                "binding": o.binding,
                "approval": o.approval_percent,
            }
    hashes = rules.chain(rows)
    return {
        "roll_size": box.roll_size,
        "turnout": voted,
        "ballots": len(rows),
        "tally": counted["questions"],
        "outcomes": outcomes,
        "head": hashes[-1] if hashes else rules.GENESIS,
        "binding": config.binding,
    }


async def close(session: Any, phase: Phase, config: ReferendumConfig, box: Box | None = None) -> Box | None:
    """Count once, after the end: a conditional UPDATE (``head IS NULL``) so two runners never both store.
    ``box``: the phase's box when the caller has just read it (a counted box then costs no statement)."""
    if phase_state(phase) != "ended":
        return None
    if box is None:
        box = await ensure_roll(session, phase, config)
    if box is None or box.head is not None:
        return box
    # One count: the box row is locked (PostgreSQL) for the rest of this transaction. A second request or the close
    # job arriving meanwhile waits here, then reads the head the first one stored, and returns without counting.
    head = await session.scalar(select(Box.head).where(Box.id == box.id).with_for_update())
    if head is not None:
        await session.refresh(box)
        return box
    await mix(session, phase)
    results = await count(session, phase, config, box)
    await session.execute(
        update(Box)
        .where(Box.id == box.id, Box.head.is_(None))
        .values(results=results, head=results["head"], counted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(box)
    return box


async def published(session: Any, phase: Phase) -> dict[str, Any]:
    """The ballot box as published after the close: each ballot's receipt hash, answers and chain hash."""
    qs = [rule_question(q) for q in await questions(session, phase)]
    rows = await ballot_rows(session, phase)
    hashes = rules.chain(rows)
    return {
        "phase": phase.id,
        "questions": [q.as_dict() for q in qs],
        "ballots": [{"receipt_hash": r, "choices": c, "chain": h} for (r, c), h in zip(rows, hashes, strict=True)],
        "head": hashes[-1] if hashes else rules.GENESIS,
        "tally": rules.tally(qs, [c for _, c in rows])["questions"],
    }


async def verify_stored(session: Any, phase: Phase) -> list[str]:
    """Recount the box as it is in the database against the head stored at close: a changed row is reported."""
    box = await box_of(session, phase)
    if box is None or box.head is None:
        return []
    report = rules.audit(await published(session, phase), box.head)
    return report.problems


async def user_rows(session: Any, user: User) -> list[dict[str, Any]]:
    """The fact of having voted (phase, day, channel) — never the choice, which nothing links to the person."""
    found = await session.scalars(select(RollEntry).where(RollEntry.user_id == user.id).order_by(RollEntry.phase_id))
    return [
        {
            "phase_id": e.phase_id,
            "voted": e.voted,
            "voted_on": e.voted_on.isoformat() if e.voted_on else None,
            "channel": e.channel,
            # the register's birth date, held only until the snapshot
            **({"born_on": e.born_on.isoformat()} if e.born_on else {}),
        }
        for e in found
    ]


async def forget(session: Any, user: User) -> None:
    """The roll mark stays (turnout must not move) but no longer names anyone; the ballot was never theirs."""
    await session.execute(
        update(RollEntry)
        .where(RollEntry.user_id == user.id)
        .values(user_id=None, name="", born_on=None)
        .execution_options(synchronize_session=False)
    )


def stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
