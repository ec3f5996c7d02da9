"""Every route of an app, fed hostile values, must answer without a 5xx: the class test behind issue "no 500 on any
input", shipped here so a method (or a third-party plugin) runs it with one call.

``walk_routes`` reads the app's route table (core and every installed plugin, present and future), fills each path
parameter in turn with hostile values (integers past 64 bits, NUL, overlong text) while the others get real ids
(a phase of the route's method, so method code runs, not only the 404 of its phase lookup), and sends:

- each hostile path, by GET and by POST where the route accepts it;
- the route with real ids and a hostile query string (huge and negative numbers, ``1e309``, NaN, NUL, duplicates,
  arrays, overlong text) under the query names handlers read;
- by POST, a hostile form body under the same names, and a body that is not valid UTF-8.

It returns the requests that answered 5xx, and the refused ones (4xx) that changed the number of rows of any table
(empty = pass), so a test can print them all at once. Bookkeeping a refusal may legitimately leave (rate-limit
counters, the audit log, sessions, scheduled-job claims) is not compared.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

HUGE = ("9223372036854775808", "-9223372036854775809", "1" + "0" * 40)
HOSTILE_TEXT = ("%00", "a%00b", "x" * 3000, "%FF%FE")
HOSTILE_VALUES = (HUGE[0], HUGE[1], "1e309", "NaN", "\x00")
OVERLONG = "x" * 30000
FIELD_NAMES = (
    "page", "q", "sort", "view", "status", "topic", "area", "next", "budget", "offset", "limit", "id", "kind",
    "option", "option_id", "budget_id", "parent_id", "reason", "days", "level", "role", "title", "body", "text",
    "email", "password", "locale", "cost", "amount", "points", "rank", "answer", "lat", "lon", "starts_at", "ends_at",
)  # fmt: skip
ANSWER_WITHIN = 20.0
PARAM = re.compile(r"\{(\w+):(\w+)\}")
BOOKKEEPING = frozenset({"rate_limit_hit", "audit_entry", "auth_session", "job_run", "alembic_version"})


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: bytes | None = None
    content_type: str = "application/x-www-form-urlencoded"

    def __str__(self) -> str:
        extra = f" body={self.body[:60]!r}" if self.body else ""
        return f"{self.method} {self.path[:160]}{extra}"


def _fill(path: str, ids: dict[str, str], hostile: tuple[str, str] | None) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if hostile and hostile[0] == name:
            return hostile[1]
        return ids.get(name, "1" if kind == "int" else "x")

    return PARAM.sub(value, path)


def _method_ids(path: str, phases: dict[str, int]) -> dict[str, str]:
    """Real ids for a method's routes: ``/p/{phase_id}/<key>/...`` gets the id of a phase running <key>."""
    match = re.match(r"^/p/\{phase_id:int\}/([a-z0-9]+)", path)
    if match and match.group(1) in phases:
        return {"phase_id": str(phases[match.group(1)])}
    return {}


def hostile_query() -> str:
    pairs = [(name, HUGE[0]) for name in FIELD_NAMES[:12]]
    pairs += [("page", "1e309"), ("page", "NaN"), ("q", "%00"), ("id", "-9223372036854775809"), ("q[]", "a")]
    return "&".join(f"{quote(k)}={v if v.startswith('%') else quote(v)}" for k, v in pairs)


def hostile_form(csrf: str) -> Iterable[bytes]:
    def encode(pairs: list[tuple[str, str]]) -> bytes:
        return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs).encode()

    token = [("_csrf_token", csrf)]
    for value in HOSTILE_VALUES:
        yield encode(token + [(name, value) for name in FIELD_NAMES])
    yield encode(token + [(name, OVERLONG) for name in ("title", "body", "text", "q", "email", "password")])
    yield encode(token + [(name, v) for name in FIELD_NAMES for v in ("1", HUGE[0])])  # duplicates
    yield encode(token) + b"&title=%FF%FE&body=caf%E9"  # not UTF-8


def _streams(route: Any) -> bool:
    """Server-sent event routes (annotated ``-> ServerSentEvent``) never finish a GET: only their POSTs are probed."""
    handlers = getattr(route, "route_handlers", ())
    return any("ServerSentEvent" in str(getattr(h.fn, "__annotations__", {}).get("return", "")) for h in handlers)


def probes(app: Any, phases: dict[str, int], csrf: str) -> list[Probe]:
    """Every hostile request for every route of ``app`` (static files and the schema pages left out)."""
    out: list[Probe] = []
    forms = list(hostile_form(csrf))
    for route in app.routes:
        path = route.path
        methods = set(getattr(route, "methods", ())) & {"GET", "POST"}
        if _streams(route):
            methods.discard("GET")
        if not methods or path.startswith(("/static/", "/schema")):
            continue
        ids = _method_ids(path, phases)
        params = PARAM.findall(path)
        paths = [
            _fill(path, ids, (name, value))
            for name, kind in params
            for value in (HUGE if kind == "int" else HOSTILE_TEXT)
        ]
        real = _fill(path, ids, None)
        for method in sorted(methods):
            out += [Probe(method, p, b"_csrf_token=" + csrf.encode() if method == "POST" else None) for p in paths]
        if "GET" in methods:
            out.append(Probe("GET", f"{real}?{hostile_query()}"))
        if "POST" in methods:
            out += [Probe("POST", real, body) for body in forms]
    return sorted(out, key=lambda probe: probe.path.startswith("/logout"))  # signing out last keeps the role


class RowCounts:
    """The number of rows of every table, read in one statement (cheap enough to take around every POST probe)."""

    def __init__(self, app: Any) -> None:
        from sqlalchemy import func, select

        from core.db.base import Base

        self.db = app.state.townhall.db
        tables = [t for t in Base.metadata.sorted_tables if t.name not in BOOKKEEPING]
        self.names = [t.name for t in tables]
        self.query = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))

    async def read(self) -> dict[str, int]:
        async with self.db.engine.connect() as connection:
            row = (await connection.execute(self.query)).one()
        return dict(zip(self.names, row, strict=True))


def row_changes(before: dict[str, int], after: dict[str, int]) -> str:
    return ", ".join(f"{name} {before[name]}→{after[name]}" for name in before if before[name] != after[name])


async def server_errors(client: Any, app: Any, phases: dict[str, int]) -> list[str]:
    """Send every probe with ``client`` (signed in as whoever the caller chose); the ones that answered 5xx, and the
    refused POSTs that wrote anyway."""
    await client.get("/")
    csrf = client.cookies.get("csrftoken", "")
    failures = []
    counts = RowCounts(app)
    for probe in probes(app, phases, csrf):
        before = await counts.read() if probe.method == "POST" else None
        headers = {"x-csrftoken": csrf}
        if probe.body is not None:
            headers["content-type"] = probe.content_type
        try:
            response = await asyncio.wait_for(
                client.request(probe.method, probe.path, content=probe.body, headers=headers), ANSWER_WITHIN
            )
        except TimeoutError:
            failures.append(f"no answer within {ANSWER_WITHIN} s (a stream not annotated ServerSentEvent?) {probe}")
            continue
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {probe}")
        elif before is not None and response.status_code >= 400:
            changed = row_changes(before, await counts.read())
            if changed:
                failures.append(f"{response.status_code} but wrote ({changed}): {probe}")
    return failures
