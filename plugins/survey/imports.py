"""Paper responses through the core's import (upload, preview with per-row errors, confirmation, summary).

A row is one paper form: its number (``reference``) and its answers in one cell, written as the resident's form
would post them: ``q12=o1; q13=Main street; q14=o1|o2`` (question field, ``=``, value; ``|`` between the values of a
multiple choice; ``q15_r1=4`` for a matrix row). Each row is judged by the same rules as an online response
(``rules.check_all``), so a paper form cannot answer a hidden question or skip a visible required one either. A
paper response has no author; its submission key is ``paper-<reference>``, so a form entered twice is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ImportColumn, ImportContext, ImportSpec, RowError, gettext, lazy_gettext, ngettext

from . import rules, services
from .models import SurveyResponse


def _raw(text: str) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip().startswith("q"):
            raise RowError(gettext("Write the answers as q12=o1; q13=text."))
        raw.setdefault(name.strip(), []).extend(v.strip() for v in value.split("|") if v.strip())
    return raw


async def prepare(session: Any, ictx: ImportContext) -> None:
    ictx.data["questions"] = [services.as_rule(q) for q in await services.questions_of(session, ictx.phase.id)]
    keys = await session.scalars(
        select(SurveyResponse.submission_key).where(
            SurveyResponse.phase_id == ictx.phase.id, SurveyResponse.source == "paper"
        )
    )
    ictx.data["used"] = set(keys.all())


def check_row(values: dict[str, Any], ictx: ImportContext) -> list[RowError]:
    key = f"paper-{values.get('reference', '')}"[:64]
    if key in ictx.data["used"]:
        return [RowError(gettext("This paper form was entered already."))]
    try:
        raw = _raw(values.get("answers") or "")
    except RowError as exc:
        return [exc]
    checked = rules.check_all(ictx.data["questions"], raw)
    if checked.errors:
        return [RowError(gettext("Question %(num)s: %(error)s", num=k, error=v)) for k, v in checked.errors.items()]
    ictx.data["used"].add(key)
    values["key"], values["parsed"] = key, checked.answers
    return []


async def write(session: Any, phase: Any, rows: list[dict[str, Any]], source: str, actor: Any) -> int:
    for row in rows:
        session.add(SurveyResponse(phase_id=phase.id, submission_key=row["key"], source="paper",
                                   answers=row["parsed"], submitted_at=None))  # fmt: skip
    await session.flush()
    return len(rows)


PAPER = ImportSpec(
    key="survey.paper",
    label=lazy_gettext("Paper responses"),
    description=lazy_gettext("One row per paper form: its number, and its answers as q12=o1; q13=text."),
    columns=(
        ImportColumn("reference", lazy_gettext("Form number"), required=True, aliases=("number", "form")),
        ImportColumn(
            "answers",
            lazy_gettext("Answers"),
            required=True,
            hint=lazy_gettext("For example: q12=o1; q13=Main street; q14=o1|o2"),
        ),
    ),
    prepare=prepare,
    check_row=check_row,
    write=write,
    count=lambda n: ngettext("%(num)d paper response", "%(num)d paper responses", n),
)
