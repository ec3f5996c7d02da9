"""Pages of the demographics: "About you (optional)" in the account, the back office's questions and reference
shares, and a project's representativeness (staff only, behind the admin router's guard)."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy import delete, select

from core.context import Ctx, RequestContext
from core.demographics import prompt
from core.demographics import service as svc
from core.exports import FORMATS, table_download
from core.i18n import gettext as _
from core.imports.reading import MAX_BYTES, ImportFileError, read_table
from core.models import Area, Phase, ProfileAnswer, ProfileQuestion, Project
from core.project_service import audit
from core.projects import is_moderator
from core.web.admin_common import get_or_404, precheck, tenant_row
from core.web.errors import UserFacingError
from core.web.forms import FormErrors, invalid, multiloc_or_error, read_form
from core.web.guards import signed_in
from core.web.render import redirect, render
from core.web.return_paths import same_origin_path

MAX_QUESTIONS = 12
SINGLE_KINDS = ("birth_year", "gender", "area")
SHARE = re.compile(r"\d{1,3}(?:[.,]\d{1,4})?")


async def _areas(ctx: RequestContext) -> list[Area]:
    return list((await ctx.session.scalars(select(Area).order_by(Area.position, Area.id))).all())


async def _options(ctx: RequestContext, qs: list[ProfileQuestion]) -> dict[int, list[tuple[str, str]]]:
    tenant = await tenant_row(ctx)
    areas = await _areas(ctx)
    return {q.id: svc.answer_options(q, areas, ctx.locale, tenant.default_locale) for q in qs}


def _choices(question: ProfileQuestion, options: list[tuple[str, str]], year: int) -> list[tuple[str, str]]:
    if question.kind == "birth_year":
        options = [(str(y), str(y)) for y in range(year, svc.OLDEST_YEAR - 1, -1)]
    return [("", _("No answer")), *options, (svc.PREFER_NOT, _("Prefer not to say"))]


# --- the person's own answers -------------------------------------------------------------------------------------


async def _about_page(
    request: Request, ctx: RequestContext, *, values: dict[str, str], errors: FormErrors | None = None, **extra: Any
) -> Response[str]:
    qs = await svc.questions(ctx.session)
    options = await _options(ctx, qs)
    year = svc.current_year()
    context = {
        "questions": [(q, _choices(q, options[q.id], year)) for q in qs],
        "values": values,
        "saved": False,
        **extra,
    }
    if errors:
        return invalid(request, "accounts/about_you.html", errors, **context)
    return render(request, "accounts/about_you.html", errors=FormErrors(), **context)


@get("/account/about", guards=[signed_in])
async def about_you(request: Request, ctx: Ctx) -> Response[str]:
    assert ctx.user is not None
    answers = await svc.answers_of(ctx.session, ctx.user.id)
    values = {f"q{qid}": value for qid, value in answers.items()}
    page = await _about_page(
        request,
        ctx,
        values=values,
        saved=request.query_params.get("saved") == "1",
        next=same_origin_path(request.query_params.get("next")),
    )
    return prompt.remember_asked(page)  # seen: the phase pages stop offering them


@post("/account/about/later", guards=[signed_in])
async def about_you_later(request: Request, ctx: Ctx) -> Response[str]:
    """The phase page's "Not now": back to the phase, not asked again in this browser (the account page keeps them)."""
    form = await read_form(request)
    return prompt.remember_asked(redirect(request, same_origin_path(form.get("next")) or "/account/about"))


@post("/account/about", guards=[signed_in])
async def about_you_save(request: Request, ctx: Ctx) -> Response[str]:
    assert ctx.user is not None
    form = await read_form(request)
    errors = precheck(form)
    qs = await svc.questions(ctx.session)
    options = await _options(ctx, qs)
    year = svc.current_year()
    chosen: dict[int, str | None] = {}
    values: dict[str, str] = {}
    for q in qs:
        name = f"q{q.id}"
        values[name] = form.get(name)
        try:
            chosen[q.id] = svc.parse_answer(q, form.get(name), {k for k, _l in options[q.id]}, year)
        except ValueError:
            errors.add(name, _("Choose one of the answers, or leave it empty."))
    next_path = same_origin_path(form.get("next"))
    if errors:
        return await _about_page(request, ctx, values=values, errors=errors, next=next_path)
    await svc.save_answers(ctx.session, ctx.user.id, chosen)
    # Asked on the way somewhere (after registering): go on there; from the account page: stay and say it is saved.
    return redirect(request, next_path or "/account/about?saved=1")


# --- back office: questions and reference population ----------------------------------------------------------------


async def _admin_page(
    request: Request,
    ctx: RequestContext,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response[str]:
    tenant = await tenant_row(ctx)
    qs = await svc.questions(ctx.session)
    options = await _options(ctx, qs)
    projects = (await ctx.session.scalars(select(Project).order_by(Project.created_at.desc(), Project.id))).all()
    return render(
        request,
        "admin/demographics.html",
        status_code=status,
        questions=[(q, options[q.id]) for q in qs],
        kinds=list(svc.kind_labels().items()),
        kind_labels=svc.kind_labels(),
        projects=projects,
        locales=list(tenant.locales),
        default_locale=tenant.default_locale,
        values=values or {"kind": "choice", "label": {}, "purpose": {}, "options": {}},
        errors=errors or FormErrors(),
        min_cell=svc.MIN_CELL,
    )


@get("/demographics")
async def demographics_page(request: Request, ctx: Ctx) -> Response[str]:
    return await _admin_page(request, ctx)


@post("/demographics")
async def question_create(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = precheck(form)
    tenant = await tenant_row(ctx)
    locales = list(tenant.locales)
    kind = form.get("kind")
    main = tenant.default_locale
    label = multiloc_or_error(
        form,
        "label",
        locales,
        errors,
        required_locale=main,
        message=_("Write the question, at least in the main language."),
    )
    purpose = multiloc_or_error(
        form,
        "purpose",
        locales,
        errors,
        required_locale=main,
        message=_("Say why you ask, at least in the main language."),
    )
    raw_options = form.multiloc("options", locales)
    existing = await svc.questions(ctx.session)
    options: list[dict[str, Any]] = []
    if kind not in svc.kind_labels():
        errors.add("kind", _("Choose the kind of question."))
    elif kind in SINGLE_KINDS and any(q.kind == kind for q in existing):
        errors.add("kind", _("This question is already asked."))
    elif kind == "area" and not await _areas(ctx):
        errors.add("kind", _("Add the municipality's areas first."))
    elif kind == "choice":
        lines = {code: [x.strip() for x in text.splitlines() if x.strip()] for code, text in raw_options.items()}
        first = lines.get(main, [])
        if not 2 <= len(first) <= svc.MAX_OPTIONS or any(len(x) > 120 for v in lines.values() for x in v):
            errors.add(f"options.{main}", _("Give between 2 and %(max)s answers, one per line.", max=svc.MAX_OPTIONS))
        elif any(len(v) != len(first) for v in lines.values()):
            errors.add("options", _("Give the same number of answers in every language, in the same order."))
        else:
            options = [
                {"key": f"o{i + 1}", "label": {code: v[i] for code, v in lines.items()}} for i in range(len(first))
            ]
    if len(existing) >= MAX_QUESTIONS:
        errors.add("kind", _("A municipality asks at most %(num)s profile questions.", num=MAX_QUESTIONS))
    if any(len(t) > 500 for t in [*label.values(), *purpose.values()]):
        errors.add("_form", _("Use at most %(max)s characters.", max=500))
    if errors:
        values = {"kind": kind, "label": label, "purpose": purpose, "options": raw_options}
        return await _admin_page(request, ctx, values=values, errors=errors, status=422)
    question = ProfileQuestion(kind=kind, label=label, purpose=purpose, options=options, position=len(existing))
    ctx.session.add(question)
    await ctx.session.flush()
    audit(ctx.session, ctx.user, "demographics.question_created", question, data={"kind": kind})
    return redirect(request, "/admin/demographics")


def _share(raw: str) -> float | None:
    if not SHARE.fullmatch(raw):
        return None
    value = float(raw.replace(",", "."))
    return value if value <= 100 else None


async def _store_reference(
    request: Request, ctx: RequestContext, question: ProfileQuestion, raw: dict[str, str], source: str, year: str
) -> Response[str]:
    """Check and store the population shares (percent per answer key), their source and year; 422 with reasons."""
    errors = FormErrors()
    [options] = (await _options(ctx, [question])).values()
    prefix = f"q{question.id}."
    shares: dict[str, float] = {}
    for key, _label in options:
        value_raw = raw.get(key, "")
        if value_raw == "":
            continue
        value = _share(value_raw)
        if value is None:
            errors.add(f"{prefix}share.{key}", _("Enter a percentage between 0 and 100."))
        else:
            shares[key] = value
    total = sum(shares.values())
    if shares and not errors and not 99 <= total <= 101:
        errors.add("_form", _("The shares add up to %(total)s%%; they must add up to 100%%.", total=round(total, 2)))
    source = source[:200]
    if shares and not source:
        errors.add(f"{prefix}source", _("Say where the figures come from."))
    if year and not (year.isdigit() and svc.OLDEST_YEAR <= int(year) <= svc.current_year() + 1):
        errors.add(f"{prefix}year", _("Enter the year of the figures."))
    if errors:
        return await _admin_page(request, ctx, errors=errors, status=422)
    question.reference = {k: v / total for k, v in shares.items()} if shares else {}
    question.reference_source = source if shares else ""
    question.reference_year = int(year) if shares and year else None
    await ctx.session.flush()
    audit(ctx.session, ctx.user, "demographics.reference_saved", question, data={"source": question.reference_source})
    return redirect(request, "/admin/demographics")


@post("/demographics/{question_id:int}/reference")
async def reference_save(request: Request, ctx: Ctx, question_id: FromPath[int]) -> Response[str]:
    question = await get_or_404(ctx.session, ProfileQuestion, question_id)
    form = await read_form(request)
    errors = precheck(form)
    if errors:
        return await _admin_page(request, ctx, errors=errors, status=422)
    prefix = f"q{question.id}."
    [options] = (await _options(ctx, [question])).values()
    raw = {key: form.get(f"{prefix}share.{key}") for key, _label in options}
    return await _store_reference(request, ctx, question, raw, form.get(f"{prefix}source"), form.get(f"{prefix}year"))


def _answer_key(cell: str, question: ProfileQuestion, options: list[tuple[str, str]], areas: list[Area]) -> str | None:
    """The answer a file's first column names: its key, or its label in any of the municipality's languages."""
    wanted = " ".join(cell.split()).casefold()
    names: dict[str, str] = {}
    for key, label in options:
        names[key.casefold()] = key
        names[label.casefold()] = key
    if question.kind == "choice":
        for option in question.options or []:
            for text in (option.get("label") or {}).values():
                names[str(text).casefold()] = str(option["key"])
    if question.kind == "area":
        for area in areas:
            for text in (area.name or {}).values():
                names[str(text).casefold()] = str(area.id)
    return names.get(wanted)


@post("/demographics/{question_id:int}/reference/file")
async def reference_upload(request: Request, ctx: Ctx, question_id: FromPath[int]) -> Response[str]:
    """Population shares from a CSV or XLSX file: answer (key or label) in the first column, percent in the second."""
    question = await get_or_404(ctx.session, ProfileQuestion, question_id)
    form = await read_form(request)
    errors = precheck(form)
    prefix = f"q{question.id}."
    upload = form.file("file")
    raw: dict[str, str] = {}
    if not errors and (upload is None or not getattr(upload, "filename", "")):
        errors.add(f"{prefix}file", _("Choose a CSV or XLSX file."))
    elif not errors:
        try:
            table = read_table(upload.filename, await upload.read(MAX_BYTES + 1), max_rows=200)
        except ImportFileError as exc:
            errors.add(f"{prefix}file", str(exc))
        else:
            [options] = (await _options(ctx, [question])).values()
            areas = await _areas(ctx)
            for row in [table.header, *table.rows]:
                if len(row) < 2 or not any(c.strip() for c in row):
                    continue
                key = _answer_key(row[0], question, options, areas)
                if key is None:
                    if row is table.header:
                        continue  # a header line such as "answer,percent"
                    errors.add(f"{prefix}file", _("Unknown answer in the file: %(answer)s", answer=row[0][:80]))
                    break
                raw[key] = row[1].strip().rstrip("%").strip()
            if not raw and not errors:
                errors.add(f"{prefix}file", _("The file names none of the answers."))
    if errors:
        return await _admin_page(request, ctx, errors=errors, status=422)
    return await _store_reference(request, ctx, question, raw, form.get(f"{prefix}source"), form.get(f"{prefix}year"))


@post("/demographics/{question_id:int}/delete")
async def question_delete(request: Request, ctx: Ctx, question_id: FromPath[int]) -> Response[str]:
    question = await get_or_404(ctx.session, ProfileQuestion, question_id)
    audit(ctx.session, ctx.user, "demographics.question_deleted", question, data={"kind": question.kind})
    await ctx.session.execute(delete(ProfileAnswer).where(ProfileAnswer.question_id == question.id))
    await ctx.session.delete(question)
    await ctx.session.flush()
    return redirect(request, "/admin/demographics")


# --- representativeness of a project ------------------------------------------------------------------------------


async def _project_report(ctx: RequestContext, project_id: int, raw_phase: str) -> dict[str, Any]:
    """Who took part in a project (or one of its phases) against the population: for administrators and the
    project's moderators.

    Checked before the project is looked up, so a resident cannot learn which project ids exist."""
    if not await is_moderator(ctx, project_id):
        raise PermissionDeniedException()
    project = await get_or_404(ctx.session, Project, project_id)
    phase = None
    if raw_phase:
        phase = await ctx.session.get(Phase, int(raw_phase)) if raw_phase.isdigit() and len(raw_phase) < 19 else None
        if phase is None or phase.project_id != project.id:
            raise NotFoundException()
    phase_id = phase.id if phase is not None else None
    qs = await svc.questions(ctx.session)
    options = await _options(ctx, qs)
    year = svc.current_year()
    extra = await svc.method_participants(ctx.session, ctx.app.pm, project.id, phase_id)
    people = svc.participants_query(project.id, extra, phase_id)
    counts = await svc.value_counts(ctx.session, people)
    weighting = svc.weighting(qs, options, await svc.answer_rows(ctx.session, people), year)
    reports = [
        svc.question_report(q, options[q.id], counts.get(q.id, {}), year, weighting.shares.get(q.id)) for q in qs
    ]
    total = await svc.participant_count(ctx.session, people)
    return {
        "project": project,
        "phase": phase,
        "phases": project.phases,
        "reports": reports,
        "participants": total if total >= svc.MIN_CELL else None,
        "weighting": weighting,
        "cap": svc.WEIGHT_CAP,
        "min_cell": svc.MIN_CELL,
    }


@get("/admin/projects/{project_id:int}/representativeness", guards=[signed_in])
async def representativeness(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[str]:
    report = await _project_report(ctx, project_id, request.query_params.get("phase", ""))
    return render(request, "admin/representativeness.html", **report)


@get("/admin/projects/{project_id:int}/representativeness/export", guards=[signed_in])
async def representativeness_export(request: Request, ctx: Ctx, project_id: FromPath[int]) -> Response[bytes]:
    """Every table of the page as one sheet (CSV or XLSX), with the same suppression of small groups: a cell the
    page does not show is empty here too."""
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        raise UserFacingError(detail=_("Choose CSV or XLSX."), status_code=400)
    report = await _project_report(ctx, project_id, request.query_params.get("phase", ""))
    header, rows = svc.report_table(
        report["reports"], weighted=report["weighting"].result is not None, default_locale=ctx.tenant.default_locale
    )
    project, phase = report["project"], report["phase"]
    basename = f"representativeness-{project.slug}" + (f"-phase-{phase.id}" if phase is not None else "")
    return table_download(header, rows, basename=basename, fmt=fmt)


# mounted outside the admins-only router (a project's moderators see its representativeness)
public_routes = [about_you, about_you_save, about_you_later, representativeness, representativeness_export]
routes = [demographics_page, question_create, reference_save, reference_upload, question_delete]
