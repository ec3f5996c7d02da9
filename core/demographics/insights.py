"""The staff dashboard's figures: who took part, per week, per project, per method and per area of residence, and a
method's own figures (``register_stats``) for the project report.

Taking part has one definition, shared with the representativeness page (``service.participation``): a comment or a
reaction in a phase, or a row that the phase's method selects with its ``participants`` hook. Everything is counted
in SQL with ``COUNT(DISTINCT user_id) ... GROUP BY`` over the union of those rows; Python only fills in the weeks
nobody took part in and formats the result. Counts of people by area of residence are demographics: groups under
``MIN_CELL`` people are suppressed like on the representativeness page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core import multiloc
from core.demographics import service as svc
from core.i18n import gettext as _
from core.models import Area, Phase, Project, User

WEEKS = 12


class week_start(FunctionElement):
    """The Monday (UTC) of the ISO week of a timestamp, as a date: computed by the database."""

    type = Date()
    inherit_cache = True
    name = "week_start"


@compiles(week_start)
def _week_start_default(element: Any, compiler: Any, **kw: Any) -> str:  # PostgreSQL
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def tenant_participation(session: AsyncSession, pm: Any, project_id: int | None = None) -> Select:
    """(user_id, phase_id, at) of every participation in the municipality's phases (or one project's)."""
    stmt = select(Phase)
    if project_id is not None:
        stmt = stmt.where(Phase.project_id == project_id)
    phases = list((await session.scalars(stmt)).all())
    ids = select(Phase.id) if project_id is None else select(Phase.id).where(Phase.project_id == project_id)
    return svc.participation(ids, svc.hook_selects(pm, phases))


@dataclass
class Bar:
    key: str
    label: str
    count: int | None  # None: suppressed (fewer than MIN_CELL people)
    share: float | None = None  # of the largest bar: the chart's scale


@dataclass
class Dashboard:
    total: int
    undated: int
    weeks: list[Bar]
    projects: list[Bar]
    methods: list[Bar]
    areas: list[Bar]


def scaled(bars: list[Bar]) -> list[Bar]:
    top = max((b.count or 0 for b in bars), default=0)
    for bar in bars:
        bar.share = (bar.count or 0) / top if top and bar.count is not None else None
    return bars


def fill_weeks(counts: dict[date, int], today: date, weeks: int = WEEKS) -> list[tuple[date, int]]:
    """The last ``weeks`` weeks up to the one of ``today``, oldest first, with 0 for a week nobody took part in."""
    last = monday(today)
    return [(w, counts.get(w, 0)) for w in (last - timedelta(weeks=weeks - 1 - i) for i in range(weeks))]


async def per_week(session: AsyncSession, events: Select, today: date, weeks: int = WEEKS) -> list[tuple[date, int]]:
    ev = events.subquery()
    since = datetime.combine(monday(today) - timedelta(weeks=weeks - 1), datetime.min.time())
    week = week_start(ev.c.at)
    rows = await session.execute(
        select(week, func.count(func.distinct(ev.c.user_id)))
        .where(ev.c.at.is_not(None), ev.c.at >= since.replace(tzinfo=UTC))
        .group_by(week)
    )
    return fill_weeks({_as_date(w): int(n) for w, n in rows.all() if w is not None}, today, weeks)


async def counts(session: AsyncSession, events: Select) -> tuple[int, int]:
    """(distinct people, distinct people with no dated participation at all)."""
    ev = events.subquery()
    total = await session.scalar(select(func.count(func.distinct(ev.c.user_id))))
    dated = await session.scalar(select(func.count(func.distinct(ev.c.user_id))).where(ev.c.at.is_not(None)))
    return int(total or 0), int(total or 0) - int(dated or 0)


async def per_project(session: AsyncSession, events: Select) -> list[tuple[int, int]]:
    ev = events.subquery()
    rows = await session.execute(
        select(Phase.project_id, func.count(func.distinct(ev.c.user_id)))
        .join(Phase, Phase.id == ev.c.phase_id)
        .group_by(Phase.project_id)
    )
    return [(int(p), int(n)) for p, n in rows.all()]


async def per_phase(session: AsyncSession, events: Select) -> list[tuple[int, int]]:
    ev = events.subquery()
    rows = await session.execute(select(ev.c.phase_id, func.count(func.distinct(ev.c.user_id))).group_by(ev.c.phase_id))
    return [(int(p), int(n)) for p, n in rows.all()]


async def per_method(session: AsyncSession, events: Select) -> list[tuple[str, int]]:
    ev = events.subquery()
    rows = await session.execute(
        select(Phase.method, func.count(func.distinct(ev.c.user_id)))
        .join(Phase, Phase.id == ev.c.phase_id)
        .group_by(Phase.method)
    )
    return [(str(m), int(n)) for m, n in rows.all()]


async def per_area(session: AsyncSession, events: Select) -> list[tuple[int | None, int]]:
    """People per area of residence given in their account (None: no area)."""
    ev = events.subquery()
    people = select(ev.c.user_id).distinct().subquery()
    rows = await session.execute(
        select(User.area_id, func.count(User.id)).where(User.id.in_(select(people.c.user_id))).group_by(User.area_id)
    )
    return [(a, int(n)) for a, n in rows.all()]


async def dashboard(
    session: AsyncSession, pm: Any, registry: Any, locale: str, default_locale: str, today: date
) -> Dashboard:
    events = await tenant_participation(session, pm)
    total, undated = await counts(session, events)
    weeks = [
        Bar(w.isoformat(), w.isoformat(), n) for w, n in await per_week(session, events, today)
    ]  # labels formatted by the page
    titles = dict((await session.execute(select(Project.id, Project.title))).all())
    projects = sorted(
        (
            Bar(str(pid), multiloc.pick(titles.get(pid), locale, default_locale).text, n)
            for pid, n in await per_project(session, events)
        ),
        key=lambda b: (-(b.count or 0), b.label),
    )
    methods = []
    for key, n in await per_method(session, events):
        spec = registry.methods.get(key)
        methods.append(Bar(key, str(spec.label) if spec else _("Method unavailable: %(key)s", key=key), n))
    methods.sort(key=lambda b: (-(b.count or 0), b.label))
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    by_area = dict(await per_area(session, events))
    raw = {str(a.id): by_area.get(a.id, 0) for a in areas}
    if by_area.get(None):
        raw["none"] = by_area[None]
    hidden = svc.suppressed(raw)
    labels = {str(a.id): multiloc.pick(a.name, locale, default_locale).text for a in areas}
    labels["none"] = _("No area given")
    area_bars = [Bar(k, labels[k], None if k in hidden else n) for k, n in raw.items()]
    return Dashboard(total, undated, scaled(weeks), scaled(projects), scaled(methods), scaled(area_bars))


# --- the methods' own figures (register_stats) ------------------------------------------------------------------


@dataclass
class Figure:
    label: str
    value: Any


@dataclass
class StatTable:
    """One StatSpec's figure as a table: a label and a value per row, or columns for a list of records."""

    title: str
    header: list[str]
    rows: list[list[Any]]


def _humanise(key: Any) -> str:
    text = str(key).replace("_", " ").strip()
    return _(text[:1].upper() + text[1:]) if text else ""


def _cell(value: Any, locales: set[str], locale: str, default_locale: str) -> Any:
    if isinstance(value, dict) and value and set(value) <= locales:
        return multiloc.pick(value, locale, default_locale).text  # a multilingual name
    if isinstance(value, list | tuple):
        return ", ".join(str(_cell(v, locales, locale, default_locale)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_humanise(k)}: {_cell(v, locales, locale, default_locale)}" for k, v in value.items())
    return value


def stat_table(title: str, figure: Any, locales: set[str], locale: str, default_locale: str) -> StatTable:
    """Any JSON-like figure as rows: a number; a mapping (nested mappings flattened as "a: b"); a list of records."""
    value_header = [_("Figure"), _("Value")]
    if isinstance(figure, list) and figure and all(isinstance(r, dict) for r in figure):
        keys: list[str] = []
        for record in figure:
            keys += [k for k in record if k not in keys]
        rows = [[_cell(r.get(k), locales, locale, default_locale) for k in keys] for r in figure]
        return StatTable(title, [_humanise(k) for k in keys], rows)
    if isinstance(figure, dict) and not (figure and set(figure) <= locales):
        rows = []
        for key, value in figure.items():
            if isinstance(value, dict) and value and not set(value) <= locales:
                rows += [[f"{_humanise(key)}: {_humanise(k)}", _cell(v, locales, locale, default_locale)]
                         for k, v in value.items()]  # fmt: skip
            else:
                rows.append([_humanise(key), _cell(value, locales, locale, default_locale)])
        return StatTable(title, value_header, rows)
    if isinstance(figure, list) and not figure:
        return StatTable(title, value_header, [])
    return StatTable(title, value_header, [[title, _cell(figure, locales, locale, default_locale)]])


async def phase_stats(
    session: AsyncSession, registry: Any, phase: Phase, locales: set[str], locale: str, default_locale: str
) -> list[StatTable]:
    """Every StatSpec of the phase's method, computed for the phase (none when the method is not installed)."""
    tables = []
    for spec in registry.stats_for(phase.method):
        figure = await spec.compute(session, phase)
        tables.append(stat_table(str(spec.label), figure, locales, locale, default_locale))
    return tables


def long_table(tables: list[tuple[str, list[str], list[list[Any]]]]) -> tuple[list[str], list[list[Any]]]:
    """Several tables as one sheet for CSV/XLSX: a row per cell, named by its table, row and column."""
    header = [_("Table"), _("Row"), _("Column"), _("Value")]
    rows: list[list[Any]] = []
    for title, columns, body in tables:
        for line in body:
            for column, value in zip(columns[1:], line[1:], strict=False):
                rows.append([title, line[0], column, value])
    return header, rows
