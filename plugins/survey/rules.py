"""The survey's pure rules: what each question type accepts, which questions are visible, which page comes next.

No database, no request: the resident's pages, the final submit, the paper import and the tests all call these
same functions, so a forged post is judged exactly like the form the resident saw. A question is described by a
``Question`` (what the database row holds); answers are a ``{question id (str): value}`` dict of cleaned values.
Values read from a form arrive as ``{field name: [strings]}`` (``raw``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from core import gettext, lazy_gettext, uploads

# Question types, in the builder's order. ``section`` and ``text`` are blocks: shown, never answered.
KINDS: tuple[str, ...] = (
    "short",
    "long",
    "single",
    "multiple",
    "dropdown",
    "scale",
    "rating",
    "matrix",
    "ranking",
    "number",
    "date",
    "point",
    "file",
    "section",
    "text",
)
BLOCKS = frozenset({"section", "text"})
CHOICE_KINDS = frozenset({"single", "multiple", "dropdown", "ranking"})
KIND_LABELS = {
    "short": lazy_gettext("Short text"),
    "long": lazy_gettext("Long text"),
    "single": lazy_gettext("Single choice"),
    "multiple": lazy_gettext("Multiple choice"),
    "dropdown": lazy_gettext("Dropdown"),
    "scale": lazy_gettext("Linear scale"),
    "rating": lazy_gettext("Rating"),
    "matrix": lazy_gettext("Matrix"),
    "ranking": lazy_gettext("Ranking"),
    "number": lazy_gettext("Number"),
    "date": lazy_gettext("Date"),
    "point": lazy_gettext("Point on a map"),
    "file": lazy_gettext("File upload (an image)"),
    "section": lazy_gettext("Section title"),
    "text": lazy_gettext("Text block"),
}
OPS: tuple[str, ...] = ("answered", "not_answered", "equals", "not_equals", "contains", "gt")
OP_LABELS = {
    "answered": lazy_gettext("is answered"),
    "not_answered": lazy_gettext("is not answered"),
    "equals": lazy_gettext("equals"),
    "not_equals": lazy_gettext("does not equal"),
    "contains": lazy_gettext("contains"),
    "gt": lazy_gettext("is greater than"),
}
SHORT_MAX, LONG_MAX = 300, 5000
END = 0  # a page jump to page 0 ends the survey


class AnswerError(ValueError):
    """A value a question does not accept; ``str()`` is the translated message for the resident."""


@dataclass(frozen=True)
class Condition:
    """``<question> <op> <value>``: a display condition or the trigger of a page jump."""

    question: int
    op: str
    value: str = ""

    @classmethod
    def load(cls, data: Any) -> Condition | None:
        if not isinstance(data, dict) or data.get("op") not in OPS:
            return None
        try:
            return cls(int(data["question"]), str(data["op"]), str(data.get("value", "")))
        except (KeyError, TypeError, ValueError):
            return None

    def dump(self) -> dict[str, Any]:
        return {"question": self.question, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Question:
    """One question or block of a survey. ``options`` are ``(stable id, label multiloc)``; ``rows`` likewise."""

    id: int
    kind: str
    page: int = 1
    required: bool = False
    options: tuple[tuple[str, dict[str, str]], ...] = ()
    rows: tuple[tuple[str, dict[str, str]], ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    condition: Condition | None = None
    jumps: tuple[tuple[Condition, int], ...] = ()

    @property
    def key(self) -> str:
        return str(self.id)

    @property
    def name(self) -> str:
        return f"q{self.id}"

    def setting(self, name: str, default: int) -> int:
        value = self.settings.get(name, default)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    @property
    def scale_max(self) -> int:
        return min(max(self.setting("max", 5), 2), 10)

    @property
    def option_ids(self) -> list[str]:
        return [oid for oid, _label in self.options]


# ---------------------------------------------------------------- one question's value


def _one(raw: dict[str, list[str]], name: str) -> str:
    values = raw.get(name) or []
    return str(values[0]).strip() if values else ""


def _text(value: str, limit: int) -> str:
    if "\x00" in value:
        raise AnswerError(gettext("This text contains a character that is not allowed."))
    if len(value) > limit:
        raise AnswerError(gettext("This answer is too long (at most %(num)s characters).", num=limit))
    return value


def _int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise AnswerError(gettext("Enter a whole number.")) from None
    return number


def parse_answer(question: Question, raw: dict[str, list[str]]) -> Any:
    """The cleaned value of ``question`` in ``raw`` (None when left empty), or ``AnswerError``."""
    kind, name = question.kind, question.name
    if kind in BLOCKS:
        return None
    if kind in ("short", "long"):
        value = _text(_one(raw, name), SHORT_MAX if kind == "short" else LONG_MAX)
        return value or None
    if kind in ("single", "dropdown"):
        value = _one(raw, name)
        if not value:
            return None
        if value == "other" and kind == "single" and question.settings.get("other"):
            other = _text(_one(raw, f"{name}_other"), SHORT_MAX)
            if not other:
                raise AnswerError(gettext("Say what your other answer is."))
            return {"other": other}
        if value not in question.option_ids:
            raise AnswerError(gettext("Choose one of the answers."))
        return value
    if kind == "multiple":
        chosen = [str(v) for v in raw.get(name) or [] if str(v)]
        if any(v not in question.option_ids for v in chosen) or len(set(chosen)) != len(chosen):
            raise AnswerError(gettext("Choose among the answers, each once."))
        if not chosen:
            return None
        low, high = question.setting("min", 0), question.setting("max", 0) or len(question.options)
        if not low <= len(chosen) <= high:
            raise AnswerError(gettext("Choose between %(low)s and %(high)s answers.", low=max(low, 1), high=high))
        return [oid for oid in question.option_ids if oid in chosen]
    if kind in ("scale", "rating"):
        value = _one(raw, name)
        if not value:
            return None
        number = _int(value)
        if not 1 <= number <= question.scale_max:
            raise AnswerError(gettext("Choose a value from 1 to %(num)s.", num=question.scale_max))
        return number
    if kind == "matrix":
        answer = {}
        for row_id, _label in question.rows:
            value = _one(raw, f"{name}_{row_id}")
            if value:
                number = _int(value)
                if not 1 <= number <= question.scale_max:
                    raise AnswerError(gettext("Choose a value from 1 to %(num)s.", num=question.scale_max))
                answer[row_id] = number
        if answer and question.required and len(answer) != len(question.rows):
            raise AnswerError(gettext("Answer every row."))
        return answer or None
    if kind == "ranking":
        ranks = {}
        for oid in question.option_ids:
            value = _one(raw, f"{name}_{oid}")
            if value:
                ranks[oid] = _int(value)
        if not ranks:
            return None
        if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
            raise AnswerError(gettext("Give the ranks 1, 2, 3 ... each once."))
        return [oid for oid, _rank in sorted(ranks.items(), key=lambda pair: pair[1])]
    if kind == "number":
        value = _one(raw, name).replace(",", ".")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise AnswerError(gettext("Enter a number.")) from None
        if not math.isfinite(number):
            raise AnswerError(gettext("Enter a number."))
        low, high = question.settings.get("min"), question.settings.get("max")
        if (isinstance(low, int | float) and number < low) or (isinstance(high, int | float) and number > high):
            raise AnswerError(
                gettext(
                    "Enter a number from %(low)s to %(high)s.",
                    low=low if low is not None else "…",
                    high=high if high is not None else "…",
                )
            )
        return int(number) if number.is_integer() else number
    if kind == "date":
        value = _one(raw, name)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise AnswerError(gettext("Enter a date as YYYY-MM-DD.")) from None
    if kind == "point":
        lat, lng = _one(raw, f"{name}_lat"), _one(raw, f"{name}_lng")
        if not lat and not lng:
            return None
        try:
            point = [float(lat), float(lng)]
        except ValueError:
            raise AnswerError(gettext("Enter a latitude and a longitude.")) from None
        box = question.settings.get("bbox")  # [south, west, north, east] of the municipality
        inside = -90 <= point[0] <= 90 and -180 <= point[1] <= 180
        if isinstance(box, list) and len(box) == 4:
            inside = inside and box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]
        if not inside:
            raise AnswerError(gettext("This point is outside the municipality."))
        return point
    if kind == "file":
        # the stored name of an uploaded image (core.uploads); the form carries it signed between pages and the
        # controller drops any reference it did not sign, so here only its shape is checked
        value = _one(raw, name).split("|", 1)[0]
        if not value:
            return None
        if not uploads.STORED_NAME.match(value):
            raise AnswerError(gettext("This file could not be used. Please upload it again."))
        return value
    raise AnswerError(gettext("This question cannot be answered."))


# ---------------------------------------------------------------- logic


def _as_text(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def holds(condition: Condition, answers: dict[str, Any]) -> bool:
    """Whether ``condition`` is true of ``answers`` (an unanswered or hidden question has no value)."""
    value = answers.get(str(condition.question))
    answered = value not in (None, "", [], {})
    if condition.op == "answered":
        return answered
    if condition.op == "not_answered":
        return not answered
    if not answered:
        return False
    texts = _as_text(value)
    if condition.op == "equals":
        return texts == [condition.value]
    if condition.op == "not_equals":
        return texts != [condition.value]
    if condition.op == "contains":
        needle = condition.value.casefold()
        return any(needle == t.casefold() or needle in t.casefold() for t in texts)
    if condition.op == "gt":
        try:
            limit = float(condition.value)
            return any(float(t) > limit for t in texts)
        except ValueError:
            return False
    return False


def pages(questions: list[Question]) -> list[int]:
    return sorted({q.page for q in questions}) or [1]


def next_page(questions: list[Question], page: int, answers: dict[str, Any]) -> int:
    """The page after ``page`` given the answers: the first jump that holds on this page, else the next page; a
    page on which nothing would be shown is passed over. ``END`` (0) when the survey is over. Jumps only go
    forward, so every path ends."""
    target = None
    for question in questions:
        if question.page != page or not is_visible_on_page(question, answers):
            continue
        for condition, goal in question.jumps:
            if holds(condition, answers) and (goal == END or goal > page):
                target = goal
                break
        if target is not None:
            break
    if target is None:
        later = [p for p in pages(questions) if p > page]
        target = later[0] if later else END
    while target != END and not any(q.page == target and is_visible_on_page(q, answers) for q in questions):
        later = [p for p in pages(questions) if p > target]
        target = later[0] if later else END
    return target


def is_visible_on_page(question: Question, answers: dict[str, Any]) -> bool:
    return question.condition is None or holds(question.condition, answers)


def path(questions: list[Question], answers: dict[str, Any]) -> list[int]:
    """The pages a resident with these answers goes through, in order."""
    order, page = [], pages(questions)[0]
    while page != END and page not in order:
        order.append(page)
        page = next_page(questions, page, visible_answers(questions, answers, upto=page))
    return order


def visible_answers(questions: list[Question], answers: dict[str, Any], upto: int | None = None) -> dict[str, Any]:
    """Answers restricted to questions that are visible, walking the questions in order (a condition sees only
    the visible answers before it). ``upto`` stops after that page."""
    seen: dict[str, Any] = {}
    for question in sorted(questions, key=lambda q: (q.page, q.id)):
        if upto is not None and question.page > upto:
            break
        if question.kind in BLOCKS or not is_visible_on_page(question, seen):
            continue
        if question.key in answers:
            seen[question.key] = answers[question.key]
    return seen


def visible_questions(questions: list[Question], answers: dict[str, Any]) -> list[Question]:
    """The questions shown to a resident with these answers: on a page of their path, with a condition that holds."""
    route = set(path(questions, answers))
    shown, seen = [], {}
    for question in sorted(questions, key=lambda q: (q.page, q.id)):
        if question.page not in route or not is_visible_on_page(question, seen):
            continue
        shown.append(question)
        if question.key in answers:
            seen[question.key] = answers[question.key]
    return shown


@dataclass
class Checked:
    answers: dict[str, Any]
    errors: dict[str, str]


def check_page(questions: list[Question], page: int, raw: dict[str, list[str]], before: dict[str, Any]) -> Checked:
    """Read one page's answers from ``raw`` on top of the answers of earlier pages (``before``)."""
    answers = {k: v for k, v in before.items()}
    errors: dict[str, str] = {}
    for question in sorted(questions, key=lambda q: q.id):
        if question.page != page or question.kind in BLOCKS:
            continue
        answers.pop(question.key, None)
        try:
            value = parse_answer(question, raw)
        except AnswerError as exc:
            errors[question.key] = str(exc)
            continue
        if value is not None:
            answers[question.key] = value
    for question in questions:
        if question.page == page and question.key in answers and not is_visible_on_page(question, answers):
            answers.pop(question.key)  # a hidden question keeps no answer
    for question in questions:
        asked = question.page == page and question.required and question.kind not in BLOCKS
        if asked and is_visible_on_page(question, answers) and question.key not in answers:
            errors.setdefault(question.key, gettext("This question needs an answer."))
    return Checked(answers, errors)


def check_all(questions: list[Question], raw: dict[str, list[str]]) -> Checked:
    """Judge a whole response at once (the final submit, a paper response): parse every question, then keep only
    the visible ones, require the visible required ones, and refuse an answer to a hidden question."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        if question.kind in BLOCKS:
            continue
        try:
            value = parse_answer(question, raw)
        except AnswerError as exc:
            errors[question.key] = str(exc)
            continue
        if value is not None:
            parsed[question.key] = value
    return judge(questions, parsed, errors)


def judge(questions: list[Question], parsed: dict[str, Any], errors: dict[str, str] | None = None) -> Checked:
    """Given parsed answers, apply the logic: hidden questions must be unanswered, visible required answered."""
    errors = dict(errors or {})
    shown = visible_questions(questions, parsed)
    shown_keys = {q.key for q in shown}
    for key in parsed:
        if key not in shown_keys:
            errors.setdefault(key, gettext("This question was not asked, so it cannot be answered."))
    for question in shown:
        if question.required and question.kind not in BLOCKS and question.key not in parsed:
            errors.setdefault(question.key, gettext("This question needs an answer."))
    return Checked({k: v for k, v in parsed.items() if k in shown_keys}, errors)


def option_meaning_changed(question: Question, kind: str, option_ids: list[str]) -> bool:
    """Once responses exist, a question's type and the ids of its options are fixed (answers refer to them)."""
    if kind != question.kind:
        return True
    return bool(question.kind in CHOICE_KINDS and set(question.option_ids) - set(option_ids))
