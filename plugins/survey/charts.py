"""Server-rendered SVG bar charts for the results page (no JavaScript, no inline style: the CSP forbids it).

The chart is decoration for sighted readers (``aria-hidden``); the table next to it carries the same numbers for
screen readers and for printing.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from core import current_locale, multiloc

from . import rules

BAR_HEIGHT, GAP, WIDTH, LABEL = 22, 8, 520, 180


def labels(row: Any, question: rules.Question) -> list[tuple[str, str]]:
    """``(key, label)`` of every bar, in the reader's language."""
    locale = current_locale()

    def text(value: dict[str, str]) -> str:
        return multiloc.pick(value, locale, locale).text

    if question.kind in ("single", "dropdown", "multiple", "ranking"):
        found = [(oid, text(label)) for oid, label in question.options]
        if question.kind == "single" and question.settings.get("other"):
            from core import gettext

            found.append(("other", gettext("Other")))
        return found
    if question.kind in ("scale", "rating"):
        return [(str(n), str(n)) for n in range(1, question.scale_max + 1)]
    if question.kind == "matrix":
        return [(rid, text(label)) for rid, label in question.rows]
    return []


def chart(row: Any, question: rules.Question, summary: dict[str, Any]) -> Markup:
    """Horizontal bars of counts (means for matrix rows); empty markup for questions without categories."""
    bars = labels(row, question)
    if not bars or question.kind == "ranking":
        return Markup("")
    if question.kind == "matrix":
        values = [float(summary["rows"].get(k, {}).get("mean") or 0) for k, _l in bars]
        top = float(question.scale_max)
    else:
        values = [float(summary["counts"].get(k, 0)) for k, _l in bars]
        top = max([*values, 1.0])
    height = len(bars) * (BAR_HEIGHT + GAP)
    parts = [f'<svg class="survey-chart" viewBox="0 0 {WIDTH} {height}" width="100%" aria-hidden="true" '
             f'focusable="false" xmlns="http://www.w3.org/2000/svg">']  # fmt: skip
    for index, ((_key, label), value) in enumerate(zip(bars, values, strict=True)):
        y = index * (BAR_HEIGHT + GAP)
        width = 0 if top == 0 else round((WIDTH - LABEL - 60) * value / top, 1)
        shown = f"{value:g}"
        parts.append(
            f'<text x="0" y="{y + 16}" class="survey-chart-label">{escape(label[:28])}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{width}" height="{BAR_HEIGHT}" class="survey-chart-bar"/>'
            f'<text x="{LABEL + width + 6}" y="{y + 16}" class="survey-chart-value">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
