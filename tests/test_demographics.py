"""Demographics arithmetic: age bands, the representativeness score, minimum cell size and raking weights."""

from __future__ import annotations

import numpy as np
import pytest

from core.demographics.raking import MISSING, effective_sample_size, rake, weighted_shares
from core.demographics.service import (
    MIN_CELL,
    PREFER_NOT,
    age_band,
    parse_answer,
    question_report,
    score,
    suppressed,
    weighting,
)
from core.models import ProfileQuestion


def test_age_bands_cover_every_age_once() -> None:
    assert age_band(2026, 2026) == "0-17"
    assert age_band(2009, 2026) == "0-17"  # 17
    assert age_band(2008, 2026) == "18-24"  # 18
    assert age_band(2002, 2026) == "18-24"  # 24
    assert age_band(2001, 2026) == "25-34"
    assert age_band(1962, 2026) == "55-64"  # 64
    assert age_band(1961, 2026) == "65+"
    assert age_band(1900, 2026) == "65+"
    assert age_band(2027, 2026) is None


def test_answers_are_parsed_strictly() -> None:
    year = ProfileQuestion(kind="birth_year")
    assert parse_answer(year, "", set(), 2026) is None
    assert parse_answer(year, PREFER_NOT, set(), 2026) == PREFER_NOT
    assert parse_answer(year, "1980", set(), 2026) == "1980"
    for bad in ("80", "2030", "1899", "19a0", "１９８０"):
        with pytest.raises(ValueError):
            parse_answer(year, bad, set(), 2026)
    gender = ProfileQuestion(kind="gender")
    assert parse_answer(gender, "woman", {"woman", "man"}, 2026) == "woman"
    with pytest.raises(ValueError):
        parse_answer(gender, "robot", {"woman", "man"}, 2026)


def test_score_is_one_minus_total_variation_distance() -> None:
    assert score({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == pytest.approx(1.0)
    assert score({"a": 1.0}, {"b": 1.0}) == pytest.approx(0.0)
    # |0.8 - 0.5| + |0.2 - 0.3| + |0 - 0.2| = 0.6 → TVD 0.3
    assert score({"a": 0.8, "b": 0.2}, {"a": 0.5, "b": 0.3, "c": 0.2}) == pytest.approx(0.7)


def test_cells_under_the_minimum_are_suppressed_with_their_complement() -> None:
    assert suppressed({"a": 3, "b": 10, "c": 12}) == {"a", "b"}, "a lone hidden cell would follow from the total"
    assert suppressed({"a": 3, "b": 4, "c": 12}) == {"a", "b"}
    assert suppressed({"a": MIN_CELL, "b": 10}) == set()
    assert suppressed({"a": 0, "b": 10, "c": 7}) == {"a"}


def _question(**fields) -> ProfileQuestion:
    q = ProfileQuestion(kind="gender", label={"en": "Gender"}, purpose={}, options=[], **fields)
    q.id = 1
    return q


OPTIONS = [("woman", "Woman"), ("man", "Man"), ("other", "Another gender")]


def test_report_hides_small_groups_and_names_the_gaps() -> None:
    q = _question(reference={"woman": 0.5, "man": 0.48, "other": 0.02})
    report = question_report(q, OPTIONS, {"woman": 12, "man": 30, "other": 2, PREFER_NOT: 6}, 2026)
    rows = {r.key: r for r in report.rows}
    assert rows["other"].count is None and rows["other"].share is None
    assert rows["woman"].count is None, "complementary suppression: 'other' would follow from the total"
    assert rows["man"].count == 30 and rows["man"].share == pytest.approx(30 / 44)
    assert report.answered == 44 and report.prefer_not == 6
    assert report.under == ["Woman"] and report.over == ["Man"]
    assert report.score == pytest.approx(score({"woman": 12 / 44, "man": 30 / 44, "other": 2 / 44}, q.reference))
    few = question_report(q, OPTIONS, {"woman": 2, "man": 2, PREFER_NOT: 3}, 2026)
    assert not few.enough and few.score is None and few.prefer_not is None
    assert all(r.count is None and r.share is None for r in few.rows)


def test_report_counts_birth_years_in_bands() -> None:
    q = ProfileQuestion(kind="birth_year", label={}, purpose={}, options=[], reference={})
    q.id = 2
    options = [("0-17", ""), ("18-24", ""), ("25-34", ""), ("65+", "")]
    report = question_report(q, options, {"2010": 3, "2005": 4, "1995": 5, "1950": 6}, 2026)
    counts = {r.key: r.count for r in report.rows}
    assert counts == {"0-17": None, "18-24": None, "25-34": 5, "65+": 6}
    assert report.score is None, "no population shares entered"


def _cells(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = [], []
    for i, line in enumerate(table):
        for j, n in enumerate(line):
            rows += [i] * n
            cols += [j] * n
    return np.array(rows), np.array(cols)


def test_raking_reaches_the_textbook_solution() -> None:
    """IPF keeps the sample's odds ratio and meets both margins: for the seed [[40, 10], [20, 30]] (odds ratio 6) and
    margins rows (0.5, 0.5), columns (0.4, 0.6), the only such table is [[0.3, 0.2], [0.1, 0.4]]."""
    rows, cols = _cells([[40, 10], [20, 30]])
    result = rake([rows, cols], [{0: 0.5, 1: 0.5}, {0: 0.4, 1: 0.6}])
    assert result.converged
    w = result.weights
    cell = {(i, j): w[(rows == i) & (cols == j)].sum() / w.sum() for i in (0, 1) for j in (0, 1)}
    assert cell[(0, 0)] == pytest.approx(0.3, abs=1e-6)
    assert cell[(0, 1)] == pytest.approx(0.2, abs=1e-6)
    assert cell[(1, 0)] == pytest.approx(0.1, abs=1e-6)
    assert cell[(1, 1)] == pytest.approx(0.4, abs=1e-6)
    assert w.mean() == pytest.approx(1.0)
    assert w[(rows == 0) & (cols == 1)][0] == pytest.approx(2.0, abs=1e-5)  # 0.2 * 100 / 10


def test_one_margin_is_plain_post_stratification() -> None:
    codes = np.array([0] * 80 + [1] * 20)
    result = rake([codes], [{0: 0.5, 1: 0.5}])
    assert result.converged and result.iterations == 1
    assert result.weights[0] == pytest.approx(0.625) and result.weights[-1] == pytest.approx(2.5)
    assert result.effective_size == pytest.approx(100**2 / (80 * 0.625**2 + 20 * 2.5**2))


def test_weights_are_capped() -> None:
    codes = np.array([0] * 95 + [1] * 5)
    free = rake([codes], [{0: 0.5, 1: 0.5}], cap=50)
    assert free.weights.max() == pytest.approx(10.0)
    capped = rake([codes], [{0: 0.5, 1: 0.5}], cap=3)
    assert capped.weights.max() <= 3 + 1e-6 and capped.weights.min() >= 1 / 3 - 1e-6
    assert not capped.converged, "the cap keeps the margin from being met, and says so"
    assert capped.effective_size > free.effective_size
    with pytest.raises(ValueError):
        rake([codes], [{0: 0.5, 1: 0.5}], cap=1)


def test_missing_answers_keep_their_weight_share() -> None:
    codes = np.array([0] * 30 + [1] * 10 + [MISSING] * 60)
    result = rake([codes], [{0: 0.5, 1: 0.5}])
    assert weighted_shares(codes, result.weights, 2) == pytest.approx([0.5, 0.5])
    assert result.weights[codes == MISSING] == pytest.approx(1.0)
    assert effective_sample_size(np.ones(7)) == pytest.approx(7)


def test_a_category_nobody_has_is_dropped_from_the_targets() -> None:
    codes = np.array([0] * 10 + [1] * 10)
    result = rake([codes], [{0: 0.25, 1: 0.25, 2: 0.5}])
    assert result.converged
    assert weighted_shares(codes, result.weights, 3) == pytest.approx([0.5, 0.5, 0.0])


def test_weighting_of_participants_matches_the_population() -> None:
    q = _question(reference={"woman": 0.5, "man": 0.5})
    rows = [(u, 1, "woman") for u in range(10)] + [(u, 1, "man") for u in range(10, 40)] + [(99, 1, PREFER_NOT)]
    out = weighting([q], {1: OPTIONS}, rows, 2026)
    assert out.size == 41 and out.result is not None
    assert out.shares[1]["woman"] == pytest.approx(0.5) and out.shares[1]["man"] == pytest.approx(0.5)
    assert weighting([q], {1: OPTIONS}, rows[:4], 2026).result is None, "too few people to weight"
