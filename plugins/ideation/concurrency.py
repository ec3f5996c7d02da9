"""Ideation's one-per-person facts for the core's concurrency class test: the core primitives on an idea."""

from __future__ import annotations

from typing import Any

from core import participation_cases
from plugins.ideation.items import KIND
from plugins.ideation.models import Idea
from plugins.ideation.spec import KEY


async def make_idea(session: Any, phase: Any, author_id: int) -> int:
    idea = Idea(phase_id=phase.id, author_id=author_id, title="A bench by the river", body="Shade and a view.")
    session.add(idea)
    await session.flush()
    return idea.id


CASES = participation_cases(KEY, KIND, make_idea)
