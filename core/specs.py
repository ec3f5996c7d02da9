"""Plain data types that plugins hand to the core through hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from core.ratelimits import RateLimit

PERMISSION_LEVELS = ("everyone", "registered", "verified", "admins")


@dataclass(frozen=True)
class ActionSpec:
    """Something a resident can do in a phase, gated by a per-phase permission level.

    ``key`` is namespaced by the method (``ideation.post``); ``label`` is a lazy gettext string.
    ``needs_account`` (the default) says the action means nothing without a known person — it writes a row tied to
    a user, counts once per person, or notifies someone: an anonymous visitor is then refused with
    ``not_signed_in`` whatever level the phase stores, and the admin form does not offer "everyone". Set it to
    ``False`` only for an action a visitor may take anonymously (viewing, an anonymous poll with its own abuse
    limits); the handler must then cope with ``user is None``.

    ``rate_limit`` says how often one account and one client address may take the action (``core.POSTING``,
    ``core.COMMENTING``... or a ``RateLimit`` of its own); the handler counts each attempt with
    ``await pctx.attempt(key)`` before the work. ``step_limits`` names limits for distinct writes under the same
    permission (budgeting's ``vote`` has ``cart`` changes and a ``submit``), counted with
    ``pctx.attempt(key, step="cart")``. Left at ``None`` the core still applies ``core.ratelimits.DEFAULT``, but
    the conformance suite fails: every action must say what a real person's pace is.
    """

    key: str
    label: Any
    default_level: str = "registered"
    needs_account: bool = True
    rate_limit: RateLimit | None = None
    step_limits: Mapping[str, RateLimit] = field(default_factory=dict, hash=False)

    def limit_for(self, step: str | None = None) -> RateLimit | None:
        """The declared limit of the action, or of one of its steps (None when not declared)."""
        if step is None:
            return self.rate_limit
        return self.step_limits.get(step)

    def limit_key(self, step: str | None = None) -> str:
        """The name the action's (or step's) counts and overrides go by: ``budgeting.vote`` or
        ``budgeting.vote:cart``."""
        return self.key if step is None else f"{self.key}:{step}"

    @property
    def levels(self) -> tuple[str, ...]:
        """The permission levels an admin may choose for this action."""
        if self.needs_account:
            return tuple(level for level in PERMISSION_LEVELS if level != "everyone")
        return PERMISSION_LEVELS


@dataclass(frozen=True)
class PhasePanel:
    """What a method's phase page shows: a template of the plugin and the context it needs."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodSpec:
    """A participation method: the single manifest the core needs to offer it to municipalities.

    ``key`` is the one slug used everywhere: entry point name, URL segment, table prefix, gettext domain and
    template folder. ``config`` is a msgspec Struct whose fields all have defaults, so stored configs keep decoding
    after the plugin adds fields; the admin form is generated from it. ``render_phase`` is awaited with a
    PhaseContext and returns a PhasePanel.
    """

    key: str
    label: Any
    description: Any
    config: type[msgspec.Struct]
    render_phase: Callable[[Any], Awaitable[PhasePanel]]
    icon: str = "●"
    actions: tuple[ActionSpec, ...] = ()
    config_labels: dict[str, Any] = field(default_factory=dict)
    # Hints under the generated settings' fields, translated ({dotted path: lazy text}), like ``config_labels``.
    config_hints: dict[str, Any] = field(default_factory=dict)
    config_locked: Callable[[Any, Any], Awaitable[str | None]] | None = None  # (session, phase) -> reason
    dates_locked: bool = False  # True: while config_locked gives a reason, the phase's dates are frozen too
    # Domain events (``ctx.emit`` names) a municipality may subscribe webhooks to: {name: lazy label}. Their data
    # must be ids and public facts only: a webhook leaves the platform (core/webhooks.py drops ``actor_id``).
    public_events: dict[str, Any] = field(default_factory=dict)
    # The phase's public change log (core/web/changes.py, ``/projects/{slug}/phases/{id}/changes``) lists every public
    # audit entry of the phase: the core's ``phase.config_changed`` and the method's own actions, labelled here
    # ({action: lazy label}); ``change_detail_template`` (a template of the method, given ``entry`` and ``d`` = its
    # data) adds the method's details to a line.
    change_labels: dict[str, Any] = field(default_factory=dict)
    change_detail_template: str | None = None
    # Where staff set up what the phase runs on (budgets and options, questions, sessions...), with ``{phase_id}``:
    # the back office links it next to each phase of this method ("Set up"), so an editor finds it without a manual.
    manage_path: str | None = None
    # What staff still have to set up before residents can take part, in the reader's language, or None when the
    # phase is ready: (session, phase) -> text. The back office's project checklist shows it next to "Set up"
    # (core/phase_setup.py; ``core.requires_rows(Model, lazy_gettext("Add a question."))`` covers the usual case).
    setup_missing: Callable[[Any, Any], Awaitable[str | None]] | None = None

    def manage_url(self, phase_id: int) -> str | None:
        return self.manage_path.format(phase_id=phase_id) if self.manage_path else None


@dataclass(frozen=True)
class PhaseOutput:
    """One thing a phase produced (an idea, a proposal...), handed to a later phase of the same project.

    ``key`` is stable within the phase (``"idea:42"``); ``title`` and ``description`` are multilingual dicts of
    plain text (never HTML); ``status`` is the method's status label in the active language; ``score`` is the
    method's measure of support (e.g. reactions). Never carries who wrote it: a later phase must not learn the
    author of an anonymous contribution.
    """

    key: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    area_id: int | None = None
    url: str | None = None
    status: str | None = None
    score: int = 0


@dataclass(frozen=True)
class ExportSpec:
    """A named export of a phase's data: ``rows`` is awaited with (session, phase) and yields header + rows."""

    key: str
    method: str
    label: Any
    rows: Callable[[Any, Any], Awaitable[tuple[list[str], list[list[Any]]]]]


@dataclass(frozen=True)
class StatSpec:
    key: str
    method: str
    label: Any
    compute: Callable[[Any, Any], Awaitable[Any]]


@dataclass(frozen=True)
class MigrationLineage:
    """One Alembic lineage: its own scripts folder and its own version table, so a plugin can come and go."""

    name: str
    script_location: Path
    tables: frozenset[str]

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"


@dataclass(frozen=True)
class TranslationDomain:
    domain: str
    locale_dir: Path
    sources: tuple[Path, ...] = ()


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, told to every plugin's ``on_event`` after the change is committed."""

    name: str
    tenant_id: int
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
