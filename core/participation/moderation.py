"""Reports and moderation, one queue per municipality across projects and methods.

Residents report an item once (a UNIQUE constraint) with a reason; enough open reports hide it until a moderator
looks. Moderators of a project (admins: of every project) hide and unhide with a reason shown in place, dismiss
reports and ban an author for some days. Every act goes to the audit log in the act's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit
from core.db.base import utcnow
from core.i18n import gettext as _
from core.i18n import lazy_gettext
from core.models import Comment, Phase, Project, ProjectModerator, Report, User
from core.participation.items import Item, attempt, refuse, require
from core.participation.registry import COMMENT_KIND
from core.permissions import denied
from core.web.errors import UserFacingError

REPORT_REASONS = {
    "spam": lazy_gettext("Spam or advertising"),
    "offensive": lazy_gettext("Offensive or hateful"),
    "personal": lazy_gettext("Shares personal information"),
    "off_topic": lazy_gettext("Off topic"),
    "other": lazy_gettext("Something else"),
}

HIDE_REASONS = {
    "reports": lazy_gettext("Hidden after several reports, pending review"),
    "rules": lazy_gettext("Breaks the participation rules"),
    "personal": lazy_gettext("Contains personal information"),
    "duplicate": lazy_gettext("Duplicate"),
    "other": lazy_gettext("Other"),
}
# Why a moderator shows a hidden item again; the reason goes to the audit log with the act.
UNHIDE_REASONS = {
    "reviewed": lazy_gettext("Reviewed: it breaks no rule"),
    "fixed": lazy_gettext("The problem has been fixed"),
    "mistake": lazy_gettext("Hidden by mistake"),
    "other": lazy_gettext("Other"),
}
NOTE_MAX = 500
ACTIONS = ("hide", "unhide", "dismiss", "ban")
VIEWS = ("reports", "hidden")


def hide_reason_label(key: str | None) -> str:
    return str(HIDE_REASONS.get(key or "", HIDE_REASONS["other"]))


def can_hide(item: Item) -> bool:
    return item.is_comment or item.adapter.set_hidden is not None


async def open_reports(session: AsyncSession, kind: str, item_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.item_kind == kind, Report.item_id == item_id, Report.resolved_at.is_(None))
        )
        or 0
    )


async def report(item: Item, reason: str, note: str = "") -> bool:
    """File a report; False when this person already reported the item. Enough open reports hide it."""
    user = require(item, "report")
    await attempt(item, "report")
    if reason not in REPORT_REASONS:
        raise UserFacingError(detail=_("Choose a reason."), status_code=422)
    if len(note) > NOTE_MAX or "\x00" in note:
        raise UserFacingError(detail=_("The note can be at most %(n)d characters long.", n=NOTE_MAX), status_code=422)
    session = item.pctx.session
    try:
        async with session.begin_nested():
            session.add(
                Report(
                    item_kind=item.kind,
                    item_id=item.id,
                    project_id=item.pctx.project.id,
                    phase_id=item.pctx.phase.id,
                    reporter_id=user.id,
                    reason=reason,
                    note=note,
                )
            )
    except IntegrityError:
        return False
    threshold = item.rules.auto_hide_reports
    if (
        threshold
        and can_hide(item)
        and not item.hidden
        and await open_reports(session, item.kind, item.id) >= threshold
    ):
        await set_hidden(item, True, "reports", actor=None)
    return True


async def set_hidden(item: Item, hidden: bool, reason: str | None, *, actor: Any) -> None:
    """Hide (``reason`` is stored with the item) or unhide (``reason`` only goes to the audit log)."""
    if item.hidden == hidden:
        return
    if item.is_comment:
        item.obj.hidden = hidden
        item.obj.hidden_reason = reason if hidden else None
    elif item.adapter.set_hidden is not None:
        await item.adapter.set_hidden(item.pctx.session, item.obj, hidden, reason if hidden else None)
    else:
        raise UserFacingError(detail=_("This content cannot be hidden."), status_code=409)
    audit.record(
        item.pctx.session,
        actor,
        f"moderation.{'hidden' if hidden else 'unhidden'}",
        (item.kind, item.id),
        {
            "reason": reason,
            "project_id": item.pctx.project.id,
            "phase_id": item.pctx.phase.id,
            "automatic": actor is None,
        },
    )
    await item.pctx.session.flush()


def require_moderator(item: Item) -> User:
    if item.pctx.user is None:
        refuse(denied("not_signed_in"))
    if not item.pctx.moderator:
        refuse(denied("admins_only"))
    return item.pctx.user


async def moderate(item: Item, action: str, reason: str | None = None, days: int | None = None) -> None:
    """hide / unhide / dismiss / ban by a moderator of the item's project; open reports are resolved."""
    actor = require_moderator(item)
    reasons = UNHIDE_REASONS if action == "unhide" else HIDE_REASONS
    if reason is not None and reason not in reasons:
        raise UserFacingError(detail=_("Choose a reason."), status_code=422)
    if action == "hide":
        await set_hidden(item, True, reason or "rules", actor=actor)
        resolution = "hidden"
    elif action == "unhide":
        await set_hidden(item, False, reason or "reviewed", actor=actor)
        resolution = "kept"
    elif action == "dismiss":
        audit.record(item.pctx.session, actor, "moderation.reports_dismissed", (item.kind, item.id), {})
        resolution = "dismissed"
    elif action == "ban":
        await ban_author(item, days, reason or "rules")
        return
    else:
        raise UserFacingError(detail=_("Unknown moderation action."), status_code=400)
    await item.pctx.session.execute(
        update(Report)
        .where(Report.item_kind == item.kind, Report.item_id == item.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution)
    )


async def ban_author(item: Item, days: int | None, reason: str) -> User:
    actor = require_moderator(item)
    if days is None or not 1 <= days <= 3650:
        raise UserFacingError(detail=_("Give the number of days, from 1 to 3650."), status_code=422)
    if item.author_id is None:
        raise UserFacingError(detail=_("This content has no account to ban."), status_code=409)
    person = await item.pctx.session.get(User, item.author_id)
    if person is None or person.role == "admin" or person.id == actor.id:
        raise UserFacingError(detail=_("This account cannot be banned."), status_code=409)
    person.banned_until = utcnow() + timedelta(days=days)
    audit.record(
        item.pctx.session,
        actor,
        "moderation.user_banned",
        person,
        {"days": days, "reason": reason, "because_of": item.ref, "project_id": item.pctx.project.id},
    )
    await item.pctx.session.flush()
    return person


# --------------------------------------------------------------------------- the municipality's queue


@dataclass
class QueueFilter:
    """``view`` "reports": items with open reports (``reason`` a report reason); "hidden": every hidden item,
    reports handled or not (``reason`` the hiding reason)."""

    project_id: int | None = None
    method: str | None = None
    reason: str | None = None
    view: str = "reports"


@dataclass
class QueueEntry:
    kind: str
    item_id: int
    project: Project
    phase: Phase
    reports: list[Report]
    hidden: bool
    hidden_reason: str | None = None
    can_hide: bool = False
    title: str = ""
    url: str = ""
    excerpt: str = ""


async def moderated_projects(session: AsyncSession, user: User) -> list[Project]:
    """Admins moderate every project; others the projects they were made moderator of."""
    stmt = select(Project).order_by(Project.id)
    if user.role != "admin":
        stmt = stmt.where(
            Project.id.in_(select(ProjectModerator.project_id).where(ProjectModerator.user_id == user.id))
        )
    return list((await session.scalars(stmt)).all())


async def _reported(session: AsyncSession, allowed: set[int], wanted: QueueFilter) -> dict[tuple[str, int], list]:
    """Open reports by item, newest first (the "reports" view filters them by report reason)."""
    stmt = select(Report).where(Report.resolved_at.is_(None), Report.project_id.in_(allowed))
    if wanted.reason and wanted.view == "reports":
        stmt = stmt.where(Report.reason == wanted.reason)
    grouped: dict[tuple[str, int], list[Report]] = {}
    for row in (await session.scalars(stmt.order_by(Report.created_at.desc(), Report.id.desc()))).all():
        grouped.setdefault((row.item_kind, row.item_id), []).append(row)
    return grouped


async def _hidden(ctx: Any, allowed: set[int], wanted: QueueFilter) -> list[tuple[str, int]]:
    """Every hidden item in the allowed projects: comments from the core's table, method items through their
    kind's ``hidden_ids``; only the wanted method's phases when a method is chosen."""
    session = ctx.session
    phases = select(Phase.id).where(Phase.project_id.in_(allowed))
    if wanted.method:
        phases = phases.where(Phase.method == wanted.method)
    phase_ids = list((await session.scalars(phases)).all())
    if not phase_ids:
        return []
    found: list[tuple[str, int]] = []
    comment_ids = await session.scalars(
        select(Comment.id)
        .where(Comment.hidden.is_(True), Comment.deleted_at.is_(None), Comment.phase_id.in_(phase_ids))
        .order_by(Comment.id.desc())
    )
    found += [(COMMENT_KIND, i) for i in comment_ids.all()]
    for kind, adapter in sorted(ctx.app.registry.item_kinds.items()):
        if adapter.hidden_ids is not None and (not wanted.method or adapter.method == wanted.method):
            found += [(kind, i) for i in await adapter.hidden_ids(session, phase_ids)]
    return found


async def queue(ctx: Any, user: User, wanted: QueueFilter) -> tuple[list[QueueEntry], list[Project]]:
    """The queue in the projects the person moderates.

    "reports": items with open reports and hidden comments, newest report first. "hidden": every hidden item, with
    its open reports if any, so an item hidden by a moderator or by reports stays reachable to be shown again.
    Titles and links come from each item's adapter; an item whose method is gone is left out, never a 500.
    """
    from core.participation.items import resolve

    session = ctx.session
    projects = await moderated_projects(session, user)
    allowed = {p.id for p in projects}
    if wanted.project_id is not None:
        allowed &= {wanted.project_id}
    if not allowed:
        return [], projects
    reported = await _reported(session, allowed, wanted)
    if wanted.view == "hidden":
        grouped = {key: reported.get(key, []) for key in await _hidden(ctx, allowed, wanted)}
    else:
        grouped = reported
        if not wanted.reason:
            hidden = await session.scalars(
                select(Comment.id)
                .join(Phase, Phase.id == Comment.phase_id)
                .where(Comment.hidden.is_(True), Comment.deleted_at.is_(None), Phase.project_id.in_(allowed))
                .order_by(Comment.id.desc())
            )
            for comment_id in hidden.all():
                grouped.setdefault((COMMENT_KIND, comment_id), [])
    entries = []
    for (kind, item_id), reports in grouped.items():
        try:
            item = await resolve(ctx, kind, item_id)
        except NotFoundException:  # a vanished item or method must not break the queue
            continue
        if wanted.method and item.adapter.method != wanted.method:
            continue
        obj = item.obj
        reason = obj.hidden_reason if item.is_comment else item.adapter.hidden_reason(obj)
        if wanted.view == "hidden" and (not item.hidden or (wanted.reason and reason != wanted.reason)):
            continue
        entries.append(
            QueueEntry(
                kind=kind,
                item_id=item_id,
                project=item.pctx.project,
                phase=item.pctx.phase,
                reports=reports,
                hidden=item.hidden,
                hidden_reason=reason,
                can_hide=can_hide(item),
                title=item.title,
                url=item.url,
                excerpt=(obj.body[:300] if item.is_comment else ""),
            )
        )
    return entries, projects
