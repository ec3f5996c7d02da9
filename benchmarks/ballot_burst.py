"""Ballot-submit burst against a multi-worker Townhall on PostgreSQL, and greedy counted from the database.

1. Burst. Creates (drops and re-creates) the database ``th_budget_bench``, migrates it, seeds one municipality, a
   knapsack phase with one budget, N voters with a login session and a filled cart each (straight into the
   database, no password hashing), then starts ``uvicorn core.app:create_app --factory --workers W`` and sends one
   ``POST .../submit`` per voter with C concurrent connections, plus R% immediate duplicate submits (double clicks)
   of the same voters. Baseline, measured in the same run on the same database server and the same uvicorn set-up:
   a bare ASGI app (``baseline_app`` below) whose POST does exactly one INSERT through an asyncpg pool. Printed:
   ballots/s of both and the ratio; then verified: every voter answered 303, exactly N ballot rows, N distinct
   voters, zero lost and zero duplicates.

2. Greedy including loading the ballots from the database (``--lodz``): imports Łódź 2022 (90k ballots) as a phase,
   then times ``services.tally`` (approval under greedy: the counts path, votes counted by PostgreSQL; the path
   that ran is printed) against pabutools parsing the same file
   and running greedy, and checks both select the same projects.

    .venv/bin/python benchmarks/ballot_burst.py [--voters 3000] [--concurrency 64] [--workers 2] [--lodz]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "th_budget_bench"
DB_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
HOST = "bench.test"
SECRET = "bench-secret-" + "x" * 40
LODZ = ROOT.parent / "shared" / "data" / "pabulib" / "Poland_Lodz_2022.pb"


# ---------------------------------------------------------------- the baseline: one INSERT per POST

_pool: Any = None
_pool_lock = asyncio.Lock()


async def baseline_app(scope: dict, receive: Any, send: Any) -> None:
    """A bare ASGI endpoint: read the body, INSERT one row, answer 303 (what a ballot submit minimally does)."""
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    import asyncpg

    async with _pool_lock:
        if _pool is None:
            _pool = await asyncpg.create_pool(DB_URL, min_size=2, max_size=20)  # as many as Townhall keeps
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    voter = int(scope["path"].rsplit("/", 1)[-1])
    async with _pool.acquire() as conn:
        await conn.execute("INSERT INTO bench_baseline (voter) VALUES ($1) ON CONFLICT DO NOTHING", voter)
    await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/done")]})
    await send({"type": "http.response.body", "body": b""})


# ---------------------------------------------------------------- database set-up


async def recreate_database() -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            DB_NAME,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


def migrate() -> Any:
    from core import migrate as core_migrate
    from core.plugins import Registry, build_plugin_manager
    from core.settings import normalise_database_url

    registry = Registry.gather(build_plugin_manager())
    core_migrate.upgrade(normalise_database_url(DB_URL), registry)
    return registry


async def seed(voters: int) -> dict[str, Any]:
    """Tenant, project, active knapsack phase, one budget with 10 options, voters + sessions + carts."""
    from sqlalchemy import insert

    from core.db.base import utcnow
    from core.db.engine import Database
    from core.models import AuthSession, Phase, Project, User
    from core.passwords import new_token, token_hash
    from core.settings import normalise_database_url
    from core.tenants import create_tenant
    from plugins.budgeting.models import Budget, Cart, Option

    db = Database(normalise_database_url(DB_URL))
    async with db.session(unscoped=True, write=True) as session:
        tenant = await create_tenant(
            session,
            slug="bench",
            name={"en": "Bench"},
            hosts=[HOST],
            locales=["en"],
            default_locale="en",
            enabled_methods=["budgeting"],
        )
        tid = tenant.id
    now = utcnow()
    tokens: list[str] = []
    users: list[int] = []
    async with db.session(tid, write=True) as session:
        project = Project(slug="pb", title={"en": "PB"}, description={}, status="published")
        session.add(project)
        await session.flush()
        phase = Phase(
            project_id=project.id,
            title={"en": "Vote"},
            description={},
            method="budgeting",
            config={"ballot_type": "knapsack"},
            permissions={},
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=1),
        )
        session.add(phase)
        await session.flush()
        budget = Budget(phase_id=phase.id, name={"en": "City"}, amount=1_000_000, rule="greedy")
        session.add(budget)
        await session.flush()
        options = [
            Option(phase_id=phase.id, budget_id=budget.id, code=str(i), title={"en": f"O{i}"}, cost=100_000 + i)
            for i in range(10)
        ]
        session.add_all(options)
        await session.flush()
        option_ids = [o.id for o in options]
        ids = [phase.id, budget.id]
    for start in range(0, voters, 2000):
        chunk = range(start, min(voters, start + 2000))
        async with db.session(tid, write=True) as session:
            rows = [
                {
                    "tenant_id": tid,
                    "email": f"voter{i}@bench.test",
                    "password_hash": "!",
                    "display_name": f"Voter {i}",
                    "role": "resident",
                    "verified": True,
                }
                for i in chunk
            ]
            user_ids = list((await session.execute(insert(User).returning(User.id), rows)).scalars())
            users.extend(user_ids)
            sessions, carts = [], []
            for index, user_id in zip(chunk, user_ids, strict=True):
                token = new_token()
                tokens.append(token)
                sessions.append(
                    {
                        "tenant_id": tid,
                        "token_hash": token_hash(token),
                        "user_id": user_id,
                        "expires_at": now + timedelta(days=1),
                    }
                )
                picks = [option_ids[index % 10], option_ids[(index * 7 + 3) % 10]]
                items = [[p, 1] for p in dict.fromkeys(picks)]
                carts.append({"tenant_id": tid, "budget_id": ids[1], "user_id": user_id, "items": items})
            await session.execute(insert(AuthSession), sessions)
            await session.execute(insert(Cart), carts)
    async with db.session(unscoped=True, write=True) as session:
        from sqlalchemy import text

        await session.execute(text("CREATE TABLE bench_baseline (id BIGSERIAL PRIMARY KEY, voter INT UNIQUE)"))
    await db.dispose()
    return {"tenant_id": tid, "phase_id": ids[0], "budget_id": ids[1], "tokens": tokens, "users": users}


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(target: str, workers: int, port: int, *, factory: bool = False) -> subprocess.Popen:
    """``target`` served as ``townhall run --workers`` serves the app (``core.serving``: each worker its own socket)."""
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "TOWNHALL_SECRET_KEY": SECRET,
        "TOWNHALL_LOG_LEVEL": "WARNING",
        # Thousands of voters from one address (this machine) are what the per-address limit exists to stop; the
        # benchmark measures submits, not the limit, so it switches that one limit off.
        "TOWNHALL_RATE_LIMITS": "budgeting.vote:submit=off",
    }
    command = [sys.executable, __file__, "--serve", target, "--port", str(port), "--workers", str(workers)]
    if factory:
        command.append("--factory")
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def serve(target: str, port: int, workers: int, factory: bool) -> None:
    from core.serving import serve as serve_app

    serve_app(
        target,
        factory=factory,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


async def wait_ready(port: int, path: str) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                r = await client.get(f"http://127.0.0.1:{port}{path}", headers={"Host": HOST})
                if r.status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


# ---------------------------------------------------------------- the burst


async def burst(
    port: int,
    paths: list[str],
    cookies: list[dict[str, str]],
    headers: dict,
    concurrency: int,
    own_headers: list[dict[str, str]] | None = None,
) -> tuple:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    statuses: list[int] = [0] * len(paths)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:

        async def one(i: int) -> None:
            async with sem:
                cookie_header = "; ".join(f"{k}={v}" for k, v in cookies[i].items())
                mine = own_headers[i] if own_headers else {}
                r = await client.post(paths[i], headers={**headers, **mine, "Host": HOST, "Cookie": cookie_header})
                statuses[i] = r.status_code

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(len(paths))))
        seconds = time.perf_counter() - started
    return seconds, statuses


async def verify(info: dict, order: list[int], statuses: list[int]) -> dict[str, int]:
    """Lost = a voter was told "stored" (303) but has no ballot; duplicates = more than one ballot per voter."""
    from sqlalchemy import func, select, text

    from core.db.engine import Database
    from core.settings import normalise_database_url
    from plugins.budgeting.models import Ballot

    db = Database(normalise_database_url(DB_URL))
    async with db.session(info["tenant_id"]) as session:
        stored = list((await session.scalars(select(Ballot.user_id))).all())
        rows = int(await session.scalar(select(func.count()).select_from(Ballot)) or 0)
    async with db.session(unscoped=True) as session:
        baseline_rows = int(await session.scalar(text("SELECT count(*) FROM bench_baseline")) or 0)
    await db.dispose()
    acknowledged = {info["users"][i] for i, status in zip(order, statuses, strict=True) if status == 303}
    refused = {info["users"][i] for i in order} - acknowledged
    have = set(stored)
    return {
        "ballot_rows": rows,
        "distinct_voters": len(have),
        "acknowledged_voters": len(acknowledged),
        "voters_only_answered_with_an_error": len(refused),
        "lost": len(acknowledged - have),
        "duplicates": len(stored) - len(have),
        "stored_without_acknowledgement": len(have - acknowledged),
        "baseline_rows": baseline_rows,
    }


async def run_burst(args: argparse.Namespace) -> dict[str, Any]:
    await recreate_database()
    migrate()
    info = await seed(args.voters)
    n = args.voters
    retries = [i for i in range(n) if i % 100 < args.retry_percent]
    order = list(range(n)) + retries
    submit_path = f"/p/{info['phase_id']}/budgeting/budgets/{info['budget_id']}/submit"

    port = free_port()
    server = start_server("core.app:create_app", args.workers, port, factory=True)
    try:
        await wait_ready(port, "/healthz")
        # The CSRF token is bound to the signed-in session (core.csrf): each voter holds the token their browser got
        # with their session, minted here as the server mints it, so the burst is not 3,300 refused forms.
        from core.csrf import mint
        from core.passwords import token_hash

        csrf = {i: mint(SECRET, info["tenant_id"], token_hash(info["tokens"][i])) for i in set(order)}
        cookies = [{"th_session": info["tokens"][i], "csrftoken": csrf[i]} for i in order]
        tokens = [{"x-csrftoken": csrf[i]} for i in order]
        headers = {"content-type": "application/x-www-form-urlencoded"}
        seconds, statuses = await burst(port, [submit_path] * len(order), cookies, headers, args.concurrency, tokens)
    finally:
        stop_server(server)

    port = free_port()
    baseline = start_server("ballot_burst:baseline_app", args.workers, port)
    try:
        await wait_ready(port, "/warmup/0")
        paths = [f"/submit/{i + 1}" for i in order]
        base_seconds, base_statuses = await burst(port, paths, [{}] * len(order), {}, args.concurrency)
    finally:
        stop_server(baseline)

    checks = await verify(info, order, statuses)
    requests = len(order)
    return {
        "voters": n,
        "requests": requests,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "townhall_seconds": round(seconds, 3),
        "townhall_requests_per_s": round(requests / seconds, 1),
        "baseline_seconds": round(base_seconds, 3),
        "baseline_requests_per_s": round(requests / base_seconds, 1),
        "ratio_townhall_over_baseline": round((requests / seconds) / (requests / base_seconds), 3),
        "status_counts": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "baseline_status_counts": {str(s): base_statuses.count(s) for s in sorted(set(base_statuses))},
        **checks,
    }


# ---------------------------------------------------------------- greedy from the database (Łódź 2022)


def _pabutools_greedy(path: str) -> dict[str, Any]:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare
    from pabutools.tiebreaking import TieBreakingRule

    from plugins.budgeting.rules.tiebreak import natural_key

    started = time.perf_counter()
    instance, profile = parse_pabulib(path)
    votes = {p.name: profile.approval_score(p) for p in instance}
    tie = TieBreakingRule(lambda inst, prof, proj: (proj.cost, -votes[proj.name], natural_key(proj.name)))
    alloc = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)
    return {"seconds": time.perf_counter() - started, "selected": sorted(p.name for p in alloc)}


async def run_lodz() -> dict[str, Any]:
    from sqlalchemy import select

    from core.db.engine import Database
    from core.models import Phase, Tenant, User
    from core.projects import decode_config
    from core.settings import normalise_database_url
    from plugins.budgeting import services
    from plugins.budgeting.models import Budget
    from plugins.budgeting.plugin import _spec

    db = Database(normalise_database_url(DB_URL))
    async with db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "bench"))
        tenant.currency = "PLN"
        await session.commit()
    async with db.session(tenant.id, write=True) as session:
        phase = await session.scalar(select(Phase).where(Phase.method == "budgeting"))
        phase.config = {"ballot_type": "approval"}
        lodz = Phase(
            project_id=phase.project_id,
            title={"en": "Łódź"},
            description={},
            method="budgeting",
            config={"ballot_type": "approval"},
            permissions={},
            starts_at=phase.starts_at,
            ends_at=phase.ends_at,
        )
        session.add(lodz)
        await session.flush()
        actor = await session.scalar(select(User).limit(1))
        started = time.perf_counter()
        budget = await services.import_pb(
            session,
            lodz,
            decode_config(_spec(), lodz.config),
            LODZ.read_bytes(),
            filename=LODZ.name,
            currency="PLN",
            default_locale="en",
            actor=actor,
        )
        import_seconds = time.perf_counter() - started
        budget.rule = "greedy"
        ids = (lodz.id, budget.id)
    timings = []
    selected: list[str] = []
    for _ in range(3):
        services._OUTCOMES.clear()
        async with db.session(tenant.id) as session:
            started = time.perf_counter()
            phase = await session.get(Phase, ids[0])
            budget = await session.get(Budget, ids[1])
            config = decode_config(_spec(), phase.config)
            options = await services.options_of(session, budget.id)
            result = await services.tally(session, config, budget, options, "PLN")
            timings.append(time.perf_counter() - started)
            selected = sorted(result.outcome.selected)
            ballots = result.ballots
            path = result.path
    await db.dispose()
    theirs = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--pabutools-greedy", str(LODZ)], capture_output=True, text=True, check=True
        ).stdout
    )
    ours = min(timings)
    return {
        "ballots": ballots,
        "tally_path": path,
        "import_seconds": round(import_seconds, 2),
        "ours_seconds_db_load_and_greedy": round(ours, 3),
        "pabutools_seconds_parse_and_greedy": round(theirs["seconds"], 3),
        "ratio_pabutools_over_ours": round(theirs["seconds"] / ours, 1),
        "identical_winners": selected == theirs["selected"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=3000)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=30,
        help=(
            "at most the pool size (TOWNHALL_DB_POOL_SIZE, 20) x workers; at 60 the one httpx client slows both "
            "servers to ~180/s and leaves some of its connections idle past uvicorn's 5 s keep-alive, which then "
            "fail as the server closes them"
        ),
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--retry-percent", type=int, default=10, help="voters whose submit is sent twice")
    parser.add_argument("--lodz", action="store_true", help="also time greedy from the database on Łódź 2022")
    parser.add_argument("--pabutools-greedy", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--factory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.workers, args.factory)
        return
    if args.pabutools_greedy:
        print(json.dumps(_pabutools_greedy(args.pabutools_greedy)))
        return
    report = asyncio.run(run_burst(args))
    print(json.dumps(report, indent=2))
    ok = report["lost"] == 0 and report["duplicates"] == 0
    if args.lodz:
        if LODZ.exists():
            lodz = asyncio.run(run_lodz())
            print(json.dumps({"lodz_greedy_from_database": lodz}, indent=2))
            ok = ok and lodz["identical_winners"]
        else:
            print(f"skipped: {LODZ} not found")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
