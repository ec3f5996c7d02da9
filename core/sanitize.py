"""Resident-written markdown turned into safe HTML: markdown-it renders, nh3 keeps only an allowlist.

Raw HTML in the source is not rendered (markdown-it ``html=False``) and nh3 removes anything outside the allowlist
anyway, so a payload survives neither step. Links keep only http(s)/mailto targets and get
``rel="nofollow noopener ugc"``, because residents' links must not pass reputation or reach back to the page.
"""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "h3", "h4", "hr", "del"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
LINK_REL = "nofollow noopener ugc"
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@functools.cache
def _markdown() -> MarkdownIt:
    """The renderer, built on first use: markdown-it and nh3 (~2.4 MiB) load when a page first shows resident text,
    not in every worker at start (tests/test_startup_imports.py)."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    markdown.enable("strikethrough")
    # Headings of resident text must not compete with the page's own h1/h2.
    markdown.disable("heading")
    return markdown


def clean_html(html: str) -> str:
    import nh3

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def markdown_to_html(source: str) -> Markup:
    """Markdown → sanitised HTML, ready to put in a template without further escaping."""
    return Markup(clean_html(_markdown().render(source or "")))  # noqa: S704 - nh3 allowlist output


def plain_text(source: str, limit: int | None = None) -> str:
    """The text of a markdown source without markup (for excerpts, exports and mails)."""
    import nh3

    text = html.unescape(nh3.clean(_markdown().render(source or ""), tags=set(), strip_comments=True))
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        return text[: max(0, limit - 1)].rstrip() + "…"
    return text
