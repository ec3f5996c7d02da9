"""``townhall plugin new``: the generated package installs through its entry point and passes the conformance
suite as generated; ``townhall i18n ... --domain KEY`` works on its own folder."""

from __future__ import annotations

import shutil
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.cli import cli
from core.i18n_tools import check_conflicts
from core.scaffold import ScaffoldError, generate, template_files
from core.specs import TranslationDomain
from core.testing.conformance import MethodConformance, docs_pages
from tests.package_support import TOWNHALL, install, run_conformance, run_in

KEY = "signupsheet"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("scaffold")
    result = CliRunner().invoke(cli, ["plugin", "new", KEY, "--dir", str(root)])
    assert result.exit_code == 0, result.output
    install(root / KEY, root / "site")
    return root / KEY, root / "site"


def test_the_package_has_every_part(installed: tuple[Path, Path]) -> None:
    package, site = installed
    for part in (
        "pyproject.toml",
        "plugin.py",
        "spec.py",
        "models.py",
        "controllers.py",
        "babel.cfg",
        "migrations/env.py",
        f"migrations/versions/0001_{KEY}.py",
        "templates/panel.html",
        f"locale/{KEY}.pot",
        f"locale/ar/LC_MESSAGES/{KEY}.po",
        "../docs",
        "../tests/test_conformance.py",
    ):
        assert (package / KEY / part if part != "pyproject.toml" else package / part).exists(), part
    assert "@@" not in "".join(p.read_text(encoding="utf-8") for p in package.rglob("*") if p.is_file())
    assert (site / KEY / "templates" / "_panel.html").exists() and (site / KEY / "babel.cfg").exists()
    assert f"{KEY} = {KEY}.plugin" in next(site.glob("*.dist-info/entry_points.txt")).read_text()
    for source in (package / KEY).rglob("*.py"):
        imports = [line for line in source.read_text().splitlines() if line.startswith(("from core", "import core"))]
        if "versions" not in source.parts and source.name != "env.py":
            assert all(line.startswith("from core import ") for line in imports), (source, imports)


def test_the_generated_package_passes_the_conformance_suite(installed: tuple[Path, Path]) -> None:
    result = run_conformance(*installed)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    suite = [name for name in dir(MethodConformance) if name.startswith("test_")]
    assert f"{len(suite)} passed" in result.stdout, result.stdout[-2000:]


def test_i18n_commands_work_on_the_plugins_own_folder(installed: tuple[Path, Path], tmp_path: Path) -> None:
    package = tmp_path / KEY
    shutil.copytree(installed[0], package)  # the commands rewrite catalogs: work on a copy
    site = tmp_path / "site"
    install(package, site)
    locale = site / KEY / "locale"
    pot_before = (locale / f"{KEY}.pot").read_text()
    for command in ("extract", "update", "compile", "check"):
        result = run_in(package, site, TOWNHALL, "i18n", command, "--domain", KEY)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert (locale / f"{KEY}.pot").read_text() == pot_before, "the shipped template is not what extraction gives"
    assert (locale / "nl" / "LC_MESSAGES" / f"{KEY}.mo").exists()
    assert not (Path(__file__).resolve().parents[1] / "i18n" / f"{KEY}.pot").exists()

    nl = locale / "nl" / "LC_MESSAGES" / f"{KEY}.po"
    nl.write_text(nl.read_text() + '\nmsgid "Sign in"\nmsgstr "Binnenkomen"\n', encoding="utf-8")
    result = run_in(package, site, TOWNHALL, "i18n", "check", "--domain", KEY)
    assert result.returncode == 1
    assert f"{KEY}/nl: translated differently by core" in result.stdout and "'Sign in'" in result.stdout

    unknown = run_in(package, site, TOWNHALL, "i18n", "check", "--domain", "nosuchdomain")
    assert unknown.returncode == 2 and "no translation domain" in unknown.stderr


def test_bad_keys_and_existing_folders_are_refused(tmp_path: Path) -> None:
    for key in ("Quick_poll", "a", "json", "class"):
        with pytest.raises(ScaffoldError):
            generate(key, tmp_path)
    generate("pollster", tmp_path)
    marker = tmp_path / "pollster" / "pyproject.toml"
    marker.write_text("mine")
    result = CliRunner().invoke(cli, ["plugin", "new", "pollster", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert marker.read_text() == "mine"


def test_the_template_ships_as_package_data() -> None:
    assert any(p.name == "@@key.pot" for p in template_files())
    assert len(template_files()) >= 20


def _domain(root: Path, name: str, translations: dict[str, str]) -> TranslationDomain:
    """A one-locale (nl) catalog written straight to disk, for checking conflicts without a plugin."""
    po = root / name / "nl" / "LC_MESSAGES" / f"{name}.po"
    po.parent.mkdir(parents=True)
    po.write_text("".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in translations.items()), encoding="utf-8")
    return TranslationDomain(name, root / name)


def test_check_conflicts_names_both_domains_and_honours_only(tmp_path: Path) -> None:
    one = _domain(tmp_path, "one", {"Area": "Gebied", "Save": "Opslaan"})
    two = _domain(tmp_path, "two", {"Area": "Wijk", "Save": "Opslaan"})
    three = _domain(tmp_path, "three", {"Other": "Ander"})
    problems = check_conflicts([one, two, three])
    assert [(p.domain, p.locale, p.msgid) for p in problems] == [("two", "nl", "Area")]
    assert "one ('Gebied') and two ('Wijk')" in str(problems[0])
    assert check_conflicts([one, two, three], "three") == []
    assert len(check_conflicts([one, two, three], "one")) == 1


def test_the_docs_page_of_a_third_party_is_found_next_to_its_package(tmp_path: Path) -> None:
    package = generate("pagefinder", tmp_path)
    module = types.ModuleType("pagefinder.plugin")
    module.__file__ = str(package / "pagefinder" / "plugin.py")
    pages = docs_pages(module, "pagefinder")
    assert next(p for p in pages if p.exists()) == package / "docs" / "pagefinder.md"
    assert pages[-1].parts[-3:] == ("docs", "methods", "pagefinder.md")
