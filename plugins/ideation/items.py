"""The ideation idea as a participation item (``ideation.idea``): residents comment on ideas, react to them, follow
and report them, and the municipality gives them a status and official answers, all through the core's primitives.

The rules come from the phase's ``IdeationConfig``; the verdicts stay ideation's own (``pctx.can`` on the
``ideation.*`` actions, which the plugin's ``permission_verdict`` switches off per phase), so a resident reads the
same reasons as before. Hidden and status are the idea's own columns; the status vocabulary is ideation's built-in
statuses plus the municipality's ``IdeaStatus`` rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ItemKind, ParticipationRules, utcnow
from plugins.ideation.models import Idea, IdeaStatus
from plugins.ideation.spec import KEY, STATUSES, IdeationConfig

KIND = f"{KEY}.idea"
REACTIONS = ("like", "dislike")  # every reaction an idea can have; a phase may switch dislikes off


async def load(session: Any, idea_id: int) -> Idea | None:
    """The idea, unless withdrawn (a withdrawn idea is gone for everyone, as on its own page)."""
    return await session.scalar(select(Idea).where(Idea.id == idea_id, Idea.withdrawn_at.is_(None)))


def rules(pctx: Any) -> ParticipationRules:
    config = pctx.config if isinstance(pctx.config, IdeationConfig) else IdeationConfig()
    return ParticipationRules(
        actions={"comment": f"{KEY}.comment", "react": f"{KEY}.react"},
        reactions=REACTIONS if config.dislikes_enabled else REACTIONS[:1],
        limits={"like": config.like_limit, "dislike": config.dislike_limit},
        anonymous_comments=config.anonymous_allowed,
        comment_edit_minutes=config.comment_edit_minutes,
        reply_depth=1,
        auto_hide_reports=config.auto_hide_reports,
    )


async def set_hidden(session: Any, idea: Idea, hidden: bool, reason: str | None) -> None:
    idea.hidden, idea.hidden_reason = hidden, reason if hidden else None
    await session.flush()


async def hidden_ids(session: Any, phase_ids: list[int]) -> list[int]:
    """Hidden ideas of those phases, newest first, for the moderation queue's "hidden" view (withdrawn ones are
    gone for everyone and left out, as ``load`` does)."""
    stmt = (
        select(Idea.id)
        .where(Idea.phase_id.in_(phase_ids), Idea.hidden.is_(True), Idea.withdrawn_at.is_(None))
        .order_by(Idea.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def phase_item_ids(session: Any, phase_id: int) -> list[int]:
    """Every idea of the phase, withdrawn or not (the core's retention pass removes the follows on them)."""
    return list((await session.scalars(select(Idea.id).where(Idea.phase_id == phase_id))).all())


async def statuses(session: Any) -> dict[str, Any]:
    """Built-in statuses (translated per reader) first, then the municipality's own (multilingual labels)."""
    found: dict[str, Any] = {key: value["label"] for key, value in STATUSES.items()}
    for row in (await session.scalars(select(IdeaStatus).order_by(IdeaStatus.position, IdeaStatus.id))).all():
        found[row.key] = row.label or row.key
    return found


async def set_status(session: Any, idea: Idea, status: str) -> None:
    idea.status, idea.status_changed_at = status, utcnow()
    await session.flush()


IDEA_ITEM = ItemKind(
    kind=KIND,
    load=load,
    phase_id=lambda idea: idea.phase_id,
    title=lambda idea: idea.title,
    url=lambda pctx, idea: f"/p/{idea.phase_id}/{KEY}/ideas/{idea.id}",
    rules=rules,
    author_id=lambda idea: idea.author_id,
    hidden=lambda idea: bool(idea.hidden),
    set_hidden=set_hidden,
    hidden_ids=hidden_ids,
    phase_item_ids=phase_item_ids,
    statuses=statuses,
    status_of=lambda idea: idea.status,
    set_status=set_status,
)
