"""The quick-poll example (docs/examples/quickpoll): small, installed through its entry point, conformant."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.testing.conformance import MethodConformance
from tests.package_support import install, run_conformance

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "quickpoll"
LIMIT = 200


def counted_lines() -> dict[str, int]:
    """Physical lines of the method's Python and templates; migrations, catalogs and its tests are not counted."""
    files = [p for p in (EXAMPLE / "quickpoll").rglob("*") if p.suffix in (".py", ".html")]
    return {
        str(p.relative_to(EXAMPLE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in files
        if "migrations" not in p.parts and "__pycache__" not in p.parts
    }


def test_the_method_is_under_200_lines_of_python_and_templates() -> None:
    lines = counted_lines()
    assert {"quickpoll/plugin.py", "quickpoll/controllers.py", "quickpoll/templates/panel.html"} <= set(lines)
    assert sum(lines.values()) < LIMIT, lines


def test_the_method_imports_only_the_public_core_api() -> None:
    for name in counted_lines():
        if name.endswith(".py"):
            for line in (EXAMPLE / name).read_text(encoding="utf-8").splitlines():
                if line.startswith(("from core", "import core")):
                    assert line.startswith("from core import "), (name, line)


@pytest.mark.slow  # 45 s; tests/test_scaffold.py installs a generated package and runs the same suite by default
def test_installed_through_its_entry_point_it_passes_the_conformance_suite(tmp_path: Path) -> None:
    package = tmp_path / "quickpoll"  # setuptools builds in the source folder: keep the repository clean
    shutil.copytree(EXAMPLE, package, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    install(package, tmp_path / "site")
    assert "quickpoll = quickpoll.plugin" in next((tmp_path / "site").glob("*.dist-info/entry_points.txt")).read_text()
    result = run_conformance(package, tmp_path / "site")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    suite = [name for name in dir(MethodConformance) if name.startswith("test_")]
    assert f"{len(suite) + 2} passed" in result.stdout, result.stdout[-2000:]  # the suite and its own two tests
