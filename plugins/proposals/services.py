"""The proposals rules applied to the database: lifecycle transitions, signing, answers, lists.

Every transition goes through ``apply_transition``: the lifecycle table (rules.py) decides, a ``Transition`` row and
a public audit entry record it, and the author, accepted co-sponsors and followers are notified, all in the caller's
transaction. Signing locks the proposal's row (``SELECT … FOR UPDATE`` on PostgreSQL; an SQLite writer already holds
the database lock), inserts the signature (UNIQUE per person), bumps the counter and, when the count reaches the
threshold, switches the state in that same transaction: concurrent signers queue on the row, so the transition
happens exactly once and the counter equals the rows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only

from core import Area, Follow, Notification, Topic, User, UserFacingError, audit, cached_taxonomy, notifications, utcnow
from core import gettext as _
from core import lazy_gettext as _l
from plugins.proposals import rules
from plugins.proposals.models import Cosponsor, Proposal, Signature, Transition
from plugins.proposals.spec import KEY, ProposalsConfig

KIND = f"{KEY}.proposal"

# Event labels as message ids (stored in notifications, translated when read), marked for extraction below.
EVENT_TEXT = {
    "create": "Proposal created",
    "submit": "Proposal submitted",
    "publish": "Proposal published: collecting signatures",
    "reject": "Proposal rejected",
    "ask_changes": "Changes requested",
    "reach": "Signature threshold reached",
    "expire": "Signing period ended without reaching the threshold",
    "answer": "The council answered",
    "declare_ineligible": "Proposal declared ineligible",
}
_MARKED = (
    _l("Proposal created"),
    _l("Proposal submitted"),
    _l("Proposal published: collecting signatures"),
    _l("Proposal rejected"),
    _l("Changes requested"),
    _l("Signature threshold reached"),
    _l("Signing period ended without reaching the threshold"),
    _l("The council answered"),
    _l("Proposal declared ineligible"),
)
TRANSITION_MESSAGE = "“%(title)s”: %(event)s"
MILESTONE_MESSAGE = "“%(title)s” has reached %(percent)s percent of its signature goal."
_MARKED_MESSAGES = (
    _l("“%(title)s”: %(event)s"),
    _l("“%(title)s” has reached %(percent)s percent of its signature goal."),
)

REACHED_EVENT = "proposals.threshold_reached"

STATE_LABELS = {
    rules.DRAFT: _l("Draft"),
    rules.SUBMITTED: _l("Awaiting screening"),
    rules.CHANGES: _l("Changes requested"),
    rules.REJECTED: _l("Rejected"),
    rules.COLLECTING: _l("Collecting signatures"),
    rules.REACHED: _l("Threshold reached"),
    rules.EXPIRED: _l("Expired"),
    rules.ANSWERED: _l("Answered"),
    rules.INELIGIBLE: _l("Ineligible"),
}
SORTS = {
    "newest": _l("Newest"),
    "signed": _l("Most signed"),
    "closest": _l("Closest to the threshold"),
    "ending": _l("Ending soon"),
}


def proposal_url(proposal: Proposal) -> str:
    return f"/p/{proposal.phase_id}/{KEY}/{proposal.id}"


# --------------------------------------------------------------------------- loading


async def get_proposal(pctx: Any, proposal_id: int, *, lock: bool = False) -> Proposal:
    """A proposal of this phase the visitor may see: public states for everyone; the rest for its author,
    co-sponsors and staff. ``lock`` takes the row lock that serialises signing and transitions."""
    stmt = select(Proposal).where(Proposal.id == proposal_id, Proposal.phase_id == pctx.phase.id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    proposal = await pctx.session.scalar(stmt)
    if proposal is None or not await may_see(pctx, proposal):
        raise NotFoundException()
    return proposal


async def may_see(pctx: Any, proposal: Proposal) -> bool:
    if pctx.moderator:
        return True
    if proposal.hidden:
        return False
    if proposal.state in rules.PUBLIC:
        return True
    user = pctx.user
    if user is None:
        return False
    return user.id == proposal.author_id or await is_cosponsor(pctx.session, proposal, user.id)


async def is_cosponsor(session: Any, proposal: Proposal, user_id: int) -> bool:
    found = await session.scalar(
        select(Cosponsor.id).where(Cosponsor.proposal_id == proposal.id, Cosponsor.user_id == user_id)
    )
    return found is not None


async def cosponsors(session: Any, proposal: Proposal) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(User.id, User.display_name)
        .join(Cosponsor, Cosponsor.user_id == User.id)
        .where(Cosponsor.proposal_id == proposal.id)
        .order_by(Cosponsor.id)
    )
    return [(r[0], r[1]) for r in rows.all()]


async def history(session: Any, proposal: Proposal) -> list[Transition]:
    rows = await session.scalars(
        select(Transition).where(Transition.proposal_id == proposal.id).order_by(Transition.at, Transition.id)
    )
    return list(rows.all())


async def my_signature(session: Any, proposal: Proposal, user: Any) -> Signature | None:
    if user is None:
        return None
    return await session.scalar(
        select(Signature).where(Signature.proposal_id == proposal.id, Signature.user_id == user.id)
    )


async def names(session: Any, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {r[0]: r[1] for r in rows.all()}


async def taxonomy(session: Any, ctx: Any = None) -> tuple[list[Topic], list[Area]]:
    """Topics and areas in order; with the request's ``ctx`` from the worker's cache (read-only rows)."""
    if ctx is not None:
        return await cached_taxonomy(ctx)
    topics = list((await session.scalars(select(Topic).order_by(Topic.position, Topic.id))).all())
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    return topics, areas


# --------------------------------------------------------------------------- notifications


async def recipients(session: Any, proposal: Proposal, *, with_cosponsors: bool = True) -> list[int]:
    """Author, accepted co-sponsors and followers of the proposal, each once."""
    ids: list[int | None] = [proposal.author_id]
    if with_cosponsors:
        ids += list(
            (await session.scalars(select(Cosponsor.user_id).where(Cosponsor.proposal_id == proposal.id))).all()
        )
    ids += list(
        (
            await session.scalars(select(Follow.user_id).where(Follow.item_kind == KIND, Follow.item_id == proposal.id))
        ).all()
    )
    return [i for i in dict.fromkeys(ids) if i is not None]


async def notify_transition(session: Any, proposal: Proposal, event: str) -> list[Notification]:
    data = notifications.message(
        TRANSITION_MESSAGE, title=proposal.title, event=notifications.translatable(EVENT_TEXT[event])
    )
    return await notifications.notify(
        session, await recipients(session, proposal), f"{KEY}.{event}", data, url=proposal_url(proposal)
    )


async def notify_milestone(session: Any, proposal: Proposal, percent: int) -> list[Notification]:
    data = notifications.message(MILESTONE_MESSAGE, title=proposal.title, percent=str(percent))
    return await notifications.notify(
        session,
        await recipients(session, proposal, with_cosponsors=False),
        f"{KEY}.milestone",
        data,
        url=proposal_url(proposal),
    )


# --------------------------------------------------------------------------- transitions


@dataclass
class Outcome:
    """What an act changed: notifications to announce after the commit."""

    notes: list[Notification]


async def apply_transition(
    session: Any,
    proposal: Proposal,
    event: str,
    actor_id: int | None,
    *,
    reason: str = "",
    now: datetime | None = None,
) -> list[Notification]:
    """Move the proposal along its lifecycle, log it and notify; raises rules.TransitionError when not allowed."""
    now = now or utcnow()
    source = proposal.state
    proposal.state = rules.next_state(source, event)
    proposal.updated_at = now
    if proposal.state in rules.CLOSED:
        proposal.closed_at = now
    if event in rules.NEEDS_REASON:
        proposal.reason = reason
    session.add(
        Transition(
            proposal_id=proposal.id,
            event=event,
            from_state=source,
            to_state=proposal.state,
            actor_id=actor_id,
            reason=reason,
            at=now,
        )
    )
    audit.record(
        session,
        actor_id,
        f"{KEY}.{event}",
        ("proposals_proposal", proposal.id),
        {"from": source, "to": proposal.state, "reason": reason},
        public=proposal.state in rules.PUBLIC,
    )
    await session.flush()
    return await notify_transition(session, proposal, event)


def refuse_transition(proposal: Proposal, event: str) -> None:
    if not rules.allowed(proposal.state, event):
        raise UserFacingError(detail=_("This cannot be done to the proposal in its current state."), status_code=409)


async def create(pctx: Any, title: str, body: str, topic_id: int | None, area_id: int | None) -> Proposal:
    from core import follow_item

    now = utcnow()
    proposal = Proposal(
        phase_id=pctx.phase.id,
        author_id=pctx.user.id,
        title=title,
        body=body,
        language=pctx.ctx.locale,
        topic_id=topic_id,
        area_id=area_id,
        state=rules.DRAFT,
        invite_token=secrets.token_urlsafe(32),
        created_at=now,
        updated_at=now,
    )
    pctx.session.add(proposal)
    await pctx.session.flush()
    pctx.session.add(
        Transition(
            proposal_id=proposal.id, event="create", from_state="", to_state=rules.DRAFT, actor_id=pctx.user.id, at=now
        )
    )
    await follow_item(pctx.session, KIND, proposal.id, pctx.user.id)
    await pctx.session.flush()
    return proposal


async def cosponsor_count(session: Any, proposal: Proposal) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Cosponsor).where(Cosponsor.proposal_id == proposal.id))
        or 0
    )


async def submit(pctx: Any, proposal: Proposal, config: ProposalsConfig) -> list[Notification]:
    """Submit (the author): to staff screening when the phase asks for it, else published at once."""
    refuse_transition(proposal, "submit")
    if await cosponsor_count(pctx.session, proposal) < config.min_cosponsors:
        raise UserFacingError(
            detail=_("More co-sponsors must accept your invitation before you can submit."), status_code=409
        )
    notes = await apply_transition(pctx.session, proposal, "submit", pctx.user.id)
    if not config.prescreening:
        notes += await publish(pctx, proposal, config, actor_id=None)
    return notes


async def publish(
    pctx: Any, proposal: Proposal, config: ProposalsConfig, *, actor_id: int | None
) -> list[Notification]:
    """Publish: fix the threshold (snapshotting the population) and the deadline, in the municipality's timezone."""
    refuse_transition(proposal, "publish")
    tenant, now = pctx.tenant, utcnow()
    threshold = rules.threshold_for(
        config.threshold_kind, config.threshold, config.threshold_percent, tenant.population
    )
    if threshold is None:
        raise UserFacingError(
            detail=_("The municipality's population is not set, so a percentage threshold cannot be computed."),
            status_code=409,
        )
    deadline = rules.deadline_for(
        config.deadline_kind, config.deadline_days, config.deadline_date, now, tenant.timezone
    )
    if deadline is None or deadline <= now:
        raise UserFacingError(detail=_("The last day of signing set for this phase has passed."), status_code=409)
    proposal.threshold, proposal.deadline_at, proposal.published_at = threshold, deadline, now
    if config.threshold_kind == "percent":
        proposal.population_snapshot, proposal.threshold_percent = tenant.population, config.threshold_percent
    return await apply_transition(pctx.session, proposal, "publish", actor_id, now=now)


# --------------------------------------------------------------------------- signing


async def _count_change(
    session: Any, proposal: Proposal, before: int, config: ProposalsConfig, tz: str | None, now: datetime
) -> list[Notification]:
    """After a signature was added: milestones, and the threshold transition in this same transaction."""
    notes: list[Notification] = []
    after = proposal.total
    threshold = proposal.threshold or 0
    for percent in rules.milestones_crossed(before, after, threshold):
        if percent < 100:
            notes += await notify_milestone(session, proposal, percent)
    if proposal.state == rules.COLLECTING and threshold and after >= threshold:
        proposal.reached_at = now
        proposal.response_due_at = rules.response_due(now, config.response_days, tz)
        notes += await apply_transition(session, proposal, "reach", None, now=now)
    return notes


def signing_open(proposal: Proposal, config: ProposalsConfig, now: datetime) -> bool:
    if not rules.may_sign(proposal.state, config.signing_after_threshold):
        return False
    return proposal.state == rules.REACHED or (proposal.deadline_at is not None and now < proposal.deadline_at)


async def sign(
    pctx: Any, proposal_id: int, config: ProposalsConfig, identity_hash: str | None = None
) -> tuple[Proposal, list[Notification]]:
    """Add the visitor's signature; the caller checked ``pctx.can(SIGN)``. Raises a 409 when already signed."""
    session, now = pctx.session, utcnow()
    proposal = await get_proposal(pctx, proposal_id, lock=True)
    if not signing_open(proposal, config, now):
        raise UserFacingError(detail=_("This proposal is not collecting signatures."), status_code=409)
    try:
        async with session.begin_nested():
            session.add(
                Signature(proposal_id=proposal.id, user_id=pctx.user.id, identity_hash=identity_hash, created_at=now)
            )
    except IntegrityError:
        raise UserFacingError(detail=_("You have already signed this proposal."), status_code=409) from None
    before, state = proposal.total, proposal.state
    proposal.online_count += 1
    notes = await _count_change(session, proposal, before, config, pctx.tenant.timezone, now)
    await session.flush()
    if state != proposal.state == rules.REACHED:  # for webhooks (MethodSpec.public_events), after the commit
        pctx.ctx.emit(REACHED_EVENT, proposal_id=proposal.id, phase_id=proposal.phase_id)
    return proposal, notes


async def withdraw(pctx: Any, proposal_id: int, config: ProposalsConfig) -> Proposal:
    """Take one's signature back: only while collecting (never once the threshold is reached) and if allowed."""
    session, now = pctx.session, utcnow()
    proposal = await get_proposal(pctx, proposal_id, lock=True)
    if not config.withdrawal_allowed or proposal.state != rules.COLLECTING or not signing_open(proposal, config, now):
        raise UserFacingError(detail=_("Signatures on this proposal can no longer be withdrawn."), status_code=409)
    mine = await my_signature(session, proposal, pctx.user)
    if mine is None:
        raise UserFacingError(detail=_("You have not signed this proposal."), status_code=409)
    await session.delete(mine)
    proposal.online_count -= 1
    await session.flush()
    return proposal


async def add_paper(
    session: Any,
    proposal: Proposal,
    identity_hash: str,
    staff_id: int | None,
    config: ProposalsConfig,
    tz: str | None,
) -> tuple[bool, list[Notification]]:
    """One paper signature, deduplicated by identity key against online and paper signatures; False if a duplicate.
    The caller holds the proposal's row lock."""
    now = utcnow()
    try:
        async with session.begin_nested():
            session.add(
                Signature(
                    proposal_id=proposal.id,
                    identity_hash=identity_hash,
                    paper=True,
                    entered_by=staff_id,
                    created_at=now,
                )
            )
    except IntegrityError:
        return False, []
    before = proposal.total
    proposal.paper_count += 1
    notes = await _count_change(session, proposal, before, config, tz, now)
    await session.flush()
    return True, notes


# --------------------------------------------------------------------------- answers


async def answer(pctx: Any, proposal: Proposal, text: dict[str, str], link: str) -> list[Notification]:
    refuse_transition(proposal, "answer")
    proposal.answer, proposal.answer_link, proposal.answered_at = text, link, utcnow()
    return await apply_transition(pctx.session, proposal, "answer", pctx.user.id)


# --------------------------------------------------------------------------- lists


def list_query(phase_id: int, *, state: str | None, topic: int | None, area: int | None, sort: str, staff: bool) -> Any:
    stmt = select(Proposal).where(Proposal.phase_id == phase_id)
    if not staff:
        stmt = stmt.where(Proposal.state.in_(rules.PUBLIC), Proposal.hidden.is_(False))
    if state:
        stmt = stmt.where(Proposal.state == state)
    if topic:
        stmt = stmt.where(Proposal.topic_id == topic)
    if area:
        stmt = stmt.where(Proposal.area_id == area)
    total = Proposal.online_count + Proposal.paper_count
    if sort == "signed":
        stmt = stmt.order_by(total.desc(), Proposal.id.desc())
    elif sort == "closest":
        remaining = case((Proposal.threshold.is_(None), 1_000_000_000), else_=Proposal.threshold - total)
        open_first = case((Proposal.state == rules.COLLECTING, 0), else_=1)
        stmt = stmt.order_by(open_first, remaining, Proposal.id.desc())
    elif sort == "ending":
        open_first = case((and_(Proposal.state == rules.COLLECTING, Proposal.deadline_at.is_not(None)), 0), else_=1)
        stmt = stmt.order_by(open_first, Proposal.deadline_at, Proposal.id.desc())
    else:
        stmt = stmt.order_by(func.coalesce(Proposal.published_at, Proposal.created_at).desc(), Proposal.id.desc())
    return stmt


# What a list shows of each proposal (proposals/_list.html and ``rules.progress``): loading the other 20 columns of
# 200 proposals (answers, retention reports, nine timestamps) was a third of the page's cost beyond rendering. Any
# other attribute read from a listed proposal raises instead of loading it one by one.
LISTED = (
    Proposal.id,
    Proposal.phase_id,
    Proposal.title,
    Proposal.language,
    Proposal.state,
    Proposal.threshold,
    Proposal.online_count,
    Proposal.paper_count,
    Proposal.deadline_at,
)


async def list_proposals(pctx: Any, **query: Any) -> list[Proposal]:
    stmt = list_query(pctx.phase.id, staff=pctx.moderator, **query).options(load_only(*LISTED, raiseload=True))
    stmt = stmt.limit(200)
    return list((await pctx.session.scalars(stmt)).all())


async def mine(pctx: Any) -> list[Proposal]:
    """The visitor's own proposals that are not public yet (drafts, screening), for their overview."""
    if pctx.user is None:
        return []
    stmt = select(Proposal).where(
        Proposal.phase_id == pctx.phase.id,
        Proposal.author_id == pctx.user.id,
        or_(Proposal.state.not_in(rules.PUBLIC)),
    )
    return list((await pctx.session.scalars(stmt.order_by(Proposal.id.desc()))).all())


# --------------------------------------------------------------------------- co-sponsors


async def add_cosponsor(pctx: Any, proposal: Proposal) -> bool:
    """Accept the author's invitation (UNIQUE per person): False when already a co-sponsor."""
    try:
        async with pctx.session.begin_nested():
            pctx.session.add(Cosponsor(proposal_id=proposal.id, user_id=pctx.user.id))
    except IntegrityError:
        return False
    from core import follow_item

    await follow_item(pctx.session, KIND, proposal.id, pctx.user.id)
    return True


INVITE_MESSAGE = "You are invited to co-sponsor the proposal “%(title)s”."
_MARKED_INVITE = _l("You are invited to co-sponsor the proposal “%(title)s”.")


async def invite(pctx: Any, proposal: Proposal, user_id: int) -> list[Notification]:
    """Notify one resident of the author's invitation, with the invitation link (the proposal's token)."""
    url = f"{proposal_url(proposal)}/cosponsor?token={proposal.invite_token}"
    data = notifications.message(INVITE_MESSAGE, title=proposal.title)
    return await notifications.notify(pctx.session, [user_id], f"{KEY}.invite", data, url=url)


# --------------------------------------------------------------------------- exports, data, hand-over

EXPORT_HEADER = [
    "id",
    "title",
    "state",
    "online",
    "paper",
    "total",
    "threshold",
    "population_snapshot",
    "published_at",
    "deadline_at",
    "reached_at",
    "response_due_at",
    "answered_at",
    "closed_at",
]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


async def export_rows(session: Any, phase: Any) -> tuple[list[str], list[list[Any]]]:
    """Proposals with their counts and states (public states only: drafts are their authors' business)."""
    rows = await session.scalars(
        select(Proposal).where(Proposal.phase_id == phase.id, Proposal.state.in_(rules.PUBLIC)).order_by(Proposal.id)
    )
    data = [
        [
            p.id,
            p.title,
            p.state,
            p.online_count,
            p.paper_count,
            p.total,
            p.threshold or "",
            p.population_snapshot or "",
            _iso(p.published_at),
            _iso(p.deadline_at),
            _iso(p.reached_at),
            _iso(p.response_due_at),
            _iso(p.answered_at),
            _iso(p.closed_at),
        ]
        for p in rows.all()
    ]
    return EXPORT_HEADER, data


async def stats(session: Any, phase: Any) -> dict[str, Any]:
    rows = await session.execute(
        select(Proposal.state, func.count(), func.sum(Proposal.online_count), func.sum(Proposal.paper_count))
        .where(Proposal.phase_id == phase.id)
        .group_by(Proposal.state)
    )
    by_state = {r[0]: int(r[1]) for r in rows.all()}
    totals = await session.execute(
        select(
            func.coalesce(func.sum(Proposal.online_count), 0), func.coalesce(func.sum(Proposal.paper_count), 0)
        ).where(Proposal.phase_id == phase.id)
    )
    online, paper = totals.one()
    return {
        "proposals": sum(by_state.values()),
        "by_state": by_state,
        "online_signatures": int(online),
        "paper_signatures": int(paper),
    }


async def user_data(session: Any, user: Any) -> dict[str, Any]:
    proposals = await session.scalars(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
    signed = await session.execute(
        select(Signature.proposal_id, Signature.created_at).where(Signature.user_id == user.id).order_by(Signature.id)
    )
    sponsored = await session.scalars(select(Cosponsor.proposal_id).where(Cosponsor.user_id == user.id))
    return {
        "proposals": [
            {"id": p.id, "title": p.title, "body": p.body, "state": p.state, "created_at": _iso(p.created_at)}
            for p in proposals.all()
        ],
        "proposal_signatures": [{"proposal_id": r[0], "signed_at": _iso(r[1])} for r in signed.all()],
        "proposal_cosponsorships": list(sponsored.all()),
    }


async def forget_user(session: Any, user: Any) -> None:
    """A forgotten signer's signature still counts, without its person; their drafts go, public proposals stay
    without an author; co-sponsorships go (they only mattered before submission)."""
    from sqlalchemy import delete, update

    await session.execute(
        update(Signature)
        .where(Signature.user_id == user.id)
        .values(user_id=None, identity_hash=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Signature)
        .where(Signature.entered_by == user.id)
        .values(entered_by=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Proposal)
        .where(Proposal.author_id == user.id, Proposal.state.in_(tuple(rules.EDITABLE)))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Proposal)
        .where(Proposal.author_id == user.id)
        .values(author_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Cosponsor).where(Cosponsor.user_id == user.id).execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Transition)
        .where(Transition.actor_id == user.id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )


async def phase_outputs(session: Any, phase: Any) -> list[Any]:
    """Proposals that reached their threshold (answered ones too), for a later referendum or budgeting phase."""
    from core import PhaseOutput

    rows = await session.scalars(
        select(Proposal)
        .where(Proposal.phase_id == phase.id, Proposal.reached_at.is_not(None), Proposal.hidden.is_(False))
        .order_by(Proposal.id)
    )
    outputs = []
    for p in rows.all():
        outputs.append(
            PhaseOutput(
                key=f"proposal:{p.id}",
                title={p.language: p.title},
                description={p.language: p.body[:2000]},
                area_id=p.area_id,
                url=proposal_url(p),
                status=str(STATE_LABELS[p.state]),
                score=p.total,
            )
        )
    return outputs
