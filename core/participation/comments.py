"""Threaded comments on any item: replies to a set depth, an edit window, a placeholder for deleted or hidden
comments, sanitised markdown, anonymous where the phase allows it, and counts computed from the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit, notifications, sanitize
from core.db.base import utcnow
from core.i18n import gettext as _
from core.models import Comment, User
from core.participation import follows
from core.participation.items import Item, attempt, require, verdict
from core.participation.registry import COMMENT_KIND
from core.web.errors import UserFacingError

COMMENT_MAX = 3000


def _l(message: str) -> str:
    """Marks a message for extraction; notifications translate it when shown, in the reader's language."""
    return message


def render_body(source: str) -> Any:
    return sanitize.markdown_to_html(source)


def check_body(body: str) -> str | None:
    """Why a comment text cannot be accepted, or None."""
    if not body.strip():
        return _("Write a comment first.")
    if len(body) > COMMENT_MAX:
        return _("A comment can be at most %(n)d characters long.", n=COMMENT_MAX)
    if "\x00" in body:
        return _("Some text could not be accepted. Please check what you entered.")
    return None


async def counts(session: AsyncSession, kind: str, ids: list[int]) -> dict[int, int]:
    """Visible comments per item (deleted and hidden ones do not count)."""
    out = dict.fromkeys(ids, 0)
    if not ids:
        return out
    rows = await session.execute(
        select(Comment.item_id, func.count())
        .where(
            Comment.item_kind == kind,
            Comment.item_id.in_(ids),
            Comment.deleted_at.is_(None),
            Comment.hidden.is_(False),
        )
        .group_by(Comment.item_id)
    )
    out.update({i: int(n) for i, n in rows.all()})
    return out


@dataclass
class Thread:
    """An item's comments: top level, children per parent, authors' names."""

    top: list[Comment] = field(default_factory=list)
    children: dict[int, list[Comment]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.top] + [c.id for cs in self.children.values() for c in cs]


async def thread(session: AsyncSession, kind: str, item_id: int) -> Thread:
    rows = (
        await session.scalars(
            select(Comment)
            .where(Comment.item_kind == kind, Comment.item_id == item_id)
            .order_by(Comment.created_at, Comment.id)
        )
    ).all()
    found = Thread()
    for comment in rows:
        if comment.parent_id:
            found.children.setdefault(comment.parent_id, []).append(comment)
        else:
            found.top.append(comment)
    wanted = {c.author_id for c in rows if c.author_id is not None and not c.anonymous}
    if wanted:
        names = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
        found.names = dict(names.all())
    return found


async def add(item: Item, body: str, *, parent_id: int | None = None, anonymous: bool = False) -> Comment:
    """Post a comment (or a reply); the commenter starts following the item and its followers are told."""
    user = require(item, "comment")
    await attempt(item, "comment")
    problem = check_body(body)
    if problem:
        raise UserFacingError(detail=problem, status_code=422)
    if anonymous and not item.rules.anonymous_comments:
        raise UserFacingError(detail=_("Anonymous posting is not allowed in this phase."), status_code=403)
    session = item.pctx.session
    if parent_id is not None:
        parent = await session.scalar(
            select(Comment).where(Comment.id == parent_id, Comment.item_kind == item.kind, Comment.item_id == item.id)
        )
        if parent is None or not parent.visible:
            raise UserFacingError(detail=_("The comment you reply to is no longer available."), status_code=409)
        parent_id = await _attach_point(session, parent, item.rules.reply_depth)
    comment = Comment(
        item_kind=item.kind,
        item_id=item.id,
        phase_id=item.pctx.phase.id,
        parent_id=parent_id,
        author_id=user.id,
        anonymous=anonymous,
        body=body,
        language=item.pctx.ctx.locale,
    )
    session.add(comment)
    await session.flush()
    await follows.follow(session, item.kind, item.id, user.id)
    await follows.tell_followers(
        item,
        "core.comment",
        notifications.message(_l("New comment on “%(title)s”."), title=item.title),
        url=f"{item.url}#comment-{comment.id}",
    )
    return comment


async def _attach_point(session: AsyncSession, parent: Comment, depth: int) -> int | None:
    """The comment a reply hangs under: deeper than ``depth`` joins the thread at that depth."""
    if depth <= 0:
        return None
    chain = [parent]
    while chain[-1].parent_id is not None:
        above = await session.get(Comment, chain[-1].parent_id)
        if above is None:
            break
        chain.append(above)
    # chain[-1] is the top-level comment (level 0); a reply may hang at most at level depth - 1.
    levels = list(reversed(chain))
    return levels[min(len(levels), depth) - 1].id


def edit_refusal(item: Item) -> str | None:
    """Why the visitor may not edit this comment now, or None (only its author, only shortly after posting)."""
    comment, user = item.obj, item.pctx.user
    if user is None or comment.author_id != user.id:
        return _("Only the author can change this comment.")
    if not comment.visible:
        return _("This comment can no longer be changed.")
    found = verdict(item, "comment")
    if not found.allowed:
        return found.message
    if utcnow() - comment.created_at > timedelta(minutes=item.rules.comment_edit_minutes):
        return _("Comments can only be edited shortly after posting.")
    return None


async def edit(item: Item, body: str) -> None:
    reason = edit_refusal(item)
    if reason:
        raise UserFacingError(detail=reason, status_code=403)
    await attempt(item, "comment_edit")
    problem = check_body(body)
    if problem:
        raise UserFacingError(detail=problem, status_code=422)
    item.obj.body = body
    item.obj.edited_at = utcnow()
    await item.pctx.session.flush()


async def delete(item: Item) -> None:
    """Authors and moderators delete; the text goes, a placeholder keeps the thread readable."""
    comment, user = item.obj, item.pctx.user
    if user is None:
        raise UserFacingError(detail=_("Only the author can change this comment."), status_code=401)
    own = comment.author_id == user.id
    if not (own or item.pctx.moderator):
        raise UserFacingError(detail=_("Only the author can change this comment."), status_code=403)
    if comment.deleted_at is not None:
        return
    if own:
        await attempt(item, "comment_edit")  # moderators' deletions are moderation, not participation
    comment.deleted_at = utcnow()
    comment.body = ""
    if not own:
        audit.record(
            item.pctx.session, user, "moderation.comment_deleted", (COMMENT_KIND, comment.id), {"on": item.owner.ref}
        )
    await item.pctx.session.flush()
