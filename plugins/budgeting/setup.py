"""What an editor still has to set up before residents can vote (``MethodSpec.setup_missing``): a budget, and
options in every budget."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from core import Phase
from core import gettext as _

from .models import Budget, Option


async def setup_missing(session: Any, phase: Phase) -> str | None:
    budgets = (await session.scalars(select(Budget.id).where(Budget.phase_id == phase.id))).all()
    if not budgets:
        return _("Add a budget and the options residents choose from.")
    empty = await session.scalar(
        select(Budget.id).where(Budget.phase_id == phase.id, ~exists().where(Option.budget_id == Budget.id)).limit(1)
    )
    return _("Add options to every budget.") if empty is not None else None
