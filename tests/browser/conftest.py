"""Browser tests: a real Townhall in a uvicorn subprocess, a local SMTP server, and one headless Chromium.

Everything here is session-scoped and started by the tests themselves (never assume a server is running):
- ``live``: a temporary SQLite database (on PostgreSQL, a fresh ``<name>_browser`` database beside the suite's
  when ``TOWNHALL_TEST_DATABASE_URL`` is set), migrated and seeded with the demo (tenant ``demo-city`` on
  ``127.0.0.1``/``localhost`` in all six locales) plus a published two-phase project, served by uvicorn on a free
  port with every installed plugin (``TOWNHALL_TEST_ONLY_PLUGINS=a,b`` narrows them, empty for none), outgoing
  mail caught by an aiosmtpd server (``live.mailbox``);
- ``chromium_browser``: Debian's Chromium driven by Playwright's sync API.
Each test gets a fresh browser context (``tab`` is a page in one; ``open_context`` makes more, e.g. without
JavaScript). The suite's conftest sorts these tests after all others: the sync Playwright loop would break async
tests collected after it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server_app import only_plugins

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "browser-demo-password-1"
SECRET_KEY = "browser-test-secret-key-" + "b" * 32
TENANT_SLUG = "demo-city"
PROJECT_SLUG = "browser-riverside"
LOCALES = ("en", "nl", "fr", "de", "nb", "ar")
# Demo accounts (password DEMO_PASSWORD) and, for the password-reset journey, one account per tested locale.
ADMIN_EMAIL = "admin@demo-city.example"
RESIDENT_EMAIL = "resident@demo-city.example"
RESET_ACCOUNTS = {"en": "reset-en@demo-city.example", "ar": "reset-ar@demo-city.example"}

PROJECT_TITLE = {
    "en": "A cooler city centre",
    "nl": "Een koelere binnenstad",
    "fr": "Un centre-ville plus frais",
    "de": "Eine kühlere Innenstadt",
    "nb": "Et kjøligere sentrum",
    "ar": "وسط مدينة أكثر برودة",
}
PROJECT_DESCRIPTION = {
    "en": "Trees, water and shade: tell us where the city centre needs them most.",
    "nl": "Bomen, water en schaduw: vertel ons waar de binnenstad ze het meest nodig heeft.",
    "fr": "Arbres, eau et ombre : dites-nous où le centre-ville en a le plus besoin.",
    "de": "Bäume, Wasser und Schatten: Sagen Sie uns, wo die Innenstadt sie am meisten braucht.",
    "nb": "Trær, vann og skygge: fortell oss hvor sentrum trenger dem mest.",
    "ar": "الأشجار والماء والظل: أخبرونا أين يحتاجها وسط المدينة أكثر.",
}
PHASE_TITLES = [
    {
        "en": "Collect hot spots",
        "nl": "Hittepunten verzamelen",
        "fr": "Repérer les points chauds",
        "de": "Hitzeorte sammeln",
        "nb": "Samle varme steder",
        "ar": "جمع النقاط الساخنة",
    },
    {
        "en": "Choose the measures",
        "nl": "Maatregelen kiezen",
        "fr": "Choisir les mesures",
        "de": "Maßnahmen wählen",
        "nb": "Velg tiltakene",
        "ar": "اختيار الإجراءات",
    },
]


def _test_plugins() -> list[str]:
    """The dummy method joins the server when the test suite ships it."""
    try:
        found = importlib.util.find_spec("tests.dummy_method.plugin") is not None
    except ModuleNotFoundError:
        found = False
    return ["tests.dummy_method.plugin"] if found else []


class MailBox:
    """An aiosmtpd handler that keeps every message and lets a test wait for the next one to an address."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._changed:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, *, after: int = 0, timeout: float = 30.0) -> EmailMessage:
        """The first message to ``address`` beyond the ``after`` ones already seen; fails after ``timeout``."""
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.to_unlocked(address)) > after, timeout=timeout)
            found = self.to_unlocked(address)
        assert ok, f"no mail to {address} within {timeout}s (mails so far: {[m['To'] for m in self.messages]})"
        return found[after]

    def to_unlocked(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


@dataclass
class LiveServer:
    base_url: str
    mailbox: MailBox
    password: str
    project_slug: str
    phase_ids: list[int]
    methods: list[str]
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(url: str, plugins: list[str], password: str, upload_dir: str) -> tuple[list[int], list[str]]:
    from sqlalchemy import select

    from core import demo
    from core.accounts import create_user
    from core.app import create_app
    from core.db.base import utcnow
    from core.models import Phase, Project, Tenant
    from core.settings import Settings

    app = create_app(
        Settings(
            database_url=url,
            require_current_schema=False,
            plugins=list(plugins),
            only_plugins=only_plugins(),
            secret_key=SECRET_KEY,
            upload_dir=upload_dir,  # the server's: the demo stores its banner there
        )
    )
    state = app.state.townhall
    try:
        await demo.seed(state, password)
        methods = sorted(state.registry.methods)
        method = methods[0] if methods else "not-installed"
        async with state.db.session(unscoped=True) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == TENANT_SLUG))
        assert tenant is not None, "the demo did not create its tenant"
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        async with state.db.session(tenant.id, write=True) as session:
            project = Project(
                slug=PROJECT_SLUG, title=PROJECT_TITLE, description=PROJECT_DESCRIPTION, status="published"
            )
            session.add(project)
            await session.flush()
            spans = [
                (now - timedelta(days=20), now - timedelta(days=5)),
                (now - timedelta(days=4), now + timedelta(days=30)),
            ]
            phases = []
            for title, (start, end) in zip(PHASE_TITLES, spans, strict=True):
                phase = Phase(
                    project_id=project.id,
                    title=title,
                    description={"en": "What happens in this phase.", "ar": "ما يحدث في هذه المرحلة."},
                    method=method,
                    config={},
                    permissions={},
                    starts_at=start,
                    ends_at=end,
                )
                session.add(phase)
                await session.flush()
                phases.append(phase.id)
            for locale, address in RESET_ACCOUNTS.items():
                await create_user(
                    session, email=address, password=password, display_name="Reset", confirmed=True, locale=locale
                )
        return phases, methods
    finally:
        await state.db.dispose()


async def _recreate_postgres_database(url: str, *, create: bool = True) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await conn.close()


def database_url(folder: Path) -> str:
    """SQLite in ``folder``; with ``TOWNHALL_TEST_DATABASE_URL`` on PostgreSQL, a database of our own beside it."""
    from sqlalchemy.engine import make_url

    from core.settings import normalise_database_url

    raw = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    if not raw.startswith("postgres"):
        return f"sqlite+aiosqlite:///{folder / 'browser.sqlite3'}"
    url = make_url(normalise_database_url(raw))
    return url.set(database=f"{url.database}_browser").render_as_string(hide_password=False)


def _prepare_database(url: str, plugins: list[str], password: str, upload_dir: str) -> tuple[list[int], list[str]]:
    from core import migrate
    from core.plugins import Registry, build_plugin_manager

    if url.startswith("postgresql"):
        asyncio.run(_recreate_postgres_database(url))
    migrate.upgrade(url, Registry.gather(build_plugin_manager(list(plugins), only=only_plugins())))
    return asyncio.run(_seed(url, plugins, password, upload_dir))


def _wait_healthy(base_url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as resp:  # noqa: S310 - local test server
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {timeout}s ({last}):\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server in a subprocess on a migrated, seeded temporary database, mail going to ``mailbox``."""
    from aiosmtpd.controller import Controller

    folder = tmp_path_factory.mktemp("browser")
    url = database_url(folder)
    plugins = _test_plugins()
    # Migrating and seeding run their own event loops: keep them off whatever thread pytest runs on.
    with ThreadPoolExecutor(max_workers=1) as pool:
        uploads = str(folder / "uploads")
        phase_ids, methods = pool.submit(_prepare_database, url, plugins, DEMO_PASSWORD, uploads).result()

    mailbox = MailBox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    port = _free_port()
    log_path = folder / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TOWNHALL_SECRET_KEY": SECRET_KEY,
        "TOWNHALL_SMTP_HOST": "127.0.0.1",
        "TOWNHALL_SMTP_PORT": str(smtp.port),
        "TOWNHALL_MAIL_FROM": "townhall@demo-city.example",
        "TOWNHALL_UPLOAD_DIR": uploads,
        "TOWNHALL_TEST_PLUGINS": ",".join(plugins),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TOWNHALL_DEBUG", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.browser.server_app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--timeout-graceful-shutdown",
                "3",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, proc, log_path)
        yield LiveServer(
            base_url=base_url,
            mailbox=mailbox,
            password=DEMO_PASSWORD,
            project_slug=PROJECT_SLUG,
            phase_ids=phase_ids,
            methods=methods,
            log_path=log_path,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        smtp.stop()
        if url.startswith("postgresql"):
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, _recreate_postgres_database(url, create=False)).result()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; scripts/test.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_context(chromium_browser: Any, live: LiveServer) -> Iterator[Callable[..., Any]]:
    """``open_context(**options)`` → a fresh browser context on the live server (closed after the test).

    ``bypass_csp`` lets the tests inject axe-core; the app's CSP forbids inline scripts for its own pages.
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("base_url", live.base_url)
        options.setdefault("bypass_csp", True)
        options.setdefault("locale", "en-GB")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium_browser.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()
FAILURE_DIR = Path(os.environ.get("TOWNHALL_BROWSER_ARTIFACTS", "/tmp/th_browser_failures"))


@pytest.fixture
def tab(request: pytest.FixtureRequest, open_context: Callable[..., Any], live: LiveServer) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies, JavaScript on); on failure its screenshot and HTML are kept."""
    page = open_context().new_page()
    yield page
    if request.node.stash.get(CALL_FAILED, False) and not page.is_closed():
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        stem = FAILURE_DIR / "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            Path(f"{stem}.html").write_text(page.content())
        except Exception as exc:  # the page may be mid-navigation; the failure itself matters more
            print(f"could not save the failing page: {exc}")
        print(f"failing page {page.url} saved as {stem}.png/.html; server log tail:\n{live.log_tail()}")
