"""The hooks a participation method (or any plugin) may implement.

Each hook is documented in docs/plugin_hooks.md; tests/test_plugin_docs.py fails when a hook is missing there or its
signature differs. pluggy is synchronous: hooks hand back data, specs and routers; database work happens in the async
services those return.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("townhall")
hookimpl = pluggy.HookimplMarker("townhall")


@hookspec
def register_methods() -> list[Any]:
    """Return MethodSpec objects for the participation methods this plugin provides."""


@hookspec
def register_routes() -> list[Any]:
    """Return Litestar controllers/routers; the core mounts them under ``/p/{project}/{phase_id}/<method key>``."""


@hookspec
def register_actions() -> list[Any]:
    """Return ActionSpec objects (e.g. ``ideation.post``) with their default permission level."""


@hookspec
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """Veto rule: return a Denied to refuse, True to allow, None to abstain (any Denied wins)."""


@hookspec
def phase_card(phase: Any, request: Any) -> Any:
    """Return a small context dict for the phase card on the project timeline, or None."""


@hookspec
def phase_results(phase: Any) -> Any:
    """Return an async callable ``(session) -> dict`` computing results for the results page and exports."""


@hookspec
def register_exports() -> list[Any]:
    """Return ExportSpec objects: named CSV/XLSX exports of a phase's data."""


@hookspec
def register_stats() -> list[Any]:
    """Return StatSpec objects: dashboard figures for a phase."""


@hookspec
def on_event(event: Any) -> Any:
    """React to a domain event; may return an awaitable that the core awaits after the transaction commits."""


@hookspec
def user_data(user: Any) -> Any:
    """Return an async callable ``(session) -> dict`` with what the user's data export contains from this plugin."""


@hookspec
def forget_user(user: Any) -> Any:
    """Return an async callable ``(session) -> None`` that removes or anonymises the user's data in this plugin."""


@hookspec
def seed_demo(tenant: Any, project: Any) -> Any:
    """Return an async callable ``(session, phase) -> None`` filling a demo phase of this plugin's method, or None."""


@hookspec
def register_migrations() -> list[Any]:
    """Return MigrationLineage objects: each plugin keeps its own Alembic lineage and version table."""


@hookspec
def register_translations() -> list[Any]:
    """Return TranslationDomain objects: a gettext domain and the folder holding its catalogs."""


@hookspec
def register_templates() -> list[Any]:
    """Return (namespace, folder) pairs; templates are then loaded as ``<namespace>/<name>``."""


@hookspec
def register_static() -> list[Any]:
    """Return (namespace, folder) pairs served under ``/static/<namespace>/``."""


@hookspec
def register_commands() -> list[Any]:
    """Return click commands/groups added to the ``townhall`` command line."""
