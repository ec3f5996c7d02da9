"""Runtime settings, read once from the environment so one code path serves demo, tests and production."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import msgspec

from core.ratelimits import parse_env

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "nl", "fr", "de", "nb", "ar")
RTL_LOCALES: frozenset[str] = frozenset({"ar"})
JOB_MODES: tuple[str, ...] = ("inprocess", "saq", "off")


class Settings(msgspec.Struct, kw_only=True):
    """Everything that differs between deployments; every field has a default usable for local work."""

    database_url: str = "sqlite+aiosqlite:///./data/townhall.sqlite3"
    redis_url: str | None = None
    secret_key: str = msgspec.field(default_factory=lambda: secrets.token_urlsafe(32))
    debug: bool = False
    workers: int = 1
    # Smtp: tests point these at a local aiosmtpd; the demo prints mails to the log when smtp_host is empty.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "townhall@localhost"
    # Plugins given as objects or import paths in addition to the `townhall.plugins` entry points.
    plugins: list[object] = msgspec.field(default_factory=list)
    load_entry_points: bool = True
    only_plugins: list[str] | None = None
    allowed_hosts: list[str] = msgspec.field(default_factory=lambda: ["*"])
    max_request_bytes: int = 10 * 1024 * 1024
    upload_dir: str = "./data/uploads"
    template_override_dir: str | None = None
    secure_cookies: bool = False
    login_rate_limit: int = 10  # attempts per window per client and per email
    rate_limit_window_seconds: int = 300
    # Participation rate limits (core/ratelimits.py, docs/operations.md): overrides by key, e.g.
    # {"ideation.post": "account 2/min; ip 10/min", "core.report": "off"}; everything else keeps its declared limit.
    rate_limits: dict[str, str] = msgspec.field(default_factory=dict)
    require_current_schema: bool = True
    # Per worker; PostgreSQL's max_connections must cover workers x (pool + overflow). Connections beyond the pool
    # are closed as soon as they are returned, so a pool smaller than a worker's usual concurrency opens and closes
    # a PostgreSQL connection (a forked backend) every few requests: 10 + 20 cost a 30-connection burst over two
    # workers 15 % of its throughput (benchmarks/ballot_burst.py), 20 + 10 has the same ceiling and no churn.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # Real time (core/realtime.py): channel namespace inside a shared Redis, SSE keep-alive comment interval.
    realtime_prefix: str = "townhall"
    sse_keepalive_seconds: float = 15.0
    # Jobs (core/jobs): "inprocess" runs them in each web worker, "saq" leaves them to `townhall worker` on Redis,
    # "off" runs nothing here. The tick is how often the in-process scheduler looks for due work.
    jobs: str = "inprocess"
    jobs_tick_seconds: float = 5.0
    jobs_queue: str = "townhall"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def upload_path(self) -> Path:
        return Path(self.upload_dir)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(**overrides: object) -> Settings:
    """Build settings from TOWNHALL_* / DATABASE_URL / REDIS_URL variables; keyword overrides win."""
    env = os.environ
    values: dict[str, object] = {}
    if "DATABASE_URL" in env:
        values["database_url"] = normalise_database_url(env["DATABASE_URL"])
    if env.get("REDIS_URL"):
        values["redis_url"] = env["REDIS_URL"]
    if "TOWNHALL_SECRET_KEY" in env:
        values["secret_key"] = env["TOWNHALL_SECRET_KEY"]
    if "TOWNHALL_WORKERS" in env:
        values["workers"] = int(env["TOWNHALL_WORKERS"])
    for key in ("smtp_host", "smtp_user", "smtp_password", "mail_from", "upload_dir"):
        if f"TOWNHALL_{key.upper()}" in env:
            values[key] = env[f"TOWNHALL_{key.upper()}"]
    for key in ("db_pool_size", "db_max_overflow"):
        if f"TOWNHALL_{key.upper()}" in env:
            values[key] = int(env[f"TOWNHALL_{key.upper()}"])
    if "TOWNHALL_SMTP_PORT" in env:
        values["smtp_port"] = int(env["TOWNHALL_SMTP_PORT"])
    if env.get("TOWNHALL_REALTIME_PREFIX"):
        values["realtime_prefix"] = env["TOWNHALL_REALTIME_PREFIX"]
    if "TOWNHALL_SSE_KEEPALIVE_SECONDS" in env:
        values["sse_keepalive_seconds"] = float(env["TOWNHALL_SSE_KEEPALIVE_SECONDS"])
    if env.get("TOWNHALL_JOBS"):
        values["jobs"] = env["TOWNHALL_JOBS"].strip().lower()
    if "TOWNHALL_JOBS_TICK_SECONDS" in env:
        values["jobs_tick_seconds"] = float(env["TOWNHALL_JOBS_TICK_SECONDS"])
    if env.get("TOWNHALL_JOBS_QUEUE"):
        values["jobs_queue"] = env["TOWNHALL_JOBS_QUEUE"]
    if "TOWNHALL_LOGIN_RATE_LIMIT" in env:
        values["login_rate_limit"] = int(env["TOWNHALL_LOGIN_RATE_LIMIT"])
    if env.get("TOWNHALL_RATE_LIMITS"):  # key=limit pairs separated by "|"
        values["rate_limits"] = parse_env(env["TOWNHALL_RATE_LIMITS"])
    if env.get("TOWNHALL_PLUGINS"):  # extra plugin modules, comma-separated import paths
        values["plugins"] = [p.strip() for p in env["TOWNHALL_PLUGINS"].split(",") if p.strip()]
    if "TOWNHALL_ALLOWED_HOSTS" in env:
        values["allowed_hosts"] = [h.strip() for h in env["TOWNHALL_ALLOWED_HOSTS"].split(",") if h.strip()]
    values["debug"] = _env_bool("TOWNHALL_DEBUG", False)
    values["secure_cookies"] = _env_bool("TOWNHALL_SECURE_COOKIES", False)
    values["smtp_starttls"] = _env_bool("TOWNHALL_SMTP_STARTTLS", False)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def normalise_database_url(url: str) -> str:
    """Accept the URLs operators usually have (postgresql://, sqlite:///) and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
