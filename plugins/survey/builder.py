"""The staff's form builder: add, edit, reorder, duplicate and remove questions, as plain forms (no JavaScript).

Once responses exist the form is versioned by its stable question ids: a question's type and its options' ids are
frozen (``rules.option_meaning_changed``), a removed question is only marked removed (its answers stay in the
exports), and every edit is written to the phase's public change log.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy import func, select

from core import Ctx, Form, FormErrors, PhaseContext, UserFacingError, multiloc_or_error, redirect, render
from core import gettext as _

from . import rules, services
from .controllers import base, staff
from .models import SurveyQuestion
from .rules import KIND_LABELS, KINDS, OP_LABELS, OPS

MAX_QUESTIONS, MAX_OPTIONS, MAX_PAGE = 200, 50, 50


def _locales(pctx: PhaseContext) -> list[str]:
    return list(pctx.ctx.tenant.locales or ["en"])


async def _question(pctx: PhaseContext, question_id: int) -> SurveyQuestion:
    found = await pctx.session.get(SurveyQuestion, question_id)
    if found is None or found.phase_id != pctx.phase.id or found.removed:
        raise NotFoundException()
    return found


async def _context(pctx: PhaseContext, **extra: Any) -> dict[str, Any]:
    stored = await services.questions_of(pctx.session, pctx.phase.id)
    return {
        "pctx": pctx,
        "project": pctx.project,
        "phase": pctx.phase,
        "base": base(pctx),
        "questions": stored,
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "ops": [(o, OP_LABELS[o]) for o in OPS],
        "locales": _locales(pctx),
        "default_locale": pctx.ctx.tenant.default_locale,
        "responses": await services.response_count(pctx.session, pctx.phase.id),
        "errors": {},
        "values": {},
        "editing": None,
        **extra,
    }


def _lines(form: Form, name: str, locales: list[str]) -> list[dict[str, str]]:
    """Option labels given one line per option in each language: option i is line i of every language."""
    per_locale = {code: [line.strip() for line in form.get(f"{name}.{code}").splitlines() if line.strip()]
                  for code in locales}  # fmt: skip
    count = max((len(lines) for lines in per_locale.values()), default=0)
    return [{code: lines[i][:300] for code, lines in per_locale.items() if i < len(lines)} for i in range(count)]


def _stable_ids(old: list[Any], labels: list[dict[str, str]], prefix: str) -> list[list[Any]]:
    """Option ``i`` keeps the id of the old option ``i``; new lines get fresh ids never used by this question."""
    ids = [str(item[0]) for item in old if isinstance(item, list | tuple) and item]
    used = {int(i[1:]) for i in ids if i[1:].isdigit()}
    fresh = max(used, default=0)
    out = []
    for index, label in enumerate(labels):
        if index < len(ids):
            out.append([ids[index], label])
        else:
            fresh += 1
            out.append([f"{prefix}{fresh}", label])
    return out


def _read(form: Form, pctx: PhaseContext, errors: FormErrors, others: list[SurveyQuestion],
          current: SurveyQuestion | None) -> dict[str, Any]:  # fmt: skip
    """The question's fields from the builder form, with errors for anything the rules could not use."""
    locales, default = _locales(pctx), pctx.ctx.tenant.default_locale
    kind = form.get("kind")
    if kind not in KINDS:
        errors.add("kind", _("Choose a question type."))
    page = form.int("page", 1)
    if page is None or not 1 <= page <= MAX_PAGE:
        errors.add("page", _("Choose a page from 1 to %(num)s.", num=MAX_PAGE))
        page = 1
    text = multiloc_or_error(form, "text", locales, errors, required_locale=default,
                             message=_("Write the question in the main language."))  # fmt: skip
    help_text = multiloc_or_error(form, "help", locales, errors, required_locale=None,
                                  message=_("The help text is not valid."))  # fmt: skip
    option_labels, row_labels = _lines(form, "options", locales), _lines(form, "rows", locales)
    if kind in rules.CHOICE_KINDS and not 2 <= len(option_labels) <= MAX_OPTIONS:
        errors.add("options", _("Give between 2 and %(num)s answers, one per line.", num=MAX_OPTIONS))
    if kind == "matrix" and not 1 <= len(row_labels) <= MAX_OPTIONS:
        errors.add("rows", _("Give between 1 and %(num)s rows, one per line.", num=MAX_OPTIONS))
    settings: dict[str, Any] = {}
    for name in ("min", "max"):
        value = form.int(name)
        if value is None and form.get(name):
            errors.add(name, _("Enter a whole number."))
        elif value is not None:
            settings[name] = value
    if kind in ("scale", "rating", "matrix") and not 2 <= settings.get("max", 5) <= 10:
        errors.add("max", _("A scale goes up to a number from 2 to 10."))
    if kind == "single" and form.flag("other"):
        settings["other"] = True
    for end in ("low", "high"):
        labels = form.multiloc(end, locales)
        if labels:
            settings[end] = {code: value[:100] for code, value in labels.items()}
    earlier = {q.id: q for q in others if current is None or q.id != current.id}
    condition = None
    if form.get("cond_question"):
        target = form.int("cond_question")
        op = form.get("cond_op")
        if target not in earlier or op not in OPS:
            errors.add("cond_question", _("A condition refers to another question and a comparison."))
        elif earlier[target].page > page:
            errors.add("cond_question", _("A condition can only look at a question on this page or before."))
        else:
            condition = {"question": target, "op": op, "value": form.get("cond_value")[:200]}
    jumps = []
    if form.get("jump_to"):
        target_page = form.int("jump_to")
        op = form.get("jump_op")
        if target_page is None or not (target_page == 0 or page < target_page <= MAX_PAGE) or op not in OPS:
            errors.add("jump_to", _("A jump goes to a later page (or 0 to end the survey)."))
        elif current is None:
            errors.add("jump_to", _("Save the question first, then add a jump that depends on its answer."))
        else:
            jumps = [[{"question": current.id, "op": op, "value": form.get("jump_value")[:200]}, target_page]]
    return {
        "kind": kind,
        "page": page,
        "text": text,
        "help": help_text,
        "option_labels": option_labels,
        "row_labels": row_labels,
        "settings": settings,
        "required": form.flag("required") and kind not in rules.BLOCKS,
        "condition": condition,
        "jumps": jumps,
    }


def _values(question: SurveyQuestion, locales: list[str]) -> dict[str, Any]:
    """The builder form's fields for an existing question (to edit it)."""
    values: dict[str, Any] = {"kind": question.kind, "page": str(question.page), "required": question.required}
    for name in ("text", "help"):
        for code in locales:
            values[f"{name}.{code}"] = (getattr(question, name) or {}).get(code, "")
    for name in ("options", "rows"):
        for code in locales:
            values[f"{name}.{code}"] = "\n".join(item[1].get(code, "") for item in getattr(question, name) or [])
    settings = question.settings or {}
    for name in ("min", "max"):
        values[name] = str(settings[name]) if name in settings else ""
    values["other"] = bool(settings.get("other"))
    for end in ("low", "high"):
        for code in locales:
            values[f"{end}.{code}"] = (settings.get(end) or {}).get(code, "")
    if question.condition:
        condition = question.condition
        values.update(cond_question=str(condition.get("question", "")), cond_op=condition.get("op", ""),
                      cond_value=condition.get("value", ""))  # fmt: skip
    if question.jumps:
        condition, target = question.jumps[0]
        values.update(jump_op=condition.get("op", ""), jump_value=condition.get("value", ""), jump_to=str(target))
    return values


@get("/manage")
async def manage(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await staff(ctx, phase_id)
    return render(request, "survey/manage.html", **await _context(pctx))


@post("/manage/questions")
async def create(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await staff(ctx, phase_id)
    form = await read_form_checked(request)
    others = await services.questions_of(pctx.session, pctx.phase.id, removed=True)
    errors = FormErrors()
    if len(others) >= MAX_QUESTIONS:
        errors.add("_form", _("A survey has at most %(num)s questions.", num=MAX_QUESTIONS))
    data = _read(form, pctx, errors, others, None)
    if errors:
        return render(request, "survey/manage.html", status_code=422,
                      **await _context(pctx, errors=errors, values=form.as_dict()))  # fmt: skip
    last = select(func.max(SurveyQuestion.position)).where(SurveyQuestion.phase_id == pctx.phase.id)
    position = int(await pctx.session.scalar(last) or 0) + 1
    question = SurveyQuestion(
        phase_id=pctx.phase.id, position=position, kind=data["kind"], page=data["page"], text=data["text"],
        help=data["help"], options=_stable_ids([], data["option_labels"], "o"),
        rows=_stable_ids([], data["row_labels"], "r"), settings=data["settings"], required=data["required"],
        condition=data["condition"], jumps=[],
    )  # fmt: skip
    pctx.session.add(question)
    await pctx.session.flush()
    services.log_change(pctx.session, ctx.user, "question_added", question, {"kind": question.kind,
                                                                             "text": question.text})  # fmt: skip
    return redirect(request, f"{base(pctx)}/manage#question-{question.id}")


async def read_form_checked(request: Request) -> Form:
    from core import read_form

    form = await read_form(request)
    if form.has_nul or form.too_long:
        raise UserFacingError(detail=_("The form contained text that is not allowed."), status_code=400)
    return form


@get("/manage/questions/{question_id:int}")
async def edit(request: Request, ctx: Ctx, phase_id: FromPath[int], question_id: FromPath[int]) -> Response[str]:
    pctx = await staff(ctx, phase_id)
    question = await _question(pctx, question_id)
    return render(request, "survey/edit.html",
                  **await _context(pctx, editing=question, values=_values(question, _locales(pctx))))  # fmt: skip


@post("/manage/questions/{question_id:int}")
async def update(request: Request, ctx: Ctx, phase_id: FromPath[int], question_id: FromPath[int]) -> Response[str]:
    pctx = await staff(ctx, phase_id)
    question = await _question(pctx, question_id)
    form = await read_form_checked(request)
    others = await services.questions_of(pctx.session, pctx.phase.id, removed=True)
    errors = FormErrors()
    data = _read(form, pctx, errors, others, question)
    options = _stable_ids(question.options, data["option_labels"], "o")
    rows = _stable_ids(question.rows, data["row_labels"], "r")
    if not errors and await services.response_count(pctx.session, pctx.phase.id):
        rule = services.as_rule(question)
        if rules.option_meaning_changed(rule, data["kind"], [o[0] for o in options]) or len(rows) < len(
            question.rows or []
        ):
            errors.add("_form", _("Responses have arrived: a question's type cannot change and its answers cannot "
                                  "be removed. Add a new question instead."))  # fmt: skip
    if errors:
        return render(request, "survey/edit.html", status_code=422,
                      **await _context(pctx, editing=question, errors=errors, values=form.as_dict()))  # fmt: skip
    before = {"text": question.text, "options": question.options, "page": question.page}
    question.kind, question.page, question.text, question.help = data["kind"], data["page"], data["text"], data["help"]
    question.options, question.rows, question.settings = options, rows, data["settings"]
    question.required, question.condition, question.jumps = data["required"], data["condition"], data["jumps"]
    services.log_change(pctx.session, ctx.user, "question_changed", question,
                        {"before": before, "after": {"text": question.text, "options": question.options,
                                                     "page": question.page}})  # fmt: skip
    return redirect(request, f"{base(pctx)}/manage#question-{question.id}")


@post("/manage/questions/{question_id:int}/move")
async def move(request: Request, ctx: Ctx, phase_id: FromPath[int], question_id: FromPath[int]) -> Response[str]:
    """Up or down by one, with a button (reachable and usable by keyboard, no drag and drop needed)."""
    pctx = await staff(ctx, phase_id)
    question = await _question(pctx, question_id)
    direction = (await read_form_checked(request)).get("direction")
    if direction not in ("up", "down"):
        raise UserFacingError(detail=_("Move a question up or down."), status_code=400)
    ordered = await services.questions_of(pctx.session, pctx.phase.id)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            item.position = position
        services.log_change(pctx.session, ctx.user, "question_moved", question, {"direction": direction})
    return redirect(request, f"{base(pctx)}/manage#question-{question.id}")


@post("/manage/questions/{question_id:int}/duplicate")
async def duplicate(request: Request, ctx: Ctx, phase_id: FromPath[int], question_id: FromPath[int]) -> Response[str]:
    pctx = await staff(ctx, phase_id)
    question = await _question(pctx, question_id)
    copy = SurveyQuestion(
        phase_id=pctx.phase.id, position=question.position, kind=question.kind, page=question.page,
        text=dict(question.text), help=dict(question.help or {}), options=list(question.options or []),
        rows=list(question.rows or []), settings=dict(question.settings or {}), required=question.required,
        condition=question.condition, jumps=[],
    )  # fmt: skip
    pctx.session.add(copy)
    await pctx.session.flush()
    services.log_change(pctx.session, ctx.user, "question_added", copy, {"copy_of": question.id, "text": copy.text})
    return redirect(request, f"{base(pctx)}/manage#question-{copy.id}")


@post("/manage/questions/{question_id:int}/delete")
async def remove(request: Request, ctx: Ctx, phase_id: FromPath[int], question_id: FromPath[int]) -> Response[str]:
    pctx = await staff(ctx, phase_id)
    question = await _question(pctx, question_id)
    others = await services.questions_of(pctx.session, pctx.phase.id)
    needed = [q for q in others if q.id != question.id and (
        (q.condition or {}).get("question") == question.id)]  # fmt: skip
    if needed:
        raise UserFacingError(detail=_("Another question's condition refers to this one: change that first."),
                              status_code=409)  # fmt: skip
    if await services.response_count(pctx.session, pctx.phase.id):
        question.removed = True  # its answers stay, and so does its column in the exports
    else:
        await pctx.session.delete(question)
    services.log_change(pctx.session, ctx.user, "question_removed", question, {"text": question.text})
    return redirect(request, f"{base(pctx)}/manage")


HANDLERS = [manage, create, edit, update, move, duplicate, remove]
