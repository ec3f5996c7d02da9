"""Paper ballots imported from CSV or XLSX through the core's import (docs/imports.md), one ballot per row.

Columns: the budget (by id or name; may stay empty when the phase has one budget), the ballot number written on
the paper, the chosen options (codes, ids or titles, separated by semicolons; in rank order for ranked ballots)
and, in the same order, the points per chosen option (cumulative ballots) or their ranks (ranked ballots,
optional). Every row goes through ``ballot_problems``, the rule typed-in paper ballots and online ballots obey, and
``add_paper_ballot`` stores it: source ``paper`` (so it is counted with the paper ballots) and
``extra.offline_source`` naming where the file came from.
"""

from __future__ import annotations

import re
from typing import Any

from core import (
    ImportColumn,
    ImportContext,
    ImportSpec,
    RowError,
    UserFacingError,
    format_money,
    lazy_gettext,
    ngettext,
)
from core import gettext as _

from . import services
from .models import Budget, Option
from .services import CartLine, CartRefused

KEY = "budgeting"
REFERENCE_MAX = 120
SEPARATORS = re.compile(r"[;\n|]")


def _items(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def _same(text: str, multiloc: dict) -> bool:
    wanted = " ".join(text.split()).casefold()
    return any(wanted == " ".join((value or "").split()).casefold() for value in (multiloc or {}).values())


async def prepare(session: Any, ictx: ImportContext) -> None:
    """Budgets, their options and the ballot numbers already entered; money in the tenant's currency."""
    budgets = await services.budgets_of(session, ictx.phase.id)
    ictx.data["budgets"] = budgets
    ictx.data["options"] = await services.options_of_phase(session, ictx.phase.id)
    ictx.data["stored"] = await services.ballot_references(session, [b.id for b in budgets])
    ictx.data["seen"] = set()
    currency, locale = ictx.tenant.currency, ictx.locale
    services.use_money_formatter(lambda minor: format_money(minor, currency, locale))


def parse_budget(text: str, ictx: ImportContext) -> Budget:
    budgets: list[Budget] = ictx.data["budgets"]
    if not text:
        if len(budgets) == 1:
            return budgets[0]
        raise RowError(_("Say which budget this ballot is for."))
    for budget in budgets:
        if text == str(budget.id) or _same(text, budget.name):
            return budget
    raise RowError(_("Unknown budget “%(name)s”.", name=text))


def parse_reference(text: str, ictx: ImportContext) -> str:
    if len(text) > REFERENCE_MAX:
        raise RowError(_("The ballot number can be at most %(n)d characters long.", n=REFERENCE_MAX))
    return text


def parse_points(text: str, ictx: ImportContext) -> list[int]:
    try:
        points = [int(part) for part in _items(text)]
    except ValueError:
        raise RowError(_("Points and ranks are whole numbers separated by semicolons.")) from None
    if any(p < 0 for p in points):
        raise RowError(_("Points cannot be negative."))
    return points


def _option(text: str, options: list[Option]) -> Option | None:
    for option in options:
        if text == str(option.id) or text == option.code or _same(text, option.title):
            return option
    return None


def check_ballot(values: dict[str, Any], ictx: ImportContext) -> list[RowError]:
    """The row as a ballot: known options of its budget, points where needed, the ballot rules, a new number."""
    budget: Budget = values["budget"]
    config = ictx.config
    chosen: list[Option] = []
    for text in _items(values["options"]):
        option = _option(text, ictx.data["options"].get(budget.id, []))
        if option is None:
            return [RowError(_("Unknown option “%(name)s”.", name=text), "options")]
        chosen.append(option)
    numbers = values["points"] or []
    if config.ballot_type == "cumulative":
        if len(numbers) != len(chosen):
            return [RowError(_("Give one number of points per chosen option, in the same order."), "points")]
        lines = [CartLine(option, p) for option, p in zip(chosen, numbers, strict=True) if p]
    elif config.ballot_type == "ranked" and numbers:
        # Ranks given (1 = first choice), as on the typed-in form; without them the options' order is the ranking.
        if len(numbers) != len(chosen):
            return [RowError(_("Give one rank per chosen option, in the same order."), "points")]
        if len(set(numbers)) != len(numbers):
            return [RowError(_("Two options have the same rank."), "points")]
        lines = [CartLine(option, 1) for _rank, option in sorted(zip(numbers, chosen, strict=True), key=lambda p: p[0])]
    else:
        lines = [CartLine(option, 1) for option in chosen]
    errors = [RowError(problem) for problem in services.ballot_problems(config, budget, lines)]
    number = (budget.id, values["reference"])
    if number in ictx.data["stored"]:
        errors.append(RowError(_("A paper ballot with this number has already been entered."), "reference"))
    elif number in ictx.data["seen"]:
        errors.append(RowError(_("This ballot number appears twice in the file."), "reference"))
    ictx.data["seen"].add(number)
    values.update(lines=lines, config=config)
    return errors


async def write(session: Any, phase: Any, rows: list[dict[str, Any]], source: str, actor: Any) -> int:
    """Each checked row becomes a paper ballot, exactly as if typed in, with the file's source in ``extra``."""
    for values in rows:
        budget: Budget = values["budget"]
        options = {line.option.id: line.option for line in values["lines"]}
        try:
            await services.add_paper_ballot(
                session, values["config"], budget, options, values["lines"],
                reference=values["reference"], area_id=None, staff=actor, extra={"offline_source": source},
            )  # fmt: skip
        except CartRefused as exc:
            raise UserFacingError(detail=f"{values['reference']}: {exc}", status_code=409) from exc
    return len(rows)


PAPER_BALLOTS = ImportSpec(
    key=f"{KEY}.paper",
    label=lazy_gettext("Import paper ballots"),
    description=lazy_gettext(
        "Paper ballots counted by hand, one ballot per row. Each row is checked by the same rules as a ballot typed "
        "in on the paper ballot page, and counted with the paper ballots."
    ),
    columns=(
        ImportColumn(
            "budget", lazy_gettext("Budget"), parse=parse_budget,
            aliases=("budget id", "begroting", "haushalt", "الميزانية"),
            hint=lazy_gettext("Its number or name; may stay empty when the phase has one budget."),
        ),
        ImportColumn(
            "reference", lazy_gettext("Ballot number"), required=True, parse=parse_reference,
            missing=lazy_gettext("Enter the number written on the paper ballot."),
            aliases=("reference", "ballot", "number", "nummer", "stembiljet", "numéro", "stimmzettel", "رقم"),
        ),
        ImportColumn(
            "options", lazy_gettext("Chosen options"), required=True,
            missing=lazy_gettext("Choose at least one option."),
            aliases=("options", "choices", "keuzes", "choix", "optionen", "valg", "الخيارات"),
            hint=lazy_gettext("Option codes or titles separated by semicolons, in rank order for ranked ballots."),
        ),
        ImportColumn(
            "points", lazy_gettext("Points or ranks"), parse=parse_points,
            aliases=("points", "ranks", "punten", "punkte", "poeng", "النقاط", "rang", "rangen", "rangs", "ränge"),
            hint=lazy_gettext(
                "Cumulative ballots: the points of each chosen option; ranked ballots (optional): the rank of each "
                "chosen option, 1 = first choice. Separated by semicolons, in the options' order."
            ),
        ),
    ),
    prepare=prepare,
    check_row=check_ballot,
    write=write,
    summary="reference",
    count=lambda n: ngettext("%(num)d paper ballot", "%(num)d paper ballots", n),
    done_url=lambda phase: f"/p/{phase.id}/{KEY}/manage",
)  # fmt: skip
