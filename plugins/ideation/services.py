"""The ideation rules: who may do what, and the database work of each act.

Every act re-checks, on the server, the phase state and the resident's permission (``pctx.can``, which also asks
this plugin's ``permission_verdict`` for the config switches), then the phase limits. Acts that count towards a
per-person limit first lock the person's row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite requests already hold
the write lock from BEGIN IMMEDIATE), so parallel requests of one person cannot overshoot a limit. One reaction,
follow and report per person and item are UNIQUE constraints, so even a race ends with one row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import ALLOWED, PhaseOutput, Verdict, audit, denied, notifications, sanitize, utcnow
from core import gettext as _
from core.i18n import current_locale
from core.models import Area, Topic, User
from core.multiloc import pick
from core.web.errors import UserFacingError
from plugins.ideation.models import (
    Comment,
    CommentReaction,
    Feedback,
    Follow,
    Idea,
    IdeaImage,
    IdeaReaction,
    IdeaStatus,
    IdeaTopic,
    Report,
)
from plugins.ideation.schemas import IdeaInput, ListQuery
from plugins.ideation.spec import DEFAULT_STATUS, SORTS, STATUSES
from plugins.ideation.text import excerpt

REACTION_KINDS = ("like", "dislike")


def _l(message: str) -> str:
    """Marks a message for extraction; notifications translate it when shown, in the reader's language."""
    return message


RANDOM_PRIME = 1_000_003


# --------------------------------------------------------------------------- lookups


@dataclass
class StatusInfo:
    key: str
    label: str
    colour: str
    custom: bool = False
    locks: bool = True


async def statuses(session: AsyncSession, locale: str, default_locale: str) -> dict[str, StatusInfo]:
    """Built-in statuses first, then the tenant's own, labelled in the reader's language."""
    found = {
        k: StatusInfo(k, str(v["label"]), str(v["colour"]), locks=k != DEFAULT_STATUS) for k, v in STATUSES.items()
    }
    for row in (await session.scalars(select(IdeaStatus).order_by(IdeaStatus.position, IdeaStatus.id))).all():
        found[row.key] = StatusInfo(
            row.key, pick(row.label, locale, default_locale).text or row.key, row.colour, True, row.locks_idea
        )
    return found


async def taxonomy(session: AsyncSession) -> tuple[list[Topic], list[Area]]:
    topics = list((await session.scalars(select(Topic).order_by(Topic.position, Topic.id))).all())
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    return topics, areas


async def get_idea(pctx: Any, idea_id: int, *, for_update: bool = False) -> Idea:
    """An idea of this phase that the visitor may see (hidden ones only for moderators)."""
    stmt = select(Idea).where(Idea.id == idea_id, Idea.phase_id == pctx.phase.id)
    if for_update:
        stmt = stmt.with_for_update()
    idea = await pctx.session.scalar(stmt)
    if idea is None or idea.withdrawn_at is not None or (idea.hidden and not pctx.moderator):
        raise NotFoundException()
    return idea


async def get_comment(pctx: Any, comment_id: int) -> tuple[Comment, Idea]:
    row = (
        await pctx.session.execute(
            select(Comment, Idea)
            .join(Idea, Idea.id == Comment.idea_id)
            .where(Comment.id == comment_id, Idea.phase_id == pctx.phase.id)
        )
    ).first()
    if row is None:
        raise NotFoundException()
    comment, idea = row
    if idea.withdrawn_at is not None or (idea.hidden and not pctx.moderator):
        raise NotFoundException()
    return comment, idea


def refuse(verdict: Verdict) -> None:
    if not verdict.allowed:
        raise UserFacingError(detail=verdict.message, status_code=401 if verdict.reason == "not_signed_in" else 403)


async def lock_person(session: AsyncSession, user: User) -> None:
    """Serialise one person's limited acts (no-op on SQLite, whose writers already hold the database lock)."""
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())


# --------------------------------------------------------------------------- verdicts


@dataclass
class Standing:
    """What a signed-in person has already done in the phase (for limits and button states)."""

    ideas: int = 0
    likes: int = 0
    dislikes: int = 0
    reactions: dict[int, str] = field(default_factory=dict)
    follows: set[int] = field(default_factory=set)


async def standing(pctx: Any, idea_ids: list[int] | None = None) -> Standing:
    result = Standing()
    user = pctx.user
    if user is None:
        return result
    session, phase_id = pctx.session, pctx.phase.id
    result.ideas = int(
        await session.scalar(
            select(func.count()).select_from(Idea).where(Idea.phase_id == phase_id, Idea.author_id == user.id)
        )
        or 0
    )
    counts = await session.execute(
        select(IdeaReaction.kind, func.count())
        .where(IdeaReaction.phase_id == phase_id, IdeaReaction.user_id == user.id)
        .group_by(IdeaReaction.kind)
    )
    for kind, n in counts.all():
        if kind == "like":
            result.likes = int(n)
        elif kind == "dislike":
            result.dislikes = int(n)
    if idea_ids:
        rows = await session.execute(
            select(IdeaReaction.idea_id, IdeaReaction.kind).where(
                IdeaReaction.user_id == user.id, IdeaReaction.idea_id.in_(idea_ids)
            )
        )
        result.reactions = {i: k for i, k in rows.all()}
        result.follows = set(
            (
                await session.scalars(
                    select(Follow.idea_id).where(Follow.user_id == user.id, Follow.idea_id.in_(idea_ids))
                )
            ).all()
        )
    return result


def post_verdict(pctx: Any, mine: Standing) -> Verdict:
    verdict = pctx.can("ideation.post")
    if verdict.allowed and pctx.config.posting_limit and mine.ideas >= pctx.config.posting_limit:
        return denied("limit_reached")
    return verdict


def react_verdict(pctx: Any, kind: str, mine: Standing, current: str | None = None) -> Verdict:
    """May the person give ``kind`` now (switching from ``current`` does not count twice)."""
    verdict = pctx.can("ideation.react")
    if not verdict.allowed:
        return verdict
    if kind == "dislike" and not pctx.config.dislikes_enabled:
        return denied("action_disabled")
    limit = pctx.config.like_limit if kind == "like" else pctx.config.dislike_limit
    used = mine.likes if kind == "like" else mine.dislikes
    if limit and current != kind and used >= limit:
        return denied("limit_reached")
    return ALLOWED


def comment_verdict(pctx: Any) -> Verdict:
    return pctx.can("ideation.comment")


def locked_by_status(idea: Idea, known: dict[str, StatusInfo] | None = None) -> bool:
    if idea.status == DEFAULT_STATUS:
        return False
    info = (known or {}).get(idea.status)
    return info.locks if info is not None else True


def edit_refusal(pctx: Any, idea: Idea, known: dict[str, StatusInfo] | None = None) -> str | None:
    """Why the author may not edit or withdraw the idea now, or None when they may. Only authors ask."""
    if pctx.user is None or idea.author_id != pctx.user.id or idea.offline:
        return _("Only the author can change this idea.")
    verdict = pctx.can("ideation.post")
    if not verdict.allowed and verdict.reason in ("phase_not_active", "banned", "not_signed_in"):
        return verdict.message
    if locked_by_status(idea, known):
        return _("The municipality has given this idea a status, so it can no longer be changed.")
    if idea.hidden:
        return _("This idea is hidden by a moderator.")
    return None


def comment_edit_refusal(pctx: Any, comment: Comment) -> str | None:
    if pctx.user is None or comment.author_id != pctx.user.id:
        return _("Only the author can change this comment.")
    if comment.deleted_at is not None or comment.hidden:
        return _("This comment can no longer be changed.")
    verdict = comment_verdict(pctx)
    if not verdict.allowed:
        return verdict.message
    window = timedelta(minutes=pctx.config.comment_edit_minutes)
    if utcnow() - comment.created_at > window:
        return _("Comments can only be edited shortly after posting.")
    return None


# --------------------------------------------------------------------------- listing


def _random_key(visitor_id: str) -> tuple[int, int]:
    digest = hashlib.sha256(visitor_id.encode()).digest()
    multiplier = int.from_bytes(digest[:4], "big") % (RANDOM_PRIME - 1) + 1
    offset = int.from_bytes(digest[4:8], "big") % RANDOM_PRIME
    return multiplier, offset


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def visible_ideas(pctx: Any) -> Any:
    stmt = select(Idea).where(Idea.phase_id == pctx.phase.id, Idea.withdrawn_at.is_(None))
    if not pctx.moderator:
        stmt = stmt.where(Idea.hidden.is_(False))
    return stmt


@dataclass
class Page:
    ideas: list[Idea]
    total: int
    page: int
    page_size: int
    topics_by_idea: dict[int, list[int]]

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


async def list_ideas(pctx: Any, query: ListQuery) -> Page:
    """One page of ideas with filters; three queries whatever the page size (ideas, total, their topics)."""
    stmt = visible_ideas(pctx)
    if query.topic is not None:
        stmt = stmt.where(Idea.id.in_(select(IdeaTopic.idea_id).where(IdeaTopic.topic_id == query.topic)))
    if query.area is not None:
        stmt = stmt.where(Idea.area_id == query.area)
    if query.status:
        stmt = stmt.where(Idea.status == query.status)
    if query.q:
        pattern = _like(query.q[:100])
        stmt = stmt.where(or_(Idea.title.ilike(pattern, escape="\\"), Idea.body.ilike(pattern, escape="\\")))
    total = int(await pctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    sort = query.sort if query.sort in SORTS else pctx.config.default_sort
    if sort == "newest":
        stmt = stmt.order_by(Idea.created_at.desc(), Idea.id.desc())
    elif sort == "reactions":
        stmt = stmt.order_by((Idea.like_count + Idea.dislike_count).desc(), Idea.id.desc())
    elif sort == "discussed":
        stmt = stmt.order_by(Idea.comment_count.desc(), Idea.id.desc())
    else:
        multiplier, offset = _random_key(pctx.ctx.visitor_id)
        stmt = stmt.order_by((Idea.id * multiplier + offset) % RANDOM_PRIME, Idea.id)
    size = pctx.config.page_size
    page = max(1, min(query.page, 10_000))
    ideas = list((await pctx.session.scalars(stmt.limit(size).offset((page - 1) * size))).all())
    topics_by_idea: dict[int, list[int]] = {i.id: [] for i in ideas}
    if ideas:
        rows = await pctx.session.execute(
            select(IdeaTopic.idea_id, IdeaTopic.topic_id).where(IdeaTopic.idea_id.in_(list(topics_by_idea)))
        )
        for idea_id, topic_id in rows.all():
            topics_by_idea[idea_id].append(topic_id)
    return Page(ideas, total, page, size, topics_by_idea)


async def similar(pctx: Any, title: str, *, exclude: int | None = None) -> list[tuple[int, str, float]]:
    from plugins.ideation.text import most_similar

    if len(title.strip()) < 4:
        return []
    rows = await pctx.session.execute(
        select(Idea.id, Idea.title).where(
            Idea.phase_id == pctx.phase.id, Idea.withdrawn_at.is_(None), Idea.hidden.is_(False)
        )
    )
    candidates = [(i, t) for i, t in rows.all() if i != exclude]
    return most_similar(title[:200], candidates)


# --------------------------------------------------------------------------- ideas


async def create_idea(pctx: Any, data: IdeaInput, images: list[bytes]) -> Idea:
    from core import uploads

    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    await lock_person(pctx.session, user)
    refuse(post_verdict(pctx, await standing(pctx)))
    idea = Idea(
        phase_id=pctx.phase.id,
        author_id=user.id,
        anonymous=data.anonymous,
        title=data.title,
        body=data.body,
        language=data.language,
        area_id=data.area_id,
        lat=data.lat,
        lon=data.lon,
        status=DEFAULT_STATUS,
    )
    pctx.session.add(idea)
    await pctx.session.flush()
    for topic_id in data.topic_ids:
        pctx.session.add(IdeaTopic(idea_id=idea.id, topic_id=topic_id))
    upload_dir = pctx.ctx.app.settings.upload_dir
    for blob in images:
        stored = uploads.save_image(upload_dir, pctx.tenant.id, blob)
        pctx.session.add(
            IdeaImage(idea_id=idea.id, stored_name=stored.name, content_type=stored.content_type, size=stored.size)
        )
    pctx.session.add(Follow(idea_id=idea.id, user_id=user.id))
    await pctx.session.flush()
    pctx.ctx.emit("ideation.idea_posted", idea_id=idea.id, phase_id=pctx.phase.id)
    return idea


async def update_idea(pctx: Any, idea: Idea, data: IdeaInput) -> Idea:
    reason = edit_refusal(pctx, idea, await statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale))
    if reason:
        raise UserFacingError(detail=reason, status_code=403)
    idea.title, idea.body, idea.area_id = data.title, data.body, data.area_id
    idea.lat, idea.lon, idea.anonymous = data.lat, data.lon, data.anonymous
    idea.updated_at = utcnow()
    await pctx.session.execute(delete(IdeaTopic).where(IdeaTopic.idea_id == idea.id))
    for topic_id in data.topic_ids:
        pctx.session.add(IdeaTopic(idea_id=idea.id, topic_id=topic_id))
    await pctx.session.flush()
    return idea


async def withdraw_idea(pctx: Any, idea: Idea) -> None:
    reason = edit_refusal(pctx, idea, await statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale))
    if reason:
        raise UserFacingError(detail=reason, status_code=403)
    idea.withdrawn_at = utcnow()
    await pctx.session.flush()


# --------------------------------------------------------------------------- reactions


async def set_idea_reaction(pctx: Any, idea: Idea, kind: str | None) -> str | None:
    """Make the person's reaction on ``idea`` exactly ``kind`` (None removes it); idempotent under repetition."""
    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    if kind is not None and kind not in REACTION_KINDS:
        raise UserFacingError(detail=_("Unknown reaction."), status_code=400)
    session = pctx.session
    await lock_person(session, user)
    existing = await session.scalar(
        select(IdeaReaction).where(IdeaReaction.idea_id == idea.id, IdeaReaction.user_id == user.id)
    )
    current = existing.kind if existing is not None else None
    if kind is None:
        refuse(pctx.can("ideation.react"))
        if existing is not None:
            await session.delete(existing)
            await _bump(session, Idea, idea.id, current, -1)
        return None
    if current == kind:
        return kind
    refuse(react_verdict(pctx, kind, await standing(pctx), current))
    if existing is not None:
        existing.kind = kind
        await _bump(session, Idea, idea.id, current, -1)
        await _bump(session, Idea, idea.id, kind, +1)
        return kind
    try:
        async with session.begin_nested():
            session.add(IdeaReaction(idea_id=idea.id, user_id=user.id, phase_id=pctx.phase.id, kind=kind))
    except IntegrityError:
        # A parallel request of the same person inserted first: its row stands, ours is not needed.
        return kind
    await _bump(session, Idea, idea.id, kind, +1)
    return kind


async def set_comment_reaction(pctx: Any, comment: Comment, kind: str | None) -> str | None:
    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    if kind is not None and kind not in REACTION_KINDS:
        raise UserFacingError(detail=_("Unknown reaction."), status_code=400)
    if not comment.visible:
        raise UserFacingError(detail=_("This comment can no longer be changed."), status_code=409)
    refuse(pctx.can("ideation.react"))
    if kind == "dislike" and not pctx.config.dislikes_enabled:
        refuse(denied("action_disabled"))
    session = pctx.session
    existing = await session.scalar(
        select(CommentReaction).where(CommentReaction.comment_id == comment.id, CommentReaction.user_id == user.id)
    )
    current = existing.kind if existing is not None else None
    if kind == current:
        return kind
    if existing is not None and kind is None:
        await session.delete(existing)
        await _bump(session, Comment, comment.id, current, -1)
        return None
    if existing is not None:
        existing.kind = kind
        await _bump(session, Comment, comment.id, current, -1)
        await _bump(session, Comment, comment.id, kind, +1)
        return kind
    try:
        async with session.begin_nested():
            session.add(CommentReaction(comment_id=comment.id, user_id=user.id, phase_id=pctx.phase.id, kind=kind))
    except IntegrityError:
        return kind
    await _bump(session, Comment, comment.id, kind, +1)
    return kind


async def _bump(session: AsyncSession, model: Any, ident: int, kind: str | None, delta: int) -> None:
    if kind not in REACTION_KINDS:
        return
    column = model.like_count if kind == "like" else model.dislike_count
    await session.execute(
        update(model)
        .where(model.id == ident)
        .values({column.key: column + delta})
        .execution_options(synchronize_session="fetch")
    )


# --------------------------------------------------------------------------- follows


async def set_follow(pctx: Any, idea: Idea, on: bool) -> bool:
    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    session = pctx.session
    if not on:
        await session.execute(delete(Follow).where(Follow.idea_id == idea.id, Follow.user_id == user.id))
        return False
    if await session.scalar(select(Follow.id).where(Follow.idea_id == idea.id, Follow.user_id == user.id)) is None:
        try:
            async with session.begin_nested():
                session.add(Follow(idea_id=idea.id, user_id=user.id))
        except IntegrityError:
            pass
    return True


async def followers(session: AsyncSession, idea_id: int) -> list[int]:
    return list((await session.scalars(select(Follow.user_id).where(Follow.idea_id == idea_id))).all())


# --------------------------------------------------------------------------- comments


async def comments_for(pctx: Any, idea: Idea) -> tuple[list[Comment], dict[int, list[Comment]], dict[int, str]]:
    """Top-level comments, children per parent and the person's reactions; hidden ones only for moderators."""
    rows = list(
        (
            await pctx.session.scalars(
                select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.created_at, Comment.id)
            )
        ).all()
    )
    children: dict[int, list[Comment]] = {}
    top: list[Comment] = []
    for comment in rows:
        (children.setdefault(comment.parent_id, []) if comment.parent_id else top).append(comment)
    mine: dict[int, str] = {}
    if pctx.user is not None and rows:
        found = await pctx.session.execute(
            select(CommentReaction.comment_id, CommentReaction.kind).where(
                CommentReaction.user_id == pctx.user.id, CommentReaction.comment_id.in_([c.id for c in rows])
            )
        )
        mine = {i: k for i, k in found.all()}
    return top, children, mine


async def add_comment(pctx: Any, idea: Idea, body: str, *, parent_id: int | None, anonymous: bool) -> Comment:
    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    refuse(comment_verdict(pctx))
    if anonymous and not pctx.config.anonymous_allowed:
        raise UserFacingError(detail=_("Anonymous posting is not allowed in this phase."), status_code=403)
    if parent_id is not None:
        parent = await pctx.session.scalar(select(Comment).where(Comment.id == parent_id, Comment.idea_id == idea.id))
        if parent is None or not parent.visible:
            raise UserFacingError(detail=_("The comment you reply to is no longer available."), status_code=409)
        # Threads stay two levels deep: a reply to a reply joins the same thread.
        parent_id = parent.parent_id or parent.id
    comment = Comment(
        idea_id=idea.id,
        parent_id=parent_id,
        author_id=user.id,
        anonymous=anonymous,
        body=body,
        language=pctx.ctx.locale,
    )
    pctx.session.add(comment)
    await pctx.session.execute(update(Idea).where(Idea.id == idea.id).values(comment_count=Idea.comment_count + 1))
    await pctx.session.flush()
    await set_follow(pctx, idea, True)
    return comment


async def edit_comment(pctx: Any, comment: Comment, body: str) -> None:
    reason = comment_edit_refusal(pctx, comment)
    if reason:
        raise UserFacingError(detail=reason, status_code=403)
    comment.body = body
    comment.edited_at = utcnow()
    await pctx.session.flush()


async def delete_comment(pctx: Any, comment: Comment) -> None:
    """Authors and moderators delete; the text goes, a placeholder keeps the thread readable."""
    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    own = comment.author_id == user.id
    if not (own or pctx.moderator):
        raise UserFacingError(detail=_("Only the author can change this comment."), status_code=403)
    if comment.deleted_at is not None:
        return
    was_visible = comment.visible
    comment.deleted_at = utcnow()
    comment.body = ""
    if was_visible:
        await pctx.session.execute(
            update(Idea).where(Idea.id == comment.idea_id).values(comment_count=Idea.comment_count - 1)
        )
    if not own:
        audit.record(pctx.session, user, "ideation.comment_deleted", comment, {"idea_id": comment.idea_id})
    await pctx.session.flush()


# --------------------------------------------------------------------------- status and feedback


async def set_status(pctx: Any, idea: Idea, status: str, feedback: dict[str, str] | None) -> Feedback | None:
    """Moderators set a status and/or give official feedback; the author and followers are told."""
    if not pctx.moderator:
        refuse(denied("admins_only"))
    known = await statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale)
    if status not in known:
        raise UserFacingError(detail=_("Unknown status."), status_code=400)
    changed = status != idea.status
    if not changed and not feedback:
        return None
    note = None
    if changed:
        audit.record(
            pctx.session, pctx.user, "ideation.status_changed", idea, {"from": idea.status, "to": status}, public=True
        )
        idea.status = status
        idea.status_changed_at = utcnow()
    if feedback:
        note = Feedback(idea_id=idea.id, author_id=pctx.user.id, text=feedback, status=status)
        pctx.session.add(note)
        audit.record(pctx.session, pctx.user, "ideation.feedback_given", idea, {"status": status}, public=True)
    await pctx.session.flush()
    if status in STATUSES:
        label: Any = notifications.translatable(str(STATUSES[status]["msgid"]))
    else:
        row = await pctx.session.scalar(select(IdeaStatus).where(IdeaStatus.key == status))
        label = notifications.localised(row.label) if row is not None else status
    if changed and feedback:
        data = notifications.message(
            _l("“%(title)s” is now %(status)s, and the municipality has answered."), title=idea.title, status=label
        )
    elif changed:
        data = notifications.message(_l("The status of “%(title)s” is now %(status)s."), title=idea.title, status=label)
    else:
        data = notifications.message(_l("The municipality has answered “%(title)s”."), title=idea.title)
    recipients = [idea.author_id, *await followers(pctx.session, idea.id)]
    rows = await notifications.notify(
        pctx.session,
        recipients,
        "ideation.status" if changed else "ideation.feedback",
        data,
        url=f"/p/{pctx.phase.id}/ideation/ideas/{idea.id}",
        exclude=[pctx.user.id],
    )
    notifications.announce(pctx.ctx, rows)
    return note


async def feedback_for(session: AsyncSession, idea_id: int) -> list[tuple[Feedback, str | None]]:
    rows = await session.execute(
        select(Feedback, User.display_name)
        .outerjoin(User, User.id == Feedback.author_id)
        .where(Feedback.idea_id == idea_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )
    return [(f, n) for f, n in rows.all()]


# --------------------------------------------------------------------------- moderation


async def _target(pctx: Any, target_type: str, target_id: int) -> tuple[Any, Idea]:
    if target_type == "idea":
        idea = await pctx.session.scalar(select(Idea).where(Idea.id == target_id, Idea.phase_id == pctx.phase.id))
        if idea is None:
            raise NotFoundException()
        return idea, idea
    if target_type == "comment":
        comment, idea = await get_comment(pctx, target_id)
        return comment, idea
    raise NotFoundException()


async def report(pctx: Any, target_type: str, target_id: int, reason: str, note: str) -> bool:
    """File a report; returns False when this person already reported the item. Enough reports hide it."""
    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    target, _idea = await _target(pctx, target_type, target_id)
    try:
        async with pctx.session.begin_nested():
            pctx.session.add(
                Report(
                    phase_id=pctx.phase.id,
                    target_type=target_type,
                    target_id=target_id,
                    reporter_id=user.id,
                    reason=reason,
                    note=note,
                )
            )
    except IntegrityError:
        return False
    model = type(target)
    await pctx.session.execute(update(model).where(model.id == target_id).values(report_count=model.report_count + 1))
    await pctx.session.refresh(target, ["report_count", "hidden"])
    if not target.hidden and target.report_count >= pctx.config.auto_hide_reports:
        await _set_hidden(pctx, target, True, "reports", actor=None)
    return True


async def _set_hidden(pctx: Any, target: Any, hidden: bool, reason: str | None, *, actor: Any) -> None:
    if target.hidden == hidden:
        return
    if isinstance(target, Comment) and target.deleted_at is None:
        delta = -1 if hidden else 1
        await pctx.session.execute(
            update(Idea).where(Idea.id == target.idea_id).values(comment_count=Idea.comment_count + delta)
        )
    target.hidden = hidden
    target.hidden_reason = reason if hidden else None
    kind = "idea" if isinstance(target, Idea) else "comment"
    audit.record(
        pctx.session,
        actor,
        f"ideation.{kind}_{'hidden' if hidden else 'unhidden'}",
        target,
        {"reason": reason, "phase_id": pctx.phase.id, "automatic": actor is None},
    )
    await pctx.session.flush()


async def moderate(pctx: Any, target_type: str, target_id: int, action: str, reason: str | None) -> None:
    """hide / unhide / dismiss (reports) by a moderator of the project; every act goes to the audit log."""
    if not pctx.moderator:
        refuse(denied("admins_only"))
    target, _idea = await _target(pctx, target_type, target_id)
    open_reports = and_(Report.target_type == target_type, Report.target_id == target_id, Report.resolved_at.is_(None))
    if action == "hide":
        await _set_hidden(pctx, target, True, reason or "rules", actor=pctx.user)
        resolution = "hidden"
    elif action == "unhide":
        await _set_hidden(pctx, target, False, None, actor=pctx.user)
        resolution = "kept"
    elif action == "dismiss":
        audit.record(pctx.session, pctx.user, f"ideation.{target_type}_reports_dismissed", target, {})
        resolution = "dismissed"
    else:
        raise UserFacingError(detail=_("Unknown moderation action."), status_code=400)
    await pctx.session.execute(update(Report).where(open_reports).values(resolved_at=utcnow(), resolution=resolution))


async def ban_author(pctx: Any, target_type: str, target_id: int, days: int, reason: str) -> User:
    if not pctx.moderator:
        refuse(denied("admins_only"))
    target, _idea = await _target(pctx, target_type, target_id)
    if target.author_id is None:
        raise UserFacingError(detail=_("This content has no account to ban."), status_code=409)
    person = await pctx.session.get(User, target.author_id)
    if person is None or person.role == "admin" or person.id == pctx.user.id:
        raise UserFacingError(detail=_("This account cannot be banned."), status_code=409)
    person.banned_until = utcnow() + timedelta(days=days)
    audit.record(
        pctx.session,
        pctx.user,
        "ideation.user_banned",
        person,
        {"days": days, "reason": reason, "because_of": f"{target_type}:{target_id}"},
    )
    await pctx.session.flush()
    return person


@dataclass
class QueueItem:
    target_type: str
    target: Any
    idea: Idea
    reports: list[Report]


async def moderation_queue(pctx: Any) -> list[QueueItem]:
    """Items with open reports, and hidden items, newest report first."""
    reports = list(
        (
            await pctx.session.scalars(
                select(Report)
                .where(Report.phase_id == pctx.phase.id, Report.resolved_at.is_(None))
                .order_by(Report.created_at.desc())
            )
        ).all()
    )
    grouped: dict[tuple[str, int], list[Report]] = {}
    for row in reports:
        grouped.setdefault((row.target_type, row.target_id), []).append(row)
    idea_ids = {i for t, i in grouped if t == "idea"}
    comment_ids = {i for t, i in grouped if t == "comment"}
    hidden_ideas = (
        await pctx.session.scalars(select(Idea.id).where(Idea.phase_id == pctx.phase.id, Idea.hidden.is_(True)))
    ).all()
    idea_ids.update(hidden_ideas)
    for i in hidden_ideas:
        grouped.setdefault(("idea", i), [])
    hidden_comments = (
        await pctx.session.scalars(
            select(Comment.id)
            .join(Idea, Idea.id == Comment.idea_id)
            .where(Idea.phase_id == pctx.phase.id, Comment.hidden.is_(True), Comment.deleted_at.is_(None))
        )
    ).all()
    comment_ids.update(hidden_comments)
    for i in hidden_comments:
        grouped.setdefault(("comment", i), [])
    comments = (
        {c.id: c for c in (await pctx.session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))).all()}
        if comment_ids
        else {}
    )
    idea_ids.update(c.idea_id for c in comments.values())
    ideas = {i.id: i for i in (await pctx.session.scalars(select(Idea).where(Idea.id.in_(idea_ids)))).all()}
    items = []
    for (kind, ident), found in grouped.items():
        target = ideas.get(ident) if kind == "idea" else comments.get(ident)
        if target is None:
            continue
        idea = target if kind == "idea" else ideas.get(target.idea_id)
        if idea is None:
            continue
        items.append(QueueItem(kind, target, idea, found))
    return items


# --------------------------------------------------------------------------- exports and personal data


def _author(idea_or_comment: Any, names: dict[int, str]) -> str:
    if getattr(idea_or_comment, "offline", False):
        return _("Offline")
    if idea_or_comment.anonymous or idea_or_comment.author_id is None:
        return _("Anonymous")
    return names.get(idea_or_comment.author_id, "")


async def _names(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {i: n for i, n in rows.all()}


async def export_ideas(session: AsyncSession, phase: Any) -> tuple[list[str], list[list[Any]]]:
    ideas = list((await session.scalars(select(Idea).where(Idea.phase_id == phase.id).order_by(Idea.id))).all())
    names = await _names(session, {i.author_id for i in ideas if not i.anonymous})
    topic_names: dict[int, list[str]] = {}
    if ideas:
        rows = await session.execute(
            select(IdeaTopic.idea_id, Topic.name)
            .join(Topic, Topic.id == IdeaTopic.topic_id)
            .where(IdeaTopic.idea_id.in_([i.id for i in ideas]))
        )
        for idea_id, name in rows.all():
            topic_names.setdefault(idea_id, []).append(next(iter(v for v in name.values() if v), ""))
    header = [
        "id",
        "title",
        "body",
        "language",
        "author",
        "status",
        "topics",
        "area_id",
        "lat",
        "lon",
        "likes",
        "dislikes",
        "comments",
        "hidden",
        "withdrawn",
        "offline_source",
        "created_at",
    ]
    out = [
        [
            i.id,
            i.title,
            i.body,
            i.language,
            _author(i, names),
            i.status,
            "; ".join(topic_names.get(i.id, [])),
            i.area_id,
            i.lat,
            i.lon,
            i.like_count,
            i.dislike_count,
            i.comment_count,
            i.hidden,
            i.withdrawn_at is not None,
            i.offline_source or "",
            i.created_at,
        ]
        for i in ideas
    ]
    return header, out


async def export_comments(session: AsyncSession, phase: Any) -> tuple[list[str], list[list[Any]]]:
    rows = list(
        (
            await session.scalars(
                select(Comment)
                .join(Idea, Idea.id == Comment.idea_id)
                .where(Idea.phase_id == phase.id)
                .order_by(Comment.id)
            )
        ).all()
    )
    names = await _names(session, {c.author_id for c in rows if not c.anonymous})
    header = [
        "id",
        "idea_id",
        "parent_id",
        "author",
        "body",
        "language",
        "likes",
        "dislikes",
        "hidden",
        "deleted",
        "created_at",
    ]
    return header, [
        [
            c.id,
            c.idea_id,
            c.parent_id,
            _author(c, names),
            c.body,
            c.language,
            c.like_count,
            c.dislike_count,
            c.hidden,
            c.deleted_at is not None,
            c.created_at,
        ]
        for c in rows
    ]


async def export_reactions(session: AsyncSession, phase: Any) -> tuple[list[str], list[list[Any]]]:
    """Reactions without who gave them: counts per item and day are what analysis needs."""
    header = ["target_type", "target_id", "kind", "created_at"]
    out: list[list[Any]] = []
    for row in (
        await session.execute(
            select(IdeaReaction.idea_id, IdeaReaction.kind, IdeaReaction.created_at)
            .where(IdeaReaction.phase_id == phase.id)
            .order_by(IdeaReaction.id)
        )
    ).all():
        out.append(["idea", *row])
    for row in (
        await session.execute(
            select(CommentReaction.comment_id, CommentReaction.kind, CommentReaction.created_at)
            .where(CommentReaction.phase_id == phase.id)
            .order_by(CommentReaction.id)
        )
    ).all():
        out.append(["comment", *row])
    return header, out


async def geojson(session: AsyncSession, phase: Any, *, include_hidden: bool = False) -> dict[str, Any]:
    stmt = select(Idea).where(
        Idea.phase_id == phase.id, Idea.lat.is_not(None), Idea.lon.is_not(None), Idea.withdrawn_at.is_(None)
    )
    if not include_hidden:
        stmt = stmt.where(Idea.hidden.is_(False))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
            "properties": {
                "id": i.id,
                "title": i.title,
                "status": i.status,
                "likes": i.like_count,
                "comments": i.comment_count,
                "url": f"/p/{phase.id}/ideation/ideas/{i.id}",
            },
        }
        for i in (await session.scalars(stmt.order_by(Idea.id))).all()
    ]
    return {"type": "FeatureCollection", "features": features}


async def user_data(session: AsyncSession, user: Any) -> dict[str, Any]:
    ideas = (await session.scalars(select(Idea).where(Idea.author_id == user.id).order_by(Idea.id))).all()
    comments = (await session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))).all()
    reactions = (await session.execute(
        select(IdeaReaction.idea_id, IdeaReaction.kind).where(IdeaReaction.user_id == user.id)
    )).all()  # fmt: skip
    return {
        "ideas": [{"id": i.id, "title": i.title, "body": i.body, "anonymous": i.anonymous} for i in ideas],
        "comments": [{"id": c.id, "idea_id": c.idea_id, "body": c.body} for c in comments],
        "reactions": [{"idea_id": i, "kind": k} for i, k in reactions],
    }


async def forget_user(session: AsyncSession, user: Any) -> None:
    """Ideas and comments stay for the public record but lose their author; reactions and follows go."""
    await session.execute(update(Idea).where(Idea.author_id == user.id).values(author_id=None, anonymous=True))
    await session.execute(update(Comment).where(Comment.author_id == user.id).values(author_id=None, anonymous=True))
    for model in (IdeaReaction, CommentReaction, Follow):
        await session.execute(delete(model).where(model.user_id == user.id))
    await session.execute(delete(Report).where(Report.reporter_id == user.id))


OUTPUT_DESCRIPTION_LIMIT = 4000


async def phase_outputs(session: AsyncSession, phase: Any) -> list[PhaseOutput]:
    """The ``phase_outputs`` hook: the phase's public ideas (not hidden, not withdrawn) for a later phase.

    Best supported first (likes minus dislikes); the body as plain text; the status labelled in the reader's
    language; never the author, anonymous or not.
    """
    stmt = select(Idea).where(Idea.phase_id == phase.id, Idea.withdrawn_at.is_(None), Idea.hidden.is_(False))
    ideas = (await session.scalars(stmt.order_by((Idea.like_count - Idea.dislike_count).desc(), Idea.id))).all()
    locale = current_locale()
    labels = await statuses(session, locale, locale) if ideas else {}
    return [
        PhaseOutput(
            key=f"idea:{idea.id}",
            title={idea.language: idea.title},
            description={idea.language: excerpt(idea.body, OUTPUT_DESCRIPTION_LIMIT)} if idea.body.strip() else {},
            area_id=idea.area_id,
            url=f"/p/{phase.id}/ideation/ideas/{idea.id}",
            status=labels[idea.status].label if idea.status in labels else idea.status,
            score=idea.like_count - idea.dislike_count,
        )
        for idea in ideas
    ]


def render_body(source: str) -> Any:
    return sanitize.markdown_to_html(source)
