"""The board card as a participation item (``workshop.card``): residents may report a card through the core, and
the municipality's moderation queue can hide and show it again (``set_hidden`` + ``hidden_ids``).

Up-votes are the method's own (one per person, a UNIQUE row) because they must reach every open board live;
replies are cards with a parent. So the core's comments and reactions are switched off for cards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ItemKind, ParticipationRules
from plugins.workshop.models import Card
from plugins.workshop.spec import KEY

KIND = f"{KEY}.card"


async def load(session: Any, card_id: int) -> Card | None:
    return await session.get(Card, card_id)


async def set_hidden(session: Any, card: Card, hidden: bool, reason: str | None) -> None:
    card.hidden = hidden
    card.hidden_reason = reason if hidden else None
    await session.flush()


async def hidden_ids(session: Any, phase_ids: list[int]) -> list[int]:
    stmt = select(Card.id).where(Card.phase_id.in_(phase_ids), Card.hidden.is_(True)).order_by(Card.id.desc())
    return list((await session.scalars(stmt)).all())


async def phase_item_ids(session: Any, phase_id: int) -> list[int]:
    stmt = select(Card.id).where(Card.phase_id == phase_id)
    return list((await session.scalars(stmt)).all())


def item_rules(pctx: Any) -> ParticipationRules:
    return ParticipationRules(actions={}, reactions=())


CARD_ITEM = ItemKind(
    kind=KIND,
    load=load,
    phase_id=lambda card: card.phase_id,
    title=lambda card: card.body[:80],
    url=lambda pctx, card: f"/p/{card.phase_id}/{KEY}/{card.session_id}#card-{card.id}",
    rules=item_rules,
    author_id=lambda card: card.author_id,
    hidden=lambda card: bool(card.hidden),
    set_hidden=set_hidden,
    hidden_ids=hidden_ids,
    phase_item_ids=phase_item_ids,
)
