"""``townhall plugin new KEY``: write a working participation method package outside this repository.

The files under ``template/`` are a complete method (entry point, spec, table with its first migration, routes,
templates, catalogs in every supported language, a docs page and the conformance test) with ``@@key`` / ``@@Key``
where the method's key goes, in paths as in contents. A ``string.Template`` with ``@@`` as delimiter leaves Python's
``$``/``%``, Jinja's ``{{ }}`` and Mako's ``${}`` alone, so each template file reads like the file it becomes.
"""

from __future__ import annotations

import importlib.util
import keyword
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from core.plugins import METHOD_KEY

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"


class ScaffoldError(ValueError):
    """A key that cannot become a method, or a target that already exists."""


class _Template(Template):
    delimiter = "@@"


def check_key(key: str) -> None:
    """The key becomes a module name, a table prefix and a URL segment: a slug that shadows no importable module."""
    if not METHOD_KEY.match(key):
        raise ScaffoldError(f"the key {key!r} must match {METHOD_KEY.pattern} (lower-case letters and digits)")
    if keyword.iskeyword(key) or importlib.util.find_spec(key) is not None:
        raise ScaffoldError(f"the key {key!r} is already an importable Python module; pick another")


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def generate(key: str, parent: Path) -> Path:
    """Write the package for ``key`` into ``parent/key`` and return that folder; never overwrite anything."""
    check_key(key)
    target = parent / key
    if target.exists():
        raise ScaffoldError(f"{target} already exists; refusing to overwrite it")
    values = {"key": key, "Key": key.capitalize(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}
    for source in template_files():
        relative = _Template(str(source.relative_to(TEMPLATE_DIR))).substitute(values)
        text = _Template(source.read_text(encoding="utf-8")).substitute(values)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target
