"""Plugins import only the public API: ``from core import <name in core.__all__>``, never a core submodule and never
another plugin. Parsed with ``ast`` (nothing is imported), so this runs in milliseconds and also covers migration
scripts and their ``script.py.mako`` templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = [
    ROOT / "plugins",
    ROOT / "tests" / "dummy_method",
    ROOT / "docs" / "examples",
    ROOT / "core" / "scaffold" / "template",  # what `townhall plugin new` writes
]
TEST_SUPPORT = "core.testing"  # fixtures, factories and the conformance suite: the public API for a plugin's tests


def public_names() -> set[str]:
    """``core.__all__`` read from the source, as the one list a plugin may import from."""
    tree = ast.parse((ROOT / "core" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("core/__init__.py has no __all__")


def own_package(path: Path) -> str | None:
    """``plugins.<key>`` for a file of that plugin (it may import itself), else None."""
    parts = path.relative_to(ROOT).parts
    return f"plugins.{parts[1]}" if parts[0] == "plugins" and len(parts) > 2 else None


def python_source(path: Path) -> str:
    """A ``.py`` file as is; a ``script.py.mako`` with its ``${...}`` placeholders replaced so it parses."""
    # the scaffold's placeholders (@@key, @@{Key}) become names, so its templates parse
    text = re.sub(r"@@\{?(\w+)\}?", r"\1", path.read_text())
    return re.sub(r"\$\{[^}]*\}", "None", text) if path.suffix == ".mako" else text


def violations(path: Path, source: str, allowed: set[str]) -> list[str]:
    where = path.relative_to(ROOT)
    mine = own_package(path)
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("core."):
                    found.append(f"{where}:{node.lineno}: import {alias.name} (use `from core import ...`)")
                elif alias.name.startswith("plugins.") and not alias.name.startswith(f"{mine}."):
                    found.append(f"{where}:{node.lineno}: import {alias.name} (another plugin)")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            module = node.module
            if module == TEST_SUPPORT or module.startswith(f"{TEST_SUPPORT}."):
                continue
            if module.startswith("core."):
                found.append(f"{where}:{node.lineno}: from {module} import ... (use `from core import ...`)")
            elif module == "core":
                hidden = [a.name for a in node.names if a.name not in allowed]
                if hidden:
                    found.append(f"{where}:{node.lineno}: from core import {', '.join(hidden)} (not in core.__all__)")
            elif (
                (module == "plugins" or module.startswith("plugins."))
                and module != mine
                and not (mine and module.startswith(f"{mine}."))
            ):
                found.append(f"{where}:{node.lineno}: from {module} import ... (another plugin)")
    return found


def checked_files() -> list[Path]:
    files: list[Path] = []
    for folder in CHECKED:
        if folder.is_dir():
            files += sorted(folder.rglob("*.py")) + sorted(folder.rglob("*.mako"))
    return files


def test_plugins_import_only_the_public_core_api():
    allowed = public_names()
    files = checked_files()
    assert any("migrations" in f.parts for f in files), "migration scripts must be among the checked files"
    problems = [v for f in files for v in violations(f, python_source(f), allowed)]
    assert not problems, "plugins must import only `from core import ...`:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("import core.db.base\n", "import core.db.base"),
        ("from core.models import Area\n", "from core.models"),
        ("def f():\n    from core.projects import decode_config\n", "from core.projects"),
        ("from core import audit, secret_helper\n", "secret_helper"),
        ("from plugins.budgeting.spec import KEY\n", "another plugin"),
        ("import plugins.budgeting\n", "another plugin"),
    ],
)
def test_each_kind_of_forbidden_import_is_reported_with_file_and_line(source, complaint):
    path = ROOT / "plugins" / "ideation" / "example.py"
    found = violations(path, source, public_names())
    assert len(found) == 1
    assert complaint in found[0]
    assert found[0].startswith("plugins/ideation/example.py:")


def test_a_plugin_may_import_itself_and_the_public_api():
    path = ROOT / "plugins" / "ideation" / "example.py"
    source = "from core import Area, gettext as _\nfrom plugins.ideation.spec import KEY\nfrom .models import Idea\n"
    assert violations(path, source, public_names()) == []


def test_every_public_name_is_described_in_the_core_docstring():
    """The module docstring of ``core`` is the plugin author's index of the API: nothing exported goes unmentioned."""
    doc = ast.get_docstring(ast.parse((ROOT / "core" / "__init__.py").read_text())) or ""
    missing = sorted(name for name in public_names() if f"``{name}``" not in doc and f"``{name}(" not in doc)
    assert not missing, f"exported but not described in core/__init__.py's docstring: {missing}"
