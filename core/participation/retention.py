"""The core's part of per-phase retention: comments, reactions, follows, reports and status changes on the items of
a phase whose retention period is over.

A method's ``retention(phase)`` hook handles its own rows; these rows belong to the core, so the core's pass handles
them for every item kind of the phase, in the same transaction that claimed the phase (so exactly once). What stays
and what goes (docs/operations.md, "Data retention"):

- comments keep their text and place in the thread but lose their author (``author_id`` None, shown anonymous);
- reactions keep counting (the row stays, ``user_id`` None), so every count before equals the count after;
- follows are deleted: a follow is only a person's wish to be notified, without the person it means nothing;
- reports keep item, reason and resolution (the moderation record) but lose the reporter;
- status changes and official updates keep their text but lose the moderator who wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from core.i18n import lazy_gettext
from core.jobs.retention import RetentionResult
from core.models import Comment, Follow, Phase, Reaction, Report, StatusChange
from core.participation.registry import COMMENT_KIND, ItemKind

# The report's labels are message ids, translated when the back office shows them; marked here for extraction.
COMMENT_AUTHORS, REACTIONS, REPORTERS, UPDATE_AUTHORS, FOLLOWS = (
    "Comment authors",
    "Reactions",
    "Reporters",
    "Authors of status changes",
    "Follows",
)
REPORT_LABELS = (
    lazy_gettext("Comment authors"),
    lazy_gettext("Reactions"),
    lazy_gettext("Reporters"),
    lazy_gettext("Authors of status changes"),
    lazy_gettext("Follows"),
)


async def _rowcount(session: Any, stmt: Any) -> int:
    result = await session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


async def _followed_items(session: Any, phase: Phase, kinds: dict[str, ItemKind]) -> list[Any]:
    """Conditions matching the follows on the phase's items: its comments, and each kind of its method."""
    targets = [
        and_(
            Follow.item_kind == COMMENT_KIND,
            Follow.item_id.in_(select(Comment.id).where(Comment.phase_id == phase.id)),
        )
    ]
    for name, kind in sorted(kinds.items()):
        if kind.method == phase.method and kind.phase_item_ids is not None:
            ids = await kind.phase_item_ids(session, phase.id)
            if ids:
                targets.append(and_(Follow.item_kind == name, Follow.item_id.in_(ids)))
    return targets


async def retain(session: Any, phase: Phase, kinds: dict[str, ItemKind]) -> RetentionResult:
    """Anonymise the phase's participation rows; counts of comments and reactions do not change."""
    anonymised = {
        COMMENT_AUTHORS: await _rowcount(
            session,
            update(Comment)
            .where(Comment.phase_id == phase.id, Comment.author_id.is_not(None))
            .values(author_id=None, anonymous=True),
        ),
        REACTIONS: await _rowcount(
            session,
            update(Reaction).where(Reaction.phase_id == phase.id, Reaction.user_id.is_not(None)).values(user_id=None),
        ),
        REPORTERS: await _rowcount(
            session,
            update(Report).where(Report.phase_id == phase.id, Report.reporter_id.is_not(None)).values(reporter_id=None),
        ),
        UPDATE_AUTHORS: await _rowcount(
            session,
            update(StatusChange)
            .where(StatusChange.phase_id == phase.id, StatusChange.author_id.is_not(None))
            .values(author_id=None),
        ),
    }
    follows = await _rowcount(session, delete(Follow).where(or_(*await _followed_items(session, phase, kinds))))
    return RetentionResult(
        anonymised={key: n for key, n in anonymised.items() if n},
        deleted={FOLLOWS: follows} if follows else {},
    )
