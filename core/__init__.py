"""Townhall core. This module is the public API a plugin may import; everything else is internal.

A plugin needs: ``hookimpl`` to implement hooks, the spec types to describe what it contributes, the declarative
``Base`` and mixins for its tables, the request/phase contexts and permission verdicts, rendering and form helpers,
i18n helpers, the domain-event type, ``plugin_lineage`` for its migrations and real-time channels (``publish``,
``tenant_channel``, ``sse_response``, ``notify_user``), the hand-over between phases (``PhaseOutput``,
``phase_outputs``). ``tests/dummy_method`` is written against nothing but this module; docs/writing_plugins.md
walks through it.
"""

from core.context import Ctx, RequestContext
from core.db.base import Base, BigId, IdMixin, TenantScoped, TimestampMixin, utcnow
from core.db.scoping import TenantScopeError
from core.exports import table_download
from core.handoff import has_phase_outputs, phase_outputs
from core.hookspecs import hookimpl
from core.i18n import format_money, gettext, lazy_gettext, ngettext
from core.migrate import plugin_lineage
from core.models import AuditEntry, Notification, Phase, Project, Tenant, User
from core.permissions import ALLOWED, REASONS, Verdict, denied
from core.phases import PhaseState, phase_state
from core.projects import PhaseContext, phase_context
from core.realtime import ChannelError, notify_user, publish, sse_response, tenant_channel
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
from core.web.errors import UserFacingError
from core.web.forms import Form, FormErrors, invalid, read_form
from core.web.guards import admin_only, signed_in
from core.web.render import is_htmx, redirect, render

__all__ = [
    "ALLOWED",
    "PERMISSION_LEVELS",
    "REASONS",
    "ActionSpec",
    "AuditEntry",
    "Base",
    "BigId",
    "ChannelError",
    "Ctx",
    "DomainEvent",
    "ExportSpec",
    "Form",
    "FormErrors",
    "IdMixin",
    "MethodSpec",
    "MigrationLineage",
    "Notification",
    "Phase",
    "PhaseContext",
    "PhaseOutput",
    "PhasePanel",
    "PhaseState",
    "Project",
    "RequestContext",
    "StatSpec",
    "Tenant",
    "TenantScopeError",
    "TenantScoped",
    "TimestampMixin",
    "TranslationDomain",
    "User",
    "UserFacingError",
    "Verdict",
    "admin_only",
    "denied",
    "format_money",
    "gettext",
    "has_phase_outputs",
    "hookimpl",
    "invalid",
    "is_htmx",
    "lazy_gettext",
    "ngettext",
    "notify_user",
    "phase_context",
    "phase_outputs",
    "phase_state",
    "plugin_lineage",
    "publish",
    "read_form",
    "redirect",
    "render",
    "signed_in",
    "sse_response",
    "table_download",
    "tenant_channel",
    "utcnow",
]
