"""Install a method package written outside the repository the way a third party would, without the project venv.

``pip install --target`` puts the package and its ``*.dist-info`` (with the ``townhall.plugins`` entry point) in a
folder of its own; a subprocess with that folder on ``PYTHONPATH`` then finds the method through
``importlib.metadata`` like any installed plugin. The subprocess always tests on a fresh SQLite file: it migrates
and empties its database, which must not be the one the calling test session is using.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def install(package: Path, site: Path) -> None:
    """Build and install ``package`` into ``site`` (build isolation: the venv's setuptools may lack bdist_wheel)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(package)],
        check=True,
        capture_output=True,
        text=True,
    )


TOWNHALL = str(Path(sys.executable).with_name("townhall"))


def run_in(package: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in the package folder with ``site`` importable and no test database inherited."""
    env = {k: v for k, v in os.environ.items() if k not in ("TOWNHALL_TEST_DATABASE_URL", "DATABASE_URL")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(list(args), cwd=package, env=env, capture_output=True, text=True, timeout=900, check=False)


def run_conformance(package: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return run_in(package, site, sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "tests")
