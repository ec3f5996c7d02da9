"""The optional follow-up e-mail: a copy of one's own answers, sent after the request that asked for it committed.

Only for a response stored with its author (never an anonymous one: there is nothing that says whose it is), and
only when the phase offers it. Written in the resident's language (their account's, else the municipality's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import Phase, Tenant, User, gettext, multiloc, recipient_language

from . import rules, services
from .models import SurveyResponse


def answer_text(question: rules.Question, value: Any, locale: str, default: str) -> str:
    labels = {oid: multiloc.pick(label, locale, default).text for oid, label in (*question.options, *question.rows)}
    if isinstance(value, dict) and "other" in value:
        return str(value["other"])
    if isinstance(value, dict):
        return "; ".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))


async def send_copy(app: Any, tenant_id: int, phase_id: int, user_id: int) -> None:
    async with app.db.session(tenant_id) as session:
        user = await session.get(User, user_id)
        phase = await session.get(Phase, phase_id)
        tenant = await session.get(Tenant, tenant_id)
        response = await session.scalar(
            select(SurveyResponse)
            .where(SurveyResponse.phase_id == phase_id, SurveyResponse.user_id == user_id)
            .order_by(SurveyResponse.submitted_at.desc())
            .limit(1)
        )
        if user is None or phase is None or tenant is None or response is None:
            return
        stored = await services.questions_of(session, phase_id, removed=True)
    locale, default = user.locale or tenant.default_locale, tenant.default_locale
    title = multiloc.pick(phase.title, locale, default).text
    with recipient_language(app.catalogs, locale):
        subject = gettext("Your answers: %(title)s", title=title)
        lines = [gettext("Here is a copy of your answers to “%(title)s”.", title=title), ""]
    for row in stored:
        value = response.answers.get(str(row.id))
        if value is None:
            continue
        lines += [multiloc.pick(row.text, locale, default).text, "  " + answer_text(services.as_rule(row), value,
                                                                                   locale, default), ""]  # fmt: skip
    await app.mailer.send(user.email, subject[:200], "\n".join(lines))
