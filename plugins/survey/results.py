"""Aggregating answers into per-question summaries and export rows: pure functions over answer dicts.

The results page, the phase_results hook and the exports all call these, so the numbers agree everywhere.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import rules


def summarise(question: rules.Question, answers: list[dict[str, Any]], search: str = "") -> dict[str, Any]:
    """``{"answered": n, "counts": {...}, "texts": [...], "mean": x}`` for one question over many responses."""
    key = question.key
    values = [a[key] for a in answers if a.get(key) not in (None, "", [], {})]
    summary: dict[str, Any] = {"answered": len(values), "counts": {}, "texts": [], "rows": {}, "mean": None}
    summary["files"] = []
    kind = question.kind
    if kind in ("single", "dropdown"):
        counts = Counter(v if isinstance(v, str) else "other" for v in values)
        summary["counts"] = {oid: counts.get(oid, 0) for oid in question.option_ids}
        if question.settings.get("other"):
            summary["counts"]["other"] = counts.get("other", 0)
            summary["texts"] = [v["other"] for v in values if isinstance(v, dict)]
    elif kind == "multiple":
        counts = Counter(oid for v in values if isinstance(v, list) for oid in v)
        summary["counts"] = {oid: counts.get(oid, 0) for oid in question.option_ids}
    elif kind in ("scale", "rating"):
        counts = Counter(v for v in values if isinstance(v, int))
        summary["counts"] = {str(n): counts.get(n, 0) for n in range(1, question.scale_max + 1)}
        numbers = [v for v in values if isinstance(v, int)]
        summary["mean"] = round(sum(numbers) / len(numbers), 2) if numbers else None
    elif kind == "matrix":
        for row_id, _label in question.rows:
            counts = Counter(v.get(row_id) for v in values if isinstance(v, dict))
            numbers = [v.get(row_id) for v in values if isinstance(v, dict) and isinstance(v.get(row_id), int)]
            summary["rows"][row_id] = {
                "counts": {str(n): counts.get(n, 0) for n in range(1, question.scale_max + 1)},
                "mean": round(sum(numbers) / len(numbers), 2) if numbers else None,
            }
    elif kind == "ranking":
        # mean rank per option (lower is better) and how often it came first
        for oid in question.option_ids:
            ranks = [v.index(oid) + 1 for v in values if isinstance(v, list) and oid in v]
            summary["rows"][oid] = {
                "mean": round(sum(ranks) / len(ranks), 2) if ranks else None,
                "first": sum(1 for v in values if isinstance(v, list) and v[:1] == [oid]),
            }
    elif kind == "number":
        numbers = [v for v in values if isinstance(v, int | float)]
        summary["mean"] = round(sum(numbers) / len(numbers), 2) if numbers else None
    elif kind == "file":  # stored names: the results page links them for staff only
        summary["files"] = [v for v in values if isinstance(v, str)]
    elif kind in ("short", "long", "date", "point"):
        texts = [v if isinstance(v, str) else ", ".join(str(x) for x in v) for v in values if v is not None]
        if search:
            needle = search.casefold()
            texts = [t for t in texts if needle in t.casefold()]
        summary["texts"] = texts
    return summary


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def export_header(questions: list[rules.Question], label: Any) -> list[str]:
    """One column per question, and per option / row where a question has them. ``label(question)`` names it."""
    header = ["response", "source"]
    for q in questions:
        name = f"Q{q.id} {label(q)}".strip()
        if q.kind in rules.BLOCKS:
            continue
        if q.kind in ("multiple", "ranking"):
            header += [f"{name} [{oid}]" for oid in q.option_ids]
        elif q.kind == "matrix":
            header += [f"{name} [{rid}]" for rid, _l in q.rows]
        elif q.kind == "single" and q.settings.get("other"):
            header += [name, f"{name} [other]"]
        elif q.kind == "point":
            header += [f"{name} [lat]", f"{name} [lng]"]
        else:
            header.append(name)
    return header


def export_row(
    questions: list[rules.Question], response_id: int, source: str, answers: dict[str, Any], file_url: Any = None
) -> list[Any]:
    """``file_url(stored name)`` turns an uploaded file into the staff link written in its column."""
    row: list[Any] = [response_id, source]
    for q in questions:
        value = answers.get(q.key)
        if q.kind in rules.BLOCKS:
            continue
        if q.kind == "multiple":
            row += [(1 if isinstance(value, list) and oid in value else 0) if value is not None else "" for oid in
                    q.option_ids]  # fmt: skip
        elif q.kind == "ranking":
            row += [value.index(oid) + 1 if isinstance(value, list) and oid in value else "" for oid in q.option_ids]
        elif q.kind == "matrix":
            row += [value.get(rid, "") if isinstance(value, dict) else "" for rid, _l in q.rows]
        elif q.kind == "single" and q.settings.get("other"):
            row += ["other", value["other"]] if isinstance(value, dict) else [value if value is not None else "", ""]
        elif q.kind == "point":
            row += list(value) if isinstance(value, list) and len(value) == 2 else ["", ""]
        elif q.kind == "file":
            row.append(file_url(value) if isinstance(value, str) and file_url is not None else value or "")
        else:
            row.append("" if value is None else value)
    return row
