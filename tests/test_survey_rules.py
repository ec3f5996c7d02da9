"""The survey's pure rules: every question type's validation, display conditions, required-when-visible, page jumps."""

from __future__ import annotations

import pytest

from plugins.survey import results, rules
from plugins.survey.rules import AnswerError, Condition, Question

OPTS = (("o1", {"en": "Red"}), ("o2", {"en": "Green"}), ("o3", {"en": "Blue"}))


def parse(question: Question, **raw: object) -> object:
    return rules.parse_answer(question, {k: v if isinstance(v, list) else [v] for k, v in raw.items()})


# ---------------------------------------------------------------- question types


def test_short_and_long_text() -> None:
    short, long = Question(1, "short"), Question(2, "long")
    assert parse(short, q1="  Main street ") == "Main street"
    assert parse(short, q1="") is None
    with pytest.raises(AnswerError):
        parse(short, q1="x" * 301)
    assert parse(long, q2="x" * 5000) == "x" * 5000
    with pytest.raises(AnswerError):
        parse(long, q2="x" * 5001)
    with pytest.raises(AnswerError):
        parse(short, q1="a\x00b")


def test_single_choice_with_other() -> None:
    plain, other = Question(1, "single", options=OPTS), Question(2, "single", options=OPTS, settings={"other": True})
    assert parse(plain, q1="o2") == "o2"
    with pytest.raises(AnswerError):
        parse(plain, q1="o9")
    with pytest.raises(AnswerError):
        parse(plain, q1="other", q1_other="Purple")  # "other" not offered here
    assert parse(other, q2="other", q2_other="Purple") == {"other": "Purple"}
    with pytest.raises(AnswerError):
        parse(other, q2="other", q2_other="")


def test_multiple_choice_min_max() -> None:
    q = Question(1, "multiple", options=OPTS, settings={"min": 2, "max": 2})
    assert parse(q, q1=["o3", "o1"]) == ["o1", "o3"]  # stored in the form's order
    for bad in (["o1"], ["o1", "o2", "o3"], ["o1", "o1"], ["o1", "zz"]):
        with pytest.raises(AnswerError):
            parse(q, q1=bad)
    assert parse(q, q1=[]) is None


def test_dropdown() -> None:
    q = Question(1, "dropdown", options=OPTS)
    assert parse(q, q1="o3") == "o3"
    with pytest.raises(AnswerError):
        parse(q, q1="other")


def test_scale_and_rating() -> None:
    scale, rating = Question(1, "scale", settings={"max": 7}), Question(2, "rating")
    assert parse(scale, q1="7") == 7
    for bad in ("0", "8", "x", "1.5"):
        with pytest.raises(AnswerError):
            parse(scale, q1=bad)
    assert parse(rating, q2="5") == 5
    with pytest.raises(AnswerError):
        parse(rating, q2="6")


def test_matrix_rows() -> None:
    rows = (("r1", {"en": "Parks"}), ("r2", {"en": "Roads"}))
    q = Question(1, "matrix", rows=rows, required=True)
    assert parse(q, q1_r1="3", q1_r2="5") == {"r1": 3, "r2": 5}
    with pytest.raises(AnswerError):
        parse(q, q1_r1="3")  # required: every row
    with pytest.raises(AnswerError):
        parse(q, q1_r1="9", q1_r2="1")
    assert parse(Question(2, "matrix", rows=rows), q2_r1="2") == {"r1": 2}


def test_ranking() -> None:
    q = Question(1, "ranking", options=OPTS)
    assert parse(q, q1_o1="2", q1_o2="3", q1_o3="1") == ["o3", "o1", "o2"]
    assert parse(q, q1_o2="1") == ["o2"]  # a partial ranking from the top
    for bad in ({"q1_o1": "1", "q1_o2": "1"}, {"q1_o1": "2"}, {"q1_o1": "x"}):
        with pytest.raises(AnswerError):
            parse(q, **bad)


def test_number_bounds() -> None:
    q = Question(1, "number", settings={"min": 0, "max": 120})
    assert parse(q, q1="42") == 42
    assert parse(q, q1="4,5") == 4.5
    for bad in ("-1", "121", "abc", "nan", "inf"):
        with pytest.raises(AnswerError):
            parse(q, q1=bad)


def test_date() -> None:
    q = Question(1, "date")
    assert parse(q, q1="2026-12-02") == "2026-12-02"
    with pytest.raises(AnswerError):
        parse(q, q1="2026-13-40")


def test_point_in_the_municipality() -> None:
    q = Question(1, "point", settings={"bbox": [52.0, 4.0, 52.5, 5.0]})
    assert parse(q, q1_lat="52.1", q1_lng="4.5") == [52.1, 4.5]
    for lat, lng in (("53", "4.5"), ("x", "1"), ("52.1", "")):
        with pytest.raises(AnswerError):
            parse(q, q1_lat=lat, q1_lng=lng)
    assert parse(Question(2, "point"), q2_lat="-33.9", q2_lng="151.2") == [-33.9, 151.2]


def test_blocks_take_no_answer() -> None:
    assert parse(Question(1, "section"), q1="anything") is None
    assert parse(Question(2, "text"), q2="anything") is None


# ---------------------------------------------------------------- logic


@pytest.mark.parametrize(
    ("op", "value", "answer", "expected"),
    [
        ("answered", "", "o1", True),
        ("answered", "", None, False),
        ("not_answered", "", None, True),
        ("equals", "o1", "o1", True),
        ("equals", "o1", "o2", False),
        ("not_equals", "o1", "o2", True),
        ("not_equals", "o1", None, False),
        ("contains", "bike", ["walk", "bike"], True),
        ("contains", "street", "Main Street", True),
        ("contains", "bus", ["walk"], False),
        ("gt", "3", 4, True),
        ("gt", "3", 3, False),
        ("gt", "x", 3, False),
    ],
)
def test_conditions(op: str, value: str, answer: object, expected: bool) -> None:
    answers = {} if answer is None else {"1": answer}
    assert rules.holds(Condition(1, op, value), answers) is expected


def _survey() -> list[Question]:
    """Page 1: lives here? (jump to 3 on "no"); page 2: mode (multiple), cycling street shown if "bike";
    page 3: comment, required."""
    yes_no = (("yes", {"en": "Yes"}), ("no", {"en": "No"}))
    modes = (("walk", {"en": "Walk"}), ("bike", {"en": "Bike"}))
    return [
        Question(1, "single", page=1, required=True, options=yes_no, jumps=((Condition(1, "equals", "no"), 3),)),
        Question(2, "multiple", page=2, required=True, options=modes),
        Question(3, "short", page=2, required=True, condition=Condition(2, "contains", "bike")),
        Question(4, "long", page=3, required=True),
    ]


def test_page_jumps_and_path() -> None:
    survey = _survey()
    assert rules.path(survey, {"1": "yes"}) == [1, 2, 3]
    assert rules.path(survey, {"1": "no"}) == [1, 3]
    assert rules.next_page(survey, 1, {"1": "no"}) == 3
    assert rules.next_page(survey, 3, {}) == rules.END


def test_a_page_with_nothing_to_show_is_passed_over() -> None:
    survey = [
        Question(1, "single", page=1, options=(("yes", {}), ("no", {}))),
        Question(2, "short", page=2, condition=Condition(1, "equals", "yes")),
        Question(3, "short", page=3),
    ]
    assert rules.path(survey, {"1": "no"}) == [1, 3]
    assert rules.path(survey, {"1": "yes"}) == [1, 2, 3]
    assert rules.next_page(survey[:2], 1, {"1": "no"}) == rules.END


def test_jumps_only_go_forward() -> None:
    back = [Question(1, "short", page=2, jumps=((Condition(1, "answered"), 1),)), Question(2, "short", page=1)]
    assert rules.path(back, {"1": "x"}) == [1, 2]


def test_required_counts_only_when_visible() -> None:
    survey = _survey()
    walker = rules.check_all(survey, {"q1": ["yes"], "q2": ["walk"], "q4": ["ok"]})
    assert walker.errors == {}
    cyclist = rules.check_all(survey, {"q1": ["yes"], "q2": ["bike"], "q4": ["ok"]})
    assert set(cyclist.errors) == {"3"}  # shown, required, missing
    outsider = rules.check_all(survey, {"q1": ["no"], "q4": ["ok"]})
    assert outsider.errors == {} and outsider.answers == {"1": "no", "4": "ok"}


def test_a_forged_post_cannot_answer_a_hidden_question() -> None:
    survey = _survey()
    forged = rules.check_all(survey, {"q1": ["no"], "q2": ["bike"], "q3": ["Ring road"], "q4": ["ok"]})
    assert set(forged.errors) == {"2", "3"}  # page 2 was jumped over
    hidden = rules.check_all(survey, {"q1": ["yes"], "q2": ["walk"], "q3": ["Ring road"], "q4": ["ok"]})
    assert set(hidden.errors) == {"3"}


def test_a_forged_post_cannot_skip_a_visible_required_question() -> None:
    assert set(rules.check_all(_survey(), {"q1": ["yes"], "q4": ["ok"]}).errors) == {"2"}


def test_check_page_reads_one_page() -> None:
    survey = _survey()
    page = rules.check_page(survey, 2, {"q2": ["bike"]}, {"1": "yes"})
    assert set(page.errors) == {"3"}
    page = rules.check_page(survey, 2, {"q2": ["walk"], "q3": ["x"]}, {"1": "yes"})
    assert page.errors == {} and "3" not in page.answers  # a hidden question keeps no answer


def test_option_meaning_is_frozen() -> None:
    q = Question(1, "single", options=OPTS)
    assert rules.option_meaning_changed(q, "multiple", ["o1", "o2", "o3"])
    assert rules.option_meaning_changed(q, "single", ["o1", "o2"])
    assert not rules.option_meaning_changed(q, "single", ["o1", "o2", "o3", "o4"])


# ---------------------------------------------------------------- summaries and export rows


def test_summaries_and_export_columns() -> None:
    survey = _survey()
    answers = [{"1": "yes", "2": ["walk", "bike"], "3": "Ring road", "4": "a"}, {"1": "no", "4": "b"}]
    assert results.summarise(survey[0], answers)["counts"] == {"yes": 1, "no": 1}
    assert results.summarise(survey[1], answers)["counts"] == {"walk": 1, "bike": 1}
    assert results.summarise(survey[3], answers, search="B")["texts"] == ["b"]
    header = results.export_header(survey, lambda q: "")
    assert header == ["response", "source", "Q1", "Q2 [walk]", "Q2 [bike]", "Q3", "Q4"]
    row = results.export_row(survey, 7, "online", answers[1])
    assert row == [7, "online", "no", "", "", "", "b"]
    assert len(row) == len(header)
