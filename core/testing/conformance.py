"""The plugin conformance suite: what every participation method must satisfy, in one line per method.

    from core.testing.conformance import MethodConformance

    class TestIdeationConformance(MethodConformance):
        method = "ideation"

The tests run through the fixtures of ``core.testing.fixtures`` (``app``, ``client``, ``factory``, ``tenant``,
``other_tenant``, ``csrf``) against the plugins of ``townhall_plugins``, so the method must be among them. The static
checks are plain functions returning a list of problems (``check_*``), usable on their own and testable against
deliberately broken plugins; the class turns each into a test.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import func, select, table

from core.config_forms import declaration_problems, label_paths
from core.context import AUTH_COOKIE
from core.db.base import Base, TenantScoped
from core.i18n_tools import check_domain, po_path, pot_path
from core.plugins import METHOD_KEY
from core.settings import SUPPORTED_LOCALES
from core.specs import PERMISSION_LEVELS, MethodSpec
from core.testing.ratelimits import RateLimitConformance

ROOT = Path(__file__).resolve().parents[2]
DOCS_METHODS = ROOT / "docs" / "methods"
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
GARBAGE_FIELDS = [
    "title",
    "body",
    "text",
    "description",
    "comment",
    "reason",
    "answer",
    "answers",
    "value",
    "amount",
    "quantity",
    "budget",
    "choice",
    "choices",
    "option",
    "option_id",
    "options",
    "item_id",
    "id",
    "ids",
    "rank",
    "ranking",
    "score",
    "vote",
    "votes",
    "name",
    "email",
    "locale",
    "page",
    "q",
    "sort",
    "position",
]
GARBAGE_PAYLOADS: list[dict[str, Any]] = [
    {"data": {}},
    {"data": dict.fromkeys(GARBAGE_FIELDS, "abc")},
    {"data": dict.fromkeys(GARBAGE_FIELDS, "\x00")},
    {"data": dict.fromkeys(GARBAGE_FIELDS, "-99999999999999999999999")},
    {"data": {name: ["1", "x", ""] for name in GARBAGE_FIELDS}},
    {"data": dict.fromkeys(GARBAGE_FIELDS, "x" * 30000)},
    {"content": b'{"title": [1, {', "headers": {"content-type": "application/json"}},
    {"content": b"\xff\xfe\x00=%%%&&", "headers": {"content-type": "application/x-www-form-urlencoded"}},
]


# --- finding what one plugin contributes ------------------------------------------------------------------------


def method_plugin(pm: Any, key: str) -> Any:
    """The registered plugin object that provides the method ``key`` (None if none does)."""
    for impl in pm.hook.register_methods.get_hookimpls():
        if any(spec.key == key for spec in impl.function() or []):
            return impl.plugin
    return None


def call_plugin_hook(pm: Any, plugin: Any, hook: str, **kwargs: Any) -> list[Any]:
    """Call one hook of one plugin only (pluggy would ask every plugin)."""
    results = []
    for impl in getattr(pm.hook, hook).get_hookimpls():
        if impl.plugin is plugin:
            results.append(impl.function(**{name: kwargs[name] for name in impl.argnames}))
    return results


def _flat(chunks: list[Any]) -> list[Any]:
    return [item for chunk in chunks if chunk for item in chunk]


def _handler_functions(contributed: list[Any]) -> set[Any]:
    """The route handler functions in what a plugin's ``register_routes`` returned."""
    from litestar import Controller, Router
    from litestar.handlers import HTTPRouteHandler

    found: set[Any] = set()
    for item in contributed:
        if isinstance(item, HTTPRouteHandler):
            found.add(item.fn)
        elif inspect.isclass(item) and issubclass(item, Controller):
            found |= {value.fn for value in vars(item).values() if isinstance(value, HTTPRouteHandler)}
        elif isinstance(item, Router):
            for route in item.routes:
                found |= {getattr(h.fn, "__func__", h.fn) for h in getattr(route, "route_handlers", [])}
    return {getattr(fn, "__func__", fn) for fn in found}


def plugin_routes(app: Any, plugin: Any) -> list[tuple[str, str]]:
    """(path, HTTP method) of every route the plugin mounted in ``app`` (OPTIONS/HEAD left out)."""
    pm = app.state.townhall.pm
    functions = _handler_functions(_flat(call_plugin_hook(pm, plugin, "register_routes")))
    routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if getattr(handler.fn, "__func__", handler.fn) in functions:
                routes += [
                    (route.path, verb) for verb in sorted(handler.http_methods) if verb not in {"OPTIONS", "HEAD"}
                ]
    return sorted(set(routes))


def fill_path(path: str, phase_id: int) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2) or "str"
        if name == "phase_id":
            return str(phase_id)
        return "1" if kind == "int" else "x"

    return PARAM.sub(value, path)


def docs_pages(plugin: Any, key: str) -> list[Path]:
    """Where a method's page may live, in order: next to its package, then ``docs/methods/<key>.md`` here.

    A method written outside this repository keeps its page in ``<package>/docs/<key>.md`` or, as the scaffold
    generates it, ``<package>/../docs/<key>.md``; the built-in methods keep theirs in this repository's docs.
    """
    module = plugin if inspect.ismodule(plugin) else inspect.getmodule(plugin)
    source = getattr(module, "__file__", None)
    near: list[Path] = []
    if source:
        package = Path(source).resolve().parent
        near = [package / "docs" / f"{key}.md", package.parent / "docs" / f"{key}.md"]
    return [*near, DOCS_METHODS / f"{key}.md"]


def plugin_tables(key: str) -> set[str]:
    return {name for name in Base.metadata.tables if name.startswith(f"{key}_")}


# --- static checks: each returns a list of problems ---------------------------------------------------------------


def check_registration(pm: Any, key: str) -> list[str]:
    problems = []
    keys = [spec.key for spec in _flat(pm.hook.register_methods())]
    if keys.count(key) != 1:
        problems.append(f"method {key!r} is registered {keys.count(key)} times")
    if not METHOD_KEY.match(key):
        problems.append(f"method key {key!r} does not match {METHOD_KEY.pattern}")
    for spec in _flat(pm.hook.register_methods()):
        if spec.key != key:
            continue
        if not isinstance(spec, MethodSpec):
            problems.append("register_methods must return MethodSpec objects")
            continue
        if not str(spec.label).strip() or not str(spec.description).strip():
            problems.append("the method needs a label and a description")
        if not (inspect.isclass(spec.config) and issubclass(spec.config, msgspec.Struct)):
            problems.append("MethodSpec.config must be a msgspec Struct class")
        if not inspect.iscoroutinefunction(spec.render_phase):
            problems.append("MethodSpec.render_phase must be an async function")
    return problems


def check_config(spec: MethodSpec) -> list[str]:
    """Every field has a default, the Struct survives a JSON round trip and ignores fields it no longer knows."""
    problems = []
    try:
        config = msgspec.convert({}, spec.config)
    except msgspec.ValidationError as exc:
        return [f"config does not decode from {{}} (every field needs a default): {exc}"]
    stored = msgspec.json.decode(msgspec.json.encode(config))
    try:
        if msgspec.convert(stored, spec.config) != config:
            problems.append("config changes in a JSON round trip")
        msgspec.convert({**stored, "field_removed_long_ago": 1}, spec.config)
    except msgspec.ValidationError as exc:
        problems.append(f"config does not decode its own JSON or an old row with a removed field: {exc}")
    known = label_paths(spec.config)
    for name in spec.config_labels:
        if name.split(":", 1)[0] not in known:
            problems.append(f"config_labels names an unknown field {name!r}")
    problems += [f"config_hints names an unknown field {name!r}" for name in spec.config_hints if name not in known]
    return problems + declaration_problems(spec.config)


def check_actions(pm: Any, plugin: Any, spec: MethodSpec) -> list[str]:
    problems = []
    actions = [*spec.actions, *_flat(call_plugin_hook(pm, plugin, "register_actions"))]
    for action in actions:
        if not action.key.startswith(f"{spec.key}."):
            problems.append(f"action {action.key!r} is not namespaced {spec.key!r}.")
        if action.default_level not in PERMISSION_LEVELS:
            problems.append(f"action {action.key!r} has an unknown default level {action.default_level!r}")
        if not str(action.label).strip():
            problems.append(f"action {action.key!r} has no label")
    return problems


def check_resources(pm: Any, plugin: Any, key: str) -> list[str]:
    """Templates and static files namespaced by the key, translation domain named after it, folders present."""
    problems = []
    for hook in ("register_templates", "register_static"):
        for namespace, folder in _flat(call_plugin_hook(pm, plugin, hook)):
            if namespace != key:
                problems.append(f"{hook}: namespace {namespace!r} is not the method key {key!r}")
            if not Path(folder).is_dir():
                problems.append(f"{hook}: folder {folder} does not exist")
    domains = _flat(call_plugin_hook(pm, plugin, "register_translations"))
    if [d.domain for d in domains].count(key) != 1:
        problems.append(f"the plugin must register exactly one translation domain named {key!r}")
    return problems


def check_item_kinds(kinds: dict[str, Any], key: str) -> list[str]:
    """A kind moderators can hide must also say which of its items are hidden (``hidden_ids``), or an item hidden
    after its reports were handled would be lost to the moderation queue's "hidden" view."""
    return [
        f"item kind {name!r} has set_hidden but no hidden_ids: the moderation queue cannot list its hidden items"
        for name, kind in sorted(kinds.items())
        if name.split(".", 1)[0] == key and kind.set_hidden is not None and kind.hidden_ids is None
    ]


def check_lineage(pm: Any, plugin: Any, key: str) -> list[str]:
    problems = []
    tables = plugin_tables(key)
    lineages = [lin for lin in _flat(call_plugin_hook(pm, plugin, "register_migrations")) if lin.name == key]
    if tables and len(lineages) != 1:
        return [f"the plugin has tables {sorted(tables)} but not exactly one migration lineage named {key!r}"]
    for lineage in lineages:
        if set(lineage.tables) != tables:
            problems.append(f"lineage tables {sorted(lineage.tables)} differ from the {key}_* tables {sorted(tables)}")
        if not (Path(lineage.script_location) / "env.py").exists():
            problems.append(f"{lineage.script_location}/env.py is missing")
    for mapper in Base.registry.mappers:
        owned = mapper.local_table is not None and mapper.local_table.name in tables
        if owned and not issubclass(mapper.class_, TenantScoped):
            problems.append(f"{mapper.class_.__name__} is not TenantScoped: its rows would leak across tenants")
    return problems


# --- the suite ------------------------------------------------------------------------------------------------


class MethodConformance(RateLimitConformance):
    """Subclass with ``method = "<key>"`` in a module named ``test_*.py``.

    Includes ``RateLimitConformance``: every action declares its rate limit.

    ``example_config`` is a stored configuration a municipality might choose (a dict as the admin form saves it):
    the pages, garbage posts and permission tests then also run on a phase configured that way, since an empty
    configuration often leaves a method's forms unrendered and its handlers unreached.
    """

    method: str = ""
    example_config: dict[str, Any] | None = None

    # helpers ------------------------------------------------------------------------------------------------
    def _state(self, app: Any) -> Any:
        return app.state.townhall

    def _spec(self, app: Any) -> MethodSpec:
        spec = self._state(app).registry.method(self.method)
        assert spec is not None, f"method {self.method!r} is not registered in this app (townhall_plugins?)"
        return spec

    def _plugin(self, app: Any) -> Any:
        plugin = method_plugin(self._state(app).pm, self.method)
        assert plugin is not None, f"no plugin provides {self.method!r}"
        return plugin

    def _hook(self, app: Any, hook: str, **kwargs: Any) -> list[Any]:
        return call_plugin_hook(self._state(app).pm, self._plugin(app), hook, **kwargs)

    def _configs(self) -> list[dict[str, Any] | None]:
        return [None] if self.example_config is None else [None, self.example_config]

    async def _row_counts(self, app: Any) -> dict[str, int]:
        counts = {}
        async with self._state(app).db.session(unscoped=True) as session:
            for name in sorted(plugin_tables(self.method)):
                counts[name] = int(await session.scalar(select(func.count()).select_from(table(name))) or 0)
        return counts

    # registration and manifest --------------------------------------------------------------------------------
    def test_method_is_registered_once_with_a_valid_key(self, app: Any) -> None:
        assert check_registration(self._state(app).pm, self.method) == []

    def test_config_decodes_defaults_and_round_trips(self, app: Any) -> None:
        assert check_config(self._spec(app)) == []

    def test_actions_are_namespaced(self, app: Any) -> None:
        assert check_actions(self._state(app).pm, self._plugin(app), self._spec(app)) == []

    def test_hideable_item_kinds_list_their_hidden_items(self, app: Any) -> None:
        assert check_item_kinds(self._state(app).registry.item_kinds, self.method) == []

    def test_resources_are_namespaced(self, app: Any) -> None:
        assert check_resources(self._state(app).pm, self._plugin(app), self.method) == []

    def test_docs_page_exists(self, app: Any) -> None:
        candidates = docs_pages(self._plugin(app), self.method)
        page = next((p for p in candidates if p.exists()), None)
        assert page is not None, f"no docs page; write one of {[str(p) for p in candidates]}"
        assert len(page.read_text(encoding="utf-8").strip()) > 200, f"{page} is too short to help anyone"

    # translations -----------------------------------------------------------------------------------------------
    def test_translation_catalogs_are_complete(self, app: Any) -> None:
        domains = [d for d in _flat(self._hook(app, "register_translations")) if d.domain == self.method]
        assert domains, f"no translation domain {self.method!r}"
        problems = check_domain(domains[0])
        assert problems == [], "\n".join(str(p) for p in problems[:50])

    def test_translations_are_loaded_into_the_app(self, app: Any) -> None:
        """The app's merged catalogs give this domain's translations (a forgotten domain would fall back silently)."""
        from babel.messages.pofile import read_po

        domain = next(d for d in _flat(self._hook(app, "register_translations")) if d.domain == self.method)
        with pot_path(domain).open("rb") as fh:
            template = [m.id for m in read_po(fh) if m.id and isinstance(m.id, str)]
        assert template, "the catalog template has no singular messages"
        for locale in SUPPORTED_LOCALES:
            if locale == "en":
                continue
            with po_path(domain, locale).open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            loaded = self._state(app).catalogs.get(locale)
            served = [msgid for msgid in template if loaded.gettext(msgid) == catalog[msgid].string != msgid]
            assert served, f"no {self.method} translation reaches the {locale} pages"

    # database -------------------------------------------------------------------------------------------------
    def test_tables_are_tenant_scoped_and_owned_by_the_lineage(self, app: Any) -> None:
        assert check_lineage(self._state(app).pm, self._plugin(app), self.method) == []

    async def test_migration_lineage_is_at_head_and_matches_the_models(self, app: Any) -> None:
        from core import migrate

        state = self._state(app)
        statuses = {s.name: s for s in await migrate.status(state.db.engine, state.registry)}
        if not plugin_tables(self.method):
            return
        status = statuses.get(self.method)
        assert status is not None, f"no lineage {self.method!r}"
        assert len(status.heads) == 1, f"lineage {self.method!r} has several heads: {status.heads}"
        assert status.ok, f"lineage {self.method!r}: at {status.current}, head {status.heads}, {status.differences}"

    # pages ------------------------------------------------------------------------------------------------------
    async def test_phase_page_renders_for_every_visitor_state_and_locale(
        self, app: Any, client: Any, factory: Any, tenant: Any
    ) -> None:
        resident = await factory.user(tenant)
        admin = await factory.user(tenant, role="admin", verified=True)
        pages = []
        variants = [(state, None) for state in ("upcoming", "active", "ended")]
        variants += [("active", config) for config in self._configs() if config is not None]
        for state, config in variants:
            project = await factory.project(tenant)
            phase = await factory.phase(project, self.method, state=state, config=config)
            pages.append(f"/projects/{project.slug}/phases/{phase.id}")
        for who in (None, resident, admin):
            client.cookies.delete(AUTH_COOKIE)
            if who is not None:
                await factory.login(client, who)
            for path in pages:
                for locale in SUPPORTED_LOCALES:
                    response = await client.get(f"/{locale}{path}")
                    label = f"{locale}{path} as {who.role if who else 'anonymous'}"
                    assert response.status_code == 200, label
                    assert f'lang="{locale}"' in response.text, label
                    assert f'dir="{"rtl" if locale == "ar" else "ltr"}"' in response.text, label
                    assert "method-unavailable" not in response.text, label

    async def test_garbage_posts_never_cause_a_server_error(
        self, app: Any, client: Any, factory: Any, tenant: Any, csrf: Any
    ) -> None:
        project = await factory.project(tenant)
        phases = [await factory.phase(project, self.method, config=config) for config in self._configs()]
        routes = plugin_routes(app, self._plugin(app))
        resident = await factory.user(tenant, verified=True)
        for who in (None, resident):
            client.cookies.delete(AUTH_COOKIE)
            if who is not None:
                await factory.login(client, who)
            headers = await csrf(client)
            for path, verb in routes:
                targets = [*(fill_path(path, phase.id) for phase in phases), fill_path(path, 987654321)]
                for target in targets:
                    if verb == "GET":
                        response = await client.get(target, params={"page": "-1", "sort": "\x00", "q": "x" * 5000})
                        assert response.status_code < 500, (verb, target, response.status_code)
                        continue
                    for payload in GARBAGE_PAYLOADS:
                        kwargs = {**payload, "headers": {**headers, **payload.get("headers", {})}}
                        response = await client.request(verb, target, **kwargs)
                        assert response.status_code < 500, (verb, target, payload.get("headers"), response.status_code)

    async def test_every_permission_level_of_every_action(
        self, app: Any, client: Any, factory: Any, tenant: Any, csrf: Any
    ) -> None:
        """Each level set on every action, each kind of visitor posting to every route: never a server error, and
        where the level shuts anonymous visitors out, nothing they post is written (a handler that let a denied
        verdict through with ``user=None`` would crash or write a row without an owner)."""
        spec = self._spec(app)
        actions = [a.key for a in (*spec.actions, *_flat(self._hook(app, "register_actions")))]
        routes = [(path, verb) for path, verb in plugin_routes(app, self._plugin(app)) if verb != "GET"]
        visitors = {
            "anonymous": None,
            "resident": await factory.user(tenant),
            "verified": await factory.user(tenant, verified=True),
            "admin": await factory.user(tenant, role="admin", verified=True),
        }
        project = await factory.project(tenant)
        for level in PERMISSION_LEVELS:
            rules = {action: {"level": level} for action in actions}
            for config in self._configs():
                phase = await factory.phase(project, self.method, config=config, permissions=rules)
                for name, who in visitors.items():
                    client.cookies.delete(AUTH_COOKIE)
                    if who is not None:
                        await factory.login(client, who)
                    headers = await csrf(client)
                    before = await self._row_counts(app)
                    for path, verb in routes:
                        for data in ({}, dict.fromkeys(GARBAGE_FIELDS, "1")):
                            response = await client.request(verb, fill_path(path, phase.id), headers=headers, data=data)
                            label = (level, name, verb, path, response.status_code)
                            assert response.status_code < 500, label
                    if who is None and level != "everyone":
                        after = await self._row_counts(app)
                        assert after == before, f"anonymous posts wrote data although {level!r} was required"

    async def test_manage_path_opens_for_staff_and_no_one_else(
        self, app: Any, client: Any, factory: Any, tenant: Any
    ) -> None:
        """``MethodSpec.manage_path`` (the back office's "Set up" link) is a page an administrator can open, in
        every phase state, and a resident cannot."""
        spec = self._spec(app)
        if spec.manage_path is None:
            return
        project = await factory.project(tenant)
        resident, admin = await factory.user(tenant), await factory.user(tenant, role="admin", verified=True)
        for state in ("upcoming", "active", "ended"):
            path = spec.manage_url((await factory.phase(project, self.method, state=state)).id)
            await factory.login(client, admin)
            assert (await client.get(path)).status_code == 200, (state, path)
            client.cookies.delete(AUTH_COOKIE)
            await factory.login(client, resident)
            assert (await client.get(path)).status_code in (403, 404), (state, path)
            client.cookies.delete(AUTH_COOKIE)

    async def test_routes_refuse_another_tenants_phase(
        self, app: Any, client: Any, factory: Any, tenant: Any, other_tenant: Any, csrf: Any
    ) -> None:
        theirs = await factory.phase(await factory.project(other_tenant), self.method)
        await self._seed(app, other_tenant, theirs)
        before = await self._row_counts(app)
        await factory.login(client, await factory.user(tenant, role="admin", verified=True))
        headers = await csrf(client)
        for path, verb in plugin_routes(app, self._plugin(app)):
            if "{phase_id" not in path:
                continue
            target = fill_path(path, theirs.id)
            response = await client.request(verb, target, headers=headers, data={} if verb != "GET" else None)
            if verb == "GET":
                assert response.status_code in (400, 404), (verb, target, response.status_code)
            else:
                assert 400 <= response.status_code < 500, (verb, target, response.status_code)
        assert await self._row_counts(app) == before

    async def test_imports_preview_any_file_in_every_locale_and_write_nothing(
        self, app: Any, client: Any, factory: Any, tenant: Any, csrf: Any
    ) -> None:
        """Each ImportSpec of the method (``register_imports``) serves its pages to staff and checks a file of junk
        rows without a server error, in every locale, writing nothing of the method before confirmation."""
        specs = self._state(app).registry.imports_for(self.method)
        if not specs:
            return
        phase = await factory.phase(await factory.project(tenant), self.method)
        await self._seed(app, tenant, phase)
        await factory.login(client, await factory.user(tenant, role="admin", verified=True))
        headers = await csrf(client)
        for spec in specs:
            base = f"/p/{phase.id}/import/{spec.key}"
            template = await client.get(f"{base}/template.csv")
            assert template.status_code == 200, (spec.key, template.status_code)
            header = template.text.lstrip("\ufeff").splitlines()[0]
            values = ("", "x", "-1", "=1+1", "\u00e9" * 300)
            junk = "\n".join(",".join(value for _c in spec.columns) for value in values)
            before = await self._row_counts(app)
            upload = await client.post(
                base, data={"source": "conformance"}, headers=headers, follow_redirects=False,
                files={"file": ("junk.csv", f"{header}\n{junk}\n".encode(), "text/csv")},
            )  # fmt: skip
            assert upload.status_code == 303, (spec.key, upload.status_code)
            for locale in SUPPORTED_LOCALES:
                preview = await client.get(f"/{locale}{upload.headers['location']}")
                assert preview.status_code == 200, (spec.key, locale, preview.status_code)
            assert await self._row_counts(app) == before, f"import {spec.key} wrote before confirmation"

    # data hooks -------------------------------------------------------------------------------------------------
    async def _seed(self, app: Any, tenant: Any, phase: Any) -> None:
        """Run the plugin's ``seed_demo`` on ``phase`` the way ``townhall demo`` does."""
        from core.models import Phase, Project

        async with self._state(app).db.session(tenant.id, write=True) as session:
            loaded = await session.get(Phase, phase.id)
            project = await session.get(Project, loaded.project_id)
            for seeder in self._hook(app, "seed_demo", tenant=tenant, project=project):
                if seeder is not None:
                    result = seeder(session, loaded)
                    if inspect.isawaitable(result):
                        await result

    async def test_seed_demo_fills_only_its_own_phases(self, app: Any, factory: Any, tenant: Any) -> None:
        await factory.user(tenant)
        project = await factory.project(tenant)
        foreign = await factory.phase(project, "notinstalled", state="ended")
        before = await self._row_counts(app)
        await self._seed(app, tenant, foreign)
        assert await self._row_counts(app) == before, "seed_demo wrote data for another method's phase"
        await self._seed(app, tenant, await factory.phase(project, self.method, config=self.example_config))

    async def test_user_data_and_forget_user(self, app: Any, factory: Any, tenant: Any) -> None:
        state = self._state(app)
        user = await factory.user(tenant, verified=True)
        phase = await factory.phase(await factory.project(tenant), self.method, config=self.example_config)
        await self._seed(app, tenant, phase)

        async def exported() -> dict[str, Any]:
            data: dict[str, Any] = {}
            for collect in self._hook(app, "user_data", user=user):
                if collect is not None:
                    async with state.db.session(tenant.id) as session:
                        part = await collect(session)
                    assert isinstance(part, dict), "user_data must hand back a dict"
                    data.update(part)
            msgspec.json.encode(data)  # the data export is JSON: everything must serialise
            return data

        await exported()
        for forget in self._hook(app, "forget_user", user=user):
            if forget is not None:
                async with state.db.session(tenant.id, write=True) as session:
                    await forget(session)
        leftover = {k: v for k, v in (await exported()).items() if v}
        assert leftover == {}, f"user_data still finds data after forget_user: {leftover}"

    async def test_retention_keeps_results_and_says_what_it_did(self, app: Any, factory: Any, tenant: Any) -> None:
        """``retention`` answers None for other methods' phases; for its own it leaves the results as they were."""
        from core.jobs.retention import RetentionResult

        state = self._state(app)
        await factory.user(tenant)
        project = await factory.project(tenant)
        foreign = await factory.phase(project, "notinstalled", state="ended")
        assert all(r is None for r in self._hook(app, "retention", phase=foreign)), "retention answered another method"
        assert all(r is None for r in self._hook(app, "public_api", phase=foreign)), "public_api answered another"
        phase = await factory.phase(project, self.method)
        await self._seed(app, tenant, phase)

        async def results() -> list[Any]:
            async with state.db.session(tenant.id) as session:
                return [await r(session) for r in self._hook(app, "phase_results", phase=phase) if r is not None]

        before = await results()
        for purge in self._hook(app, "retention", phase=phase):
            if purge is not None:
                async with state.db.session(tenant.id, write=True) as session:
                    outcome = await purge(session)
                assert isinstance(outcome, RetentionResult), "retention must hand back a RetentionResult"
                counts = [*outcome.anonymised.values(), *outcome.deleted.values()]
                assert all(isinstance(n, int) and n >= 0 for n in counts), outcome
                msgspec.json.encode(outcome.as_dict())
        assert await results() == before, "retention changed the phase's results"

    async def test_exports_stats_results_and_public_api_run(self, app: Any, factory: Any, tenant: Any) -> None:
        state = self._state(app)
        await factory.user(tenant)
        phase = await factory.phase(await factory.project(tenant), self.method, config=self.example_config)
        await self._seed(app, tenant, phase)
        async with state.db.session(tenant.id) as session:
            for export in state.registry.exports_for(self.method):
                header, rows = await export.rows(session, phase)
                assert header and all(isinstance(h, str) for h in header), export.key
                assert all(len(row) == len(header) for row in rows), f"export {export.key}: ragged rows"
                assert str(export.label).strip(), export.key
            for stat in state.registry.stats_for(self.method):
                msgspec.json.encode(await stat.compute(session, phase))
            for results in self._hook(app, "phase_results", phase=phase):
                if results is not None:
                    assert isinstance(await results(session), dict)
            from core.api.types import ApiPage, ApiQuery

            query = ApiQuery(locale=tenant.default_locale, default_locale=tenant.default_locale, limit=2)
            for provider in self._hook(app, "public_api", phase=phase):
                if provider is not None:
                    page = await provider(session, query)
                    assert isinstance(page, ApiPage), "public_api must hand back an ApiPage"
                    assert len(page.items) <= query.limit, "public_api ignored the page size"
                    msgspec.json.encode(page)
