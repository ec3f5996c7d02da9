"""Dashboard figures for an ideation phase (the StatSpecs' compute functions) and theme clustering."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from core import COMMENT_KIND, Comment, Reaction
from plugins.ideation.items import KIND
from plugins.ideation.models import Idea, IdeaTopic

# Reactions on the phase's ideas and on the comments under them (both carry the idea's phase).
REACTED = (Reaction.item_kind.in_((KIND, COMMENT_KIND)),)


def _comments(phase: Any) -> tuple[Any, ...]:
    return Comment.item_kind == KIND, Comment.phase_id == phase.id


def _ideas(phase: Any) -> Any:
    return select(Idea.id).where(Idea.phase_id == phase.id, Idea.withdrawn_at.is_(None))


async def totals(session: AsyncSession, phase: Any) -> dict[str, int]:
    ideas = _ideas(phase).subquery()
    n_ideas = await session.scalar(select(func.count()).select_from(ideas))
    n_comments = await session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.item_kind == KIND, Comment.item_id.in_(select(ideas.c.id)), Comment.deleted_at.is_(None))
    )
    n_reactions = int(
        await session.scalar(select(func.count()).select_from(Reaction).where(Reaction.phase_id == phase.id, *REACTED))
        or 0
    )
    people = union(
        select(Idea.author_id.label("uid")).where(Idea.phase_id == phase.id, Idea.author_id.is_not(None)),
        select(Comment.author_id.label("uid")).where(*_comments(phase), Comment.author_id.is_not(None)),
        # anonymised reactions (retention) still count as reactions, not as one more participant
        select(Reaction.user_id.label("uid")).where(
            Reaction.phase_id == phase.id, Reaction.user_id.is_not(None), *REACTED
        ),
    ).subquery()
    participants = await session.scalar(select(func.count()).select_from(people))
    return {
        "ideas": int(n_ideas or 0),
        "comments": int(n_comments or 0),
        "reactions": n_reactions,
        "participants": int(participants or 0),
    }


async def over_time(session: AsyncSession, phase: Any) -> list[dict[str, Any]]:
    """Per day: new ideas, comments, reactions and first-time participants (dates in UTC)."""
    days: dict[date, Counter[str]] = {}
    first_seen: dict[int, date] = {}

    def add(kind: str, when: Any, uid: int | None) -> None:
        day = when.date()
        days.setdefault(day, Counter())[kind] += 1
        if uid is not None and (uid not in first_seen or day < first_seen[uid]):
            first_seen[uid] = day

    for when, uid in (
        await session.execute(select(Idea.created_at, Idea.author_id).where(Idea.phase_id == phase.id))
    ).all():
        add("ideas", when, uid)
    for when, uid in (
        await session.execute(select(Comment.created_at, Comment.author_id).where(*_comments(phase)))
    ).all():
        add("comments", when, uid)
    for when, uid in (
        await session.execute(
            select(Reaction.created_at, Reaction.user_id).where(Reaction.phase_id == phase.id, *REACTED)
        )
    ).all():
        add("reactions", when, uid)
    for day in first_seen.values():
        days[day]["participants"] += 1
    return [
        {"date": day.isoformat(), **{k: days[day][k] for k in ("ideas", "comments", "reactions", "participants")}}
        for day in sorted(days)
    ]


async def top_topics(session: AsyncSession, phase: Any, limit: int = 10) -> list[dict[str, Any]]:
    from core import Topic

    rows = await session.execute(
        select(Topic.id, Topic.name, func.count(IdeaTopic.idea_id))
        .join(IdeaTopic, IdeaTopic.topic_id == Topic.id)
        .join(Idea, Idea.id == IdeaTopic.idea_id)
        .where(Idea.phase_id == phase.id, Idea.withdrawn_at.is_(None), Idea.hidden.is_(False))
        .group_by(Topic.id, Topic.name)
        .order_by(func.count(IdeaTopic.idea_id).desc(), Topic.id)
        .limit(limit)
    )
    return [{"topic_id": i, "name": name, "ideas": int(n)} for i, name, n in rows.all()]


async def themes(session: AsyncSession, phase: Any, k: int | None = None) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Idea.id, Idea.title, Idea.body).where(
            Idea.phase_id == phase.id, Idea.withdrawn_at.is_(None), Idea.hidden.is_(False)
        )
    )
    items = [(i, f"{t} {t} {b}") for i, t, b in rows.all()]  # the title counts twice: it names the idea
    from plugins.ideation.themes import themes as cluster  # numpy: loaded by this page, not by every worker

    return [{"terms": t.terms, "idea_ids": t.idea_ids} for t in cluster(items, k=k)]


TOP_LIKED = 10


async def weighted_likes(session: AsyncSession, pm: Any, phase: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The most liked ideas with each one's share of the people who liked something, raw and weighted by who took
    part (core.person_weights): a staff estimate of what the population might like, never a ranking residents see.
    Returns (the weights, rows of {id, title, likes, share, weighted_share}); no rows when weighting cannot run."""
    from core import person_weights, weighted_tally

    rows = (
        await session.execute(
            select(Reaction.user_id, Reaction.item_id).where(
                Reaction.phase_id == phase.id, Reaction.item_kind == KIND, Reaction.kind == "like"
            )
        )
    ).all()
    weights = await person_weights(session, pm, {u for u, _i in rows}, phase=phase)
    if not rows or not weights.available:
        return weights, []
    tally = weighted_tally([(u, i) for u, i in rows], weights)
    top = sorted(tally.figures, key=lambda f: (-f.count, f.key))[:TOP_LIKED]
    titles = dict((await session.execute(select(Idea.id, Idea.title).where(Idea.id.in_([f.key for f in top])))).all())
    out = [
        {"id": f.key, "title": titles.get(f.key, {}), "likes": f.count, "share": f.share, "weighted": f.weighted_share}
        for f in top
    ]
    return tally, out
