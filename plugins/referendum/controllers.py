"""HTTP routes under ``/p/{phase_id}/referendum``: the ballot, its confirmation, receipt checks, the published box,
results downloads, and the staff pages (questions while not frozen, turnout, polling-station paper voting).

Every route starts with ``phase_context`` (404 for another tenant's or method's phase); every change is checked
on the server. Results and the ballot box are embargoed until the count at close, for staff as well.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from sqlalchemy import select

from core import (
    Ctx,
    Phase,
    PhaseContext,
    PhasePanel,
    UserFacingError,
    audit,
    denied,
    gettext,
    has_phase_outputs,
    import_path,
    is_htmx,
    phase_context,
    phase_outputs,
    phase_state,
    read_form,
    redirect,
    render,
    sanitize,
    table_download,
)

from . import services
from .models import Question
from .spec import KEY, KIND_LABELS, VOTE_ACTION

STATUS_FOR_REASON = {"not_signed_in": 401, "already_done": 409}
MAX_OPTIONS = 20


def _refuse(message: str, status: int) -> UserFacingError:
    return UserFacingError(detail=message, status_code=status)


def not_on_roll() -> str:
    return gettext("You are not on the electoral roll of this referendum.")


def embargoed() -> str:
    return gettext("The results and the ballot box are published once voting has closed and the votes are counted.")


async def _voter(pctx: PhaseContext) -> dict[str, Any]:
    """Whether this visitor may vote now, and the reason shown when not."""
    box, entry = await services.box_and_entry(pctx.session, pctx.phase, pctx.user)
    if box is None:  # voting has not opened, or this is its first request since: snapshot the roll
        box = await services.ensure_roll(pctx.session, pctx.phase, pctx.config)
        entry = await services.my_entry(pctx.session, pctx.phase, pctx.user) if box else None
    verdict = pctx.can(VOTE_ACTION, {"voted": bool(entry and entry.voted)})
    if verdict.allowed and pctx.user is None:
        verdict = denied("not_signed_in")
    reason = verdict.message if not verdict.allowed else ""
    if verdict.allowed and entry is None:
        reason = not_on_roll()
    return {"box": box, "entry": entry, "verdict": verdict, "reason": reason, "may_vote": not reason}


def background_html(q: Question, locale: str, default: str) -> Any:
    text = q.background.get(locale) or q.background.get(default) or next(iter(q.background.values()), "")
    return sanitize.markdown_to_html(text) if text else ""


async def panel_context(pctx: PhaseContext) -> dict[str, Any]:
    voter = await _voter(pctx)
    box = voter["box"]
    if phase_state(pctx.phase) == "ended":
        box = await services.close(pctx.session, pctx.phase, pctx.config, box)
    # Once counted, the results carry the turnout: no count of the roll per page.
    show_turnout = box is not None and box.results is None and (pctx.moderator or pctx.config.live_turnout)
    return {
        "phase": pctx.phase,
        "config": pctx.config,
        "questions": await services.questions(pctx.session, pctx.phase),
        "state": phase_state(pctx.phase),
        "moderator": pctx.moderator,
        "kind_labels": KIND_LABELS,
        "receipt": services.new_receipt(),
        "turnout": await services.turnout(pctx.session, pctx.phase) if show_turnout else None,
        "results": box.results if box is not None else None,
        "tenant_locale": pctx.tenant.default_locale,
        "background": background_html,
        "base": f"/p/{pctx.phase.id}/{KEY}",
        **voter,
        "box": box,
    }


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    return PhasePanel("referendum/panel.html", await panel_context(pctx))


def _staff(pctx: PhaseContext) -> None:
    if not pctx.moderator:
        raise PermissionDeniedException()


class ReferendumController(Controller):
    path = "/p/{phase_id:int}/referendum"

    @post("/vote")
    async def vote(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        """Idempotent for one submission: the receipt code in the form identifies it, so a retry after a timeout
        or a double click lands on the same confirmation, never a second ballot; another attempt is refused."""
        pctx = await phase_context(ctx, phase_id, KEY)
        voter = await _voter(pctx)
        form = await read_form(request)
        receipt = form.get("receipt")
        if not services.receipt_ok(receipt):
            raise _refuse(gettext("The ballot form is incomplete. Reload the page and vote again."), 400)
        if not voter["verdict"].allowed:
            if voter["verdict"].reason == "already_done" and await services.receipt_in_box(
                pctx.session, pctx.phase, receipt
            ):
                return render(request, "referendum/receipt.html", **_receipt_context(pctx, receipt, repeat=True))
            raise _refuse(voter["verdict"].message, STATUS_FOR_REASON.get(voter["verdict"].reason or "", 403))
        if voter["entry"] is None:
            raise _refuse(not_on_roll(), 403)
        qs = await services.questions(pctx.session, pctx.phase)
        choices = services.parse_ballot(form, qs) if qs else None
        if choices is None:
            raise _refuse(gettext("Answer every question (or choose blank where it is offered)."), 422)
        await pctx.attempt(VOTE_ACTION)  # a repeat of a recorded submission returned above, uncounted
        outcome = await services.cast_online(pctx.session, pctx.phase, voter["entry"].id, receipt, choices)
        if outcome == "already_done":
            raise _refuse(denied("already_done").message, 409)
        if outcome == "receipt_taken":
            raise _refuse(gettext("This receipt code is already in use. Reload the page and vote again."), 409)
        return render(request, "referendum/receipt.html", **_receipt_context(pctx, receipt, repeat=outcome == "repeat"))

    @get("/check")
    async def check(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], receipt: FromQuery[str] = ""
    ) -> Response[str]:
        """Anyone may check a receipt after the count: is this ballot in the published box?"""
        pctx = await phase_context(ctx, phase_id, KEY)
        box = await services.close(pctx.session, pctx.phase, pctx.config)
        counted = box is not None and box.head is not None
        found = None
        if counted and receipt.strip():
            found = services.receipt_ok(receipt) and await services.receipt_in_box(pctx.session, pctx.phase, receipt)
        return render(
            request,
            "referendum/_check_result.html" if is_htmx(request) and counted else "referendum/check.html",
            project=pctx.project,
            phase=pctx.phase,
            counted=counted,
            embargo=embargoed(),
            receipt=receipt[:40],
            found=found,
            head=box.head if counted else None,
        )

    @get("/ballot-box.json")
    async def ballot_box(self, ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
        """The published ballot box: receipt hash, answers and chain hash of every ballot; never who cast it."""
        pctx = await phase_context(ctx, phase_id, KEY)
        box = await services.close(pctx.session, pctx.phase, pctx.config)
        if box is None or box.head is None:
            raise _refuse(embargoed(), 403)
        body = json.dumps(await services.published(pctx.session, pctx.phase), indent=1).encode()
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="referendum-{phase_id}-ballot-box.json"'},
        )

    @get(["/results.csv", "/results.xlsx"])
    async def results(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
        """Per-question counts as CSV or XLSX, after the count."""
        fmt = request.url.path.rsplit(".", 1)[-1]
        pctx = await phase_context(ctx, phase_id, KEY)
        box = await services.close(pctx.session, pctx.phase, pctx.config)
        if box is None or box.results is None:
            raise _refuse(embargoed(), 403)
        qs = await services.questions(pctx.session, pctx.phase)
        rows = results_rows(qs, box.results, pctx.tenant.default_locale)
        return table_download(
            ["question", "answer", "votes"], rows, basename=f"{KEY}-phase-{phase_id}-results", fmt=fmt
        )

    @get("/manage")
    async def manage(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], q: FromQuery[str] = ""
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _staff(pctx)
        context = await _manage_context(pctx, q)
        if is_htmx(request):  # the polling station's search, in place
            return render(request, "referendum/_roll_search.html", **context)
        return render(request, "referendum/manage.html", **context)

    @post("/questions")
    async def add_question(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _staff(pctx)
        await _refuse_if_frozen(pctx)
        form = await read_form(request)
        locales = list(pctx.tenant.locales)
        title = {k: v for k, v in form.multiloc("title", locales).items() if v.strip()}
        background = {k: v for k, v in form.multiloc("background", locales).items() if v.strip()}
        kind = form.get("kind")
        choices: list[dict[str, str]] = []
        for lang in locales:
            for i, line in enumerate(x.strip() for x in form.get(f"choices.{lang}").splitlines() if x.strip()):
                while len(choices) <= i:
                    choices.append({})
                choices[i][lang] = line[:300]
        lo, hi = form.int("min_choices", 1), form.int("max_choices", 1)
        problem = None
        if kind not in KIND_LABELS:
            problem = gettext("Choose the kind of question.")
        elif not title:
            problem = gettext("Write the question in at least one language.")
        elif kind != "yesno" and not 2 <= len(choices) <= MAX_OPTIONS:
            problem = gettext("Give between 2 and 20 options.")
        elif kind == "multiple" and (lo is None or hi is None or not 1 <= lo <= hi <= len(choices)):
            problem = gettext("The number of choices must be between 1 and the number of options.")
        if form.has_nul or form.too_long:
            problem = gettext("The text is too long or contains characters that cannot be stored.")
        if problem:
            context = await _manage_context(pctx, "")
            context["problem"] = problem
            return render(request, "referendum/manage.html", status_code=422, **context)
        position = len(await services.questions(pctx.session, pctx.phase))
        _log(pctx, "referendum.question_added", title)
        pctx.session.add(
            Question(
                phase_id=pctx.phase.id,
                position=position,
                kind=kind,
                allow_blank=form.flag("allow_blank"),
                title={k: v[:500] for k, v in title.items()},
                background={k: v[:5000] for k, v in background.items()},
                choices=choices if kind != "yesno" else [],
                min_choices=lo if kind == "multiple" else 1,
                max_choices=hi if kind == "multiple" else 1,
            )
        )
        return redirect(request, f"/p/{phase_id}/{KEY}/manage")

    @post("/questions/from-phase")
    async def question_from_phase(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        """Hand-over: a yes/no question taken from what an earlier phase produced (e.g. a proposal that reached its
        threshold), through the core's ``phase_outputs``; the same output is taken at most once."""
        pctx = await phase_context(ctx, phase_id, KEY)
        _staff(pctx)
        await _refuse_if_frozen(pctx)
        form = await read_form(request)
        source_id, key = form.int("source"), form.get("key")[:80]
        source = next((p for p in await _earlier_phases(pctx) if p.id == source_id), None)
        output = None
        if source is not None:
            output = next((o for o in await phase_outputs(ctx, pctx.session, source) if o.key == key), None)
        if output is None:
            raise _refuse(gettext("Choose something an earlier phase of this project produced."), 400)
        source_key = f"{source.id}:{output.key}"
        qs = await services.questions(pctx.session, pctx.phase)
        if any(q.source_key == source_key for q in qs):
            raise _refuse(gettext("This has already been taken as a question."), 409)
        _log(pctx, "referendum.question_added", output.title)
        pctx.session.add(
            Question(
                phase_id=pctx.phase.id,
                position=len(qs),
                kind="yesno",
                allow_blank=True,
                title={k: v[:500] for k, v in output.title.items()},
                background={k: v[:5000] for k, v in output.description.items()},
                source_key=source_key,
            )
        )
        return redirect(request, f"/p/{phase_id}/{KEY}/manage")

    @post("/questions/{question_id:int}/delete")
    async def delete_question(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], question_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        _staff(pctx)
        await _refuse_if_frozen(pctx)
        question = next((q for q in await services.questions(pctx.session, pctx.phase) if q.id == question_id), None)
        if question is None:
            raise NotFoundException()
        _log(pctx, "referendum.question_removed", question.title)
        await pctx.session.delete(question)
        return redirect(request, f"/p/{phase_id}/{KEY}/manage")

    @post("/paper/mark")
    async def paper_mark(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        """Polling station, step one: the voter is on the roll and has not voted by any channel."""
        pctx = await phase_context(ctx, phase_id, KEY)
        _staff(pctx)
        _refuse_unless_open(pctx)
        await services.ensure_roll(pctx.session, pctx.phase, pctx.config)
        form = await read_form(request)
        entry_id = form.int("entry")
        if entry_id is None:
            raise _refuse(gettext("Choose a voter on the roll."), 400)
        if not await services.mark_paper(pctx.session, pctx.phase, entry_id):
            raise _refuse(gettext("This voter is not on the roll or has already voted."), 409)
        notice = gettext("Marked as having voted. Hand over the paper ballot.")
        if is_htmx(request):  # the search list again, in place, the voter now shown as having voted
            context = await _manage_context(pctx, form.get("q"))
            context["roll_notice"] = notice
            return render(request, "referendum/_roll_search.html", **context)
        context = await _manage_context(pctx, "")
        context["notice"] = notice
        return render(request, "referendum/manage.html", **context)

    @post("/paper/ballot")
    async def paper_ballot(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        """Polling station, step two, done separately: the ballot out of the box, entered without any name."""
        pctx = await phase_context(ctx, phase_id, KEY)
        _staff(pctx)
        _refuse_unless_open(pctx)
        await services.ensure_roll(pctx.session, pctx.phase, pctx.config)
        form = await read_form(request)
        qs = await services.questions(pctx.session, pctx.phase)
        if form.get("spoilt") == "1":
            choices: dict[str, Any] | None = {str(q.id): "invalid" for q in qs}
        else:
            choices = services.parse_ballot(form, qs) if qs else None
        if choices is None:
            raise _refuse(gettext("Answer every question (or choose blank where it is offered)."), 422)
        receipt = await services.enter_paper(pctx.session, pctx.phase, choices)
        if receipt is None:
            raise _refuse(gettext("Every paper ballot of a marked voter is already in the box."), 409)
        context = await _manage_context(pctx, "")
        context["paper_receipt"] = receipt
        return render(request, "referendum/manage.html", **context)


def _log(pctx: PhaseContext, action: str, title: dict[str, str]) -> None:
    audit.record(pctx.session, pctx.user, action, pctx.phase, data={"title": dict(title)}, public=True)


def _refuse_unless_open(pctx: PhaseContext) -> None:
    if phase_state(pctx.phase) != "active":
        raise _refuse(denied("phase_not_active").message, 403)


async def _refuse_if_frozen(pctx: PhaseContext) -> None:
    if services.frozen(pctx.phase, await services.box_of(pctx.session, pctx.phase)):
        raise _refuse(frozen_reason(), 409)


def frozen_reason() -> str:
    return gettext("Voting has started: the questions and rules of this referendum can no longer change.")


async def _earlier_phases(pctx: PhaseContext) -> list[Any]:
    """Phases of the same project that ended before this one starts and hand their outputs on."""
    stmt = (
        select(Phase)
        .where(
            Phase.project_id == pctx.phase.project_id,
            Phase.id != pctx.phase.id,
            Phase.ends_at <= pctx.phase.starts_at,
        )
        .order_by(Phase.starts_at, Phase.id)
    )
    return [p for p in (await pctx.session.scalars(stmt)).all() if has_phase_outputs(pctx.ctx, p)]


async def _offers(pctx: PhaseContext, frozen: bool) -> list[dict[str, Any]]:
    if frozen:
        return []
    taken = {q.source_key for q in await services.questions(pctx.session, pctx.phase)}
    offers = []
    for source in await _earlier_phases(pctx):
        for output in await phase_outputs(pctx.ctx, pctx.session, source):
            if f"{source.id}:{output.key}" not in taken:
                offers.append({"source": source, "output": output})
    return sorted(offers, key=lambda o: -o["output"].score)[:50]


async def _manage_context(pctx: PhaseContext, query: str) -> dict[str, Any]:
    box = await services.ensure_roll(pctx.session, pctx.phase, pctx.config)
    if phase_state(pctx.phase) == "ended":
        box = await services.close(pctx.session, pctx.phase, pctx.config, box)
    marks, entered = await services.paper_counts(pctx.session, pctx.phase)
    return {
        "project": pctx.project,
        "phase": pctx.phase,
        "config": pctx.config,
        "questions": await services.questions(pctx.session, pctx.phase),
        "kind_labels": KIND_LABELS,
        "frozen": services.frozen(pctx.phase, box),
        "offers": await _offers(pctx, services.frozen(pctx.phase, box)),
        "import_url": import_path(pctx.phase.id, "referendum.register"),
        "frozen_reason": frozen_reason(),
        "box": box,
        "state": phase_state(pctx.phase),
        "turnout": await services.turnout(pctx.session, pctx.phase),
        "paper_marks": marks,
        "paper_entered": entered,
        "query": query[:100],
        "found": await services.find_roll(pctx.session, pctx.phase, query[:100]) if box else [],
        "locales": list(pctx.tenant.locales),
        "base": f"/p/{pctx.phase.id}/{KEY}",
        "problem": None,
        "notice": None,
        "paper_receipt": None,
        "roll_notice": None,
    }


def _receipt_context(pctx: PhaseContext, receipt: str, *, repeat: bool) -> dict[str, Any]:
    return {"project": pctx.project, "phase": pctx.phase, "receipt": receipt, "repeat": repeat}


def results_rows(qs: list[Question], results: dict[str, Any], locale: str) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for q in qs:
        title = q.title.get(locale) or next(iter(q.title.values()), "")
        entry = results["tally"].get(str(q.id), {})
        if q.kind == "yesno":
            rows += [[title, "yes", entry.get("yes", 0)], [title, "no", entry.get("no", 0)]]
        else:
            counts = entry.get("counts", [])
            for i, choice in enumerate(q.choices):
                n = counts[i] if isinstance(counts, list) else counts.get(str(i), 0)
                rows.append([title, choice.get(locale) or next(iter(choice.values()), ""), n])
        rows += [[title, "blank", entry.get("blank", 0)], [title, "invalid", entry.get("invalid", 0)]]
    return rows
