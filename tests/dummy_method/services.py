"""Database work of the method: async functions over the request's (tenant-scoped) session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import Phase, PhaseContext, RetentionResult, User, lazy_gettext
from tests.dummy_method.models import DummySupport
from tests.dummy_method.spec import SUPPORT, WITHDRAW


@dataclass(frozen=True)
class SupportStatus:
    """What the permission hook needs to know about one resident and one phase (hooks are synchronous)."""

    supported: bool
    count: int


async def count(session: AsyncSession, phase: Phase) -> int:
    stmt = select(func.count()).select_from(DummySupport).where(DummySupport.phase_id == phase.id)
    return int(await session.scalar(stmt) or 0)


async def status(session: AsyncSession, phase: Phase, user: User | None) -> SupportStatus:
    supported = False
    if user is not None:
        found = await session.scalar(
            select(DummySupport.id).where(DummySupport.phase_id == phase.id, DummySupport.user_id == user.id)
        )
        supported = found is not None
    return SupportStatus(supported=supported, count=await count(session, phase))


async def support(session: AsyncSession, phase: Phase, user: User) -> bool:
    """Record the support; False when it already exists (the UNIQUE constraint decides, even under concurrency)."""
    try:
        async with session.begin_nested():
            session.add(DummySupport(phase_id=phase.id, user_id=user.id))
    except IntegrityError:
        return False
    return True


async def withdraw(session: AsyncSession, phase: Phase, user: User) -> bool:
    result = await session.execute(
        delete(DummySupport).where(DummySupport.phase_id == phase.id, DummySupport.user_id == user.id)
    )
    return bool(result.rowcount)


async def panel_context(pctx: PhaseContext) -> dict[str, Any]:
    current = await status(pctx.session, pctx.phase, pctx.user)
    return {
        "phase": pctx.phase,
        "config": pctx.config,
        "status": current,
        "count": current.count,
        "support_verdict": pctx.can(SUPPORT, current),
        "withdraw_verdict": pctx.can(WITHDRAW, current),
    }


async def supporters(session: AsyncSession, phase: Phase) -> tuple[list[str], list[list[Any]]]:
    stmt = (
        select(DummySupport.user_id, User.display_name, DummySupport.created_at)
        .outerjoin(User, User.id == DummySupport.user_id)
        .where(DummySupport.phase_id == phase.id)
        .order_by(DummySupport.created_at, DummySupport.id)
    )
    rows = [[user_id, name, created.isoformat()] for user_id, name, created in (await session.execute(stmt)).all()]
    return ["user_id", "display_name", "supported_at"], rows


async def supporter_count(session: AsyncSession, phase: Phase) -> int:
    return await count(session, phase)


async def user_supports(session: AsyncSession, user: User) -> list[dict[str, Any]]:
    stmt = select(DummySupport).where(DummySupport.user_id == user.id).order_by(DummySupport.id)
    return [
        {"phase_id": s.phase_id, "supported_at": s.created_at.isoformat()} for s in (await session.scalars(stmt)).all()
    ]


async def forget(session: AsyncSession, user: User) -> None:
    await session.execute(delete(DummySupport).where(DummySupport.user_id == user.id))


async def seed(session: AsyncSession, phase: Phase, limit: int = 3) -> None:
    """Demo data: a few of the municipality's residents support the phase (once each, so re-running is safe)."""
    users = (await session.scalars(select(User).order_by(User.id).limit(limit))).all()
    for user in users:
        await support(session, phase, user)


# The retention report's label: a message id, translated when shown; marked here for extraction.
SUPPORTS = "Supports"
REPORT_LABELS = (lazy_gettext("Supports"),)


async def retain(session: AsyncSession, phase: Phase) -> RetentionResult:
    """Retention: supports stay counted but no longer say who gave them."""
    result = await session.execute(
        update(DummySupport)
        .where(DummySupport.phase_id == phase.id, DummySupport.user_id.is_not(None))
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised={SUPPORTS: result.rowcount})
