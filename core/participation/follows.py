"""Follows: a person hears of new comments, status changes and official updates on an item they follow.

One follow per person per item is a UNIQUE constraint. ``tell_followers`` writes the in-app notifications in the
act's transaction and queues the mail for after the commit (immediate or in the digest, per the person's choice).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import notifications
from core.models import Follow
from core.participation.items import Item, attempt, require


async def set_follow(item: Item, on: bool) -> bool:
    user = require(item, "follow")
    await attempt(item, "follow")
    await follow(item.pctx.session, item.kind, item.id, user.id, on)
    return on


async def follow(session: AsyncSession, kind: str, item_id: int, user_id: int, on: bool = True) -> None:
    """Start or stop following; starting twice (even in parallel) leaves one row."""
    if not on:
        await session.execute(
            delete(Follow).where(Follow.item_kind == kind, Follow.item_id == item_id, Follow.user_id == user_id)
        )
        return
    exists = await session.scalar(
        select(Follow.id).where(Follow.item_kind == kind, Follow.item_id == item_id, Follow.user_id == user_id)
    )
    if exists is None:
        try:
            async with session.begin_nested():
                session.add(Follow(item_kind=kind, item_id=item_id, user_id=user_id))
        except IntegrityError:
            pass


async def followers(session: AsyncSession, kind: str, item_id: int) -> list[int]:
    rows = await session.scalars(select(Follow.user_id).where(Follow.item_kind == kind, Follow.item_id == item_id))
    return list(rows.all())


async def following(session: AsyncSession, user: Any, kind: str, ids: list[int]) -> set[int]:
    if user is None or not ids:
        return set()
    rows = await session.scalars(
        select(Follow.item_id).where(Follow.item_kind == kind, Follow.user_id == user.id, Follow.item_id.in_(ids))
    )
    return set(rows.all())


async def tell_followers(
    item: Item, kind: str, data: dict[str, Any], *, also: tuple[int | None, ...] = (), url: str | None = None
) -> None:
    """Notify the item's followers (and ``also``, e.g. the author), never the person who acted."""
    owner = item.owner
    session = item.pctx.session
    recipients = [*also, *await followers(session, owner.kind, owner.id)]
    actor = item.pctx.user.id if item.pctx.user else None
    rows = await notifications.notify(session, recipients, kind, data, url=url or item.url, exclude=[actor])
    notifications.announce(item.pctx.ctx, rows)
