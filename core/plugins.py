"""Builds a fresh plugin manager per app and gathers what the plugins contribute."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from core import hookspecs
from core.concurrency import ConcurrencyCase
from core.imports.spec import ImportSpec, validate_spec
from core.jobs.spec import JobSpec
from core.participation import registry as participation_registry
from core.specs import ActionSpec, ExportSpec, MethodSpec, MigrationLineage, StatSpec, TranslationDomain

ENTRY_POINT_GROUP = "townhall.plugins"
# One slug used everywhere: entry point, URL segment, table prefix (``<key>_``), gettext domain, template folder.
# No underscore or hyphen, so a key is a valid identifier and no key's table prefix can swallow another's.
METHOD_KEY = re.compile(r"^[a-z][a-z0-9]{1,39}$")


class PluginError(RuntimeError):
    pass


def _load(target: object) -> object:
    if isinstance(target, str):
        return importlib.import_module(target)
    return target


def _flatten(results: list[list[Any] | None]) -> list[Any]:
    out: list[Any] = []
    for chunk in results:
        if chunk:
            out.extend(chunk)
    return out


def build_plugin_manager(
    extra: list[object] | None = None,
    *,
    load_entry_points: bool = True,
    only: list[str] | None = None,
) -> pluggy.PluginManager:
    """Register built-in and third-party plugins alike, then refuse to start on a misspelled hook."""
    pm = pluggy.PluginManager("townhall")
    pm.add_hookspecs(hookspecs)
    # The core's own hook implementations (mail after commit) join like any plugin.
    pm.register(importlib.import_module("core.notifications"), name="core.notifications")
    pm.register(importlib.import_module("core.participation.hooks"), name="core.participation")
    pm.register(importlib.import_module("core.jobs.core_jobs"), name="core.jobs")
    pm.register(importlib.import_module("core.imports.cleanup"), name="core.imports")
    pm.register(importlib.import_module("core.webhooks"), name="core.webhooks")
    pm.register(importlib.import_module("core.demographics.hooks"), name="core.demographics")
    try:
        if load_entry_points:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                if only is not None and ep.name not in only:
                    continue
                pm.register(ep.load(), name=ep.name)
        for target in extra or []:
            plugin = _load(target)
            name = getattr(plugin, "__name__", None) or repr(plugin)
            if pm.is_registered(plugin) or pm.has_plugin(name):
                continue
            pm.register(plugin, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} does not match the hook specifications: {exc}") from exc
    return pm


@dataclass
class Registry:
    """What all plugins contribute, gathered once at start-up."""

    pm: pluggy.PluginManager
    methods: dict[str, MethodSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    exports: list[ExportSpec] = field(default_factory=list)
    stats: list[StatSpec] = field(default_factory=list)
    imports: dict[str, ImportSpec] = field(default_factory=dict)
    lineages: list[MigrationLineage] = field(default_factory=list)
    translations: list[TranslationDomain] = field(default_factory=list)
    templates: list[tuple[str, Any]] = field(default_factory=list)
    static: list[tuple[str, Any]] = field(default_factory=list)
    routes: list[Any] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)
    item_kinds: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, JobSpec] = field(default_factory=dict)
    concurrency_cases: dict[str, ConcurrencyCase] = field(default_factory=dict)

    @classmethod
    def gather(cls, pm: pluggy.PluginManager) -> Registry:
        reg = cls(pm=pm)
        hook = pm.hook
        for spec in _flatten(hook.register_methods()):
            if not METHOD_KEY.match(spec.key):
                raise PluginError(f"method key {spec.key!r} must match {METHOD_KEY.pattern}")
            if spec.key in reg.methods:
                raise PluginError(f"two plugins provide the method {spec.key!r}")
            reg.methods[spec.key] = spec
            for action in spec.actions:
                reg.actions[action.key] = action
        for action in _flatten(hook.register_actions()):
            reg.actions[action.key] = action
        reg.exports = _flatten(hook.register_exports())
        reg.stats = _flatten(hook.register_stats())
        for spec in _flatten(hook.register_imports()):
            problem = validate_spec(spec)
            if problem is None and spec.key in reg.imports:
                problem = f"two plugins provide the import {spec.key!r}"
            if problem:
                raise PluginError(problem)
            reg.imports[spec.key] = spec
        reg.lineages = _flatten(hook.register_migrations())
        reg.translations = _flatten(hook.register_translations())
        reg.templates = _flatten(hook.register_templates())
        reg.static = _flatten(hook.register_static())
        reg.routes = _flatten(hook.register_routes())
        reg.commands = _flatten(hook.register_commands())
        try:
            reg.item_kinds = participation_registry.gather(hook.register_item_kinds(), set(reg.methods))
        except ValueError as exc:
            raise PluginError(str(exc)) from exc
        for job in _flatten(hook.register_jobs()):
            if job.key in reg.jobs:
                raise PluginError(f"two plugins declare the job {job.key!r}")
            reg.jobs[job.key] = job
        for case in _flatten(hook.register_concurrency_cases()):
            if case.method not in reg.methods or case.key in reg.concurrency_cases:
                raise PluginError(f"concurrency case {case.key!r}: unknown method or declared twice")
            reg.concurrency_cases[case.key] = case
        return reg

    def method(self, key: str) -> MethodSpec | None:
        return self.methods.get(key)

    def exports_for(self, method: str) -> list[ExportSpec]:
        return [e for e in self.exports if e.method == method]

    def imports_for(self, method: str) -> list[ImportSpec]:
        return [i for i in self.imports.values() if i.method == method]

    def stats_for(self, method: str) -> list[StatSpec]:
        return [s for s in self.stats if s.method == method]
