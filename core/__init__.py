"""Townhall core. This module is the public API a plugin may import; everything else is internal.

A plugin needs: ``hookimpl`` to implement hooks, the spec types to describe what it contributes, the declarative
``Base`` and mixins for its tables, the request/phase contexts and permission verdicts, rendering helpers, i18n
helpers and the domain-event type, and the small shared services every method reuses: ``sanitize`` (markdown to
safe HTML), ``exports`` (injection-safe CSV/XLSX), ``notifications``, ``audit`` and ``uploads``.
"""

from core import audit, exports, notifications, sanitize, uploads
from core.db.base import Base, BigId, IdMixin, TenantScoped, TimestampMixin, utcnow
from core.hookspecs import hookimpl
from core.i18n import format_money, gettext, lazy_gettext, ngettext
from core.permissions import ALLOWED, Verdict, denied
from core.phases import PhaseState, phase_state
from core.specs import (
    ActionSpec,
    DomainEvent,
    ExportSpec,
    MethodSpec,
    MigrationLineage,
    PhasePanel,
    StatSpec,
    TranslationDomain,
)

__all__ = [
    "ALLOWED",
    "ActionSpec",
    "Base",
    "BigId",
    "DomainEvent",
    "ExportSpec",
    "IdMixin",
    "MethodSpec",
    "MigrationLineage",
    "PhasePanel",
    "PhaseState",
    "StatSpec",
    "TenantScoped",
    "TimestampMixin",
    "TranslationDomain",
    "Verdict",
    "audit",
    "denied",
    "exports",
    "format_money",
    "gettext",
    "hookimpl",
    "lazy_gettext",
    "ngettext",
    "notifications",
    "phase_state",
    "sanitize",
    "uploads",
    "utcnow",
]
