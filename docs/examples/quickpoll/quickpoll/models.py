"""The votes table and the queries over it (the request's session is already scoped to the tenant)."""

from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, BigId, IdMixin, Phase, TenantScoped, User


class Vote(IdMixin, TenantScoped, Base):
    __tablename__ = "quickpoll_vote"
    __table_args__ = (UniqueConstraint("phase_id", "user_id"),)  # one vote per person, even for two clicks at once
    phase_id: Mapped[int] = mapped_column(BigId, ForeignKey("phase.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    answer: Mapped[int]


async def tally(session: Any, phase: Phase, answers: int) -> list[int]:
    stmt = select(Vote.answer, func.count(Vote.id)).where(Vote.phase_id == phase.id).group_by(Vote.answer)
    counts = dict((await session.execute(stmt)).all())
    return [counts.get(index, 0) for index in range(answers)]


async def my_vote(session: Any, phase: Phase, user: User | None) -> int | None:
    mine = select(Vote.answer).where(Vote.phase_id == phase.id, Vote.user_id == (user.id if user else None))
    return None if user is None else await session.scalar(mine)


async def vote(session: Any, phase: Phase, user: User, answer: int) -> bool:
    try:
        async with session.begin_nested():  # a savepoint: a lost race leaves the request's transaction usable
            session.add(Vote(phase_id=phase.id, user_id=user.id, answer=answer))
    except IntegrityError:
        return False
    return True


async def user_data(session: Any, user: User) -> dict[str, list[dict[str, int]]]:
    found = await session.scalars(select(Vote).where(Vote.user_id == user.id).order_by(Vote.id))
    return {"quickpoll_votes": [{"phase_id": v.phase_id, "answer": v.answer + 1} for v in found]}
