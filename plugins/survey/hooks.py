"""Async work handed to the core through hooks: results, exports, stats, personal data, retention."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from core import JobContext, JobSpec, Phase, RetentionResult, Tenant, decode_config, lazy_gettext, multiloc, phase_state

from . import files, results, services
from .models import SurveyDraft, SurveyParticipant, SurveyResponse

RESPONSES, DRAFTS = "Responses", "Unfinished drafts"
REPORT_LABELS = (lazy_gettext("Responses"), lazy_gettext("Unfinished drafts"))


async def results_for_phase(session: Any, phase: Phase) -> dict[str, Any]:
    questions = [services.as_rule(q) for q in await services.questions_of(session, phase.id, removed=True)]
    answers = [r.answers for r in await services.responses_for_results(session, phase.id)]
    return {
        "responses": len(answers),
        "questions": {q.key: results.summarise(q, answers) for q in questions},
    }


async def export_rows(session: Any, phase: Phase) -> tuple[list[str], list[list[Any]]]:
    """One column per question and option, removed questions included (their answers are still stored)."""
    tenant = await session.get(Tenant, phase.tenant_id)
    locale = tenant.default_locale if tenant else "en"
    stored = await services.questions_of(session, phase.id, removed=True)
    texts = {q.id: multiloc.pick(q.text, locale, locale).text for q in stored}
    questions = [services.as_rule(q) for q in stored]
    header = results.export_header(questions, lambda q: texts.get(q.id, ""))
    link = lambda name: files.url(phase.id, name)  # noqa: E731 - staff open the image from the export
    responses = await services.responses_for_results(session, phase.id)
    rows = [results.export_row(questions, r.id, r.source, r.answers, link) for r in responses]
    return header, rows


async def response_count(session: Any, phase: Phase) -> int:
    return await services.response_count(session, phase.id)


async def user_responses(session: Any, user: Any) -> dict[str, Any]:
    """Only responses stored with the person: anonymous ones cannot be found, by design (the page says so)."""
    found = (await session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id))).all()
    drafts = (await session.scalars(select(SurveyDraft).where(SurveyDraft.user_id == user.id))).all()
    return {
        "survey_responses": [
            {"phase_id": r.phase_id, "answers": r.answers, "submitted_at": r.submitted_at} for r in found
        ],
        "survey_drafts": [{"phase_id": d.phase_id, "answers": d.answers} for d in drafts],
        "survey_participations": [
            p.phase_id
            for p in (
                await session.scalars(select(SurveyParticipant).where(SurveyParticipant.who == f"u:{user.id}"))
            ).all()
        ],
    }


async def forget(session: Any, user: Any) -> None:
    """Responses stay in the counts but lose their author and their images (the ``survey.sweep_files`` job deletes
    the files nothing refers to any more); drafts and participation marks go."""
    keys = await files.file_keys(session)
    if keys:
        for response in (await session.scalars(select(SurveyResponse).where(SurveyResponse.user_id == user.id))).all():
            if files.names_in(response.answers, keys):
                response.answers = files.strip(response.answers, keys)
        await session.flush()
    await session.execute(delete(SurveyDraft).where(SurveyDraft.user_id == user.id))
    await session.execute(delete(SurveyParticipant).where(SurveyParticipant.who == f"u:{user.id}"))
    await session.execute(update(SurveyResponse).where(SurveyResponse.user_id == user.id).values(user_id=None))


async def retain(session: Any, phase: Phase) -> RetentionResult:
    """After the retention period responses no longer say who gave them; unfinished drafts are deleted."""
    drafts = await session.execute(delete(SurveyDraft).where(SurveyDraft.phase_id == phase.id))
    anonymised = await session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.phase_id == phase.id, SurveyResponse.user_id.is_not(None))
        .values(user_id=None, submitted_at=None)
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised={RESPONSES: anonymised.rowcount}, deleted={DRAFTS: drafts.rowcount})


def config_of(phase: Phase) -> Any:
    from .plugin import _spec

    return decode_config(_spec(), phase.config)


MIX_EVERY = 300  # seconds between mixes of an open anonymous survey (its close mixes once more)


async def mix_phase(app: Any, tenant_id: int, phase_id: int) -> int:
    """Mix one anonymous survey phase's responses and participation rows (services.mix), in its own transaction."""
    async with app.db.session(tenant_id, write=True) as session:
        phase = await session.get(Phase, phase_id)
        if phase is None or phase.method != "survey" or not getattr(config_of(phase), "anonymous", False):
            return 0
        return await services.mix(session, phase)


async def mix_open(job_ctx: JobContext) -> int:
    """``survey.mix``: every open anonymous survey of the municipality. Returns how many responses were mixed."""
    async with job_ctx.session(write=False) as session:
        phases = list((await session.scalars(select(Phase).where(Phase.method == "survey"))).all())
        due = [p.id for p in phases if phase_state(p) == "active" and getattr(config_of(p), "anonymous", False)]
    mixed = 0
    for phase_id in due:
        mixed += await mix_phase(job_ctx.state, job_ctx.tenant_id, phase_id)
    return mixed


JOBS = [
    JobSpec("survey.mix", mix_open, every=MIX_EVERY, description="mix open anonymous surveys' responses"),
    JobSpec("survey.sweep_files", files.sweep, cron="40 * * * *", description="delete survey images nothing uses"),
]
