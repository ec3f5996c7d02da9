"""Profile answers, age bands, a project's participants and how they compare with the reference population.

Counting happens in SQL (GROUP BY over the answers of the participants' sub-query); cells under ``MIN_CELL`` people
are never shown, and a score is only given when enough people answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Select, delete, func, literal, null, select, type_coerce, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core import multiloc
from core.db.base import UTCDateTime, utcnow
from core.i18n import current_locale, lazy_gettext
from core.i18n import gettext as _
from core.models import Area, Comment, Phase, ProfileAnswer, ProfileQuestion, Reaction

if TYPE_CHECKING:
    from core.demographics.raking import RakeResult

PREFER_NOT = "prefer_not"
MIN_CELL = 5
WEIGHT_CAP = 5.0
CALLOUT_GAP = 0.05  # a group is called under- or over-represented when its share differs by 5 points or more
OLDEST_YEAR = 1900
MAX_OPTIONS = 20

# (first age, last age or None, key)
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "0-17"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, None, "65+"),
)

GENDERS = (
    ("woman", lazy_gettext("Woman")),
    ("man", lazy_gettext("Man")),
    ("other", lazy_gettext("Another gender")),
)


def kind_labels() -> dict[str, str]:
    return {
        "birth_year": _("Year of birth (shown as age bands)"),
        "gender": _("Gender"),
        "area": _("Area of residence"),
        "choice": _("Your own question with answers to choose from"),
    }


def age_band(birth_year: int, this_year: int) -> str | None:
    age = this_year - birth_year
    if age < 0:
        return None
    for first, last, key in AGE_BANDS:
        if age >= first and (last is None or age <= last):
            return key
    return None


def band_label(key: str) -> str:
    for first, last, band in AGE_BANDS:
        if band == key:
            if first == 0:
                return _("Under %(age)s", age=last + 1)  # type: ignore[operator]
            if last is None:
                return _("%(age)s and over", age=first)
            return _("%(first)s to %(last)s", first=first, last=last)
    return key


def answer_options(
    question: ProfileQuestion, areas: Iterable[Area], locale: str, default: str
) -> list[tuple[str, str]]:
    """The categories a question is counted in, as (key, label), in order (age bands for a year of birth)."""
    if question.kind == "birth_year":
        return [(key, band_label(key)) for _f, _l, key in AGE_BANDS]
    if question.kind == "gender":
        return [(key, str(label)) for key, label in GENDERS]
    if question.kind == "area":
        return [(str(a.id), multiloc.pick(a.name, locale, default).text) for a in areas]
    return [(str(o["key"]), multiloc.pick(o.get("label"), locale, default).text) for o in question.options or []]


def parse_answer(question: ProfileQuestion, raw: str, option_keys: set[str], this_year: int) -> str | None:
    """The stored value of a submitted answer: None when skipped; ValueError when it is not a possible answer."""
    raw = raw.strip()
    if not raw:
        return None
    if raw == PREFER_NOT:
        return PREFER_NOT
    if question.kind == "birth_year":
        if not (raw.isascii() and raw.isdigit()) or len(raw) != 4 or not OLDEST_YEAR <= int(raw) <= this_year:
            raise ValueError(raw)
        return raw
    if raw not in option_keys:
        raise ValueError(raw)
    return raw


def category(question: ProfileQuestion, value: str, this_year: int) -> str | None:
    """The counted category of a stored answer; None for "prefer not to say"."""
    if value == PREFER_NOT:
        return None
    if question.kind == "birth_year":
        return age_band(int(value), this_year) if value.isdigit() else None
    return value


async def questions(session: AsyncSession) -> list[ProfileQuestion]:
    return list(
        (await session.scalars(select(ProfileQuestion).order_by(ProfileQuestion.position, ProfileQuestion.id))).all()
    )


async def answers_of(session: AsyncSession, user_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(ProfileAnswer.question_id, ProfileAnswer.value).where(ProfileAnswer.user_id == user_id)
    )
    return {qid: value for qid, value in rows.all()}


async def save_answers(session: AsyncSession, user_id: int, chosen: Mapping[int, str | None]) -> None:
    """Store, change or remove (None) the person's answers: one row per (person, question)."""
    rows = {
        a.question_id: a
        for a in (await session.scalars(select(ProfileAnswer).where(ProfileAnswer.user_id == user_id))).all()
    }
    for question_id, value in chosen.items():
        row = rows.get(question_id)
        if value is None:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(ProfileAnswer(user_id=user_id, question_id=question_id, value=value))
        elif row.value != value:
            row.value = value
    await session.flush()


async def user_data(session: AsyncSession, user: Any) -> dict[str, Any]:
    qs = {q.id: q for q in await questions(session)}
    answers = await answers_of(session, user.id)
    return {
        "profile_answers": [
            {"question": qs[qid].label, "kind": qs[qid].kind, "answer": value}
            for qid, value in sorted(answers.items())
            if qid in qs
        ]
    }


async def forget_user(session: AsyncSession, user: Any) -> None:
    await session.execute(delete(ProfileAnswer).where(ProfileAnswer.user_id == user.id))


def participation(phase_ids: Select, extra: Iterable[tuple[int, Select]] = ()) -> Select:
    """Every act of taking part as (user_id, phase_id, at): see ``participation_parts``."""
    return union_all(*participation_parts(phase_ids, extra))  # type: ignore[return-value]


def participation_parts(phase_ids: Select, extra: Iterable[tuple[int, Select]] = ()) -> list[Select]:
    """Every act of taking part as (user_id, phase_id, at), for the phases ``phase_ids`` selects: comments and
    reactions (the shared tables), plus, per phase, the select its method's ``participants`` hook gave (see
    ``hook_selects``). ``at`` is when, or NULL when the method's select does not say (no column labelled ``at``).
    The one definition of a participant: the representativeness page and the staff dashboard both count these rows."""
    parts: list[Select] = [
        select(
            Comment.author_id.label("user_id"), Comment.phase_id.label("phase_id"), Comment.created_at.label("at")
        ).where(Comment.phase_id.in_(phase_ids), Comment.author_id.is_not(None)),
        select(
            Reaction.user_id.label("user_id"), Reaction.phase_id.label("phase_id"), Reaction.created_at.label("at")
        ).where(Reaction.phase_id.in_(phase_ids), Reaction.user_id.is_not(None)),
    ]
    for phase_id, given in extra:
        sub = given.subquery()
        # type_coerce, not CAST: SQLite would turn a CAST to DATETIME into a number
        at = type_coerce(sub.c["at"] if "at" in sub.c else null(), UTCDateTime())
        parts.append(
            select(
                next(iter(sub.c)).label("user_id"),
                literal(phase_id, BigInteger).label("phase_id"),
                at.label("at"),
            )
        )
    return parts


def participants_query(
    project_id: int, extra: Iterable[tuple[int, Select]] = (), phase_id: int | None = None
) -> Select:
    """The distinct people who took part in any phase of the project (or the one phase): see ``participation``."""
    phases = select(Phase.id).where(Phase.project_id == project_id)
    if phase_id is not None:
        phases = phases.where(Phase.id == phase_id)
    parts = participation_parts(phases, extra)
    return union(*(part.with_only_columns(part.selected_columns.user_id) for part in parts))  # type: ignore[return-value]


def hook_selects(pm: Any, phases: Iterable[Phase]) -> list[tuple[int, Select]]:
    """What each method's ``participants(phase)`` hook selects, per phase."""
    selects: list[tuple[int, Select]] = []
    for phase in phases:
        for given in pm.hook.participants(phase=phase):
            if given is not None:
                selects += [(phase.id, s) for s in (given if isinstance(given, list | tuple) else [given])]
    return selects


async def method_participants(
    session: AsyncSession, pm: Any, project_id: int, phase_id: int | None = None
) -> list[tuple[int, Select]]:
    """What each method's ``participants(phase)`` hook adds for the project's phases (or the one phase)."""
    stmt = select(Phase).where(Phase.project_id == project_id)
    if phase_id is not None:
        stmt = stmt.where(Phase.id == phase_id)
    return hook_selects(pm, (await session.scalars(stmt)).all())


async def participant_count(session: AsyncSession, people: Select) -> int:
    sub = people.subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


async def answer_rows(session: AsyncSession, people: Select) -> list[tuple[int, int, str]]:
    """(user id, question id, value) of every participant's answer."""
    sub = people.subquery()
    rows = await session.execute(
        select(ProfileAnswer.user_id, ProfileAnswer.question_id, ProfileAnswer.value).where(
            ProfileAnswer.user_id.in_(select(sub.c.user_id))
        )
    )
    return [(u, q, v) for u, q, v in rows.all()]


async def value_counts(session: AsyncSession, people: Select) -> dict[int, dict[str, int]]:
    """Per question, the number of participants per stored value (GROUP BY in SQL)."""
    sub = people.subquery()
    rows = await session.execute(
        select(ProfileAnswer.question_id, ProfileAnswer.value, func.count())
        .where(ProfileAnswer.user_id.in_(select(sub.c.user_id)))
        .group_by(ProfileAnswer.question_id, ProfileAnswer.value)
    )
    out: dict[int, dict[str, int]] = {}
    for qid, value, count in rows.all():
        out.setdefault(qid, {})[value] = int(count)
    return out


def score(sample: Mapping[str, float], reference: Mapping[str, float]) -> float:
    """1 - total variation distance between two distributions (1: same shares; 0: nothing in common)."""
    keys = set(sample) | set(reference)
    return 1.0 - 0.5 * sum(abs(sample.get(k, 0.0) - reference.get(k, 0.0)) for k in keys)


def normalise(values: Mapping[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {k: v / total for k, v in values.items()} if total > 0 else {}


def suppressed(counts: Mapping[str, int], min_cell: int = MIN_CELL) -> set[str]:
    """Cells not to show: under ``min_cell`` people, plus the next smallest when a lone hidden cell could be worked
    out from the total."""
    hidden = {k for k, n in counts.items() if n < min_cell}
    shown = sorted((n, k) for k, n in counts.items() if k not in hidden)
    if len(hidden) == 1 and shown and any(counts[k] > 0 for k in hidden):
        hidden.add(shown[0][1])
    return hidden


@dataclass
class Row:
    key: str
    label: str
    count: int | None  # None: suppressed
    share: float | None
    reference: float | None
    weighted: float | None = None


@dataclass
class QuestionReport:
    question: ProfileQuestion
    rows: list[Row]
    answered: int
    prefer_not: int | None
    score: float | None
    under: list[str] = field(default_factory=list)
    over: list[str] = field(default_factory=list)
    enough: bool = True


def question_report(
    question: ProfileQuestion,
    options: list[tuple[str, str]],
    values: Mapping[str, int],
    this_year: int,
    weighted: Mapping[str, float] | None = None,
) -> QuestionReport:
    counts = {key: 0 for key, _label in options}
    prefer = 0
    for value, n in values.items():
        key = category(question, value, this_year)
        if key is None:
            prefer += n
        elif key in counts:
            counts[key] += n
    answered = sum(counts.values())
    reference = normalise({k: float(v) for k, v in (question.reference or {}).items() if k in counts})
    shares = normalise({k: float(v) for k, v in counts.items()})
    enough = answered >= MIN_CELL
    hidden = suppressed(counts) if enough else set(counts)
    rows = [
        Row(
            key,
            label,
            None if key in hidden else counts[key],
            None if key in hidden else shares.get(key, 0.0),
            reference.get(key) if reference else None,
            weighted.get(key) if weighted is not None and enough else None,
        )
        for key, label in options
    ]
    report = QuestionReport(
        question,
        rows,
        answered if enough else 0,
        prefer if prefer >= MIN_CELL else None,
        score(shares, reference) if enough and reference else None,
        enough=enough,
    )
    if enough and reference:
        for row in rows:
            gap = shares.get(row.key, 0.0) - reference.get(row.key, 0.0)
            if gap <= -CALLOUT_GAP:
                report.under.append(row.label)
            elif gap >= CALLOUT_GAP and row.count is not None:
                report.over.append(row.label)
    return report


def report_table(
    reports: list[QuestionReport], *, weighted: bool, default_locale: str
) -> tuple[list[str], list[list[Any]]]:
    """The page's tables as one sheet: a row per answer of every question that has enough participants; shares
    as fractions (a spreadsheet formats them), suppressed counts and shares left empty."""
    header = [
        _("Question"),
        _("Answer"),
        _("Participants"),
        _("Share of participants"),
        _("Share of population"),
        _("Representativeness score"),
    ]
    if weighted:
        header.append(_("Weighted share (estimate)"))
    rows: list[list[Any]] = []
    for report in reports:
        if not report.enough:
            continue
        label = multiloc.pick(report.question.label, current_locale(), default_locale).text
        for row in report.rows:
            line = [label, row.label, row.count, _round(row.share), _round(row.reference), _round(report.score)]
            if weighted:
                line.append(_round(row.weighted))
            rows.append(line)
    return header, rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class Weighting:
    result: RakeResult | None
    shares: dict[int, dict[str, float]]
    size: int
    people: list[int] = field(default_factory=list)  # the raked user ids, in the order of ``result.weights``


def weighting(
    qs: list[ProfileQuestion],
    options: Mapping[int, list[tuple[str, str]]],
    rows: list[tuple[int, int, str]],
    this_year: int,
) -> Weighting:
    """Rake the participants who answered at least one question with reference shares; weighted shares per question."""
    usable = [q for q in qs if q.reference]
    by_id = {q.id: q for q in usable}
    if not usable or not rows:
        return Weighting(None, {}, 0)
    # numpy (and the raking it serves) is imported here, on the representativeness page, not by every web worker.
    import numpy as np

    from core.demographics.raking import MISSING, rake, weighted_shares

    # Vectorised: one pass of numpy over the rows; Python only maps the few distinct (question, value) pairs to codes.
    users = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    qids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    values = np.array([r[2] for r in rows], dtype=object)
    mine = np.isin(qids, np.fromiter(by_id, dtype=np.int64))
    users, qids, values = users[mine], qids[mine], values[mine]
    people, person = np.unique(users, return_inverse=True)
    if len(people) < MIN_CELL:
        return Weighting(None, {}, len(people))
    keys = {q.id: [k for k, _l in options[q.id]] for q in usable}
    columns = {}
    for q in usable:
        rows_q = qids == q.id
        distinct, inverse = np.unique(values[rows_q].astype(str), return_inverse=True)
        position = {k: i for i, k in enumerate(keys[q.id])}
        codes = np.array(
            [position.get(category(q, str(v), this_year) or "", MISSING) for v in distinct], dtype=np.int64
        )
        column = np.full(len(people), MISSING, dtype=np.int64)
        if len(distinct):
            column[person[rows_q]] = codes[inverse]
        columns[q.id] = column
    targets = [
        {keys[q.id].index(k): float(v) for k, v in (q.reference or {}).items() if k in keys[q.id]} for q in usable
    ]
    result = rake([columns[q.id] for q in usable], targets, cap=WEIGHT_CAP)
    shares = {
        q.id: dict(
            zip(keys[q.id], weighted_shares(columns[q.id], result.weights, len(keys[q.id])).tolist(), strict=True)
        )
        for q in usable
    }
    return Weighting(result, shares, len(people), people.tolist())


def current_year() -> int:
    return utcnow().year
