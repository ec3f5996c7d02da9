"""The part of the participation primitives a plugin uses, re-exported by ``core``: the adapter types, the view an
item page renders, counts for lists, and following an item on a resident's behalf (e.g. their own new item)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.models import Comment, Reaction
from core.participation.comments import counts as comment_counts
from core.participation.follows import follow
from core.participation.reactions import counts as reaction_counts
from core.participation.registry import COMMENT_KIND, ItemKind, ParticipationRules
from core.participation.view import Counted, ItemView, ListCounts, item_view, item_views


async def follow_item(session: Any, kind: str, item_id: int, user_id: int) -> None:
    """Make a person follow an item (idempotent), e.g. the author of a new idea."""
    await follow(session, kind, item_id, user_id, True)


def reaction_total(kind: str, item_id: Any, reactions: tuple[str, ...] | None = None) -> Any:
    """A correlated scalar subquery: the reactions (of the given kinds, default all) on the item whose id is the
    column ``item_id``; for sorting or scoring a list in the same query as the items (no stored counter)."""
    stmt = select(func.count(Reaction.id)).where(Reaction.item_kind == kind, Reaction.item_id == item_id)
    if reactions is not None:
        stmt = stmt.where(Reaction.kind.in_(reactions))
    return stmt.correlate_except(Reaction).scalar_subquery()


def comment_total(kind: str, item_id: Any) -> Any:
    """A correlated scalar subquery: the visible comments (not deleted, not hidden) on the item ``item_id``."""
    return (
        select(func.count(Comment.id))
        .where(
            Comment.item_kind == kind,
            Comment.item_id == item_id,
            Comment.deleted_at.is_(None),
            Comment.hidden.is_(False),
        )
        .correlate_except(Comment)
        .scalar_subquery()
    )


__all__ = [
    "COMMENT_KIND",
    "Counted",
    "ItemKind",
    "ItemView",
    "ListCounts",
    "ParticipationRules",
    "comment_counts",
    "comment_total",
    "follow_item",
    "item_view",
    "item_views",
    "reaction_counts",
    "reaction_total",
]
