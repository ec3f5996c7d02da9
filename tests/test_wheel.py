"""A non-editable install runs: built as a wheel, installed into a fresh virtualenv, started outside the checkout, it
speaks Dutch and serves its pinned htmx.

The checkout keeps the core's catalogs in ``i18n/`` and npm's files in ``node_modules/``, both outside the
packages; an editable install hides their absence. One wheel and one virtualenv serve the whole module (~15 s). The
new virtualenv borrows this one's dependencies through a ``.pth`` line; a directory added that way does not get its
own ``.pth`` files run, so the editable install's finder (and its path to the checkout) stays out, which
``test_the_installed_copy_is_the_one_imported`` checks.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import socket
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from core.settings import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parent.parent


def _can_build_wheels() -> bool:
    """``pip wheel --no-build-isolation`` needs pip, and setuptools with ``bdist_wheel`` (70.1+) or ``wheel``."""
    if importlib.util.find_spec("pip") is None:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        version = importlib.metadata.version("setuptools")  # not imported: setuptools patches distutils on import
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (70, 1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _can_build_wheels():
        pytest.skip("pip wheel is not possible in this environment (no pip, or setuptools without bdist_wheel)")
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    result = subprocess.run(
        [*build, "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return next(out.glob("townhall-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed (no dependencies), then this venv's site-packages appended."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Only after the install: pip must not see (nor try to replace) the editable townhall among the dependencies.
    site = subprocess.check_output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "townhall_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return home


def _clean_env(workdir: Path) -> dict[str, str]:
    """No variable of this test run (DATABASE_URL, PYTHONPATH, TOWNHALL_*, VIRTUAL_ENV) reaches the installed app."""
    return {"PATH": os.defpath, "HOME": str(workdir), "LANG": "C.UTF-8", "TOWNHALL_LOG_LEVEL": "WARNING"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_wheel_carries_catalogs_vendor_files_templates_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in SUPPORTED_LOCALES:
        assert f"core/_i18n/{locale}/LC_MESSAGES/core.po" in names, locale
        assert f"plugins/ideation/locale/{locale}/LC_MESSAGES/ideation.po" in names, locale
    assert "core/_i18n/babel.cfg" in names  # `townhall i18n extract` of an installed plugin needs it
    assert "core/static/vendor/htmx.min.js" in names
    assert "core/templates/base.html" in names
    assert "core/wordlists/common-passwords.txt.gz" in names  # refusing common passwords must not depend on a checkout
    assert any(n.startswith("core/migrations/versions/") for n in names)
    assert any(n.startswith("plugins/budgeting/migrations/versions/") for n in names)
    assert not any(n.startswith(("tests/", "i18n/", "node_modules/")) for n in names)


def test_the_installed_copy_is_the_one_imported(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import sys, core, core.i18n\n"
        "print(core.__file__)\n"
        "print(core.i18n.CORE_LOCALE_DIR)\n"
        "print(any('editable' in getattr(f, '__name__', type(f).__name__).lower() for f in sys.meta_path))\n"
        "print(any(p.rstrip('/') == sys.argv[1] for p in sys.path))\n"
    )
    out = subprocess.check_output(
        [str(installed / "bin" / "python"), "-c", probe, str(ROOT)], cwd=tmp_path, env=_clean_env(tmp_path), text=True
    ).splitlines()
    assert out[0].startswith(str(installed)), out
    assert out[1].startswith(str(installed)) and out[1].endswith("_i18n"), out
    assert out[2:] == ["False", "False"], out


def test_the_installed_app_serves_dutch_pages_and_its_htmx(installed: Path, tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [str(installed / "bin" / "townhall"), "demo", "--port", str(port), "--password", "wheel-test-password"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (server.stdout.read() if server.stdout else b"").decode()[-3000:]
            assert time.monotonic() < deadline, "the installed demo did not start within 90 s"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        page = httpx.get(f"{base}/nl/", timeout=10)
        assert page.status_code == 200
        assert '<html lang="nl"' in page.text
        assert "opensourcesoftware voor burgerparticipatie" in page.text  # the footer, from core/_i18n
        scripts = re.findall(r'<script src="(/static/vendor/htmx[^"]*)"', page.text)
        assert scripts, "the page references no htmx script"
        script = httpx.get(base + scripts[0], timeout=10)
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert "htmx" in script.text[:5000]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
