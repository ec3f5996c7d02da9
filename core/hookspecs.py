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

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.api.types import ApiPage, ApiQuery
    from core.appstate import AppState
    from core.concurrency import ConcurrencyCase
    from core.imports import ImportSpec
    from core.jobs.retention import RetentionResult
    from core.jobs.spec import JobSpec
    from core.models import Phase, Project, Tenant, User
    from core.participation.registry import ItemKind
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
def public_api(phase: Phase) -> Callable[[AsyncSession, ApiQuery], Awaitable[ApiPage]] | None:
    """Return an async callable ``(session, query) -> ApiPage``: the phase's public data for ``/api/v1``, or None.

    Only what an anonymous visitor may see on the phase page right now: no hidden, draft or withdrawn items, no
    results under embargo, never who wrote or chose what.
    """


@hookspec
def phase_outputs(phase: Phase) -> Callable[[AsyncSession], Awaitable[list[PhaseOutput]]] | None:
    """Return an async callable ``(session) -> list[PhaseOutput]``: what the phase produced, for a later phase."""


@hookspec
def register_exports() -> list[ExportSpec]:
    """Return ExportSpec objects: named tabular exports of a phase's data."""


@hookspec
def register_imports() -> list[ImportSpec]:
    """Return ImportSpec objects: offline input (CSV/XLSX) a method accepts, keyed ``<method key>.<name>``.

    The core serves upload, preview, column mapping, per-row errors and confirmation under
    ``/p/{phase_id}/import/<key>`` for staff of phases of that method; see docs/imports.md.
    """


@hookspec
def register_concurrency_cases() -> list[ConcurrencyCase]:
    """Return ConcurrencyCase objects: the method's one-per-person writes and limited resources, which the core's
    concurrency class test fires 50 times at once over two workers (see core/concurrency.py)."""


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
def participants(phase: Phase) -> Select | list[Select] | None:
    """Return a SELECT whose first column is user ids (or a list of them): who took part in the phase through this
    method's own tables; optionally a second column labelled ``at``, when they did (the dashboard's weeks).

    The core adds the people of the shared tables (comments, reactions) itself; the representativeness page and the
    staff dashboard union every select in SQL, so the select is never run on its own.
    """


@hookspec
def retention(phase: Phase) -> Callable[[AsyncSession], Awaitable[RetentionResult]] | None:
    """Return an async callable ``(session) -> RetentionResult`` that purges or anonymises the phase's personal data.

    Called once per phase by the core's ``core.retention`` job, ``phase.retention_days`` after the phase ended;
    counts and results must stay what they were.
    """


@hookspec
def register_jobs() -> list[JobSpec]:
    """Return JobSpec objects: periodic jobs (``every`` seconds or ``cron``) and jobs run through ``enqueue``."""


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
def register_item_kinds() -> list[ItemKind]:
    """Return ItemKind adapters (``<method key>.<noun>``): items residents may comment, react to, follow, report."""


@hookspec
def register_commands() -> list[Any]:
    """Return click commands/groups added to the ``townhall`` command line."""
