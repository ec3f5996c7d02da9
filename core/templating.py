"""The one Jinja environment: deployment overrides, then plugin templates by namespace, then the core's."""

from __future__ import annotations

import json
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from core import i18n
from core.permissions import SignInPrompt, VerificationPrompt
from core.settings import SUPPORTED_LOCALES

CORE_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _raw_gettext(message: str) -> str:
    return i18n.gettext(message)


def _raw_ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.raw_ngettext(singular, plural, n)


# The page being rendered's ``url`` and ``sign_in_url`` (set by core.web.render.base_context): macros imported
# without context (``{% import "macros.html" as m %}``) print verdict messages too, and see no page variables.
PAGE_LINKS: ContextVar[dict[str, Any] | None] = ContextVar("townhall_page_links", default=None)


def _page_value(context: jinja2.runtime.Context, name: str) -> Any:
    return context.get(name) or (PAGE_LINKS.get() or {}).get(name)


@jinja2.pass_context
def finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    """Every printed value passes here: a sign-in prompt becomes a link to the login page with ``next=`` the page
    shown (``sign_in_url`` from core.web.render), so a visitor who signs in comes back to what they wanted to do."""
    if isinstance(value, SignInPrompt):
        href = _page_value(context, "sign_in_url")
        if href:
            return Markup('<a href="{}">{}</a>').format(href, str(value))
    if isinstance(value, VerificationPrompt):
        url = _page_value(context, "url")
        if url:
            link = i18n.gettext("How to get verified")
            return Markup('{} <a href="{}">{}</a>').format(str(value), url("/verification"), link)
    return value


def build_environment(
    plugin_templates: list[tuple[str, Any]], override_dir: str | None = None, *, auto_reload: bool = False
) -> jinja2.Environment:
    """Templates of the core, the plugins and an optional override folder.

    ``auto_reload`` (on with ``TOWNHALL_DEBUG``) re-reads changed files; off, a page spends no ``stat`` call per
    template it includes (about fifty on a list page).
    """
    loaders: list[jinja2.BaseLoader] = []
    if override_dir:
        loaders.append(jinja2.FileSystemLoader(override_dir))
    if plugin_templates:
        loaders.append(
            jinja2.PrefixLoader({ns: jinja2.FileSystemLoader(str(folder)) for ns, folder in plugin_templates})
        )
    loaders.append(jinja2.FileSystemLoader(str(CORE_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
        auto_reload=auto_reload,
    )
    # Jinja's new-style callables format the result themselves, so they get the raw translations.
    env.install_gettext_callables(_raw_gettext, _raw_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        supported_locales=SUPPORTED_LOCALES,
        locale_names=i18n.LOCALE_NAMES,
        tojson_attr=lambda value: Markup.escape(json.dumps(value)),
    )
    return env
