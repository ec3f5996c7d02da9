"""Reactions: one per person per item (a UNIQUE constraint), counted from the rows themselves.

A person's clicks are serialised by a lock on their account row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
writers hold the database lock from ``BEGIN IMMEDIATE``), so a per-phase limit cannot be overshot by parallel
requests. No counter is stored: ``counts`` aggregates the rows, so what a page shows always equals them, whatever
the concurrency and after a person is forgotten.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext as _
from core.models import Reaction, User
from core.participation.items import Item, attempt, refuse, require
from core.permissions import Verdict, denied
from core.web.errors import UserFacingError

KINDS = ("like", "dislike", "up")  # every reaction a person can give (set_reaction refuses others)


async def lock_person(session: AsyncSession, user: User) -> None:
    """Serialise one person's limited acts (a no-op on SQLite, whose writers already hold the database lock)."""
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())


async def counts(session: AsyncSession, kind: str, ids: list[int]) -> dict[int, dict[str, int]]:
    """``{item id: {reaction: number}}`` for the given items (one query)."""
    out: dict[int, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = await session.execute(
        select(Reaction.item_id, Reaction.kind, func.count())
        .where(Reaction.item_kind == kind, Reaction.item_id.in_(ids))
        .group_by(Reaction.item_id, Reaction.kind)
    )
    for item_id, reaction, number in rows.all():
        out[item_id][reaction] = int(number)
    return out


async def mine(session: AsyncSession, user: Any, kind: str, ids: list[int]) -> dict[int, str]:
    """The person's reaction per item, for the pressed state of the buttons."""
    if user is None or not ids:
        return {}
    rows = await session.execute(
        select(Reaction.item_id, Reaction.kind).where(
            Reaction.item_kind == kind, Reaction.user_id == user.id, Reaction.item_id.in_(ids)
        )
    )
    return dict(rows.all())


async def used(session: AsyncSession, user: Any, kind: str, phase_id: int) -> dict[str, int]:
    """How many reactions of each kind the person gave to items of this kind in the phase (for limits)."""
    if user is None:
        return {}
    rows = await session.execute(
        select(Reaction.kind, func.count())
        .where(Reaction.user_id == user.id, Reaction.phase_id == phase_id, Reaction.item_kind == kind)
        .group_by(Reaction.kind)
    )
    return {k: int(n) for k, n in rows.all()}


def allowed_kinds(item: Item) -> tuple[str, ...]:
    return item.rules.reactions


def limit_verdict(
    item: Item, reaction: str, given: dict[str, int], current: str | None, react: Verdict | None = None
) -> Any:
    """The act's verdict, then the phase limit (switching to a kind one already gave does not count twice).
    ``react``: the item's "react" verdict when the caller already has it (a list computes it once per item)."""
    from core.participation.items import verdict

    found = react if react is not None else verdict(item, "react")
    if not found.allowed:
        return found
    if reaction not in allowed_kinds(item):
        return denied("action_disabled")
    limit = 0 if item.is_comment else item.rules.limits.get(reaction, 0)
    if limit and current != reaction and given.get(reaction, 0) >= limit:
        return denied("limit_reached")
    return found


async def set_reaction(item: Item, reaction: str | None) -> str | None:
    """Make the person's reaction on the item exactly ``reaction`` (None removes it); idempotent under repetition."""
    user = require(item, "react")
    await attempt(item, "react")
    if reaction is not None and reaction not in KINDS:
        raise UserFacingError(detail=_("Unknown reaction."), status_code=400)
    if item.is_comment and not item.obj.visible:
        raise UserFacingError(detail=_("This comment can no longer be changed."), status_code=409)
    session = item.pctx.session
    await lock_person(session, user)
    mine_now = Reaction.item_kind == item.kind, Reaction.item_id == item.id, Reaction.user_id == user.id
    if reaction is None:
        await session.execute(delete(Reaction).where(*mine_now))
        return None
    current = await session.scalar(select(Reaction.kind).where(*mine_now))
    if current == reaction:
        return reaction
    refuse(limit_verdict(item, reaction, await used(session, user, item.kind, item.pctx.phase.id), current))
    if current is not None:
        await session.execute(update(Reaction).where(*mine_now).values(kind=reaction))
        return reaction
    try:
        async with session.begin_nested():
            session.add(
                Reaction(
                    item_kind=item.kind, item_id=item.id, user_id=user.id, phase_id=item.pctx.phase.id, kind=reaction
                )
            )
    except IntegrityError:
        # A parallel request of the same person inserted first: make its row say what this click asked.
        await session.execute(update(Reaction).where(*mine_now).values(kind=reaction))
    return reaction


async def remove_for_items(session: AsyncSession, kind: str, ids: list[int]) -> None:
    """Reactions go with the items they were given to (an item deleted by its method)."""
    if ids:
        await session.execute(delete(Reaction).where(Reaction.item_kind == kind, Reaction.item_id.in_(ids)))
