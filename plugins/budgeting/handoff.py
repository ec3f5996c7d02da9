"""Budget options taken from an earlier phase of the same project (issue #4: staff pick ideas for the ballot).

The earlier phase's plugin lists what it produced through the core's ``phase_outputs`` hook; this module never
imports another plugin. Staff (admins and the project's moderators) choose an earlier phase and a budget, tick
outputs and give each a cost; confirming creates one option per output, remembering ``source_phase_id`` and
``source_key`` (UNIQUE per budget, so one idea is offered once). Refused once the phase has ballots, like every other
change to what voters are offered. All rows are checked before anything is written: one bad cost, nothing saved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import (
    Ctx,
    Form,
    FormErrors,
    Phase,
    PhaseContext,
    PhaseOutput,
    RequestContext,
    User,
    UserFacingError,
    has_phase_outputs,
    phase_outputs,
    read_form,
    redirect,
    render,
)
from core import gettext as _

from . import services
from .controllers import _base, _budget, _ml_text, _staff
from .models import Budget, Option

SOURCE_KEY_LENGTH = 80


# ---------------------------------------------------------------- services


@dataclass(frozen=True)
class Row:
    """One output of the source phase on the page: ``token`` names its form fields (``pick``, ``cost-<token>``)."""

    output: PhaseOutput
    token: str
    taken: bool


def token_of(key: str) -> str:
    """A short, HTML-id-safe name for an output's fields, the same on every request for the same key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


async def source_phases(ctx: RequestContext, phase: Phase) -> list[Phase]:
    """Phases of the same project that ended before this one starts and whose method hands on its outputs."""
    stmt = (
        select(Phase)
        .where(Phase.project_id == phase.project_id, Phase.id != phase.id, Phase.ends_at <= phase.starts_at)
        .order_by(Phase.starts_at, Phase.id)
    )
    return [p for p in (await ctx.session.scalars(stmt)).all() if has_phase_outputs(ctx, p)]


async def resolve_source(ctx: RequestContext, phase: Phase, source_id: int | None) -> Phase:
    """The chosen source phase: 404 when no such phase exists here, 400 when it may not feed this phase."""
    if source_id is None:
        raise UserFacingError(detail=_("Choose an earlier phase of this project."), status_code=400)
    source = await ctx.session.scalar(select(Phase).where(Phase.id == source_id))
    if source is None:
        raise NotFoundException()
    if source.id not in {p.id for p in await source_phases(ctx, phase)}:
        raise UserFacingError(
            detail=_("Options can only come from a phase of this project that ended before this phase starts."),
            status_code=400,
        )
    return source


async def taken_keys(session: AsyncSession, budget_id: int, source_phase_id: int) -> set[str]:
    stmt = select(Option.source_key).where(Option.budget_id == budget_id, Option.source_phase_id == source_phase_id)
    return {k for k in (await session.scalars(stmt)).all() if k}


async def rows_of(ctx: RequestContext, source: Phase, budget: Budget) -> list[Row]:
    outputs = [o for o in await phase_outputs(ctx, ctx.session, source) if 0 < len(o.key) <= SOURCE_KEY_LENGTH]
    taken = await taken_keys(ctx.session, budget.id, source.id)
    return [Row(o, token_of(o.key), o.key in taken) for o in outputs]


def check_picks(
    form: Form, rows: list[Row], budget: Budget, currency: str, title: Any, errors: FormErrors
) -> list[tuple[Row, int]]:
    """The ticked rows with their costs in minor units; every problem is added to ``errors`` under the field's id."""
    by_token = {row.token: row for row in rows}
    picked: list[tuple[Row, int]] = []
    tokens = list(dict.fromkeys(form.getlist("pick")))
    if not tokens:
        errors.add("_form", _("Tick at least one item to add."))
    for token in tokens:
        row = by_token.get(token)
        if row is None:
            errors.add("_form", _("One of the ticked items is no longer available; check the list again."))
            continue
        name = title(row.output.title)
        if row.taken:
            errors.add(f"pick-{token}", _("“%(title)s” is already an option of this budget.", title=name))
            continue
        raw = form.get(f"cost-{token}")
        cost = services.parse_money(raw, currency)
        if not raw:
            errors.add(f"cost-{token}", _("Enter a cost for “%(title)s”.", title=name))
        elif cost is None or cost <= 0:
            errors.add(
                f"cost-{token}",
                _("Enter a cost above zero for “%(title)s”, for example 12000 or 120.50.", title=name),
            )
        elif cost > budget.amount:
            errors.add(f"cost-{token}", _("The cost of “%(title)s” is larger than the whole budget.", title=name))
        else:
            picked.append((row, cost))
    return picked


async def add_options(
    session: AsyncSession, phase: Phase, source: Phase, budget: Budget, picked: list[tuple[Row, int]], actor: User
) -> list[Option]:
    """Create the options in one go; a concurrent request adding the same output first makes this one refuse."""
    count = await session.scalar(select(func.count()).select_from(Option).where(Option.budget_id == budget.id))
    if int(count or 0) + len(picked) > services.MAX_OPTIONS_PER_BUDGET:
        raise UserFacingError(
            detail=_("A budget can have at most %(max)s options.", max=services.MAX_OPTIONS_PER_BUDGET),
            status_code=400,
        )
    position = await services.next_position(session, Option, Option.budget_id, budget.id)
    created: list[Option] = []
    try:
        async with session.begin_nested():
            for offset, (row, cost) in enumerate(picked):
                output = row.output
                option = Option(
                    phase_id=phase.id,
                    budget_id=budget.id,
                    code=f"new-{services.new_receipt()}",
                    title=dict(output.title),
                    description=dict(output.description),
                    cost=cost,
                    area_id=output.area_id,
                    position=position + offset,
                    source_phase_id=source.id,
                    source_key=output.key,
                )
                session.add(option)
                created.append(option)
            await session.flush()
    except IntegrityError:
        raise UserFacingError(
            detail=_("One of these items was added to this budget meanwhile; check the list again."), status_code=409
        ) from None
    for option in created:
        taken = await session.scalar(
            select(Option.id).where(
                Option.budget_id == budget.id, Option.code == str(option.id), Option.id != option.id
            )
        )
        option.code = str(option.id) if taken is None else f"o{option.id}"
        services.log_change(
            session,
            actor,
            "budgeting.option_created",
            option,
            {
                "phase_id": phase.id,
                "budget_id": budget.id,
                "cost": option.cost,
                "title": option.title,
                "source_phase_id": source.id,
                "source_key": option.source_key,
            },
        )
    await session.flush()
    return created


# ---------------------------------------------------------------- pages


def _page_url(pctx: PhaseContext) -> str:
    return f"{_base(pctx)}/manage/from-phase"


async def _context(
    pctx: PhaseContext, source: Phase | None, budget: Budget | None, rows: list[Row] | None = None
) -> dict[str, Any]:
    ctx = pctx.ctx
    sources = await source_phases(ctx, pctx.phase)
    budgets = await services.budgets_of(ctx.session, pctx.phase.id)
    if rows is None:
        rows = await rows_of(ctx, source, budget) if source is not None and budget is not None else []
    return {
        "pctx": pctx,
        "project": pctx.project,
        "phase": pctx.phase,
        "base": _base(pctx),
        "page_url": _page_url(pctx),
        "locked": await services.config_locked(ctx.session, pctx.phase),
        "sources": sources,
        "source_choices": [(str(p.id), _ml_text(ctx, p.title)) for p in sources],
        "budgets": budgets,
        "budget_choices": [(str(b.id), _ml_text(ctx, b.name)) for b in budgets],
        "source": source,
        "budget": budget,
        "rows": rows,
        "values": {},
        "errors": FormErrors(),
    }


async def _chosen(pctx: PhaseContext, source_id: int | None, budget_id: int | None) -> tuple[Phase, Budget]:
    budget = await _budget(pctx, budget_id) if budget_id is not None else None
    if budget is None:
        raise UserFacingError(detail=_("Choose one of the listed budgets."), status_code=400)
    source = await resolve_source(pctx.ctx, pctx.phase, source_id)
    return source, budget


@get("/manage/from-phase")
async def from_phase_form(
    request: Request,
    ctx: Ctx,
    phase_id: FromPath[int],
    source: FromQuery[int | None] = None,
    budget: FromQuery[int | None] = None,
) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    if source is None and budget is None:
        return render(request, "budgeting/from_phase.html", **await _context(pctx, None, None))
    source_phase, target = await _chosen(pctx, source, budget)
    return render(request, "budgeting/from_phase.html", **await _context(pctx, source_phase, target))


@post("/manage/from-phase")
async def from_phase_add(request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
    pctx = await _staff(ctx, phase_id)
    form = await read_form(request)
    source, budget = await _chosen(pctx, form.int("source"), form.int("budget"))
    locked = await services.config_locked(ctx.session, pctx.phase)
    if locked:
        raise UserFacingError(detail=locked, status_code=409)
    rows = await rows_of(ctx, source, budget)
    errors = FormErrors()
    picked = check_picks(form, rows, budget, ctx.tenant.currency, lambda value: _ml_text(ctx, value), errors)
    if errors:
        context = await _context(pctx, source, budget, rows)
        context["errors"] = errors
        context["values"] = form.as_dict()
        context["ticked"] = set(form.getlist("pick"))
        return render(request, "budgeting/from_phase.html", status_code=422, **context)
    await add_options(ctx.session, pctx.phase, source, budget, picked, ctx.user)
    return redirect(request, f"{_base(pctx)}/manage#budget-{budget.id}")


router = Router(path="/p/{phase_id:int}/budgeting", route_handlers=[from_phase_form, from_phase_add])
