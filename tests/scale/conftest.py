"""Fixtures for the multi-worker tests: PostgreSQL database, Redis, and ``townhall run --workers 2`` servers.

Each run gets its own database (``th_scale_<pid>``, dropped afterwards) and its own real-time channel prefix, so
several people can run the suite at once against the same PostgreSQL and Redis. The tests skip when PostgreSQL or
Redis is unreachable, unless ``TOWNHALL_REQUIRE_SCALE_TESTS`` is set (CI), where that is a failure.

Settings: ``TOWNHALL_SCALE_PG_URL`` (a maintenance database to create ours from; default: the server of
``TOWNHALL_TEST_DATABASE_URL`` if it is PostgreSQL, else ``postgresql://postgres@127.0.0.1:5432/postgres``) and
``TOWNHALL_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``; when nothing answers there and no URL was given,
a private ``redis-server`` is started on a free port if the binary exists).

Which worker answered is learnt without touching production code: every ``Pinned`` client holds exactly one
keep-alive connection, asks the test-only plugin ``tests.scale.hooks_plugin`` for the pid of the worker at the
other end, and then sends everything else over that same connection.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOKS = "tests.scale.hooks_plugin"
DUMMY = "tests.dummy_method.plugin"
REQUIRED = bool(os.environ.get("TOWNHALL_REQUIRE_SCALE_TESTS"))
SECRET = "scale-test-secret-" + "k" * 32
PASSWORD = "correct horse battery"
LOGIN_LIMIT = 4
# Participation limit overrides of the servers (TOWNHALL_RATE_LIMITS): only the dummy method's comments, which only
# tests/scale/test_rate_limits.py posts, so no other test meets a limit it did not ask for.
COMMENT_LIMIT = 6
RATE_LIMITS = f"dummy.comment=account {COMMENT_LIMIT}/h; ip 1000/h"
WORKERS = 2


def unavailable(message: str) -> None:
    if REQUIRED:
        pytest.fail(f"{message} (TOWNHALL_REQUIRE_SCALE_TESTS is set)")
    pytest.skip(f"{message}; set TOWNHALL_REQUIRE_SCALE_TESTS=1 to make this a failure")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def extra_plugins() -> list[str]:
    plugins = [HOOKS]
    try:
        __import__(DUMMY)
        plugins.append(DUMMY)
    except ImportError:
        pass
    return plugins


@pytest.fixture
async def live(app: Any, tenant: Any) -> AsyncIterator[str]:
    """The test app (test database, in-process) served by uvicorn on a free port, for tests that read streams:
    the Litestar test client buffers whole responses. Yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


# ---------------------------------------------------------------------------------------------------------------
# services


def pg_admin_url() -> str:
    explicit = os.environ.get("TOWNHALL_SCALE_PG_URL")
    if explicit:
        return explicit
    test_url = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
    if test_url.startswith(("postgresql", "postgres:")):
        parts = urlsplit(test_url.replace("+asyncpg", ""))
        return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    return "postgresql://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url.replace("+asyncpg", ""))
    return urlunsplit(("postgresql", parts.netloc, f"/{name}", parts.query, ""))


async def _pg(url: str, *statements: str) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=3)
    try:
        out = []
        for sql in statements:
            out.append(await conn.fetch(sql))
        return out
    finally:
        await conn.close()


def _redis_ping(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@dataclass
class Services:
    pg_admin: str
    redis_url: str


@pytest.fixture(scope="session")
def scale_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    admin = pg_admin_url()
    try:
        asyncio.run(_pg(admin, "SELECT 1"))
    except Exception as exc:
        unavailable(f"PostgreSQL unreachable at {admin} ({type(exc).__name__}: {exc})")
    given = os.environ.get("TOWNHALL_TEST_REDIS_URL")
    redis_url = given or "redis://127.0.0.1:6379/0"
    own: subprocess.Popen | None = None
    if not _redis_ping(redis_url):
        binary = shutil.which("redis-server")
        if given or binary is None:
            unavailable(f"Redis unreachable at {redis_url}")
        port = free_port()
        workdir = tmp_path_factory.mktemp("redis")
        own = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while not _redis_ping(redis_url):
            if time.monotonic() > deadline or own.poll() is not None:
                own.kill()
                unavailable("Redis unreachable and a private redis-server did not start")
            time.sleep(0.05)
    yield Services(pg_admin=admin, redis_url=redis_url)
    if own is not None:
        own.terminate()
        own.wait(10)


# ---------------------------------------------------------------------------------------------------------------
# database


@dataclass
class Seed:
    database_url: str
    tenant_id: int
    other_tenant_id: int
    users: list[dict[str, Any]] = field(default_factory=list)  # id, email, token (auth cookie)
    other_users: list[dict[str, Any]] = field(default_factory=list)  # the same, in the other tenant
    phase_id: int | None = None
    project_slug: str | None = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _create_database(admin: str, name: str) -> None:
    (rows,) = await _pg(admin, "SELECT datname FROM pg_database WHERE datname LIKE 'th_scale_%'")
    stale = []
    for row in rows:
        suffix = row["datname"].rsplit("_", 1)[-1]
        if suffix.isdigit() and not _pid_alive(int(suffix)):
            stale.append(row["datname"])  # left behind by a run that was killed
    await _pg(
        admin, *[f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in [*stale, name]], f'CREATE DATABASE "{name}"'
    )


async def add_resident(session: Any, email: str, name: str, role: str = "resident") -> dict[str, Any]:
    """A verified account (a resident unless ``role`` says otherwise) with a session: ``{"id", "email", "token"}``
    (the token is the session cookie)."""
    from core.accounts import create_user
    from core.context import SESSION_LIFETIME
    from core.db.base import utcnow
    from core.models import AuthSession
    from core.passwords import new_token, token_hash

    user = await create_user(session, email=email, password=PASSWORD, display_name=name, verified=True, confirmed=True)
    token = new_token()
    session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME))
    return {"id": user.id, "email": user.email, "token": token}


async def _seed(url: str, plugins: list[str]) -> Seed:
    from core.app import create_app
    from core.db.base import utcnow
    from core.settings import Settings, normalise_database_url
    from core.tenants import create_tenant

    app = create_app(Settings(database_url=normalise_database_url(url), plugins=list(plugins)))
    state = app.state.townhall
    try:
        tenants = []
        for slug, host in (("scale", "127.0.0.1"), ("scale-other", "localhost")):
            async with state.db.session(unscoped=True, write=True) as session:
                t = await create_tenant(
                    session,
                    slug=slug,
                    name={"en": slug},
                    hosts=[host],
                    locales=["en"],
                    enabled_methods=sorted(state.registry.methods),
                )
                tenants.append(t.id)
        seed = Seed(database_url=url, tenant_id=tenants[0], other_tenant_id=tenants[1])
        for tenant_id, count, into in ((tenants[0], 4, seed.users), (tenants[1], 1, seed.other_users)):
            async with state.db.session(tenant_id, write=True) as session:
                for i in range(count):
                    into.append(await add_resident(session, f"scale{i}@example.org", f"Scale {i}"))
        if "dummy" in state.registry.methods:
            from core.models import Phase, Project

            async with state.db.session(tenants[0], write=True) as session:
                project = Project(slug="scale", title={"en": "Scale"}, description={"en": "x"}, status="published")
                session.add(project)
                await session.flush()
                now = utcnow()
                from datetime import timedelta

                phase = Phase(
                    project_id=project.id,
                    title={"en": "dummy"},
                    description={},
                    method="dummy",
                    config={},
                    permissions={},
                    starts_at=now - timedelta(days=1),
                    ends_at=now + timedelta(days=7),
                )
                session.add(phase)
                await session.flush()
                seed.phase_id, seed.project_slug = phase.id, project.slug
        return seed
    finally:
        await state.db.dispose()


@contextmanager
def seeded_database(services: Services, name: str) -> Iterator[Seed]:
    """A new PostgreSQL database, migrated and seeded; dropped afterwards."""
    from core import migrate
    from core.plugins import Registry, build_plugin_manager
    from core.settings import normalise_database_url

    asyncio.run(_create_database(services.pg_admin, name))
    url = with_database(services.pg_admin, name)
    plugins = extra_plugins()
    try:
        migrate.upgrade(normalise_database_url(url), Registry.gather(build_plugin_manager(plugins)))
        yield asyncio.run(_seed(url, plugins))
    finally:
        asyncio.run(_pg(services.pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def scale_db(scale_services: Services) -> Iterator[Seed]:
    """The database the shared servers run on (session-wide: their in-process jobs run on it too)."""
    with seeded_database(scale_services, f"th_scale_{os.getpid()}") as seed:
        yield seed


@pytest.fixture
def private_scale_db(scale_services: Services) -> Iterator[Seed]:
    """A database no server touches: for tests that need to be the only ones running jobs on it."""
    with seeded_database(scale_services, f"th_scale_{os.getpid()}_x{uuid.uuid4().hex[:6]}") as seed:
        yield seed


# ---------------------------------------------------------------------------------------------------------------
# servers


class Server:
    """``townhall run --workers 2`` in a subprocess, on the scale database."""

    def __init__(self, seed: Seed, log_dir: Path, *, redis_url: str | None, workers: int = WORKERS) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.prefix = f"th-test-{uuid.uuid4().hex[:12]}"
        self.redis_url = redis_url
        self.workers = workers
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_") and k != "REDIS_URL"}
        env.update(
            DATABASE_URL=seed.database_url,
            TOWNHALL_SECRET_KEY=SECRET,
            TOWNHALL_PLUGINS=",".join(extra_plugins()),
            TOWNHALL_REALTIME_PREFIX=self.prefix,
            TOWNHALL_LOGIN_RATE_LIMIT=str(LOGIN_LIMIT),
            TOWNHALL_RATE_LIMITS=RATE_LIMITS,
            # As behind a load balancer on this host: a test may speak for a client address of its own
            # (X-Forwarded-For), so one test's per-IP counts do not spill into the next.
            TOWNHALL_TRUSTED_PROXIES="127.0.0.1",
            TOWNHALL_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        self.log_path = log_dir / f"server-{self.port}.log"
        townhall = Path(sys.executable).with_name("townhall")
        command = [str(townhall)] if townhall.exists() else [sys.executable, "-c", "from core.cli import main; main()"]
        command += ["run", "--workers", str(workers), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pids: set[int] = set()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def wait_ready(self, timeout: float = 60) -> None:
        """Until every worker has answered (each request on a fresh connection, so the kernel spreads them)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.pids.add(httpx.get(self.base + "/_scale/pid", timeout=2).json()["pid"])
            except httpx.HTTPError:
                time.sleep(0.1)
            if len(self.pids) >= self.workers:
                return
        self.stop()
        pytest.fail(f"{len(self.pids)} of {self.workers} workers answered within {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15) -> float:
        """SIGTERM, as a process manager would; returns how long the graceful shutdown took."""
        if self.proc.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group (start_new_session)
            self.proc.wait(5)
        return time.monotonic() - started


@pytest.fixture(scope="session")
def scale_servers(
    scale_db: Seed, scale_services: Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Server]]:
    """Both servers start together (their start-up is mostly waiting on imports); each is awaited when used."""
    log_dir = tmp_path_factory.mktemp("scale")
    servers = {
        "redis": Server(scale_db, log_dir, redis_url=scale_services.redis_url),
        "memory": Server(scale_db, log_dir, redis_url=None),
    }
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def redis_server(scale_servers: dict[str, Server]) -> Server:
    """``townhall run --workers 2`` with REDIS_URL."""
    server = scale_servers["redis"]
    server.wait_ready()
    return server


@pytest.fixture
def memory_server(scale_servers: dict[str, Server]) -> Server:
    """``townhall run --workers 2`` without REDIS_URL (memory channels backend)."""
    server = scale_servers["memory"]
    server.wait_ready()
    return server


# ---------------------------------------------------------------------------------------------------------------
# clients pinned to one worker


class Pinned:
    """An HTTP client with exactly one keep-alive connection, hence one worker at a time.

    uvicorn closes a connection idle for 5 s, after which the client silently reconnects, possibly to the other
    worker: so ask ``refresh()`` right before the request whose worker matters, and trust answers that carry the pid.
    """

    def __init__(self, client: httpx.AsyncClient, pid: int) -> None:
        self.client = client
        self.pid = pid

    async def refresh(self) -> int:
        self.pid = (await self.client.get("/_scale/pid")).json()["pid"]
        return self.pid


def new_client(base: str, *, token: str | None = None, host: str | None = None) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        base_url=base,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        timeout=httpx.Timeout(10, read=30),
        headers={"Host": host} if host else None,
    )
    if token:
        client.cookies.set("th_session", token)
    return client


async def on_every_worker(
    base: str,
    per_worker: int,
    act: Any,
    stack: AsyncExitStack,
    *,
    token: str | None = None,
    host: str | None = None,
    workers: int = WORKERS,
    attempts: int | None = None,
    seconds: float = 120,
) -> list[Any]:
    """Fresh connections until ``act(pinned)`` ran at least ``per_worker`` times on each worker; its results.

    ``act`` runs right after the pid check, on the same connection. The kernel decides where connections land, and
    on a loaded machine it favours one worker for long stretches (one CI run saw 4 of 80 connections reach the second
    worker), so the budget is time, not a count: keep opening connections for up to ``seconds``, closing each surplus
    one at once and backing off briefly after every ten in a row so the other worker gets scheduled (a back-off after
    every surplus connection made the 50-request bursts several times slower). ``attempts`` caps the count instead
    (for tests that want a fixed number of tries).
    """
    counts: dict[int, int] = {}
    results = []
    deadline = time.monotonic() + seconds
    tried = surplus_in_a_row = 0
    while (tried < attempts) if attempts else (tried < 40 or time.monotonic() < deadline):
        tried += 1
        client = new_client(base, token=token, host=host)
        pinned = Pinned(client, 0)
        pid = await pinned.refresh()
        if counts.get(pid, 0) >= per_worker:
            await client.aclose()
            surplus_in_a_row += 1
            if surplus_in_a_row % 10 == 0:  # the kernel keeps picking one worker: let the other get scheduled
                await asyncio.sleep(0.05)
            continue
        surplus_in_a_row = 0
        stack.push_async_callback(client.aclose)
        results.append(await act(pinned))
        counts[pid] = counts.get(pid, 0) + 1
        if len(counts) >= workers and all(n >= per_worker for n in counts.values()):
            return results
    pytest.fail(f"connections did not reach {workers} workers {per_worker} times each: {{pid: count}} = {counts}")


async def csrf_header(p: Pinned) -> dict[str, str]:
    if "csrftoken" not in p.client.cookies:
        await p.client.get("/")
    return {"x-csrftoken": p.client.cookies.get("csrftoken", "")}
