"""HTTP handlers of the budgeting method: the voter's cart, review and submit; results; staff management.

Every page works as plain HTML forms (post/redirect/get); htmx only swaps the ballot panel in place. Every action
is checked on the server: tenant (scoped session), phase state and permission level (``pctx.can``), the budget's
area (``permission_verdict`` hook), one ballot per person (UNIQUE constraint), staff role for management.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from sqlalchemy import select

from core import (
    Area,
    Ctx,
    Form,
    FormErrors,
    PhaseContext,
    RequestContext,
    UserFacingError,
    cached_taxonomy,
    currency_digits,
    denied,
    exports,
    format_money,
    is_htmx,
    multiloc_or_error,
    ngettext,
    person_weights,
    phase_context,
    read_form,
    redirect,
    render,
    uploads,
    weighted_tally,
)
from core import gettext as _

from . import services
from .models import Ballot, Budget, Option
from .rules import rule_names
from .services import BallotSubmitted, CartLine, CartRefused, CartView, ImportRefused
from .spec import BALLOT_TYPE_LABELS, SOURCE_LABELS, VOTE_ACTION, BudgetingConfig, results_public

KEY = "budgeting"
MAX_PB_BYTES = 9 * 1024 * 1024


# ---------------------------------------------------------------- helpers


async def _phase(ctx: RequestContext, phase_id: int) -> PhaseContext:
    pctx = await phase_context(ctx, phase_id, KEY)
    services.use_money_formatter(_money(ctx))
    return pctx


def _money(ctx: RequestContext) -> Any:
    currency = ctx.tenant.currency if ctx.tenant else "EUR"
    return lambda minor: format_money(int(minor), currency, ctx.locale)


async def _budget(pctx: PhaseContext, budget_id: int) -> Budget:
    budget = await services.budget_of_phase(pctx.session, pctx.phase.id, budget_id)
    if budget is None:
        raise NotFoundException()
    return budget


async def _staff(ctx: RequestContext, phase_id: int) -> PhaseContext:
    if ctx.user is None:
        raise NotAuthorizedException()
    pctx = await _phase(ctx, phase_id)
    if not pctx.moderator:
        raise PermissionDeniedException()
    return pctx


def _refuse(verdict: Any) -> UserFacingError:
    status = 401 if verdict.reason == "not_signed_in" else 403
    return UserFacingError(detail=verdict.message, status_code=status)


def _base(pctx: PhaseContext) -> str:
    return f"/p/{pctx.phase.id}/budgeting"


def _area_choices(ctx: RequestContext, areas: list[Area]) -> list[tuple[str, str]]:
    return [(str(a.id), _ml_text(ctx, a.name)) for a in areas]


async def _areas(ctx: RequestContext) -> list[Area]:
    """The municipality's areas in order, from the worker's cache (read-only copies; no statement once warm)."""
    return (await cached_taxonomy(ctx))[1]


def money_fraction(ctx: RequestContext) -> Any:
    """Format an exact amount in major units (MES payments can be fractions of a cent)."""
    currency = ctx.tenant.currency if ctx.tenant else "EUR"
    scale = 10 ** currency_digits(currency)

    def fmt(value: Fraction) -> str:
        minor = Fraction(value) * scale
        text = format_money(round(minor), currency, ctx.locale)
        return text if minor.denominator == 1 else "≈ " + text

    return fmt


def paid_text(voters: int, amount: str, shown: str | None = None) -> str:
    """``shown``: the number of voters as the page writes numbers (``fmt_number``), else as digits."""
    return ngettext(
        "%(num)s voter paid %(amount)s",
        "%(num)s voters paid %(amount)s each",
        voters,
        amount=amount,
        num=shown or voters,
    )


# Payment amounts listed per winner of the Method of Equal Shares; the smaller ones are summed up in one line. With
# 40,000 different ballots a winner's supporters can have hundreds of different amounts left to pay with (482 in
# benchmarks/budgeting_tally.py): hundreds of lines, most of them the same amount to the cent.
PAYMENTS_SHOWN = 5


@dataclass(frozen=True)
class PaymentLines:
    shown: tuple  # the largest amounts, each with its voters (rules.Payment)
    other_voters: int  # the voters of the other, smaller amounts
    lowest: Fraction | None
    highest: Fraction | None


def payment_lines(payments: tuple) -> PaymentLines:
    """A winner's payments (largest first) as the results page lists them: ``PAYMENTS_SHOWN`` amounts, then one
    line for the rest when they are two amounts or more."""
    if len(payments) <= PAYMENTS_SHOWN + 1:
        return PaymentLines(tuple(payments), 0, None, None)
    rest = payments[PAYMENTS_SHOWN:]
    return PaymentLines(
        tuple(payments[:PAYMENTS_SHOWN]), sum(p.voters for p in rest), min(p.amount for p in rest), rest[0].amount
    )


def paid_between_text(voters: int, lowest: str, highest: str, shown: str | None = None) -> str:
    return ngettext(
        "%(num)s other voter paid between %(lowest)s and %(highest)s",
        "%(num)s other voters paid between %(lowest)s and %(highest)s",
        voters,
        lowest=lowest,
        highest=highest,
        num=shown or voters,
    )


def results_visible(pctx: PhaseContext) -> bool:
    return results_public(pctx.phase, pctx.config)


async def _ballot_context(pctx: PhaseContext, budget: Budget, *, items: list | None = None) -> dict[str, Any]:
    options = await services.options_of(pctx.session, budget.id)
    by_id = {o.id: o for o in options}
    verdict = await services.vote_verdict(pctx, budget)
    if items is None:
        items = await services.read_cart(pctx.session, budget.id, pctx.user.id) if pctx.user else []
    view = CartView(pctx.config, budget, services.cart_lines(items, by_id))
    return {
        "pctx": pctx,
        "project": pctx.project,
        "phase": pctx.phase,
        "budget": budget,
        "options": options,
        "view": view,
        "items": items,
        "verdict": verdict,
        "config": pctx.config,
        "base": _base(pctx),
        "ballot_type_label": BALLOT_TYPE_LABELS[pctx.config.ballot_type],
        "min_spend": services.min_spend(pctx.config, budget),
        "message": None,
        "refused": None,
    }


# ---------------------------------------------------------------- the phase panel (rendered by the core)


async def render_phase(pctx: PhaseContext) -> Any:
    from core import PhasePanel

    services.use_money_formatter(_money(pctx.ctx))
    budgets = await services.budgets_of(pctx.session, pctx.phase.id)
    mine = await services.my_ballots(pctx.session, pctx.phase.id, pctx.user.id) if pctx.user else {}
    rows = []
    for budget in budgets:
        rows.append(
            {"budget": budget, "verdict": await services.vote_verdict(pctx, budget), "ballot": mine.get(budget.id)}
        )
    return PhasePanel(
        "budgeting/_panel.html",
        {
            "rows": rows,
            "base": _base(pctx),
            "config": pctx.config,
            "ballot_type_label": BALLOT_TYPE_LABELS[pctx.config.ballot_type],
            "results_visible": results_visible(pctx),
            "moderator": pctx.moderator,
        },
    )


# ---------------------------------------------------------------- voters


@get("/budgets/{budget_id:int}")
async def ballot_page(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _phase(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    context = await _ballot_context(pctx, budget)
    context["refused"] = _replayed_refusal(request, pctx, budget, context)
    return render(request, "budgeting/ballot.html", fragment="budgeting/_ballot.html", **context)


CART_ACTIONS = ("add", "remove", "up", "down", "points")


def _replayed_refusal(request: Request, pctx: PhaseContext, budget: Budget, context: dict[str, Any]) -> str | None:
    """Why the edit named in the address (``?refused=add&option_id=…``) cannot be made to the cart as it is now.

    Without JavaScript a refused edit redirects here (post/redirect/get: a reload does not post again), and the
    page replays the edit on the current cart, writing nothing, to say why; an edit that has become possible since
    says nothing."""
    action = request.query_params.get("refused")
    try:
        option_id = int(request.query_params.get("option_id", ""))
        points = int(request.query_params["points"]) if action == "points" else None
    except (KeyError, ValueError):
        return None
    if action not in CART_ACTIONS:
        return None
    return _replay(pctx, budget, context, action, option_id, points)


def _replay(
    pctx: PhaseContext, budget: Budget, context: dict[str, Any], action: str, option_id: int, points: int | None
) -> str | None:
    """Why ``action`` on ``option_id`` cannot be applied to the cart in ``context`` (None if it can); writes nothing."""
    by_id = {o.id: o for o in context["options"]}
    try:
        services.apply_cart_action(pctx.config, budget, by_id, context["items"], action, option_id, points)
    except CartRefused as exc:
        return str(exc)
    return None


@post("/budgets/{budget_id:int}/cart")
async def cart_edit(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _phase(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    verdict = await services.vote_verdict(pctx, budget)
    if not verdict.allowed:
        raise _refuse(verdict)
    await pctx.attempt(VOTE_ACTION, step="cart")
    form = await read_form(request)
    option_id = form.int("option_id")
    action = form.get("action")
    value = form.int("points") if action == "points" else None
    if option_id is None or (action == "points" and value is None):
        raise UserFacingError(detail=_("Choose an option and a whole number of points."), status_code=400)
    options = {o.id: o for o in await services.options_of(pctx.session, budget.id)}
    try:
        items = await services.edit_cart(pctx.session, pctx.config, budget, options, ctx.user, action, option_id, value)
    except BallotSubmitted:
        raise _refuse(denied("already_done")) from None
    except CartRefused as exc:
        context = await _ballot_context(pctx, budget)
        if not is_htmx(request) and _replay(pctx, budget, context, action, option_id, value) == str(exc):
            # Post/redirect/get: the ballot page replays the edit to say why. A refusal the cart alone does not
            # explain (a race with another edit: "try again") is answered here, as with JavaScript.
            replay = {"refused": action, "option_id": option_id, **({"points": value} if action == "points" else {})}
            return redirect(request, f"{_base(pctx)}/budgets/{budget.id}?{urlencode(replay)}")
        context["refused"] = str(exc)
        return render(request, "budgeting/ballot.html", fragment="budgeting/_ballot.html", status_code=422, **context)
    if not is_htmx(request):
        return redirect(request, f"{_base(pctx)}/budgets/{budget.id}")
    context = await _ballot_context(pctx, budget, items=items)
    option = options[option_id]
    title = _ml_text(ctx, option.title)
    context["message"] = (
        _("Removed: %(title)s", title=title)
        if option_id not in context["view"].chosen
        else _("In your selection: %(title)s", title=title)
    )
    return render(request, "budgeting/_ballot.html", **context)


def _ml_text(ctx: RequestContext, value: dict) -> str:
    from core import multiloc

    default = ctx.tenant.default_locale if ctx.tenant else "en"
    return multiloc.pick(value, ctx.locale, default).text


@get("/budgets/{budget_id:int}/review")
async def review_page(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _phase(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    if ctx.user is not None and await services.my_ballot(ctx.session, budget.id, ctx.user.id) is not None:
        return redirect(request, f"{_base(pctx)}/budgets/{budget.id}/ballot")
    context = await _ballot_context(pctx, budget)
    if not context["verdict"].allowed:
        raise _refuse(context["verdict"])
    context["problems"] = context["view"].problems()
    return render(request, "budgeting/review.html", **context)


@post("/budgets/{budget_id:int}/submit")
async def submit(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    """Idempotent: a double click or a retry after a timeout lands on the same confirmation, never a 2nd ballot."""
    pctx = await _phase(ctx, phase_id)
    user_id = ctx.user.id if ctx.user is not None else None
    budget, stored, options = await services.budget_ballot_and_options(pctx.session, pctx.phase.id, budget_id, user_id)
    if budget is None:
        raise NotFoundException()
    confirmation = f"{_base(pctx)}/budgets/{budget.id}/ballot"
    if stored is not None:
        return redirect(request, confirmation)  # the same answer for a repeat, even after the phase closed
    verdict = pctx.can(VOTE_ACTION, item=budget)
    if not verdict.allowed:
        raise _refuse(verdict)
    await pctx.attempt(VOTE_ACTION, step="submit")
    try:
        result = await services.submit_ballot(ctx.session, pctx.config, budget, options, ctx.user)
    except CartRefused as exc:
        context = await _ballot_context(pctx, budget, items=exc.items)
        context["problems"] = context["view"].problems() or [str(exc)]
        return render(request, "budgeting/review.html", status_code=422, **context)
    if result.created:
        ctx.emit("budgeting.ballot_submitted", phase_id=pctx.phase.id, budget_id=budget.id, ballot_id=result.ballot.id)
    return redirect(request, confirmation)


@get("/budgets/{budget_id:int}/ballot")
async def my_ballot_page(
    request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]
) -> Response[str]:
    if ctx.user is None:
        raise NotAuthorizedException()
    pctx = await _phase(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    ballot = await services.my_ballot(ctx.session, budget.id, ctx.user.id)
    if ballot is None:
        return redirect(request, f"{_base(pctx)}/budgets/{budget.id}")
    options = {o.id: o for o in await services.options_of(ctx.session, budget.id)}
    points = ballot.points or [1] * len(ballot.option_ids)
    lines = [CartLine(options[i], p) for i, p in zip(ballot.option_ids, points, strict=False) if i in options]
    return render(
        request,
        "budgeting/confirmation.html",
        pctx=pctx,
        project=pctx.project,
        phase=pctx.phase,
        budget=budget,
        ballot=ballot,
        lines=lines,
        config=pctx.config,
        base=_base(pctx),
        total=sum(line.option.cost for line in lines),
    )


@get("/options/{option_id:int}/image")
async def option_image(ctx: Ctx, phase_id: FromPath[int], option_id: FromPath[int]) -> Response[bytes]:
    pctx = await _phase(ctx, phase_id)
    option = await ctx.session.get(Option, option_id)
    if option is None or option.phase_id != pctx.phase.id or not option.image_path:
        raise NotFoundException()
    return uploads.serve(ctx.app.settings.upload_dir, option.image_path, download_name=f"option-{option.id}")


# ---------------------------------------------------------------- results


async def _results(pctx: PhaseContext) -> list[services.BudgetResult]:
    return await services.phase_results(pctx.session, pctx.phase, pctx.config, pctx.tenant.currency)


@get("/results")
async def results_page(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await _phase(ctx, phase_id)
    visible = results_visible(pctx)
    preview = not visible and pctx.moderator
    results = await _results(pctx) if visible or preview else []
    areas = {a.id: a for a in await _areas(ctx)} if results else {}
    weights, weighted = await _weighted(ctx, pctx, results) if results and pctx.moderator else (None, {})
    return render(
        request,
        "budgeting/results.html",
        pctx=pctx,
        project=pctx.project,
        phase=pctx.phase,
        visible=visible,
        preview=preview,
        results=results,
        areas=areas,
        config=pctx.config,
        base=_base(pctx),
        source_labels=SOURCE_LABELS,
        money_fraction=money_fraction(ctx),
        paid_text=paid_text,
        payment_lines=payment_lines,
        paid_between_text=paid_between_text,
        weights=weights,
        weighted=weighted,
    )


async def _weighted(ctx: RequestContext, pctx: PhaseContext, results: list) -> tuple[Any, dict[int, Any]]:
    """Staff's weighted estimate of each option's share of voters (core.person_weights): for analysis next to the
    raw figures; the winners are always computed from the raw ballots. Paper ballots have no person: left out."""
    mine = Ballot.budget_id.in_([r.budget.id for r in results])
    # The voters first, their choices only when there are weights: most municipalities set no reference shares,
    # and decoding every ballot's choices cost 40,000 ballots' staff page ≈ 200 ms (benchmarks/budgeting_tally.py).
    voters = (await pctx.session.scalars(select(Ballot.user_id).where(mine, Ballot.user_id.is_not(None)))).all()
    weights = await person_weights(pctx.session, ctx.app.pm, set(voters), phase=pctx.phase)
    if not weights.available:
        return weights, {}
    rows = (await pctx.session.execute(select(Ballot.budget_id, Ballot.user_id, Ballot.option_ids).where(mine))).all()
    weighted = {
        r.budget.id: weighted_tally(
            [(user, oid) for budget, user, oids in rows if budget == r.budget.id for oid in dict.fromkeys(oids)],
            weights,
            order=[o.id for o in r.options],
        )
        for r in results
    }
    return weights, weighted


@get("/results/export/{fmt:str}")
async def results_export(ctx: Ctx, phase_id: FromPath[int], fmt: FromPath[str]) -> Response[bytes]:
    pctx = await _phase(ctx, phase_id)
    if fmt not in exports.FORMATS:
        raise NotFoundException()
    if not (results_visible(pctx) or pctx.moderator):
        raise UserFacingError(detail=_("Results are published when voting closes."), status_code=403)
    header, rows = services.result_rows(await _results(pctx), lambda v: _ml_text(ctx, v), ctx.tenant.currency)
    return exports.table_download(header, rows, basename=f"budgeting-results-phase-{pctx.phase.id}", fmt=fmt)


# ---------------------------------------------------------------- staff


@get("/manage")
async def manage(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    budgets = await services.budgets_of(ctx.session, pctx.phase.id)
    options = await services.options_of_phase(ctx.session, pctx.phase.id)
    return render(
        request,
        "budgeting/manage.html",
        pctx=pctx,
        project=pctx.project,
        phase=pctx.phase,
        budgets=budgets,
        options=options,
        counts=await services.ballot_counts(ctx.session, pctx.phase.id),
        locked=await services.config_locked(ctx.session, pctx.phase),
        areas={a.id: a for a in await _areas(ctx)},
        config=pctx.config,
        base=_base(pctx),
        ballot_type_label=BALLOT_TYPE_LABELS[pctx.config.ballot_type],
        source_labels=SOURCE_LABELS,
    )


def _budget_form_context(pctx: PhaseContext, budget: Budget | None, values: dict, areas: list[Area]) -> dict:
    return {
        "pctx": pctx,
        "project": pctx.project,
        "phase": pctx.phase,
        "budget": budget,
        "values": values,
        "areas": areas,
        "rules": rule_names(),
        "rule_choices": [(r, r) for r in rule_names()],
        "area_choices": _area_choices(pctx.ctx, areas),
        "locales": list(pctx.tenant.locales),
        "default_locale": pctx.tenant.default_locale,
        "base": _base(pctx),
    }


def _budget_values(budget: Budget | None, currency: str) -> dict:
    if budget is None:
        return {"name": {}, "amount": "", "area_id": "", "rule": "greedy"}
    return {
        "name": budget.name,
        "amount": services.major_text(budget.amount, currency),
        "area_id": str(budget.area_id or ""),
        "rule": budget.rule,
    }


@get("/manage/budgets/new")
async def budget_new(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    values = _budget_values(None, ctx.tenant.currency)
    return render(request, "budgeting/budget_form.html", **_budget_form_context(pctx, None, values, await _areas(ctx)))


@get("/manage/budgets/{budget_id:int}/edit")
async def budget_edit(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    values = _budget_values(budget, ctx.tenant.currency)
    return render(
        request, "budgeting/budget_form.html", **_budget_form_context(pctx, budget, values, await _areas(ctx))
    )


@post("/manage/budgets/new")
async def budget_create(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    return await _budget_save(request, ctx, phase_id, None)


@post("/manage/budgets/{budget_id:int}/edit")
async def budget_update(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    return await _budget_save(request, ctx, phase_id, budget_id)


async def _budget_save(request: Request, ctx: RequestContext, phase_id: int, budget_id: int | None) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    budget = await _budget(pctx, budget_id) if budget_id is not None else None
    form = await read_form(request)
    areas = await _areas(ctx)
    errors = FormErrors()
    locales = list(ctx.tenant.locales)
    name = multiloc_or_error(
        form, "name", locales, errors, required_locale=ctx.tenant.default_locale, message=_("Give the budget a name.")
    )
    amount = services.parse_money(form.get("amount"), ctx.tenant.currency)
    if amount is None or amount <= 0:
        errors.add("amount", _("Enter a positive amount, for example 250000 or 2500.50."))
    area_id = _area_choice(form, areas, errors)
    rule = form.get("rule")
    if rule not in rule_names():
        errors.add("rule", _("Choose one of the listed rules."))
    locked = await services.config_locked(ctx.session, pctx.phase)
    if locked and (budget is None or amount != budget.amount or area_id != budget.area_id or rule != budget.rule):
        errors.add("_form", locked)
    if errors:
        values = {"name": name, "amount": form.get("amount"), "area_id": form.get("area_id"), "rule": rule}
        return render(
            request,
            "budgeting/budget_form.html",
            status_code=422,
            errors=errors,
            **_budget_form_context(pctx, budget, values, areas),
        )
    if budget is None:
        budget = Budget(
            phase_id=pctx.phase.id,
            position=await services.next_position(ctx.session, Budget, Budget.phase_id, pctx.phase.id),
            amount=amount,
        )
        ctx.session.add(budget)
        action = "budgeting.budget_created"
    else:
        action = "budgeting.budget_changed"
    budget.name, budget.amount, budget.area_id, budget.rule = name, amount, area_id, rule
    await ctx.session.flush()
    services.log_change(
        ctx.session,
        ctx.user,
        action,
        budget,
        {"phase_id": pctx.phase.id, "amount": amount, "rule": rule, "area_id": area_id, "name": name},
    )
    return redirect(request, f"{_base(pctx)}/manage")


def _area_choice(form: Form, areas: list[Area], errors: FormErrors) -> int | None:
    raw = form.get("area_id")
    if not raw:
        return None
    value = form.int("area_id")
    if value not in {a.id for a in areas}:
        errors.add("area_id", _("Choose one of the listed areas."))
        return None
    return value


@post("/manage/budgets/{budget_id:int}/delete")
async def budget_delete(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    locked = await services.config_locked(ctx.session, pctx.phase)
    if locked:
        raise UserFacingError(detail=locked, status_code=409)
    services.log_change(ctx.session, ctx.user, "budgeting.budget_deleted", budget, {"phase_id": pctx.phase.id})
    await ctx.session.delete(budget)
    return redirect(request, f"{_base(pctx)}/manage")


def _option_values(option: Option | None, currency: str, budget_id: int | None) -> dict:
    if option is None:
        return {
            "title": {},
            "description": {},
            "cost": "",
            "area_id": "",
            "budget_id": str(budget_id or ""),
            "code": "",
        }
    return {
        "title": option.title,
        "description": option.description,
        "cost": services.major_text(option.cost, currency),
        "area_id": str(option.area_id or ""),
        "budget_id": str(option.budget_id),
        "code": option.code,
    }


async def _option_form_context(pctx: PhaseContext, option: Option | None, values: dict) -> dict:
    return {
        "pctx": pctx,
        "project": pctx.project,
        "phase": pctx.phase,
        "option": option,
        "values": values,
        "area_choices": _area_choices(pctx.ctx, await _areas(pctx.ctx)),
        "budget_choices": [
            (str(b.id), _ml_text(pctx.ctx, b.name)) for b in await services.budgets_of(pctx.session, pctx.phase.id)
        ],
        "locales": list(pctx.tenant.locales),
        "default_locale": pctx.tenant.default_locale,
        "base": _base(pctx),
    }


@get("/manage/options/new")
async def option_new(
    request: Request, ctx: Ctx, phase_id: FromPath[int], budget: FromQuery[int | None] = None
) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    values = _option_values(None, ctx.tenant.currency, budget)
    return render(request, "budgeting/option_form.html", **await _option_form_context(pctx, None, values))


@get("/manage/options/{option_id:int}/edit")
async def option_edit(request: Request, ctx: Ctx, phase_id: FromPath[int], option_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    option = await _option(pctx, option_id)
    values = _option_values(option, ctx.tenant.currency, None)
    return render(request, "budgeting/option_form.html", **await _option_form_context(pctx, option, values))


async def _option(pctx: PhaseContext, option_id: int) -> Option:
    option = await pctx.session.get(Option, option_id)
    if option is None or option.phase_id != pctx.phase.id:
        raise NotFoundException()
    return option


@post("/manage/options/new")
async def option_create(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    return await _option_save(request, ctx, phase_id, None)


@post("/manage/options/{option_id:int}/edit")
async def option_update(request: Request, ctx: Ctx, phase_id: FromPath[int], option_id: FromPath[int]) -> Response[str]:
    return await _option_save(request, ctx, phase_id, option_id)


async def _option_save(request: Request, ctx: RequestContext, phase_id: int, option_id: int | None) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    option = await _option(pctx, option_id) if option_id is not None else None
    form = await read_form(request)
    errors = FormErrors()
    locales = list(ctx.tenant.locales)
    default = ctx.tenant.default_locale
    title = multiloc_or_error(form, "title", locales, errors, required_locale=default, message=_("Give a title."))
    description = multiloc_or_error(
        form, "description", locales, errors, required_locale=None, message=_("Check the description.")
    )
    cost = services.parse_money(form.get("cost"), ctx.tenant.currency)
    if cost is None:
        errors.add("cost", _("Enter the cost as an amount, for example 12000 or 120.50."))
    budgets = {b.id: b for b in await services.budgets_of(ctx.session, pctx.phase.id)}
    budget_id = form.int("budget_id")
    if budget_id not in budgets:
        errors.add("budget_id", _("Choose one of the listed budgets."))
    elif cost is not None and cost > budgets[budget_id].amount:
        errors.add("cost", _("The cost is larger than the whole budget."))
    area_id = _area_choice(form, await _areas(ctx), errors)
    code = form.get("code")[:64]
    if code and not all(c.isalnum() or c in "-_." for c in code):
        errors.add("code", _("Use letters, digits, dots, dashes and underscores only."))
    locked = await services.config_locked(ctx.session, pctx.phase)
    if locked and (
        option is None or cost != option.cost or budget_id != option.budget_id or (code and code != option.code)
    ):
        errors.add("_form", locked)
    image = form.file("image")
    image_data = None
    if image is not None and getattr(image, "filename", ""):
        try:
            image_data = await uploads.read_upload(image)
            uploads.check_image(image_data)
        except uploads.UploadError as exc:
            errors.add("image", exc.message)
    if not errors and budget_id is not None and code:
        clash = await ctx.session.scalar(
            select(Option.id).where(Option.budget_id == budget_id, Option.code == code, Option.id != (option_id or 0))
        )
        if clash is not None:
            errors.add("code", _("Another option of this budget already uses this code."))
    if errors:
        values = {
            "title": title,
            "description": description,
            "cost": form.get("cost"),
            "area_id": form.get("area_id"),
            "budget_id": form.get("budget_id"),
            "code": code,
        }
        return render(
            request,
            "budgeting/option_form.html",
            status_code=422,
            errors=errors,
            **await _option_form_context(pctx, option, values),
        )
    created = option is None
    if option is None:
        option = Option(
            phase_id=pctx.phase.id,
            budget_id=budget_id,
            code=code or f"new-{services.new_receipt()}",
            position=await services.next_position(ctx.session, Option, Option.budget_id, budget_id),
            cost=cost,
        )
        ctx.session.add(option)
    option.title, option.description, option.cost, option.area_id = title, description, cost, area_id
    option.budget_id = budget_id
    if code:
        option.code = code
    if image_data is not None:
        stored = uploads.save_image(ctx.app.settings.upload_dir, ctx.tenant_id, image_data)
        option.image_path = stored.name
    await ctx.session.flush()
    if option.code.startswith("new-"):
        option.code = str(option.id)
        taken = await ctx.session.scalar(
            select(Option.id).where(Option.budget_id == budget_id, Option.code == option.code, Option.id != option.id)
        )
        if taken is not None:
            option.code = f"o{option.id}"
        await ctx.session.flush()
    services.log_change(
        ctx.session,
        ctx.user,
        "budgeting.option_created" if created else "budgeting.option_changed",
        option,
        {"phase_id": pctx.phase.id, "budget_id": budget_id, "cost": cost, "title": title},
    )
    return redirect(request, f"{_base(pctx)}/manage")


@post("/manage/options/{option_id:int}/delete")
async def option_delete(request: Request, ctx: Ctx, phase_id: FromPath[int], option_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    option = await _option(pctx, option_id)
    locked = await services.config_locked(ctx.session, pctx.phase)
    if locked:
        raise UserFacingError(detail=locked, status_code=409)
    services.log_change(
        ctx.session, ctx.user, "budgeting.option_deleted", option, {"phase_id": pctx.phase.id, "title": option.title}
    )
    if option.image_path:
        uploads.delete(ctx.app.settings.upload_dir, option.image_path)
    await ctx.session.delete(option)
    return redirect(request, f"{_base(pctx)}/manage")


@get("/manage/import")
async def import_form(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    return render(request, "budgeting/import.html", pctx=pctx, project=pctx.project, phase=pctx.phase, base=_base(pctx))


@post("/manage/import")
async def import_pb(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    form = await read_form(request)
    upload = form.file("file")
    errors = FormErrors()
    data = b""
    if upload is None or not getattr(upload, "filename", ""):
        errors.add("file", _("Choose a .pb file."))
    else:
        data = await upload.read(MAX_PB_BYTES + 1)
        if len(data) > MAX_PB_BYTES:
            errors.add("file", _("The file is too large."))
        elif b"\x00" in data:
            errors.add("file", _("This is not a readable pabulib file: %(error)s", error="NUL"))
    if not errors:
        try:
            budget = await services.import_pb(
                ctx.session,
                pctx.phase,
                pctx.config,
                data,
                filename=str(upload.filename)[:200],
                currency=ctx.tenant.currency,
                default_locale=ctx.tenant.default_locale,
                actor=ctx.user,
            )
        except ImportRefused as exc:
            errors.add("file", str(exc))
        else:
            return redirect(request, f"{_base(pctx)}/manage#budget-{budget.id}")
    return render(
        request,
        "budgeting/import.html",
        status_code=422,
        errors=errors,
        pctx=pctx,
        project=pctx.project,
        phase=pctx.phase,
        base=_base(pctx),
    )


@get("/manage/budgets/{budget_id:int}/export.pb")
async def export_pb(ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[bytes]:
    pctx = await _staff(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    text = await services.export_pb(ctx.session, pctx.config, budget, ctx.tenant.currency, ctx.tenant.default_locale)
    return exports.download(text.encode("utf-8"), f"phase-{pctx.phase.id}-budget-{budget.id}.pb", "text/plain")


async def _paper_context(pctx: PhaseContext, budget: Budget) -> dict:
    return {
        "pctx": pctx,
        "project": pctx.project,
        "phase": pctx.phase,
        "budget": budget,
        "options": await services.options_of(pctx.session, budget.id),
        "areas": (areas := await _areas(pctx.ctx)),
        "area_choices": _area_choices(pctx.ctx, areas),
        "config": pctx.config,
        "base": _base(pctx),
        "values": {},
        "saved": None,
    }


@get("/manage/budgets/{budget_id:int}/paper")
async def paper_form(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    context = await _paper_context(pctx, budget)
    context["saved"] = request.query_params.get("saved")
    return render(request, "budgeting/paper.html", **context)


@post("/manage/budgets/{budget_id:int}/paper")
async def paper_save(request: Request, ctx: Ctx, phase_id: FromPath[int], budget_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    budget = await _budget(pctx, budget_id)
    context = await _paper_context(pctx, budget)
    options = {o.id: o for o in context["options"]}
    form = await read_form(request)
    errors = FormErrors()
    reference = form.get("reference")[:120]
    if not reference:
        errors.add("reference", _("Enter the number written on the paper ballot."))
    area_id = _area_choice(form, context["areas"], errors)
    lines = _paper_lines(pctx.config, options, form, errors)
    if not errors:
        try:
            ballot = await services.add_paper_ballot(
                ctx.session, pctx.config, budget, options, lines, reference=reference, area_id=area_id, staff=ctx.user
            )
        except CartRefused as exc:
            errors.add("_form", str(exc))
        else:
            await ctx.session.flush()
            return redirect(request, f"{_base(pctx)}/manage/budgets/{budget.id}/paper?saved={ballot.id}")
    context["values"] = form.as_dict()
    context["chosen"] = {str(v) for v in form.getlist("option")}
    return render(request, "budgeting/paper.html", status_code=422, errors=errors, **context)


def _paper_lines(config: BudgetingConfig, options: dict[int, Option], form: Form, errors: FormErrors) -> list[CartLine]:
    kind = config.ballot_type
    lines: list[CartLine] = []
    if kind == "cumulative":
        for option in options.values():
            value = form.int(f"points.{option.id}", 0)
            if value is None or value < 0:
                errors.add(f"points.{option.id}", _("Enter a whole number of points."))
            elif value:
                lines.append(CartLine(option, value))
        return lines
    if kind == "ranked":
        ranked: list[tuple[int, Option]] = []
        for option in options.values():
            value = form.int(f"rank.{option.id}", 0)
            if value is None or value < 0:
                errors.add(f"rank.{option.id}", _("Enter a rank as a whole number."))
            elif value:
                ranked.append((value, option))
        ranks = [r for r, _o in ranked]
        if len(set(ranks)) != len(ranks):
            errors.add("_form", _("Two options have the same rank."))
        return [CartLine(option, 1) for _r, option in sorted(ranked, key=lambda pair: pair[0])]
    for raw in form.getlist("option"):
        try:
            option = options.get(int(raw))
        except ValueError:
            option = None
        if option is None:
            errors.add("_form", _("That option is not on this ballot."))
        else:
            lines.append(CartLine(option, 1))
    return lines


router = Router(
    path="/p/{phase_id:int}/budgeting",
    route_handlers=[
        ballot_page,
        cart_edit,
        review_page,
        submit,
        my_ballot_page,
        option_image,
        results_page,
        results_export,
        manage,
        budget_new,
        budget_edit,
        budget_create,
        budget_update,
        budget_delete,
        option_new,
        option_edit,
        option_create,
        option_update,
        option_delete,
        import_form,
        import_pb,
        export_pb,
        paper_form,
        paper_save,
    ],
)
