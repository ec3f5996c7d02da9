"""The hooks a participation method (or any plugin) may implement.

Each hook is documented in docs/plugin_hooks.md; tests/test_plugin_docs.py fails when a hook is missing there or its
signature differs. pluggy is synchronous: hooks hand back data, specs and routers; database work happens in the async
callables some hooks return, which the core awaits with a session scoped to the right tenant.

Hooks that receive a ``phase`` are called for every phase, whatever its method: an implementation answers only for
phases whose ``phase.method`` is its own key and returns ``None`` otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

    from core.appstate import AppState
    from core.models import Phase, Project, Tenant, User
    from core.permissions import Verdict
    from core.specs import (
        ActionSpec,
        DomainEvent,
        ExportSpec,
        MethodSpec,
        MigrationLineage,
        PhaseOutput,
        StatSpec,
        TranslationDomain,
    )

hookspec = pluggy.HookspecMarker("townhall")
hookimpl = pluggy.HookimplMarker("townhall")


@hookspec
def register_methods() -> list[MethodSpec]:
    """Return MethodSpec objects for the participation methods this plugin provides."""


@hookspec
def register_routes() -> list[Any]:
    """Return Litestar controllers, routers or route handlers; the core mounts them as they are (no prefix added).

    A method's pages live under ``/p/{phase_id:int}/<key>/...`` by convention and start with
    ``phase_context(ctx, phase_id, "<key>")``, which answers 404 for another tenant's or another method's phase.
    """


@hookspec
def register_actions() -> list[ActionSpec]:
    """Return extra ActionSpec objects (besides ``MethodSpec.actions``), each keyed ``<method key>.<verb>``."""


@hookspec
def permission_verdict(user: User | None, action: str, phase: Phase, item: Any) -> Verdict | bool | None:
    """Veto after the core's checks passed: ``denied(reason)`` or ``False`` refuses, anything else abstains."""


@hookspec
def phase_card(phase: Phase, request: Any) -> dict[str, Any] | None:
    """Return extra context for the phase's step on the project timeline (``summary``), or None."""


@hookspec
def phase_results(phase: Phase) -> Callable[[AsyncSession], Awaitable[dict[str, Any]]] | None:
    """Return an async callable ``(session) -> dict`` computing the phase's results, or None."""


@hookspec
def phase_outputs(phase: Phase) -> Callable[[AsyncSession], Awaitable[list[PhaseOutput]]] | None:
    """Return an async callable ``(session) -> list[PhaseOutput]``: what the phase produced, for a later phase."""


@hookspec
def register_exports() -> list[ExportSpec]:
    """Return ExportSpec objects: named tabular exports of a phase's data."""


@hookspec
def register_stats() -> list[StatSpec]:
    """Return StatSpec objects: dashboard figures for a phase."""


@hookspec
def on_event(event: DomainEvent) -> Callable[[AppState], Awaitable[None]] | Awaitable[None] | None:
    """React to a committed domain event: return an async callable ``(app_state)`` (or an awaitable), or None."""


@hookspec
def user_data(user: User) -> Callable[[AsyncSession], Awaitable[dict[str, Any]]] | None:
    """Return an async callable ``(session) -> dict`` with what the user's data export contains from this plugin."""


@hookspec
def forget_user(user: User) -> Callable[[AsyncSession], Awaitable[None]] | None:
    """Return an async callable ``(session) -> None`` that removes or anonymises the user's data in this plugin."""


@hookspec
def seed_demo(tenant: Tenant, project: Project) -> Callable[[AsyncSession, Phase], Awaitable[None]] | None:
    """Return an async callable ``(session, phase)`` filling a demo phase; it ignores phases of other methods."""


@hookspec
def register_migrations() -> list[MigrationLineage]:
    """Return MigrationLineage objects (``plugin_lineage(key, folder)``): own scripts, own version table."""


@hookspec
def register_translations() -> list[TranslationDomain]:
    """Return TranslationDomain objects: a gettext domain and the folder holding its catalogs."""


@hookspec
def register_templates() -> list[tuple[str, Path]]:
    """Return (namespace, folder) pairs; templates are then loaded as ``<namespace>/<name>``."""


@hookspec
def register_static() -> list[tuple[str, Path]]:
    """Return (namespace, folder) pairs served under ``/static/<namespace>/``."""


@hookspec
def register_commands() -> list[Any]:
    """Return click commands/groups added to the ``townhall`` command line."""
