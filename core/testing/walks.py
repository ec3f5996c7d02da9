"""Two class tests over every route of an app (core and every installed plugin), each run with one call:

- ``csrf_failures``: every state-changing route (POST, PUT, PATCH, DELETE) refuses a missing, a foreign (another
  session's) and a wrong CSRF token with 403, and writes nothing (the row count of every table is unchanged);
- ``header_failures``: every response (pages, htmx fragments, errors, downloads, static files) carries the security
  headers of ``core.security``, at most one charset in Content-Type, and ``Cache-Control: no-store`` on everything
  but static files.

Both return the failures as lines (empty = pass) so a test prints them all at once, like ``core.testing.hostile``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.csrf import COOKIE, HEADER, mint
from core.passwords import token_hash
from core.security import NO_STORE, SECURITY_HEADERS
from core.testing.factories import HTMX_HEADERS
from core.testing.hostile import PARAM, RowCounts, _fill, _method_ids, _streams, hostile_query, row_changes

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FORM = "application/x-www-form-urlencoded"
CORE_STATIC = Path(__file__).resolve().parent.parent / "static"
# Responses that are assets like static files and choose their cache policy on purpose: the municipality's theme
# stylesheet (public, the same for every visitor) may be cached for a few minutes.
ASSET_PATHS = frozenset({"/theme.css"})


def _routes(app: Any, methods: tuple[str, ...]) -> list[tuple[str, str]]:
    """(method, path with real ids) for every route answering one of ``methods``, static files left out."""
    out = []
    for route in app.routes:
        if route.path.startswith(("/static/", "/schema")):
            continue
        for method in sorted(set(getattr(route, "methods", ())) & set(methods)):
            if method == "GET" and _streams(route):
                continue
            out.append((method, route.path))
    return out


async def csrf_failures(client: Any, app: Any, tenant_id: int, phases: dict[str, int]) -> list[str]:
    """Send each state-changing route three forged requests as ``client`` (signed in as whoever the caller chose)."""
    await client.get("/")
    own = client.cookies.get(COOKIE, "")
    secret = app.state.townhall.settings.secret_key
    forged = {
        "missing": None,
        "foreign": mint(secret, tenant_id, token_hash("another browser's session")),
        "wrong": own[:-8] + "00000000" if own else "0" * 96,
    }
    failures = []
    counts = RowCounts(app)
    for method, pattern in _routes(app, WRITE_METHODS):
        path = _fill(pattern, _method_ids(pattern, phases), None)
        before = await counts.read()
        for kind, token in forged.items():
            body = "title=x&body=y&email=a%40example.org&password=long+enough+password"
            headers = {"content-type": FORM}
            if token is not None:
                body += f"&_csrf_token={token}"
                headers[HEADER] = token
                client.cookies.delete(COOKIE)
                client.cookies.set(COOKIE, token, domain=client.base_url.host)
            response = await client.request(method, path, content=body.encode(), headers=headers)
            if response.status_code != 403:
                failures.append(f"{response.status_code} for a {kind} token: {method} {path}")
            client.cookies.delete(COOKIE)
            client.cookies.set(COOKIE, own, domain=client.base_url.host)
        changed = row_changes(before, await counts.read())
        if changed:
            failures.append(f"wrote ({changed}) despite the forged tokens: {method} {path}")
    return failures


def _static_samples(app: Any) -> list[str]:
    """One real file under every static prefix (the core's, its vendor files, each plugin's)."""
    folders = [("core", CORE_STATIC), *app.state.townhall.registry.static]
    out = []
    for namespace, folder in folders:
        files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and "vendor" not in p.parts)
        if files:
            out.append(f"/static/{namespace}/{files[0].relative_to(folder).as_posix()}")
    vendor = CORE_STATIC / "vendor"
    if vendor.exists():
        out += [f"/static/vendor/{p.name}" for p in sorted(vendor.glob("*.js"))[:1]]
    return out


def _header_problems(response: Any, static: bool) -> list[str]:
    where = f"{response.status_code} {response.request.method} {response.request.url.path}"
    problems = [
        f"{name.decode()} missing or changed on {where}"
        for name, value in SECURITY_HEADERS
        if response.headers.get(name.decode()) != value.decode()
    ]
    content_type = response.headers.get("content-type", "")
    if content_type.count("charset") > 1:
        problems.append(f"content-type {content_type!r} on {where}")
    directives = {d.strip() for d in response.headers.get("cache-control", "").split(",")}
    no_store = NO_STORE[1].decode() in directives
    # The public JSON API's answers are the same for everyone and may be cached, as long as they set no cookie.
    public_api = response.request.url.path.startswith("/api/") and response.status_code in (200, 304)
    if public_api:
        if not no_store and "set-cookie" in response.headers:
            problems.append(f"a cacheable answer sets a cookie on {where}")
    elif no_store == static:
        problems.append(f"cache-control {response.headers.get('cache-control')!r} on {where}")
    return problems


async def header_failures(client: Any, app: Any, phases: dict[str, int]) -> list[str]:
    """GET every page (plain and as htmx, and with a hostile query for the 400s), a 404, a refused (403) post, and
    a file under every static prefix; the header problems found."""
    failures = []
    requests: list[tuple[str, str, dict[str, str]]] = []
    for _, pattern in _routes(app, ("GET",)):
        path = _fill(pattern, _method_ids(pattern, phases), None)
        requests += [("GET", path, {}), ("GET", path, HTMX_HEADERS), ("GET", f"{path}?{hostile_query()}", {})]
        if PARAM.search(pattern):
            requests.append(("GET", PARAM.sub("999999999", pattern), {}))  # unknown ids: the 404 of the handler
    requests += [("GET", "/no/such/page", {}), ("GET", "/no/such/page", HTMX_HEADERS), ("POST", "/logout", {})]
    for method, path, headers in requests:
        response = await client.request(method, path, headers=headers)
        asset = response.status_code == 200 and response.request.url.path in ASSET_PATHS
        failures += _header_problems(response, static=asset)
    for path in _static_samples(app):
        response = await client.get(path)
        if response.status_code != 200:
            failures.append(f"{response.status_code} for static file {path}")
        failures += _header_problems(response, static=True)
    return failures
