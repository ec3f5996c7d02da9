"""Statuses and official updates: a history per item of status changes and the municipality's multilingual
answers, with author and date; the item's author and followers are told in their own language."""

from __future__ import annotations

from typing import Any

from babel.support import LazyProxy
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import audit, notifications
from core.i18n import gettext as _
from core.models import StatusChange, User
from core.participation import follows
from core.participation.items import Item
from core.participation.moderation import require_moderator
from core.web.errors import UserFacingError


def notification_label(label: Any) -> Any:
    """How a notification names a status: a ``lazy_gettext`` label is translated for each reader, a multilingual
    dict is picked in the reader's language, anything else is shown as it is."""
    if isinstance(label, LazyProxy) and label._args:
        return notifications.translatable(str(label._args[0]))
    if isinstance(label, dict):
        return notifications.localised(label)
    return str(label)


def _l(message: str) -> str:
    """Marks a message for extraction; notifications translate it when shown, in the reader's language."""
    return message


async def history(session: AsyncSession, kind: str, item_id: int) -> list[tuple[StatusChange, str | None]]:
    """The item's entries, newest first, with the author's display name."""
    rows = await session.execute(
        select(StatusChange, User.display_name)
        .outerjoin(User, User.id == StatusChange.author_id)
        .where(StatusChange.item_kind == kind, StatusChange.item_id == item_id)
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
    )
    return [(entry, name) for entry, name in rows.all()]


async def change(
    item: Item, status: str | None, feedback: dict[str, str] | None, label: Any = None
) -> StatusChange | None:
    """A moderator sets a status and/or gives an official update; nothing happens when neither changes."""
    actor = require_moderator(item)
    adapter, session = item.adapter, item.pctx.session
    feedback = {k: v for k, v in (feedback or {}).items() if v and v.strip()}
    previous = adapter.status_of(item.obj) if adapter.status_of else None
    changed = status is not None and status != previous
    known = await adapter.statuses(session) if adapter.statuses else {}
    if changed and (status not in known or adapter.set_status is None):
        raise UserFacingError(detail=_("Unknown status."), status_code=400)
    if not changed and not feedback:
        return None
    if changed:
        await adapter.set_status(session, item.obj, status)
        audit.record(
            session, actor, "status.changed", (item.kind, item.id), {"from": previous, "to": status}, public=True
        )
        item.pctx.ctx.emit(
            "status.changed", item_kind=item.kind, item_id=item.id, phase_id=item.pctx.phase.id, status=status
        )
    if feedback:
        audit.record(session, actor, "status.feedback_given", (item.kind, item.id), {"status": status}, public=True)
    entry = StatusChange(
        item_kind=item.kind,
        item_id=item.id,
        phase_id=item.pctx.phase.id,
        author_id=actor.id,
        from_status=previous,
        status=status if (changed or feedback) else None,
        feedback=feedback,
    )
    session.add(entry)
    await session.flush()
    shown = notification_label(known.get(status, status or ""))
    if changed and feedback:
        data = notifications.message(
            _l("“%(title)s” is now %(status)s, and the municipality has answered."), title=item.title, status=shown
        )
    elif changed:
        data = notifications.message(_l("The status of “%(title)s” is now %(status)s."), title=item.title, status=shown)
    else:
        data = notifications.message(_l("The municipality has answered “%(title)s”."), title=item.title)
    await follows.tell_followers(item, "status.changed" if changed else "status.feedback", data, also=(item.author_id,))
    return entry
