"""Helpers for the browser tests: axe-core accessibility checks and small page utilities."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.i18n import LOCALE_NAMES
from core.settings import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCALES = SUPPORTED_LOCALES
__all__ = [
    "LOCALES",
    "LOCALE_NAMES",
    "assert_accessible",
    "axe_violations",
    "html_attrs",
    "open_menu",
    "path_of",
    "sign_in",
    "signed_in_header",
]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (the npm copy pinned in package.json) on the page with the WCAG 2.1 A/AA rules."""
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run scripts/setup.sh (npm ci)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary, html: n.html})),
            }));
        }""",
        WCAG_TAGS,
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]], where: str) -> str:
    lines = [f"{len(violations)} axe violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join((node.get("summary") or "").split())
            lines.append(f"    at {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page: Any, label: str = "") -> None:
    """Fail with a readable list (rule, impact, selectors, help) when axe finds any WCAG 2.1 A/AA violation."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations, f"{label or ''} {page.url}".strip())


def html_attrs(page: Any) -> tuple[str | None, str | None]:
    return page.get_attribute("html", "lang"), page.get_attribute("html", "dir")


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def link_in(message: Any, containing: str) -> str:
    """The first link in a mail's plain-text body whose URL contains ``containing``."""
    part = message.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else message.get_content()
    links = re.findall(r"https?://[^\s<>\"']+", body)
    matching = [link for link in links if containing in link]
    assert matching, f"no link with {containing!r} in the mail {message['Subject']!r}:\n{body}"
    return matching[0]


def signed_in_header(page: Any) -> bool:
    """Whether the header shows the signed-in controls (a sign-out form) rather than sign-in links."""
    return page.locator("header form[action$='/logout']").count() == 1


def open_menu(page: Any) -> None:
    """Open the header's menu where it is folded away (phones: base.html's ``details.site-menu``), as a person does
    before following a header link; on wide screens the links already show and nothing is clicked."""
    toggle = page.locator("header summary.menu-toggle")
    if toggle.is_visible() and page.locator("header details.site-menu[open]").count() == 0:
        toggle.click()


def sign_in(page: Any, locale: str, email: str, password: str) -> None:
    """Sign in through the form and wait for the landing page: the home page for residents, the back office for
    administrators (/admin) and project moderators (/admin/moderation)."""
    page.goto(f"/{locale}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{locale}/(admin(/moderation)?)?(\?.*)?$"))
    assert signed_in_header(page)


def fill_multiloc(page: Any, name: str, code: str, text: str) -> None:
    """Type ``text`` into the ``code`` language of a multilingual field (``name.code``): its languages are tabs
    (core/static/app.js), so the language's tab is chosen first, as an editor would."""
    tab = page.locator(f"[id='{name}.{code}-panel-tab']")
    if tab.count():
        tab.click()
        assert tab.get_attribute("aria-selected") == "true"
    page.locator(f"[id='{name}.{code}']").fill(text)
