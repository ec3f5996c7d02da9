"""``townhall i18n extract|update|compile|check`` over the core catalog and every plugin's own domain.

``--domain KEY`` limits a command to one domain, e.g. an installed third-party plugin's: its catalogs live in the
plugin's own folder (``TranslationDomain.locale_dir``), its sources are ``TranslationDomain.sources`` and its
extraction rules the ``babel.cfg`` next to its ``locale`` folder when it has one. ``check`` also reports a msgid
that two domains translate differently: every domain is merged into one catalog per language, so one of the two
translations would silently replace the other everywhere.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from core.i18n import CORE_LOCALE_DIR
from core.settings import SUPPORTED_LOCALES
from core.specs import TranslationDomain

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = CORE_LOCALE_DIR / "babel.cfg"
KEYWORDS = ["_", "gettext", "ngettext:1,2", "lazy_gettext", "_l"]


def domains() -> list[TranslationDomain]:
    from core.plugins import Registry, build_plugin_manager

    core = TranslationDomain("core", CORE_LOCALE_DIR, (ROOT / "core",))
    return [core, *Registry.gather(build_plugin_manager()).translations]


def chosen(all_domains: list[TranslationDomain], name: str | None) -> list[TranslationDomain]:
    """All domains, or the one called ``name`` (a click error naming the known ones otherwise)."""
    if name is None:
        return all_domains
    found = [d for d in all_domains if d.domain == name]
    if not found:
        known = ", ".join(d.domain for d in all_domains)
        raise click.BadParameter(f"no translation domain {name!r}; installed: {known}", param_hint="--domain")
    return found


def babel_cfg(domain: TranslationDomain) -> Path:
    own = domain.locale_dir.parent / "babel.cfg"
    return own if own.exists() else BABEL_CFG


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def pot_path(domain: TranslationDomain) -> Path:
    return domain.locale_dir / f"{domain.domain}.pot"


def po_path(domain: TranslationDomain, locale: str) -> Path:
    return domain.locale_dir / locale / "LC_MESSAGES" / f"{domain.domain}.po"


def extract(domain: TranslationDomain) -> None:
    keywords: list[str] = []
    for keyword in KEYWORDS:
        keywords += ["-k", keyword]
    sources = [str(s) for s in domain.sources] or [str(domain.locale_dir.parent)]
    _pybabel(
        "extract",
        "-F",
        str(babel_cfg(domain)),
        "--no-location",
        "--sort-output",
        "--omit-header",
        *keywords,
        "-o",
        str(pot_path(domain)),
        *sources,
    )


def update(domain: TranslationDomain) -> None:
    for locale in SUPPORTED_LOCALES:
        po = po_path(domain, locale)
        if po.exists():
            _pybabel(
                "update",
                "-D",
                domain.domain,
                "-i",
                str(pot_path(domain)),
                "-d",
                str(domain.locale_dir),
                "-l",
                locale,
                "--no-wrap",
                "--ignore-obsolete",
                "--no-fuzzy-matching",
            )
        else:
            _pybabel(
                "init",
                "-D",
                domain.domain,
                "-i",
                str(pot_path(domain)),
                "-d",
                str(domain.locale_dir),
                "-l",
                locale,
                "--no-wrap",
            )
    fill_source_locale(domain)


def fill_source_locale(domain: TranslationDomain, locale: str = "en") -> None:
    """English is the source language: its catalog says each message as written."""
    po = po_path(domain, locale)
    if not po.exists():
        return
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            if not message.string:
                message.string = message.id
        elif not all(message.string):
            message.string = (message.id[0], message.id[1])
        message.flags.discard("fuzzy")
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0)


def compile_domain(domain: TranslationDomain) -> None:
    for locale in SUPPORTED_LOCALES:
        if po_path(domain, locale).exists():
            _pybabel("compile", "-D", domain.domain, "-d", str(domain.locale_dir), "-l", locale)


@dataclass(frozen=True)
class CatalogProblem:
    domain: str
    locale: str
    msgid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.domain}/{self.locale}: {self.problem}: {self.msgid!r}"


def check_domain(domain: TranslationDomain) -> list[CatalogProblem]:
    """Every message of the template present, translated and not fuzzy in every locale."""
    problems: list[CatalogProblem] = []
    pot = pot_path(domain)
    if not pot.exists():
        return [CatalogProblem(domain.domain, "-", str(pot), "template missing (run townhall i18n extract)")]
    with pot.open("rb") as fh:
        template = read_po(fh)
    wanted = {m.id for m in template if m.id}
    for locale in SUPPORTED_LOCALES:
        po = po_path(domain, locale)
        if not po.exists():
            problems.append(CatalogProblem(domain.domain, locale, str(po), "catalog missing"))
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        present = {m.id: m for m in catalog if m.id}
        for msgid in sorted(wanted, key=str):
            message = present.get(msgid)
            key = msgid if isinstance(msgid, str) else msgid[0]
            if message is None:
                problems.append(CatalogProblem(domain.domain, locale, key, "missing"))
            elif message.fuzzy:
                problems.append(CatalogProblem(domain.domain, locale, key, "fuzzy"))
            elif isinstance(message.string, tuple | list):
                if not all(message.string):
                    problems.append(CatalogProblem(domain.domain, locale, key, "untranslated"))
            elif not message.string:
                problems.append(CatalogProblem(domain.domain, locale, key, "untranslated"))
            elif placeholders(message.string) != placeholders(key):
                problems.append(CatalogProblem(domain.domain, locale, key, "placeholders differ"))
    return problems


def translations(domain: TranslationDomain, locale: str) -> dict[str, str | tuple[str, ...]]:
    """msgid (the singular for plurals) → its translation, for the translated messages of one catalog."""
    po = po_path(domain, locale)
    if not po.exists():
        return {}
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    found: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        value = message.string if isinstance(message.string, str) else tuple(message.string)
        if value and all(value):
            found[key] = value
    return found


def check_conflicts(all_domains: list[TranslationDomain], only: str | None = None) -> list[CatalogProblem]:
    """A msgid two domains translate differently in the same locale (only pairs involving ``only`` if given)."""
    problems: list[CatalogProblem] = []
    for locale in SUPPORTED_LOCALES:
        seen: dict[str, tuple[str, str | tuple[str, ...]]] = {}
        for domain in all_domains:
            for msgid, value in translations(domain, locale).items():
                first = seen.setdefault(msgid, (domain.domain, value))
                if first[1] != value and only in (None, first[0], domain.domain):
                    problem = f"translated differently by {first[0]} ({first[1]!r}) and {domain.domain} ({value!r})"
                    problems.append(CatalogProblem(domain.domain, locale, msgid, problem))
    return problems


PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sd]")


def placeholders(text: str) -> set[str]:
    """Named %-placeholders; a translation that drops or renames one would crash or lie at render time."""
    return set(PLACEHOLDER_RE.findall(text))


@click.group("i18n", help="Translation catalogs: extract, update, compile, check.")
def i18n_group() -> None:
    pass


DOMAIN_OPTION = click.option("--domain", "name", default=None, help="Only this domain (a plugin key, or core).")


@i18n_group.command("extract", help="Write each domain's .pot template from the sources.")
@DOMAIN_OPTION
def extract_cmd(name: str | None) -> None:
    for domain in chosen(domains(), name):
        extract(domain)
        click.echo(f"extracted {domain.domain} -> {pot_path(domain)}")


@i18n_group.command("update", help="Merge the templates into every locale's .po catalog.")
@DOMAIN_OPTION
def update_cmd(name: str | None) -> None:
    for domain in chosen(domains(), name):
        update(domain)
        click.echo(f"updated {domain.domain}")


@i18n_group.command("compile", help="Compile every .po into a .mo.")
@DOMAIN_OPTION
def compile_cmd(name: str | None) -> None:
    for domain in chosen(domains(), name):
        compile_domain(domain)
    click.echo("compiled")


@i18n_group.command(
    "check", help="Fail when a message is missing, untranslated or fuzzy, or when two domains translate it differently."
)
@DOMAIN_OPTION
def check_cmd(name: str | None) -> None:
    everything = domains()
    problems = [p for d in chosen(everything, name) for p in check_domain(d)]
    problems += check_conflicts(everything, name)
    for problem in problems[:200]:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problems", err=True)
        sys.exit(1)
    click.echo("all catalogs complete")
