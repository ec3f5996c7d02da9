"""Plain data types that plugins hand to the core through hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

PERMISSION_LEVELS = ("everyone", "registered", "verified", "admins")


@dataclass(frozen=True)
class ActionSpec:
    """Something a resident can do in a phase, gated by a per-phase permission level.

    ``key`` is namespaced by the method (``ideation.post``); ``label`` is a lazy gettext string.
    """

    key: str
    label: Any
    default_level: str = "registered"


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
    config_locked: Callable[[Any, Any], Awaitable[str | None]] | None = None  # (session, phase) -> reason


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
