"""The ``townhall`` command: demo, serving, migrations, tenants, users, translations, plus plugin commands."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from core.settings import SUPPORTED_LOCALES, settings_from_env

DEMO_DIR = Path("data")
T = TypeVar("T")


def _app_state(**overrides: object):  # type: ignore[no-untyped-def]
    from core.app import create_app

    settings = settings_from_env(require_current_schema=False, **overrides)
    return create_app(settings).state.townhall


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, imported by the commands that use it: asyncio is 45 ms of a command's start, and
    ``townhall pabulib results`` needs none of it."""
    import asyncio

    return asyncio.run(coroutine)


@click.group(help="Townhall: open-source civic participation.")
def cli() -> None:
    logging.basicConfig(
        level=os.environ.get("TOWNHALL_LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )


def proxy_options() -> dict[str, object]:
    """Client addresses come from X-Forwarded-For only when sent by a proxy listed in TOWNHALL_TRUSTED_PROXIES.

    Default: no proxy is trusted, so a visitor cannot pick their own address (and dodge per-IP rate limits) by
    sending the header. Behind a reverse proxy, list its addresses (comma-separated IPs or networks).
    """
    trusted = os.environ.get("TOWNHALL_TRUSTED_PROXIES", "").strip()
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def serve(host: str, port: int, workers: int) -> None:
    from core.serving import serve as serve_app

    serve_app(
        "core.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **proxy_options(),  # type: ignore[arg-type]
        timeout_graceful_shutdown=3,  # open SSE streams would otherwise hold a shutdown or restart forever
        timeout_worker_healthcheck=30,  # a worker importing the app on a busy machine is slow, not hung
    )


@cli.command(help="Set up an embedded demo (SQLite under ./data) with two municipalities, then serve it.")
@click.option("--port", default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--password", default=None, help="Password of every demo account (default: a printed random one).")
@click.option("--no-serve", is_flag=True, help="Only prepare the data.")
def demo(port: int, host: str, password: str | None, no_serve: bool) -> None:
    from core import demo as demo_data
    from core import migrate

    DEMO_DIR.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{(DEMO_DIR / 'demo.sqlite3').resolve()}"
    os.environ["DATABASE_URL"] = url
    secret_file = DEMO_DIR / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
    os.environ.setdefault("TOWNHALL_SECRET_KEY", secret_file.read_text().strip())
    os.environ.setdefault("TOWNHALL_UPLOAD_DIR", str((DEMO_DIR / "uploads").resolve()))
    password_file = DEMO_DIR / "demo_password"
    if password is None:
        password = password_file.read_text().strip() if password_file.exists() else secrets.token_urlsafe(9)
    state = _app_state()
    migrate.upgrade(state.settings.database_url, state.registry)
    accounts = _run(demo_data.seed(state, password))
    if not password_file.exists():
        password_file.write_text(password)
    click.echo("\nTownhall demo is ready.")
    click.echo(f"  Demo City:  http://localhost:{port}/   (also http://127.0.0.1:{port}/)")
    click.echo(f"  Other Town: http://other.localhost:{port}/")
    click.echo(f"  Accounts (password for all: {password}):")
    for host_name, email, role in accounts:
        click.echo(f"    {role:<10} {email:<40} on {host_name}")
    click.echo("  (passwords set on the first run are kept; delete ./data to start over)\n")
    if not no_serve:
        serve(host, port, 1)


@cli.command(help="Serve with settings from the environment (DATABASE_URL, REDIS_URL, TOWNHALL_SECRET_KEY, ...).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=None, type=int, help="Worker processes (default: TOWNHALL_WORKERS or 1).")
def run(host: str, port: int, workers: int | None) -> None:
    workers = workers or int(os.environ.get("TOWNHALL_WORKERS", "1"))
    if workers > 1 and not os.environ.get("TOWNHALL_SECRET_KEY"):
        # Each worker would invent its own key: CSRF tokens from one worker would be refused by the others.
        raise click.UsageError("several workers need a shared TOWNHALL_SECRET_KEY")
    os.environ["TOWNHALL_WORKERS"] = str(workers)  # the workers' settings see how many they are
    serve(host, port, workers)


@cli.command(help="Run the background jobs on SAQ (REDIS_URL): cron jobs from the plugins, enqueued one-off jobs.")
@click.option("--concurrency", default=4, show_default=True, help="Jobs run at once by this worker.")
def worker(concurrency: int) -> None:
    # Web workers started with TOWNHALL_JOBS=saq only enqueue; run one or more of these next to them. Several
    # workers are safe: every run is claimed in the database (job_run) before it starts.
    if not os.environ.get("REDIS_URL"):
        raise click.UsageError("`townhall worker` needs REDIS_URL (SAQ keeps its queue in Redis)")
    from core.jobs.saq_runner import build_worker

    state = _app_state(jobs="saq")
    jobs = ", ".join(sorted(state.registry.jobs)) or "none"
    click.echo(f"townhall worker on {state.settings.jobs_queue!r}; jobs: {jobs}")
    _run(build_worker(state, concurrency=concurrency).start())


@cli.group(help="Database schema (Alembic lineages of the core and each plugin).")
def db() -> None:
    pass


@db.command(help="Apply every pending migration of the core and the installed plugins.")
def upgrade() -> None:
    from core import migrate

    state = _app_state()
    migrate.upgrade(state.settings.database_url, state.registry)
    click.echo("database upgraded")


@db.command(help="Exit non-zero unless every lineage is at its head and matches the models.")
def check() -> None:
    from core import migrate

    state = _app_state()

    async def main() -> bool:
        statuses = await migrate.status(state.db.engine, state.registry)
        await state.db.dispose()
        ok = True
        for s in statuses:
            click.echo(f"{s.name}: {'ok' if s.ok else 'NOT CURRENT'} (at {sorted(s.current)}, head {sorted(s.heads)})")
            for diff in s.differences:
                click.echo(f"  difference: {diff}")
            ok = ok and s.ok
        return ok

    if not _run(main()):
        sys.exit(1)


@db.command(help="Autogenerate a migration for one lineage (core or a plugin key).")
@click.option("--lineage", default="core", show_default=True)
@click.option("-m", "--message", required=True)
def revision(lineage: str, message: str) -> None:
    from core import migrate

    state = _app_state()
    chosen = {lin.name: lin for lin in migrate.all_lineages(state.registry)}
    if lineage not in chosen:
        raise click.BadParameter(f"unknown lineage; known: {', '.join(chosen)}")
    migrate.make_revision(state.settings.database_url, chosen[lineage], message)


@cli.group(help="Municipalities.")
def tenant() -> None:
    pass


@tenant.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True, help="Name in the default language.")
@click.option("--host", "hosts", multiple=True, required=True, help="Host name; repeat for several.")
@click.option("--locale", "locales", multiple=True, type=click.Choice(SUPPORTED_LOCALES))
@click.option("--default-locale", default="en", type=click.Choice(SUPPORTED_LOCALES))
@click.option("--timezone", default="UTC")
@click.option("--currency", default="EUR")
@click.option("--population", type=int, default=None)
def tenant_create(
    slug: str,
    name: str,
    hosts: tuple[str, ...],
    locales: tuple[str, ...],
    default_locale: str,
    timezone: str,
    currency: str,
    population: int | None,
) -> None:
    from core.tenants import TenantSettingsError, create_tenant

    state = _app_state()

    async def main() -> int:
        async with state.db.session(unscoped=True, write=True) as session:
            t = await create_tenant(
                session,
                slug=slug,
                name={default_locale: name},
                hosts=list(hosts),
                locales=list(locales) or [default_locale],
                default_locale=default_locale,
                timezone=timezone,
                currency=currency,
                population=population,
                enabled_methods=sorted(state.registry.methods),
            )
            return t.id

    try:
        tenant_id = _run(main())
    except TenantSettingsError as exc:
        raise click.BadParameter(str(exc), param_hint=exc.field) from exc
    click.echo(f"created municipality {slug} (id {tenant_id})")


@cli.group(help="Accounts.")
def user() -> None:
    pass


@user.command("create")
@click.option("--tenant", "tenant_slug", required=True, help="Municipality slug.")
@click.option("--email", required=True)
@click.option("--name", default=None)
@click.option("--role", default="resident", type=click.Choice(["resident", "admin"]))
@click.option("--verified", is_flag=True)
@click.password_option(envvar="TOWNHALL_NEW_USER_PASSWORD")
def user_create(tenant_slug: str, email: str, name: str | None, role: str, verified: bool, password: str) -> None:
    from sqlalchemy import select

    from core.accounts import AccountError, create_user
    from core.models import Tenant

    state = _app_state()

    async def main() -> None:
        async with state.db.session(unscoped=True) as session:
            t = await session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
        if t is None:
            raise click.BadParameter(f"no municipality {tenant_slug!r}", param_hint="--tenant")
        async with state.db.session(t.id, write=True) as session:
            await create_user(
                session,
                email=email,
                password=password,
                display_name=name or email.split("@")[0],
                role=role,
                verified=verified,
                confirmed=True,
            )

    try:
        _run(main())
    except AccountError as exc:
        raise click.BadParameter(exc.code, param_hint=exc.field) from exc
    click.echo(f"created {role} {email}")


@cli.group(help="Participation method packages written outside this repository.")
def plugin() -> None:
    pass


@plugin.command("new", help="Write a working method package KEY (installable, passing the conformance suite).")
@click.argument("key")
@click.option(
    "--dir",
    "parent",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder in which the package folder KEY is created.",
)
def plugin_new(key: str, parent: Path) -> None:
    from core.scaffold import ScaffoldError, generate

    try:
        target = generate(key, parent)
    except ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from exc
    click.echo(f"created {target}")
    click.echo(f"next: pip install -e {target}, then run pytest in it; see docs/writing_plugins.md")


COMMANDS_GROUP = "townhall.commands"
LAZY_GROUPS = ("i18n", "notifications")  # the core's groups that ``main`` imports only when they may be called


def _standalone_command(name: str | None) -> click.Command | None:
    """The command called ``name`` when a ``townhall.commands`` entry point provides it, loaded alone.

    Why: loading every plugin (their models, routes, templates) costs seconds; an offline tool such as
    ``townhall pabulib results FILE.pb`` needs none of it. A plugin may list such a command under this entry-point
    group as well as returning it from ``register_commands`` (which keeps it in ``townhall --help``).
    """
    from importlib.metadata import entry_points

    if name is None:
        return None
    for entry in entry_points(group=COMMANDS_GROUP):
        if entry.name == name:
            return entry.load()
    return None


def main() -> None:
    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if name in cli.commands:  # a core command (run, db, demo...): the plugins load with the app, if it needs one
        cli()
        return
    # An offline command listed under ``townhall.commands`` (townhall pabulib) runs with nothing else loaded.
    standalone = None if name in LAZY_GROUPS else _standalone_command(name)
    if standalone is not None:
        cli.add_command(standalone)
        cli()
        return
    # Babel's catalog tools (~1.2 MiB) are added only when the command may be theirs, not for every `townhall run`.
    from core.i18n_tools import i18n_group
    from core.notifications_cli import notifications_group

    cli.add_command(i18n_group)
    cli.add_command(notifications_group)
    if name in cli.commands:
        cli()
        return
    try:
        from core.plugins import Registry, build_plugin_manager

        for command in Registry.gather(build_plugin_manager()).commands:
            cli.add_command(command)
    except Exception as exc:
        click.echo(f"warning: plugin commands unavailable: {exc}", err=True)
    cli()
