"""The ``pabulib results`` command: JSON on stdout, progress on stderr, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugins.budgeting.cli import pabulib

REPO = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("TOWNHALL_SHARED", REPO.parent / "shared")) / "data" / "pabulib"

SMALL = """META
key;value
description;"A ""quoted"" description; with a semicolon"
budget;10.50
vote_type;approval
rule;{rule}
PROJECTS
project_id;cost;name
a;6.25;"Park; phase 1"
b;4.25;Bench
c;5;Lamp
VOTES
voter_id;vote
1;a,b
2;a
3;c
"""


def _write(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "small.pb"
    path.write_text(SMALL.format(rule=rule), encoding="utf-8")
    return path


def test_results_uses_the_file_rule(tmp_path: Path) -> None:
    result = CliRunner().invoke(pabulib, ["results", str(_write(tmp_path, "greedy"))])
    assert result.exit_code == 0, result.output
    # a (2 votes, 6.25) then b (4.25): 10.50 exactly; c no longer fits.
    assert json.loads(result.stdout) == {"rule": "greedy", "selected": ["a", "b"]}


def test_results_rule_option_overrides(tmp_path: Path) -> None:
    result = CliRunner().invoke(pabulib, ["results", str(_write(tmp_path, "greedy")), "--rule", "equalshares"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rule"] == "equalshares"


@pytest.mark.parametrize("rule", ["unknown", ""])
def test_unknown_or_missing_rule_fails_clearly(tmp_path: Path, rule: str) -> None:
    text = SMALL.format(rule=rule) if rule else SMALL.replace("rule;{rule}\n", "")
    path = tmp_path / "x.pb"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(pabulib, ["results", str(path)])
    assert result.exit_code != 0
    assert "--rule" in result.output
    assert ("'unknown'" if rule else "missing") in result.output


def test_standalone_module_with_progress_on_stderr() -> None:
    path = DATA / "Poland_Lodz_2022.pb"
    if not path.is_file():
        pytest.skip(f"{path}: shared pabulib data not present")
    proc = subprocess.run(
        [sys.executable, "-m", "plugins.budgeting.cli", "results", str(path), "--rule", "greedy"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rule"] == "greedy"
    assert "parsed 90494 votes" in proc.stderr
    assert "rule greedy: done in" in proc.stderr


START_PROBE = """
import sys
sys.argv = ["townhall", "pabulib", "results", sys.argv[1]]
from core.cli import main
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
heavy = ("litestar", "sqlalchemy", "jinja2", "openpyxl", "core.app", "asyncio", "babel")
heavy = sorted(name for name in heavy if name in sys.modules)
print("loaded:", ",".join(heavy), file=sys.stderr)
"""


def test_townhall_pabulib_starts_without_loading_the_web_application(tmp_path: Path) -> None:
    """The cheap regression check for issue 16's start-up cost: an offline command loads no web stack, no ORM."""
    proc = subprocess.run(
        [sys.executable, "-c", START_PROBE, str(_write(tmp_path, "greedy"))],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert json.loads(proc.stdout) == {"rule": "greedy", "selected": ["a", "b"]}
    assert "loaded: \n" in proc.stderr, proc.stderr
