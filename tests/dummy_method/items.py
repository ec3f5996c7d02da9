"""The dummy method's participation item: the phase itself (``dummy.phase``), so residents can comment on it,
react to it, follow, report it, and the municipality can give it a status and official updates.

Written against ``core`` only, like a third-party method would be: the adapter loads through the tenant-scoped
session and reads the phase config for the rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ItemKind, ParticipationRules, Phase, lazy_gettext
from tests.dummy_method.models import DummyPhaseState
from tests.dummy_method.spec import COMMENT, KEY, REACT, DummyConfig

KIND = f"{KEY}.phase"
STATUSES = {"open": lazy_gettext("Open for ideas"), "answered": lazy_gettext("Answered")}


async def load(session: Any, phase_id: int) -> Phase | None:
    phase = await session.scalar(select(Phase).where(Phase.id == phase_id, Phase.method == KEY))
    if phase is not None:
        state = await session.scalar(select(DummyPhaseState).where(DummyPhaseState.phase_id == phase.id))
        phase.dummy_state = state  # the adapter's hidden/status read it without another query
    return phase


async def _state(session: Any, phase: Phase) -> DummyPhaseState:
    state = getattr(phase, "dummy_state", None)
    if state is None:
        state = DummyPhaseState(phase_id=phase.id)
        session.add(state)
        phase.dummy_state = state
    return state


def rules(pctx: Any) -> ParticipationRules:
    config = pctx.config if isinstance(pctx.config, DummyConfig) else DummyConfig()
    kinds = ("up",) if config.upvotes_only else ("like", "dislike")
    return ParticipationRules(
        actions={"comment": COMMENT, "react": REACT},
        reactions=kinds,
        limits={"like": config.like_limit},
        anonymous_comments=config.anonymous_comments,
        comment_edit_minutes=15,
        reply_depth=2,
        auto_hide_reports=config.auto_hide_reports,
    )


def title(phase: Phase) -> str:
    return next((text for text in (phase.title or {}).values() if text), "")


async def set_hidden(session: Any, phase: Phase, hidden: bool, reason: str | None) -> None:
    state = await _state(session, phase)
    state.hidden, state.hidden_reason = hidden, reason
    await session.flush()


async def hidden_ids(session: Any, phase_ids: list[int]) -> list[int]:
    stmt = select(DummyPhaseState.phase_id).where(
        DummyPhaseState.phase_id.in_(phase_ids), DummyPhaseState.hidden.is_(True)
    )
    return list((await session.scalars(stmt.order_by(DummyPhaseState.phase_id.desc()))).all())


async def phase_item_ids(session: Any, phase_id: int) -> list[int]:
    """The phase is the dummy method's only item."""
    return list((await session.scalars(select(Phase.id).where(Phase.id == phase_id, Phase.method == KEY))).all())


async def statuses(_session: Any) -> dict[str, Any]:
    return dict(STATUSES)


async def set_status(session: Any, phase: Phase, status: str) -> None:
    (await _state(session, phase)).status = status
    await session.flush()


def _state_value(phase: Phase, name: str, default: Any) -> Any:
    state = getattr(phase, "dummy_state", None)
    return getattr(state, name) if state is not None else default


PHASE_ITEM = ItemKind(
    kind=KIND,
    load=load,
    phase_id=lambda phase: phase.id,
    title=title,
    url=lambda pctx, phase: f"/projects/{pctx.project.slug}/phases/{phase.id}",
    rules=rules,
    hidden=lambda phase: bool(_state_value(phase, "hidden", False)),
    set_hidden=set_hidden,
    hidden_ids=hidden_ids,
    phase_item_ids=phase_item_ids,
    hidden_reason=lambda phase: _state_value(phase, "hidden_reason", None),
    statuses=statuses,
    status_of=lambda phase: _state_value(phase, "status", "open"),
    set_status=set_status,
)
