"""What the participation primitives hold about a person: their part of the data export, and forgetting them.

Forgetting removes the person's reactions, follows and reports and keeps their comments for the public record
without an author. Counts are aggregates over the rows, so they are right the moment the rows are gone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Comment, Follow, Reaction, Report, StatusChange


async def user_data(session: AsyncSession, user: Any) -> dict[str, Any]:
    comments = (await session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))).all()
    reactions = (await session.scalars(select(Reaction).where(Reaction.user_id == user.id).order_by(Reaction.id))).all()
    followed = (await session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.id))).all()
    reports = (await session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))).all()
    updates = (
        await session.scalars(select(StatusChange).where(StatusChange.author_id == user.id).order_by(StatusChange.id))
    ).all()
    return {
        "comments": [
            {
                "id": c.id,
                "on": f"{c.item_kind}:{c.item_id}",
                "parent_id": c.parent_id,
                "body": c.body,
                "anonymous": c.anonymous,
                "deleted": c.deleted_at is not None,
                "created_at": c.created_at,
            }
            for c in comments
        ],
        "reactions": [
            {"on": f"{r.item_kind}:{r.item_id}", "kind": r.kind, "created_at": r.created_at} for r in reactions
        ],
        "follows": [{"on": f"{f.item_kind}:{f.item_id}", "created_at": f.created_at} for f in followed],
        "reports": [
            {"on": f"{r.item_kind}:{r.item_id}", "reason": r.reason, "note": r.note, "created_at": r.created_at}
            for r in reports
        ],
        "official_updates": [
            {"on": f"{s.item_kind}:{s.item_id}", "status": s.status, "feedback": s.feedback, "created_at": s.created_at}
            for s in updates
        ],
    }


async def forget_user(session: AsyncSession, user: Any) -> None:
    await session.execute(update(Comment).where(Comment.author_id == user.id).values(author_id=None, anonymous=True))
    await session.execute(update(StatusChange).where(StatusChange.author_id == user.id).values(author_id=None))
    for model, column in ((Reaction, Reaction.user_id), (Follow, Follow.user_id), (Report, Report.reporter_id)):
        await session.execute(delete(model).where(column == user.id))
