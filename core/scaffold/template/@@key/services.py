"""Database work: async functions over the request's session, which the core already scopes to the tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core import Phase, PhaseContext, User
from @@key.models import @@{Key}Signup as Signup
from @@key.spec import SIGN_UP


async def count(session: Any, phase: Phase) -> int:
    return int(await session.scalar(select(func.count(Signup.id)).where(Signup.phase_id == phase.id)) or 0)


async def signed_up(session: Any, phase: Phase, user: User | None) -> bool:
    if user is None:
        return False
    found = await session.scalar(select(Signup.id).where(Signup.phase_id == phase.id, Signup.user_id == user.id))
    return found is not None


async def sign_up(session: Any, phase: Phase, user: User) -> bool:
    """False when the resident had already signed up: the constraint decides, even for two clicks at once."""
    try:
        async with session.begin_nested():
            session.add(Signup(phase_id=phase.id, user_id=user.id))
    except IntegrityError:
        return False
    return True


async def panel_context(pctx: PhaseContext) -> dict[str, Any]:
    mine = await signed_up(pctx.session, pctx.phase, pctx.user)
    return {
        "phase": pctx.phase,
        "config": pctx.config,
        "mine": mine,
        "count": await count(pctx.session, pctx.phase),
        "verdict": pctx.can(SIGN_UP, mine),
        "moderator": pctx.moderator,
    }


async def export_rows(session: Any, phase: Phase) -> tuple[list[str], list[list[Any]]]:
    stmt = (
        select(User.display_name, Signup.created_at)
        .join(User, User.id == Signup.user_id)
        .where(Signup.phase_id == phase.id)
        .order_by(Signup.id)
    )
    return ["display_name", "signed_up_at"], [[name, at.isoformat()] for name, at in await session.execute(stmt)]


async def user_rows(session: Any, user: User) -> list[dict[str, Any]]:
    found = await session.scalars(select(Signup).where(Signup.user_id == user.id).order_by(Signup.id))
    return [{"phase_id": s.phase_id, "signed_up_at": s.created_at.isoformat()} for s in found]


async def forget(session: Any, user: User) -> None:
    await session.execute(delete(Signup).where(Signup.user_id == user.id))


async def seed(session: Any, phase: Phase) -> None:
    for user in (await session.scalars(select(User).order_by(User.id).limit(3))).all():
        await sign_up(session, phase, user)
