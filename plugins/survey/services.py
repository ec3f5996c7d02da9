"""Database work of the survey: the form's questions, storing a response once, the public change log.

Async functions over the request's session, which the core already scopes to the tenant.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core import Phase, audit, gettext, mixing, utcnow

from . import rules
from .models import SurveyDraft, SurveyParticipant, SurveyQuestion, SurveyResponse, random_id
from .spec import SurveyConfig

STORED, DUPLICATE, ALREADY = "stored", "duplicate", "already"


async def questions_of(session: Any, phase_id: int, *, removed: bool = False) -> list[SurveyQuestion]:
    stmt = select(SurveyQuestion).where(SurveyQuestion.phase_id == phase_id)
    if not removed:
        stmt = stmt.where(SurveyQuestion.removed.is_(False))
    return list((await session.scalars(stmt.order_by(SurveyQuestion.position, SurveyQuestion.id))).all())


def as_rule(question: SurveyQuestion) -> rules.Question:
    """The pure description the rules judge, from a stored row (bad stored shapes are ignored, never fatal)."""

    def pairs(value: Any) -> tuple[tuple[str, dict[str, str]], ...]:
        found = []
        for item in value or []:
            if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[1], dict):
                found.append((str(item[0]), item[1]))
        return tuple(found)

    jumps = []
    for item in question.jumps or []:
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[1], int):
            condition = rules.Condition.load(item[0])
            if condition is not None:
                jumps.append((condition, item[1]))
    return rules.Question(
        id=question.id,
        kind=question.kind,
        page=question.page,
        required=question.required,
        options=pairs(question.options),
        rows=pairs(question.rows),
        settings=dict(question.settings or {}),
        condition=rules.Condition.load(question.condition),
        jumps=tuple(jumps),
    )


async def responses_for_results(session: Any, phase_id: int) -> list[SurveyResponse]:
    """Every response of the phase, for results and exports (the API, the phase_results hook, the export)."""
    stmt = select(SurveyResponse).where(SurveyResponse.phase_id == phase_id).order_by(SurveyResponse.id)
    return list((await session.scalars(stmt)).all())


async def response_count(session: Any, phase_id: int) -> int:
    stmt = select(func.count()).select_from(SurveyResponse).where(SurveyResponse.phase_id == phase_id)
    return int(await session.scalar(stmt) or 0)


async def config_locked(session: Any, phase: Phase) -> str | None:
    """Anonymity and "several responses" are promises to the people who already answered: frozen from then on."""
    if await response_count(session, phase.id):
        return gettext("Responses have arrived: the survey's settings can no longer change.")
    return None


def who_of(user: Any, browser: str | None) -> str | None:
    """The participation key: the account, or a hash of the browser's token when the phase is open to everyone."""
    if user is not None:
        return f"u:{user.id}"
    if browser:
        return "b:" + hashlib.sha256(browser.encode()).hexdigest()[:40]
    return None


async def has_responded(session: Any, phase_id: int, who: str | None) -> bool:
    if who is None:
        return False
    stmt = select(SurveyParticipant.who).where(SurveyParticipant.phase_id == phase_id, SurveyParticipant.who == who)
    return await session.scalar(stmt) is not None


async def submit(
    session: Any, phase: Phase, config: SurveyConfig, user: Any, who: str | None, answers: dict[str, Any], key: str
) -> str:
    """Store one response: STORED, DUPLICATE (this submission key is stored already: a retried submit) or ALREADY
    (this person responded before and the phase allows one response). The constraints decide, even under races."""
    if await key_taken(session, phase.id, key):
        return DUPLICATE
    try:
        async with session.begin_nested():
            if config.anonymous:
                await _store_covered(session, phase, None if config.several_responses else who, answers, key)
            else:
                if not config.several_responses and who is not None:
                    session.add(SurveyParticipant(phase_id=phase.id, who=who))
                    await session.flush()
                session.add(
                    SurveyResponse(
                        phase_id=phase.id,
                        user_id=None if user is None else user.id,
                        submission_key=key,
                        source="online",
                        answers=answers,
                        submitted_at=utcnow(),
                    )
                )
                await session.flush()
    except IntegrityError:
        return DUPLICATE if await key_taken(session, phase.id, key) else ALREADY
    if user is not None:
        await session.execute(
            delete(SurveyDraft).where(SurveyDraft.phase_id == phase.id, SurveyDraft.user_id == user.id)
        )
    return STORED


async def _store_covered(session: Any, phase: Phase, who: str | None, answers: dict[str, Any], key: str) -> None:
    """An anonymous response and the participation row, each written together with a few random others of the
    phase, deleted and inserted again in a random order (core ``mixing.cover``): on PostgreSQL neither shares its
    ``xmin`` or its place in the heap with the other alone. The ``survey.mix`` job later mixes the whole phase."""
    if who is not None:
        part = SurveyParticipant.__table__
        row = {"tenant_id": phase.tenant_id, "phase_id": phase.id, "who": who}
        pivot = secrets.choice("bu") + ":" + secrets.token_hex(4)  # who is "u:<id>" or "b:<hash>"
        await mixing.cover(session, part, part.c.who, part.c.phase_id == phase.id, add=[row], pivot=pivot)
    resp = SurveyResponse.__table__
    response = {
        "id": random_id(),
        "tenant_id": phase.tenant_id,
        "phase_id": phase.id,
        "user_id": None,
        "submission_key": key,
        "source": "online",
        "answers": answers,
        "submitted_at": None,
    }
    anonymous = (resp.c.phase_id == phase.id) & resp.c.user_id.is_(None)
    await mixing.cover(session, resp, resp.c.id, anonymous, add=[response], pivot=random_id())


async def mix(session: Any, phase: Phase) -> int:
    """Rewrite an anonymous phase's responses and participation rows in a random order, in this transaction:
    afterwards they all share one ``xmin`` and their heap order says nothing about the order of answering."""
    resp, part = SurveyResponse.__table__, SurveyParticipant.__table__
    count = await mixing.rewrite_shuffled(session, resp, resp.c.phase_id == phase.id)
    await mixing.rewrite_shuffled(session, part, part.c.phase_id == phase.id)
    return count


async def has_own_response(session: Any, phase_id: int, user: Any) -> bool:
    """A response stored with this person as its author (never true of anonymous responses)."""
    if user is None:
        return False
    stmt = select(SurveyResponse.id).where(SurveyResponse.phase_id == phase_id, SurveyResponse.user_id == user.id)
    return await session.scalar(stmt.limit(1)) is not None


async def key_taken(session: Any, phase_id: int, key: str) -> bool:
    stmt = select(SurveyResponse.id).where(SurveyResponse.phase_id == phase_id, SurveyResponse.submission_key == key)
    return await session.scalar(stmt) is not None


async def save_draft(session: Any, phase_id: int, user: Any, answers: dict[str, Any], page: int) -> None:
    draft = await session.scalar(
        select(SurveyDraft).where(SurveyDraft.phase_id == phase_id, SurveyDraft.user_id == user.id)
    )
    if draft is None:
        try:
            async with session.begin_nested():
                session.add(SurveyDraft(phase_id=phase_id, user_id=user.id, answers=answers, page=page))
            return
        except IntegrityError:
            draft = await session.scalar(
                select(SurveyDraft).where(SurveyDraft.phase_id == phase_id, SurveyDraft.user_id == user.id)
            )
    draft.answers, draft.page = answers, page


async def draft_of(session: Any, phase_id: int, user: Any) -> SurveyDraft | None:
    if user is None:
        return None
    return await session.scalar(
        select(SurveyDraft).where(SurveyDraft.phase_id == phase_id, SurveyDraft.user_id == user.id)
    )


def log_change(session: Any, actor: Any, action: str, question: SurveyQuestion, data: dict[str, Any]) -> None:
    """Every edit of the form is in the phase's public change log."""
    audit.record(session, actor, f"survey.{action}", ("phase", question.phase_id), {"question": question.id, **data},
                 public=True)  # fmt: skip
