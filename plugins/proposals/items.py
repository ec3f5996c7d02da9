"""The proposal as a participation item (``proposals.proposal``): comments, follows and reports are the core's.

There is no reaction on a proposal (signing is the method's own act) and no core status: the lifecycle belongs to
the proposal and moves only through its own transitions (services.apply_transition).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ItemKind, ParticipationRules
from plugins.proposals import rules
from plugins.proposals.models import Proposal
from plugins.proposals.spec import COMMENT, KEY

KIND = f"{KEY}.proposal"


async def load(session: Any, proposal_id: int) -> Proposal | None:
    """Only public proposals take part (drafts and those under screening have no comments or followers yet)."""
    return await session.scalar(select(Proposal).where(Proposal.id == proposal_id, Proposal.state.in_(rules.PUBLIC)))


async def set_hidden(session: Any, proposal: Proposal, hidden: bool, reason: str | None) -> None:
    proposal.hidden = hidden
    await session.flush()


async def hidden_ids(session: Any, phase_ids: list[int]) -> list[int]:
    """Hidden public proposals of those phases, newest first, for the moderation queue's "hidden" view."""
    stmt = (
        select(Proposal.id)
        .where(Proposal.phase_id.in_(phase_ids), Proposal.hidden.is_(True), Proposal.state.in_(rules.PUBLIC))
        .order_by(Proposal.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def phase_item_ids(session: Any, phase_id: int) -> list[int]:
    """Every proposal of the phase (the core's retention pass removes the follows on them)."""
    return list((await session.scalars(select(Proposal.id).where(Proposal.phase_id == phase_id))).all())


def item_rules(pctx: Any) -> ParticipationRules:
    return ParticipationRules(actions={"comment": COMMENT}, reactions=(), reply_depth=1)


PROPOSAL_ITEM = ItemKind(
    kind=KIND,
    load=load,
    phase_id=lambda proposal: proposal.phase_id,
    title=lambda proposal: proposal.title,
    url=lambda pctx, proposal: f"/p/{proposal.phase_id}/{KEY}/{proposal.id}",
    rules=item_rules,
    author_id=lambda proposal: proposal.author_id,
    hidden=lambda proposal: bool(proposal.hidden),
    set_hidden=set_hidden,
    hidden_ids=hidden_ids,
    phase_item_ids=phase_item_ids,
)
