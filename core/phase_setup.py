"""The back office's project checklist: what an editor still has to do before residents can take part.

A project is ready when it has its details, at least one phase, every phase's method set up (a method says what is
missing through ``MethodSpec.setup_missing``: budgets and options, questions, sessions...) and it is published.
The checklist is advice, not a lock: publishing stays the editor's decision (only a project without phases is
refused, by ``core.project_service``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core import multiloc
from core.i18n import current_locale
from core.i18n import gettext as _
from core.models import Phase, Project

SetupCheck = Callable[[Any, Phase], Awaitable[str | None]]


def requires_rows(model: Any, missing: Any) -> SetupCheck:
    """A ``setup_missing`` for a method that needs at least one row of ``model`` (with a ``phase_id`` column) in the
    phase, e.g. a question or a session; ``missing`` (a lazy text) says what to add."""

    async def check(session: Any, phase: Phase) -> str | None:
        found = await session.scalar(select(model.id).where(model.phase_id == phase.id).limit(1))
        return None if found is not None else str(missing)

    return check


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    detail: str = ""  # what is missing, in the reader's language
    href: str | None = None  # where to do it


async def project_checklist(session: Any, registry: Any, project: Project, default_locale: str) -> list[ChecklistItem]:
    """Details, phases, each phase's set-up, publication: in the order an editor does them."""
    phases = sorted(project.phases, key=lambda p: p.starts_at)
    base = f"/admin/projects/{project.id}"
    details = bool(project.title.get(default_locale)) and bool(project.description)
    items = [
        ChecklistItem(
            _("Title and description"),
            details,
            "" if details else _("Describe what the project is about, so residents know why to take part."),
        ),
        ChecklistItem(
            _("At least one phase"),
            bool(phases),
            "" if phases else _("Add a phase: each phase runs one participation method between two dates."),
            f"{base}/phases/new",
        ),
    ]
    for phase in phases:
        spec = registry.method(phase.method)
        title = _("Set up the phase “%(phase)s”", phase=_title(phase, default_locale))
        if spec is None:
            items.append(ChecklistItem(title, False, _("Its method is not installed.")))
            continue
        missing = await spec.setup_missing(session, phase) if spec.setup_missing else None
        items.append(ChecklistItem(title, missing is None, missing or "", spec.manage_url(phase.id)))
    published = project.status == "published"
    items.append(
        ChecklistItem(
            _("Published"),
            published,
            "" if published else _("Residents see the project once it is published."),
        )
    )
    return items


def _title(phase: Phase, default_locale: str) -> str:
    return multiloc.pick(phase.title, current_locale(), default_locale).text
