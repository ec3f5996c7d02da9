"""What the in-process benchmarks share: a migrated Townhall app on a fresh database, quiet logs, an in-process
client, requests per CPU second, SQL statements per request, and a bare page rendering a captured template.

SQLite in a temporary folder unless ``database_url`` names an empty PostgreSQL database; background jobs off so
nothing runs beside what is measured.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Response, get

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def fresh_app(name: str, database_url: str | None) -> Any:
    """A Townhall app (every plugin) on a freshly migrated database; ``app.state.townhall`` is its state."""
    from core import migrate
    from core.app import create_app
    from core.settings import Settings, normalise_database_url

    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}-bench-"))
    url = normalise_database_url(database_url or f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}")
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, upload_dir=str(tmp / "uploads"), jobs="off")
    app = create_app(settings)
    migrate.upgrade(url, app.state.townhall.registry)
    return app


HOST = "bench.test"


def client_for(app: Any, base_url: str = f"http://{HOST}") -> Any:
    """An in-process ASGI client on the running loop (no thread hop), the same for Townhall and a bare app."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def warm(client: Any, path: str, **kwargs: Any) -> None:
    """Ten requests first: a worker's first requests fill its caches (templates, catalogs, tenant caches)."""
    for _ in range(10):
        assert (await client.get(path, **kwargs)).status_code == 200


async def timed(client: Any, path: str, n: int, **kwargs: Any) -> tuple[float, float]:
    """CPU seconds and wall-clock seconds of ``n`` requests, each checked to answer 200."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        response = await client.get(path, **kwargs)
        assert response.status_code == 200
    return time.process_time() - cpu, time.perf_counter() - wall


async def rate(client: Any, path: str, n: int, **kwargs: Any) -> tuple[float, float]:
    """Requests per CPU second and per wall-clock second, after 10 warm-up requests."""
    await warm(client, path, **kwargs)
    cpu, wall = await timed(client, path, n, **kwargs)
    return n / cpu, n / wall


async def statements_per_request(app: Any, client: Any, path: str, **kwargs: Any) -> int:
    """SQL statements one ``GET path`` sends (``core.testing.statements.counting``, as the query-count tests);
    call it after a first request has filled the worker's caches."""
    from core.testing.statements import counting

    with counting(app.state.townhall.db.engine) as seen:
        response = await client.get(path, **kwargs)
    assert response.status_code == 200, response.status_code
    return len(seen)


@contextmanager
def captured_render() -> Iterator[dict[str, Any]]:
    """The template name and whole context (``base_context`` included) of the first page rendered in the block."""
    from core.web import render as render_module

    captured: dict[str, Any] = {}
    original = render_module.render_html

    def capture(request: Any, template: str, context: dict[str, Any]) -> str:
        captured.setdefault("template", template)
        captured.setdefault("context", {**render_module.base_context(request), **context})
        return original(request, template, context)

    render_module.render_html = capture
    try:
        yield captured
    finally:
        render_module.render_html = original


def bare_app(app: Any, captured: dict[str, Any]) -> Any:
    """A bare Litestar app whose one handler, ``GET /static-page``, renders the captured template with its static
    context: the baseline of a page benchmark (what rendering alone costs, without database, tenancy or
    permissions)."""
    template = app.state.townhall.templates.get_template(captured["template"])
    static = captured["context"]

    @get("/static-page", media_type="text/html")
    async def bare_page() -> Response[str]:
        return Response(template.render(static), media_type="text/html")

    return Litestar(route_handlers=[bare_page])


async def paired_rates(
    client: Any, path: str, app: Any, captured: dict[str, Any], n: int, per_round: int = 10
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Requests per CPU second and per wall-clock second of Townhall's ``path`` and of the bare page of
    ``captured``, ``n`` requests each, in short alternating rounds of ``per_round`` (Townhall then the bare page,
    then the other way round): on a shared machine the speed changes from one second to the next (whole rounds of
    the same page differed by a quarter here), and rounds a fraction of a second long, in both orders, put the two
    sides under the same conditions. Each side's figure is all its requests over all its seconds."""
    rounds = max(n // per_round, 1)
    spent = {"townhall": [0.0, 0.0], "bare": [0.0, 0.0]}
    async with client_for(bare_app(app, captured), "http://bare.test") as bare_client:
        sides = {"townhall": (client, path), "bare": (bare_client, "/static-page")}
        for side_client, side_path in sides.values():
            await warm(side_client, side_path)
        for i in range(rounds):
            for side in ("townhall", "bare") if i % 2 == 0 else ("bare", "townhall"):
                side_client, side_path = sides[side]
                cpu, wall = await timed(side_client, side_path, per_round)
                spent[side][0] += cpu
                spent[side][1] += wall
    done = rounds * per_round
    townhall, bare = spent["townhall"], spent["bare"]
    return (done / townhall[0], done / townhall[1]), (done / bare[0], done / bare[1])


def print_page_figures(
    page: str, queries: dict[str, int], bare: dict[str, tuple[float, float]], rates: dict[str, Any]
) -> None:
    """Statements per request, then requests per CPU second of Townhall and of the bare page, per visitor: each
    visitor's page against the bare page rendering what that visitor got (a signed-in page has more to render:
    reaction buttons and forms where a visitor gets sign-in links, the account menu)."""
    for label, count in queries.items():
        print(f"SQL statements per request ({label}): {count}")
    for label, (cpu, wall) in rates.items():
        base_cpu, base_wall = bare[label]
        print(
            f"bare Litestar, same template and data ({label}): {base_cpu:8.1f} req/CPU s ({base_wall:.1f} req/s wall)"
        )
        print(
            f"Townhall {page} ({label}): {cpu:8.1f} req/CPU s ({wall:.1f} req/s wall)  "
            f"ratio Townhall/bare {cpu / base_cpu:.2f} CPU ({wall / base_wall:.2f} wall)"
        )


async def visitor_statements(app: Any, path: str, resident: Any) -> dict[str, int]:
    """SQL statements of one ``GET path`` for an anonymous visitor and for ``resident`` signed in, each counted
    after a first request filled the worker's caches: the figure issue 16 sets (≤ 6 and ≤ 8 per page)."""
    from core.testing.factories import Factory

    counts: dict[str, int] = {}
    async with client_for(app) as client:
        for label in ("anonymous", "signed in"):
            if label == "signed in":
                await Factory(app.state.townhall).login(client, resident)
            assert (await client.get(path)).status_code == 200
            counts[label] = await statements_per_request(app, client, path)
    return counts


def statements_line(page: str, counts: dict[str, int]) -> str:
    """One printed line: the page's statements per visitor, against issue 16's ceilings."""
    figures = ", ".join(f"{label} {n}" for label, n in counts.items())
    return f"SQL statements per {page}: {figures} (issue 16: at most 6 anonymous, 8 signed in)"


async def analyze(state: Any) -> None:
    """Statistics, as autovacuum would have them on a live PostgreSQL database: without them PostgreSQL plans freshly
    bulk-loaded tables as if they held a row each. Nothing on SQLite, whose plans the app steers itself."""
    if state.db.dialect != "postgresql":
        return
    from sqlalchemy import text

    async with state.db.session(unscoped=True, write=True) as session:
        await session.execute(text("ANALYZE"))
