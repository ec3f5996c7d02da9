"""HTTP handlers of the survey: the resident's pages, confirmation, results, exports, the change log.

Every page works as plain HTML forms without JavaScript. The resident's answers of earlier pages travel in a hidden
field as raw form values; nothing is trusted from it: the final submit parses and judges every answer again with the
same rules (``rules.check_all``), so a forged post can neither skip a visible required question nor answer a hidden
one. Staff management lives in ``builder.py``.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath

from core import (
    SUBMITTING,
    Ctx,
    PhaseContext,
    PhasePanel,
    RateLimit,
    RequestContext,
    UserFacingError,
    denied,
    person_weights,
    phase_context,
    rate_limit,
    read_form,
    redirect,
    render,
    table_download,
    uploads,
    weighted_tally,
)
from core import gettext as _

from . import charts, files, hooks, results, rules, services
from .spec import KEY, RESPOND, residents_see_results

BROWSER_COOKIE = "survey_browser"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FIELD = re.compile(r"^q(\d+)(?:_[A-Za-z0-9]+)?$")
MAX_STATE = 200_000
STATUS = {"not_signed_in": 401, "already_done": 409}
ANONYMOUS_RATE = RateLimit.of(ip=SUBMITTING.ip)


def base(pctx: PhaseContext) -> str:
    return f"/p/{pctx.phase.id}/survey"


def refuse(verdict: Any) -> UserFacingError:
    return UserFacingError(detail=verdict.message, status_code=STATUS.get(verdict.reason or "", 403))


async def staff(ctx: RequestContext, phase_id: int) -> PhaseContext:
    if ctx.user is None:
        raise NotAuthorizedException()
    pctx = await phase_context(ctx, phase_id, KEY)
    if not pctx.moderator:
        raise PermissionDeniedException()
    return pctx


def who(pctx: PhaseContext) -> str | None:
    return services.who_of(pctx.user, None if pctx.user else pctx.ctx.cookies.get(BROWSER_COOKIE))


async def verdict_for(pctx: PhaseContext) -> Any:
    person = who(pctx)
    done = not pctx.config.several_responses and await services.has_responded(pctx.session, pctx.phase.id, person)
    return pctx.can(RESPOND, done)


def tenant_bbox(pctx: PhaseContext) -> list[float] | None:
    """The municipality's bounds as ``[south, west, north, east]`` (None when it has none)."""
    bounds = getattr(pctx.tenant, "bounds", None) or {}
    try:
        return [float(bounds[k]) for k in ("south", "west", "north", "east")]
    except (KeyError, TypeError, ValueError):
        return None


async def rule_questions(pctx: PhaseContext) -> tuple[list[Any], list[rules.Question]]:
    """The form's questions; a point question without bounds of its own takes the municipality's."""
    stored = await services.questions_of(pctx.session, pctx.phase.id)
    judged = [services.as_rule(q) for q in stored]
    bbox = tenant_bbox(pctx)
    for question in judged:
        if question.kind == "point" and bbox and not question.settings.get("bbox"):
            question.settings["bbox"] = bbox
    return stored, judged


def results_visible(pctx: PhaseContext) -> bool:
    return pctx.moderator or residents_see_results(pctx.phase, pctx.config)


# ---------------------------------------------------------------- the phase panel (rendered by the core)


async def render_phase(pctx: PhaseContext) -> Any:
    verdict = await verdict_for(pctx)
    stored, _questions = await rule_questions(pctx)
    return PhasePanel(
        "survey/_panel.html",
        {
            "base": base(pctx),
            "config": pctx.config,
            "verdict": verdict,
            "questions": len([q for q in stored if q.kind not in rules.BLOCKS]),
            "responses": await services.response_count(pctx.session, pctx.phase.id),
            "results_visible": results_visible(pctx),
            "moderator": pctx.moderator,
            "state": pctx.state.value,
        },
    )


# ---------------------------------------------------------------- answering


def _fields_of(raw: dict[str, list[str]], questions: list[rules.Question], page: int) -> set[str]:
    on_page = {q.id for q in questions if q.page == page}
    return {name for name in raw if (m := FIELD.match(name)) and int(m.group(1)) in on_page}


def _load_state(text: str) -> dict[str, list[str]]:
    if len(text) > MAX_STATE:
        raise UserFacingError(detail=_("This form is too large."), status_code=400)
    try:
        data = msgspec.json.decode(text or "{}", type=dict[str, list[str]])
    except msgspec.DecodeError:
        raise UserFacingError(detail=_("This form was damaged. Please start again."), status_code=400) from None
    return {k: [v for v in values if "\x00" not in v] for k, values in data.items() if FIELD.match(k)}


def _parsed(questions: list[rules.Question], raw: dict[str, list[str]]) -> dict[str, Any]:
    """Every answer that parses (errors ignored): enough to know the path so far."""
    found = {}
    for question in questions:
        try:
            value = rules.parse_answer(question, raw)
        except rules.AnswerError:
            continue
        if value is not None:
            found[question.key] = value
    return found


async def _page_response(
    request: Request,
    pctx: PhaseContext,
    stored: list[Any],
    questions: list[rules.Question],
    page: int,
    raw: dict[str, list[str]],
    key: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    message: str = "",
    preview: bool = False,
) -> Response[str]:
    answers = _parsed(questions, raw)
    shown = {q.id for q in rules.visible_questions(questions, answers)} | {
        q.id for q in questions if q.page == page and rules.is_visible_on_page(q, answers)
    }
    on_page = [q for q in stored if q.page == page and q.id in shown]
    # earlier pages' answers, and this page's files (a file input cannot be filled in again)
    files_here = {q.name for q in questions if q.kind == "file" and q.page == page}
    hidden = {k: v for k, v in raw.items() if k not in _fields_of(raw, questions, page) or k in files_here}
    route = rules.path(questions, answers)
    all_pages = rules.pages(questions)
    return render(
        request,
        "survey/take.html",
        status_code=status_code,
        pctx=pctx,
        project=pctx.project,
        phase=pctx.phase,
        config=pctx.config,
        base=base(pctx),
        page=page,
        page_number=all_pages.index(page) + 1 if page in all_pages else 1,
        page_total=len(all_pages),
        first=page == route[0] if route else True,
        last=rules.next_page(questions, page, answers) == rules.END,
        questions=on_page,
        values=raw,
        state=msgspec.json.encode(hidden).decode(),
        key=key,
        errors=errors or {},
        message=message,
        preview=preview,
        bounds=tenant_bbox(pctx),
        verdict=await verdict_for(pctx),
    )


def _with_browser_cookie(request: Request, response: Response[str]) -> Response[str]:
    if request.cookies.get(BROWSER_COOKIE) is None:
        response.set_cookie(BROWSER_COOKIE, secrets.token_urlsafe(24), max_age=400 * 86400, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")  # fmt: skip
    return response


@get("/take")
async def take(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await phase_context(ctx, phase_id, KEY)
    stored, questions = await rule_questions(pctx)
    draft = await services.draft_of(pctx.session, pctx.phase.id, pctx.user)
    raw = _load_state(msgspec.json.encode(draft.answers).decode()) if draft else {}
    pages = rules.pages(questions)
    page = draft.page if draft and draft.page in pages else pages[0]
    response = await _page_response(request, pctx, stored, questions, page, raw, secrets.token_urlsafe(24))
    return _with_browser_cookie(request, response)


@get("/preview")
async def preview(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    """Staff see a page of the form as a resident does, whatever the phase's state; nothing is stored."""
    pctx = await staff(ctx, phase_id)
    stored, questions = await rule_questions(pctx)
    pages = rules.pages(questions)
    wanted = request.query_params.get("page", "")
    page = int(wanted) if wanted.isdigit() and int(wanted) in pages else pages[0]
    return await _page_response(request, pctx, stored, questions, page, {}, "preview" * 3, preview=True)


@post("/take")
async def step(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    """One page of answers: back, save a draft, go to the next page or, after the last page, submit."""
    pctx = await phase_context(ctx, phase_id, KEY)
    form = await read_form(request)
    key = form.get("key")
    verdict = await verdict_for(pctx)
    # a retried submit finds its response stored (asked after the verdict: the verdict may see a response that
    # committed after an earlier look for the key)
    if KEY_PATTERN.match(key) and await services.key_taken(pctx.session, pctx.phase.id, key):
        return redirect(request, f"{base(pctx)}/done")
    if not verdict.allowed:
        raise refuse(verdict)
    person = who(pctx)
    if person is None and not pctx.config.several_responses:
        raise UserFacingError(detail=_("Your browser did not keep our cookie: allow cookies to respond."),
                              status_code=400)  # fmt: skip
    stored, questions = await rule_questions(pctx)
    if not questions:
        raise UserFacingError(detail=_("This survey has no questions yet."), status_code=409)
    page, action = form.int("page"), form.get("action", "next")
    pages = rules.pages(questions)
    if page not in pages or not KEY_PATTERN.match(key) or action not in ("next", "back", "save"):
        raise UserFacingError(detail=_("This form was damaged. Please start again."), status_code=400)
    state = _signed_files_only(pctx, questions, _load_state(form.get("state")))
    file_fields = {q.name for q in questions if q.kind == "file"}
    names = {name for name in form.as_dict() if FIELD.match(name) and name not in file_fields}
    posted = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in names}
    on_page = _fields_of(posted, questions, page)
    raw = {k: v for k, v in state.items() if k not in _fields_of(state, questions, page)}
    raw.update({k: posted[k] for k in on_page})
    upload_errors = await _take_files(pctx, form, questions, page, state, raw, action)
    on_page |= {q.name for q in questions if q.kind == "file" and q.page == page and q.name in raw}
    answers = _parsed(questions, raw)
    if action == "back":
        route = rules.path(questions, answers)
        before = route[route.index(page) - 1] if page in route and route.index(page) > 0 else pages[0]
        return await _page_response(request, pctx, stored, questions, before, raw, key)
    before = rules.visible_answers(questions, answers, upto=page - 1) if page > pages[0] else {}
    checked = rules.check_page(questions, page, {k: raw[k] for k in on_page}, before)
    if action == "save":
        if pctx.user is None:
            raise UserFacingError(detail=_("Sign in to save a draft."), status_code=401)
        if pctx.config.anonymous:  # a draft would tie the answers to the person until they submit
            raise UserFacingError(detail=_("An anonymous survey keeps no drafts."), status_code=403)
        await pctx.attempt(RESPOND, step="draft")
        await services.save_draft(pctx.session, pctx.phase.id, pctx.user, raw, page)
        return await _page_response(request, pctx, stored, questions, page, raw, key,
                                    message=_("Your answers are saved. You can come back later."))  # fmt: skip
    if checked.errors or upload_errors:
        errors = {**checked.errors, **upload_errors}
        return await _page_response(request, pctx, stored, questions, page, raw, key, errors=errors,
                                    status_code=422)  # fmt: skip
    following = rules.next_page(questions, page, checked.answers)
    if following != rules.END:
        return await _page_response(request, pctx, stored, questions, following, raw, key)
    final = rules.check_all(questions, raw)
    if final.errors:
        first = min(q.page for q in questions if q.key in final.errors)
        return await _page_response(request, pctx, stored, questions, first, raw, key, errors=final.errors,
                                    status_code=422)  # fmt: skip
    if pctx.config.anonymous:  # counted per address only: a per-account count would note who responded and when
        await rate_limit(ctx, f"{RESPOND}_anonymous", ANONYMOUS_RATE)
    else:  # per account and per address (a visitor without an account too): 429 when too often
        await pctx.attempt(RESPOND)
    outcome = await services.submit(pctx.session, pctx.phase, pctx.config, pctx.user, person, final.answers, key)
    if outcome == services.ALREADY:
        raise refuse(denied("already_done"))
    if outcome == services.STORED and not pctx.config.anonymous:  # an event would carry the actor: none if anonymous
        ctx.emit("survey.responded", phase_id=pctx.phase.id)
    return redirect(request, f"{base(pctx)}/done")


def _signed_files_only(pctx: PhaseContext, questions: list[rules.Question], raw: dict[str, list[str]]) -> dict:
    """Drop every file reference of the carried answers that this server did not sign for this question."""
    secret = pctx.ctx.app.settings.secret_key
    for question in questions:
        if question.kind == "file" and question.name in raw:
            kept = [t for t in raw[question.name] if files.verified(secret, pctx.phase.id, question.id, t)]
            raw[question.name] = kept[:1]
            if not kept:
                del raw[question.name]
    return raw


async def _take_files(
    pctx: PhaseContext,
    form: Any,
    questions: list[rules.Question],
    page: int,
    state: dict[str, list[str]],
    raw: dict[str, list[str]],
    action: str,
) -> dict[str, str]:
    """The page's file questions: a new image is checked and stored through ``core.uploads`` (and replaces the one
    sent before), *Remove* drops it, otherwise the one sent on an earlier visit of the page stays. Returns errors."""
    errors: dict[str, str] = {}
    secret = pctx.ctx.app.settings.secret_key
    for question in questions:
        if question.kind != "file" or question.page != page:
            continue
        name = question.name
        upload = form.file(name)
        if upload is not None and getattr(upload, "filename", "") and action != "back":
            try:
                data = await uploads.read_upload(upload)
                uploads.check_image(data)
            except uploads.UploadError as exc:
                errors[question.key] = exc.message
                continue
            if pctx.config.anonymous:  # per address only, like the anonymous submit
                await rate_limit(pctx.ctx, f"{RESPOND}_anonymous", ANONYMOUS_RATE)
            else:
                await pctx.attempt(RESPOND, step="upload")
            stored = uploads.save_image(files.folder(pctx.ctx.app.settings), pctx.tenant.id, data)
            raw[name] = [files.sign(secret, pctx.phase.id, question.id, stored.name)]
        elif form.flag(f"{name}_remove"):
            raw.pop(name, None)
        elif name in state:
            raw[name] = state[name]
    return errors


@get("/files/{tenant_id:int}/{file_name:str}")
async def file_download(
    ctx: Ctx, phase_id: FromPath[int], tenant_id: FromPath[int], file_name: FromPath[str]
) -> Response[bytes]:
    """An image a resident sent with their answers: staff only, and only when a response of this phase has it."""
    pctx = await staff(ctx, phase_id)
    name = f"{tenant_id}/{file_name}"
    if tenant_id != pctx.tenant.id or not await files.referenced(pctx.session, pctx.phase.id, name):
        raise NotFoundException()
    return uploads.serve(files.folder(ctx.app.settings), name, download_name=f"survey-{phase_id}")


@get("/done")
async def done(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await phase_context(ctx, phase_id, KEY)
    mine = await services.has_own_response(pctx.session, pctx.phase.id, pctx.user)
    return render(request, "survey/done.html", pctx=pctx, project=pctx.project, phase=pctx.phase,
                  config=pctx.config, base=base(pctx), results_visible=results_visible(pctx), mine=mine,
                  sent=request.query_params.get("copy") == "sent")  # fmt: skip


@post("/copy")
async def copy(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    """Ask for a copy of one's answers by e-mail (sent after this request commits, see ``mailcopy``)."""
    pctx = await phase_context(ctx, phase_id, KEY)
    if pctx.user is None:
        raise NotAuthorizedException()
    if not pctx.config.email_copy or pctx.config.anonymous:
        raise UserFacingError(detail=_("This survey does not send copies of answers."), status_code=403)
    if not await services.has_own_response(pctx.session, pctx.phase.id, pctx.user):
        raise UserFacingError(detail=_("You have not answered this survey yet."), status_code=404)
    ctx.emit("survey.copy", phase_id=pctx.phase.id)
    return redirect(request, f"{base(pctx)}/done?copy=sent")


# ---------------------------------------------------------------- results


def _filtered(questions: list[rules.Question], answers: list[dict[str, Any]], by: str, value: str) -> list[dict]:
    target = next((q for q in questions if q.key == by), None)
    if target is None or not value:
        return answers
    condition = rules.Condition(target.id, "equals" if target.kind != "multiple" else "contains", value)
    if target.kind == "multiple":
        return [a for a in answers if isinstance(a.get(by), list) and value in a[by]]
    return [a for a in answers if rules.holds(condition, a)]


CHOICES = ("single", "dropdown", "multiple")


def _chosen(question: rules.Question, value: Any) -> list[str]:
    """The options a stored answer of a choice question counts in (as ``results.summarise`` counts them)."""
    if value in (None, "", [], {}):
        return []
    if question.kind == "multiple":
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return [value if isinstance(value, str) else "other"]


async def _weighted(pctx: PhaseContext, questions: list[rules.Question], kept: list[Any]) -> dict[str, Any]:
    """Staff only: per choice question, raw and weighted shares of the people behind the kept responses.

    An anonymous phase's responses have no person and are never weighted (nor linked to one here). In a named phase
    a response without an account (paper, browser token) has no weight and is left out of the estimate."""
    if pctx.config.anonymous:
        return {"anonymous": True, "weights": None, "tallies": {}}
    weights = await person_weights(pctx.session, pctx.ctx.app.pm, {r.user_id for r in kept}, phase=pctx.phase)
    tallies = {}
    if weights.available:
        for q in questions:
            if q.kind in CHOICES:
                rows = [(r.user_id, key) for r in kept for key in _chosen(q, r.answers.get(q.key))]
                tally = weighted_tally(rows, weights, order=q.option_ids)
                if tally.available:
                    tallies[q.key] = tally
    return {"anonymous": False, "weights": weights, "tallies": tallies}


@get("/results")
async def results_page(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await phase_context(ctx, phase_id, KEY)
    if not results_visible(pctx):
        raise UserFacingError(detail=_("The results are published when the survey closes."), status_code=403)
    stored = await services.questions_of(pctx.session, pctx.phase.id, removed=pctx.moderator)
    questions = [services.as_rule(q) for q in stored]
    responses = await services.responses_for_results(pctx.session, pctx.phase.id)
    everything = [r.answers for r in responses]
    by, value = request.query_params.get("by", "")[:20], request.query_params.get("is", "")[:100]
    search = request.query_params.get("q", "")[:200].replace("\x00", "")
    answers = _filtered(questions, everything, by, value)
    filters = [q for q in stored if q.kind in ("single", "dropdown", "multiple")]
    weighted = None
    if pctx.moderator:
        kept_ids = {id(a) for a in answers}
        weighted = await _weighted(pctx, questions, [r for r in responses if id(r.answers) in kept_ids])
    blocks = []
    for row, question in zip(stored, questions, strict=True):
        if question.kind in rules.BLOCKS:
            continue
        summary = results.summarise(question, answers, search)
        tally = weighted["tallies"].get(question.key) if weighted else None
        blocks.append({"q": row, "rule": question, "s": summary, "chart": charts.chart(row, question, summary),
                       "tally": tally})  # fmt: skip
    return render(request, "survey/results.html", pctx=pctx, project=pctx.project, phase=pctx.phase,
                  base=base(pctx), blocks=blocks, total=len(answers), everything=len(everything), filters=filters,
                  by=by, value=value, search=search, percent=results.percent,
                  moderator=pctx.moderator, weighted=weighted)  # fmt: skip


async def _export(ctx: RequestContext, phase_id: int, fmt: str) -> Response[bytes]:
    pctx = await staff(ctx, phase_id)
    header, rows = await hooks.export_rows(pctx.session, pctx.phase)
    return table_download(header, rows, basename=f"survey-phase-{phase_id}", fmt=fmt)


@get("/results.csv")
async def results_csv(ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
    return await _export(ctx, phase_id, "csv")


@get("/results.xlsx")
async def results_xlsx(ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
    """One column per question and per option; formulas neutralised by ``table_download``."""
    return await _export(ctx, phase_id, "xlsx")


def _routes() -> list[Any]:
    from . import builder

    return [take, preview, step, done, copy, results_page, results_csv, results_xlsx, file_download,
            *builder.HANDLERS]  # fmt: skip


router = Router(path="/p/{phase_id:int}/survey", route_handlers=_routes())
