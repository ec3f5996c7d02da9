"""Townhall core. This module is the public API a plugin may import; everything else is internal.

A plugin writes ``from core import ...`` and nothing else: never ``core.<submodule>`` and never another plugin
(tests/test_plugin_imports.py checks every file under ``plugins/``, migrations included). What it finds here:

- Hooks and manifests: ``hookimpl``; ``MethodSpec``, ``ActionSpec``, ``PhasePanel``, ``ExportSpec``,
  ``StatSpec``, ``TranslationDomain``, ``MigrationLineage``, ``PERMISSION_LEVELS``; ``requires_rows(Model, text)``
  for ``MethodSpec.setup_missing`` (what the project checklist asks staff to set up).
- Method configuration (the msgspec Struct the admin form is generated from): ``MultiLoc`` (a text per language of
  the municipality), ``MultiLocLines`` (lines per language) and ``Money`` (minor units, edited in the currency) field
  types; ``shown_when(field, *values)`` (a field that applies only to some choices of a sibling select) and
  ``one_of(*values, describe=)`` (a ``str`` offered as a select), both ``Annotated`` metadata; ``ConfigError(
  lazy_gettext(...), field=...)`` for a rule across fields raised in ``__post_init__``, shown to the admin in their
  language.
- Tables: the declarative ``Base``, ``IdMixin``, ``TenantScoped``, ``TimestampMixin``, the column types ``BigId``,
  ``UTCDateTime`` (aware UTC datetimes) and ``JsonDoc`` (JSON, JSONB on PostgreSQL), ``utcnow``,
  ``TenantScopeError``; core rows a plugin reads or links to: ``Tenant``, ``User``, ``Project``, ``Phase``,
  ``Area``, ``Topic``, ``AuditEntry``, ``Notification``.
- Migrations: ``plugin_lineage(key, folder)`` for ``register_migrations``; ``run_env()`` is the whole body of a
  lineage's ``migrations/env.py``.
- Requests and phases: ``Ctx``/``RequestContext``, ``PhaseContext`` and ``phase_context`` (404 for another tenant's
  or method's phase), ``PhaseState``/``phase_state``, ``decode_config`` (a phase's stored config as the method's
  Struct, defaults when it does not decode), ``phase_config(phase, ConfigStruct)`` (the same, decoded once per
  loaded phase: for hooks called per item), ``prescoped(statement, session)`` (a statement built once per worker,
  with the session's tenant criteria applied ahead, so running it again skips SQLAlchemy's cache-key walk).
- Permissions: ``Verdict``, ``ALLOWED``, ``denied(reason)``, ``REASONS``.
- Rate limits (docs/writing_plugins.md, "Rate limits"): ``RateLimit`` and ``Rate`` (declared on an ``ActionSpec``
  as ``rate_limit=`` / ``step_limits=``), the presets ``POSTING``, ``EDITING``, ``COMMENTING``, ``REACTING``,
  ``FOLLOWING``, ``REPORTING``, ``CHOOSING``, ``SUBMITTING``, ``UNLIMITED``; ``await pctx.attempt(action,
  step=None)`` counts a write before doing it; ``rate_limit(ctx, key, limit)`` for a write outside a phase;
  ``RateLimited`` (the 429 they raise).
- Web: ``render``, ``redirect``, ``is_htmx``, ``UserFacingError`` (a 4xx in the user's language), ``Form``,
  ``FormErrors``, ``read_form``, ``invalid``, ``multiloc_or_error`` (one multilingual form field, cleaned),
  the guards ``signed_in`` and ``admin_only``, ``table_download`` (CSV/XLSX), ``framing_headers(origin)`` (the
  headers of a page that embeds one https origin in an iframe).
- Languages and money: ``gettext``, ``lazy_gettext``, ``ngettext``, ``current_locale``, ``format_money``,
  ``currency_digits``, ``pick_locale_text`` (best text of a ``{locale: text}`` dict, as a ``Localised``; ``pick``
  is the same function under its older name).
- Events and real time: ``DomainEvent``; ``publish``, ``tenant_channel``, ``sse_response``, ``notify_user``,
  ``live_slot`` (cap a person's open live streams across workers),
  ``ChannelError``.
- Participation primitives on any item of any method (docs/participation.md): ``ItemKind``,
  ``ParticipationRules``, ``ItemView``/``item_view``/``item_views`` (a list's items), ``reaction_counts``,
  ``comment_counts``, ``reaction_total``/``comment_total`` (correlated subqueries to sort or score a list),
  ``follow_item``, ``COMMENT_KIND``; ``ListCounts`` (a list's counts as columns of its page query, for
  ``item_views(..., counted=...)``); the rows, for a method's exports, insights and demo data: ``Comment``,
  ``Reaction``, ``Follow``, ``Report``, ``StatusChange``.
- Background work and retention: ``JobSpec`` (periodic or one-off jobs for ``register_jobs``), ``JobContext``,
  ``enqueue``, ``RetentionResult`` (what a ``retention`` hook purged or anonymised).
- Offline input (docs/imports.md): ``ImportSpec``, ``ImportColumn``, ``ImportContext``, ``RowError``, ``import_path``.
- Hand-over between phases: ``PhaseOutput``, ``phase_outputs``, ``has_phase_outputs``.
- Public JSON API (docs/api.md): ``ApiQuery``, ``ApiPage`` and ``id_page`` for the ``public_api`` hook.
- Concurrency class test (core/concurrency.py): ``ConcurrencyCase``, ``ConcurrencyRequest`` for
  ``register_concurrency_cases``; ``participation_cases`` (the core primitives' cases on an item kind).
- Namespaces of helper functions, used as ``audit.record(...)``: ``audit`` (the municipality's audit log),
  ``exports`` (downloads), ``uploads`` (checked image uploads), ``sanitize`` (the rich-text allowlist),
  ``notifications`` (residents' notifications), ``multiloc`` (multilingual dicts), ``mixing`` (rows whose heap
  order and writing transaction must say nothing: ``mixing.cover`` / ``mixing.rewrite_shuffled``, for secret
  ballots and anonymous responses — docs/writing_plugins.md, section 4).
- Per-worker caches (core/tenant_cache.py): ``tenant_cached(ctx, name, load)`` keeps a value per (municipality,
  version), tables opting in with ``__tenant_cached__ = True`` bump the version; ``cached_taxonomy(ctx)`` (topics
  and areas), ``cache_copies(rows)`` (ORM rows safe to keep).
- Weighted estimates (docs/writing_plugins.md, "Weighted results"): ``person_weights(session, pm, user_ids,
  phase=... | project_id=...)`` gives each person's raking weight (``PersonWeights``: weights, questions used, cap,
  effective sample size, how many are left out unweighted, and ``available``/``reason``/``message`` when there is
  not enough data); ``weighted_tally(rows, weights, order=())`` turns ``(user_id, category)`` rows into raw and
  weighted counts and shares (``Tally``). An estimate for analysis, never an official result.
- Mail in the reader's language: ``recipient_language(app.catalogs, locale)`` (a context manager: gettext
  translates in ``locale`` while a mail is composed, e.g. in a job).

``tests/dummy_method`` is written against nothing but this module; docs/writing_plugins.md walks through it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the public names and where each lives; read at import time by _lazy_table() below
    from core import audit, exports, mixing, multiloc, notifications, sanitize, uploads
    from core.api.types import ApiPage, ApiQuery, id_page
    from core.concurrency import ConcurrencyCase, ConcurrencyRequest, participation_cases
    from core.config_forms import ConfigError, Money, MultiLoc, MultiLocLines, one_of, shown_when
    from core.context import Ctx, RequestContext
    from core.db.base import Base, BigId, IdMixin, JsonDoc, TenantScoped, TimestampMixin, UTCDateTime, utcnow
    from core.db.lineages import plugin_lineage
    from core.db.scoping import TenantScopeError, prescoped
    from core.demographics.weights import PersonWeights, Tally, person_weights
    from core.demographics.weights import tally as weighted_tally
    from core.exports import table_download
    from core.handoff import has_phase_outputs, phase_outputs
    from core.hookspecs import hookimpl
    from core.i18n import currency_digits, current_locale, format_money, gettext, lazy_gettext, ngettext
    from core.imports import ImportColumn, ImportContext, ImportSpec, RowError, import_path
    from core.jobs import JobContext, JobSpec, enqueue
    from core.jobs.retention import RetentionResult
    from core.live_slots import live_slot
    from core.mail import recipient_language
    from core.migrate import run_env
    from core.models import (
        Area,
        AuditEntry,
        Comment,
        Follow,
        Notification,
        Phase,
        Project,
        Reaction,
        Report,
        StatusChange,
        Tenant,
        Topic,
        User,
    )
    from core.multiloc import Localised, pick
    from core.multiloc import pick as pick_locale_text
    from core.participation.api import (
        COMMENT_KIND,
        ItemKind,
        ItemView,
        ListCounts,
        ParticipationRules,
        comment_counts,
        comment_total,
        follow_item,
        item_view,
        item_views,
        reaction_counts,
        reaction_total,
    )
    from core.permissions import ALLOWED, REASONS, Verdict, denied
    from core.phase_setup import requires_rows
    from core.phases import PhaseState, phase_state
    from core.projects import PhaseContext, decode_config, phase_config, phase_context
    from core.ratelimits import (
        CHOOSING,
        COMMENTING,
        EDITING,
        FOLLOWING,
        POSTING,
        REACTING,
        REPORTING,
        SUBMITTING,
        UNLIMITED,
        Rate,
        RateLimit,
    )
    from core.realtime import ChannelError, notify_user, publish, sse_response, tenant_channel
    from core.security import framing_headers
    from core.specs import (
        PERMISSION_LEVELS,
        ActionSpec,
        DomainEvent,
        ExportSpec,
        MethodSpec,
        MigrationLineage,
        PhaseOutput,
        PhasePanel,
        StatSpec,
        TranslationDomain,
    )
    from core.tenant_cache import copies as cache_copies
    from core.tenant_cache import taxonomy as cached_taxonomy
    from core.tenant_cache import tenant_cached
    from core.throttle import RateLimited, rate_limit
    from core.web.errors import UserFacingError
    from core.web.forms import Form, FormErrors, invalid, multiloc_or_error, read_form
    from core.web.guards import admin_only, signed_in
    from core.web.render import is_htmx, redirect, render


def _lazy_table() -> dict[str, tuple[str, str | None]]:
    """``{public name: (module, attribute or None for the module itself)}``, from the TYPE_CHECKING imports above.

    Why lazy: importing everything here made every ``townhall`` command (and any script importing one core module)
    pay for the whole web application, about two CPU seconds; ``townhall pabulib results`` needs none of it. A name is
    imported on first use (PEP 562), so ``from core import MethodSpec`` works as before, and the one list above
    stays what editors and type checkers read.
    """
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    guard = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    table: dict[str, tuple[str, str | None]] = {}
    for node in guard.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                public = alias.asname or alias.name
                if node.module == "core":
                    table[public] = (f"core.{alias.name}", None)
                else:
                    table[public] = (node.module, alias.name)
    return table


_LAZY = _lazy_table()


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'core' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ALLOWED",
    "CHOOSING",
    "COMMENTING",
    "COMMENT_KIND",
    "EDITING",
    "FOLLOWING",
    "PERMISSION_LEVELS",
    "POSTING",
    "REACTING",
    "REASONS",
    "REPORTING",
    "SUBMITTING",
    "UNLIMITED",
    "ActionSpec",
    "ApiPage",
    "ApiQuery",
    "Area",
    "AuditEntry",
    "Base",
    "BigId",
    "ChannelError",
    "Comment",
    "ConcurrencyCase",
    "ConcurrencyRequest",
    "ConfigError",
    "Ctx",
    "DomainEvent",
    "ExportSpec",
    "Follow",
    "Form",
    "FormErrors",
    "IdMixin",
    "ImportColumn",
    "ImportContext",
    "ImportSpec",
    "ItemKind",
    "ItemView",
    "JobContext",
    "JobSpec",
    "JsonDoc",
    "ListCounts",
    "Localised",
    "MethodSpec",
    "MigrationLineage",
    "Money",
    "MultiLoc",
    "MultiLocLines",
    "Notification",
    "ParticipationRules",
    "PersonWeights",
    "Phase",
    "PhaseContext",
    "PhaseOutput",
    "PhasePanel",
    "PhaseState",
    "Project",
    "Rate",
    "RateLimit",
    "RateLimited",
    "Reaction",
    "Report",
    "RequestContext",
    "RetentionResult",
    "RowError",
    "StatSpec",
    "StatusChange",
    "Tally",
    "Tenant",
    "TenantScopeError",
    "TenantScoped",
    "TimestampMixin",
    "Topic",
    "TranslationDomain",
    "UTCDateTime",
    "User",
    "UserFacingError",
    "Verdict",
    "admin_only",
    "audit",
    "cache_copies",
    "cached_taxonomy",
    "comment_counts",
    "comment_total",
    "currency_digits",
    "current_locale",
    "decode_config",
    "denied",
    "enqueue",
    "exports",
    "follow_item",
    "format_money",
    "framing_headers",
    "gettext",
    "has_phase_outputs",
    "hookimpl",
    "id_page",
    "import_path",
    "invalid",
    "is_htmx",
    "item_view",
    "item_views",
    "lazy_gettext",
    "live_slot",
    "mixing",
    "multiloc",
    "multiloc_or_error",
    "ngettext",
    "notifications",
    "notify_user",
    "one_of",
    "participation_cases",
    "person_weights",
    "phase_config",
    "phase_context",
    "phase_outputs",
    "phase_state",
    "pick",
    "pick_locale_text",
    "plugin_lineage",
    "prescoped",
    "publish",
    "rate_limit",
    "reaction_counts",
    "reaction_total",
    "read_form",
    "recipient_language",
    "redirect",
    "render",
    "requires_rows",
    "run_env",
    "sanitize",
    "shown_when",
    "signed_in",
    "sse_response",
    "table_download",
    "tenant_cached",
    "tenant_channel",
    "uploads",
    "utcnow",
    "weighted_tally",
]
