"""Build step of the wheel; the project's metadata lives in pyproject.toml.

A checkout keeps the core's catalogs in the top-level ``i18n/`` folder, where translators and ``townhall i18n`` work
on them, outside any package. A wheel must carry them, or an installed Townhall silently speaks English only: the
build copies ``i18n/`` into the package as ``core/_i18n`` (``core.i18n.core_locale_dir`` looks in either place). The
pinned htmx files are package data already (``core/static/vendor``, filled from npm by scripts/setup.sh); a wheel
built without them would serve pages whose script is missing, so the build stops instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RUNTIME_FILES = [ROOT / "core" / "static" / "vendor" / "htmx.min.js", ROOT / "i18n" / "core.pot"]


class BuildWithRuntimeData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install runs from the checkout, which has both in place
            return
        missing = [str(path.relative_to(ROOT)) for path in RUNTIME_FILES if not path.exists()]
        if missing:
            raise SystemExit(f"missing {', '.join(missing)}: run scripts/setup.sh before building a wheel")
        target = Path(self.build_lib) / "core" / "_i18n"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "i18n", target)


setup(cmdclass={"build_py": BuildWithRuntimeData})
