"""Rules for what the municipality's staff create and change: projects, their phases, areas and topics.

Handlers read a form and call these functions; every rule (required texts, unique slugs, phase periods in the
tenant's time zone without overlaps, methods installed and enabled, config through the method's Struct, locked
configs, permission levels and areas) lives here. A refused change raises ``ServiceError`` with translated messages
keyed by form field, before anything is written; every change writes an ``AuditEntry``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import multiloc
from core.config_forms import FormLike, parse_config, to_stored
from core.i18n import current_locale, format_datetime
from core.i18n import gettext as _
from core.models import (
    PROJECT_STATUSES,
    Area,
    AuditEntry,
    Phase,
    Project,
    ProjectArea,
    ProjectModerator,
    ProjectTopic,
    Tenant,
    Topic,
    User,
)
from core.phases import overlapping
from core.projects import decode_config
from core.specs import PERMISSION_LEVELS, MethodSpec

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 100
TITLE_MAX = 200
DESCRIPTION_MAX = 20000
LOCAL_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


class ServiceError(Exception):
    """A refused change: translated messages keyed by the form field they belong to (``_form`` for the whole)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def audit(
    session: AsyncSession,
    actor: User | None,
    action: str,
    target: Any = None,
    *,
    data: dict[str, Any] | None = None,
    public: bool = False,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        data=data or {},
        public=public,
    )
    session.add(entry)
    return entry


# --- texts and time -------------------------------------------------------------------------------------------


def clean_texts(
    raw: dict[str, str],
    name: str,
    tenant: Tenant,
    errors: dict[str, str],
    *,
    required: bool,
    max_length: int,
) -> dict[str, str]:
    """A multilingual field: only the tenant's locales, required in its default locale, each text bounded."""
    return clean_multiloc(
        raw, name, list(tenant.locales), tenant.default_locale, errors, required=required, max_length=max_length
    )


def clean_multiloc(
    raw: dict[str, str],
    name: str,
    locales: list[str],
    default_locale: str,
    errors: dict[str, str],
    *,
    required: bool,
    max_length: int,
) -> dict[str, str]:
    for code, text in raw.items():
        if "\x00" in text:
            errors.setdefault(f"{name}.{code}", _("This text contains a character that is not allowed."))
            return raw
        if len(text) > max_length:
            errors.setdefault(f"{name}.{code}", _("Use at most %(max)s characters.", max=max_length))
            return raw
    try:
        return multiloc.clean(raw, locales, required_locale=default_locale if required else None)
    except ValueError:
        errors.setdefault(f"{name}.{default_locale}", _("Fill this in, at least in the main language."))
        return raw


def local_input(value: datetime | None, tz: str) -> str:
    """A stored UTC moment as the ``datetime-local`` value in the tenant's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def parse_local(raw: str, tz: str) -> datetime:
    """A ``datetime-local`` value read in the tenant's time zone, returned as aware UTC; ValueError if invalid."""
    if not LOCAL_DATETIME_RE.match(raw or ""):
        raise ValueError("not a local date and time")
    naive = datetime.fromisoformat(raw)
    if not 2000 <= naive.year <= 2200:
        raise ValueError("year out of range")
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def parse_ids(raw: list[str]) -> list[int] | None:
    """Ids from checkboxes/selects; None when one is not a number."""
    out: list[int] = []
    for value in raw:
        if not value.isdigit() or len(value) > 18:
            return None
        if int(value) not in out:
            out.append(int(value))
    return out


async def _existing_ids(session: AsyncSession, model: Any, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set((await session.scalars(select(model.id).where(model.id.in_(ids)))).all())


# --- images ---------------------------------------------------------------------------------------------------


def image_kind(data: bytes) -> str | None:
    """The image type from its first bytes (never from the name or the browser's claim)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_image(data: bytes, field: str = "image") -> str:
    """Validate an upload; returns its kind or raises ServiceError on ``field`` (the form field it came from)."""
    if len(data) > IMAGE_MAX_BYTES:
        raise ServiceError({field: _("The image is too large (at most %(mb)s MB).", mb=IMAGE_MAX_BYTES // 2**20)})
    kind = image_kind(data)
    if kind is None:
        raise ServiceError({field: _("Upload a PNG, JPEG or WebP image.")})
    return kind


def store_image(upload_dir: Path, data: bytes, kind: str, folder: str = "projects") -> str:
    """Write the image under a server-chosen name in ``folder`` (projects' images, municipalities' banners); returns
    the name kept in the row (``Project.image_path``, ``Tenant.banner_path``)."""
    target = upload_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (target / name).write_bytes(data)
    return name


def image_file(upload_dir: Path, name: str, folder: str = "projects") -> Path | None:
    """The stored file of a name the server generated; anything else (a path trick) is None."""
    if not IMAGE_NAME_RE.match(name or ""):
        return None
    path = upload_dir / folder / name
    return path if path.is_file() else None


# --- areas and topics -----------------------------------------------------------------------------------------


async def save_term(
    session: AsyncSession,
    tenant: Tenant,
    actor: User,
    model: type[Area] | type[Topic],
    names: dict[str, str],
    position: str,
    term: Area | Topic | None = None,
) -> Area | Topic:
    errors: dict[str, str] = {}
    clean = clean_texts(names, "name", tenant, errors, required=True, max_length=TITLE_MAX)
    pos = 0
    if position:
        if not re.fullmatch(r"-?\d{1,6}", position):
            errors["position"] = _("Enter a whole number.")
        else:
            pos = int(position)
    if errors:
        raise ServiceError(errors)
    kind = model.__tablename__
    if term is None:
        term = model(name=clean, position=pos)
        session.add(term)
        await session.flush()
        audit(session, actor, f"{kind}.created", term, data={"name": clean})
    else:
        before = dict(term.name)
        term.name, term.position = clean, pos
        await session.flush()
        audit(session, actor, f"{kind}.updated", term, data={"before": before, "after": clean})
    return term


async def delete_term(session: AsyncSession, actor: User, term: Area | Topic) -> None:
    audit(session, actor, f"{type(term).__tablename__}.deleted", term, data={"name": dict(term.name)})
    await session.delete(term)
    await session.flush()


# --- projects -------------------------------------------------------------------------------------------------


@dataclass
class ProjectInput:
    title: dict[str, str]
    description: dict[str, str]
    slug: str
    status: str
    area_ids: list[str] = field(default_factory=list)
    topic_ids: list[str] = field(default_factory=list)
    moderator_ids: list[str] = field(default_factory=list)


async def project_links(session: AsyncSession, project_id: int) -> tuple[list[int], list[int], list[int]]:
    """The area, topic and moderator ids of a project."""
    areas = (await session.scalars(select(ProjectArea.area_id).where(ProjectArea.project_id == project_id))).all()
    topics = (await session.scalars(select(ProjectTopic.topic_id).where(ProjectTopic.project_id == project_id))).all()
    mods = (
        await session.scalars(select(ProjectModerator.user_id).where(ProjectModerator.project_id == project_id))
    ).all()
    return list(areas), list(topics), list(mods)


async def save_project(
    session: AsyncSession,
    tenant: Tenant,
    actor: User,
    data: ProjectInput,
    project: Project | None = None,
    image: tuple[Path, bytes] | None = None,
) -> Project:
    """Create (``project=None``) or update a project with its areas, topics and moderators."""
    errors: dict[str, str] = {}
    title = clean_texts(data.title, "title", tenant, errors, required=True, max_length=TITLE_MAX)
    description = clean_texts(
        data.description, "description", tenant, errors, required=False, max_length=DESCRIPTION_MAX
    )
    slug = data.slug.strip().lower()
    if not slug and not errors and isinstance(title, dict):
        slug = slugify(title.get(tenant.default_locale, ""))
    if not slug or len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        errors["slug"] = _("Use lower-case letters, digits and single dashes (at most %(max)s).", max=SLUG_MAX)
    else:
        stmt = select(Project.id).where(Project.slug == slug)
        if project is not None:
            stmt = stmt.where(Project.id != project.id)
        if await session.scalar(stmt) is not None:
            errors["slug"] = _("Another project already uses this web address.")
    if data.status not in PROJECT_STATUSES:
        errors["status"] = _("Choose one of the offered options.")
    chosen: dict[str, list[int]] = {}
    for name, raw, model in (
        ("areas", data.area_ids, Area),
        ("topics", data.topic_ids, Topic),
        ("moderators", data.moderator_ids, User),
    ):
        ids = parse_ids(raw)
        if ids is None or await _existing_ids(session, model, ids) != set(ids):
            errors[name] = _("Choose among the offered options.")
        else:
            chosen[name] = ids
    kind = None
    if image is not None:
        try:
            kind = check_image(image[1])
        except ServiceError as exc:
            errors.update(exc.errors)
    if errors:
        raise ServiceError(errors)

    creating = project is None
    before = {} if creating else _project_summary(project)  # type: ignore[arg-type]
    if project is None:
        project = Project(slug=slug, title=title, description=description, status=data.status)
        session.add(project)
    else:
        project.slug, project.title, project.description, project.status = slug, title, description, data.status
    if image is not None and kind is not None:
        project.image_path = store_image(image[0], image[1], kind)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request took the slug between the check and the write
        raise ServiceError({"slug": _("Another project already uses this web address.")}) from exc
    old_areas, old_topics, old_mods = ([], [], []) if creating else await project_links(session, project.id)
    await _sync_links(session, ProjectArea, "area_id", project.id, old_areas, chosen["areas"])
    await _sync_links(session, ProjectTopic, "topic_id", project.id, old_topics, chosen["topics"])
    await _sync_links(session, ProjectModerator, "user_id", project.id, old_mods, chosen["moderators"])
    after = _project_summary(project) | {
        "areas": chosen["areas"],
        "topics": chosen["topics"],
        "moderators": chosen["moderators"],
    }
    if not creating:
        before |= {"areas": old_areas, "topics": old_topics, "moderators": old_mods}
    audit(
        session,
        actor,
        "project.created" if creating else "project.updated",
        project,
        data={"after": after} if creating else {"before": before, "after": after},
    )
    await session.flush()
    return project


def _project_summary(project: Project) -> dict[str, Any]:
    return {
        "slug": project.slug,
        "status": project.status,
        "title": dict(project.title or {}),
        "image": project.image_path,
    }


async def _sync_links(
    session: AsyncSession, model: Any, column: str, project_id: int, old: list[int], new: list[int]
) -> None:
    removed = [i for i in old if i not in new]
    if removed:
        await session.execute(delete(model).where(model.project_id == project_id, getattr(model, column).in_(removed)))
    for ident in new:
        if ident not in old:
            session.add(model(project_id=project_id, **{column: ident}))


# --- phases ---------------------------------------------------------------------------------------------------


def selectable_methods(registry: Any, tenant: Tenant, current: str | None = None) -> list[MethodSpec]:
    """Methods a phase may use: installed and enabled for the tenant (plus the phase's own, if still installed)."""
    enabled = set(tenant.enabled_methods or [])
    return [spec for key, spec in sorted(registry.methods.items()) if key in enabled or (current and key == current)]


def default_permissions(spec: MethodSpec | None) -> dict[str, dict[str, Any]]:
    if spec is None:
        return {}
    return {a.key: {"level": a.default_level, "areas": []} for a in spec.actions}


async def _parse_permissions(
    session: AsyncSession, spec: MethodSpec | None, form: FormLike, current: dict, errors: dict[str, str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if spec is None:
        return dict(current or {})
    for action in spec.actions:
        name = f"perm.{action.key}"
        level = form.get(f"{name}.level")
        if level not in PERMISSION_LEVELS:
            errors[f"{name}.level"] = _("Choose one of the offered options.")
            continue
        if level not in action.levels:
            errors[f"{name}.level"] = _("Only people with an account can do this: choose another level.")
            continue
        ids = parse_ids(form.getlist(f"{name}.areas"))
        if ids is None or await _existing_ids(session, Area, ids) != set(ids):
            errors[f"{name}.areas"] = _("Choose among the offered options.")
            continue
        out[action.key] = {"level": level, "areas": sorted(ids)}
    return out


async def save_phase(
    session: AsyncSession,
    tenant: Tenant,
    actor: User,
    registry: Any,
    project: Project,
    form: FormLike,
    phase: Phase | None = None,
) -> Phase:
    """Create or update a phase from the admin form (general fields, method config and permissions)."""
    errors: dict[str, str] = {}
    title = clean_texts(form_multiloc(form, "title", tenant), "title", tenant, errors, required=True, max_length=200)
    description = clean_texts(
        form_multiloc(form, "description", tenant), "description", tenant, errors, required=False, max_length=20000
    )

    method = form.get("method")
    keeps_method = phase is not None and method == phase.method
    if not keeps_method and method not in {s.key for s in selectable_methods(registry, tenant)}:
        errors["method"] = _("Choose a participation method that is enabled for this municipality.")
    spec = registry.method(method)

    starts_at = ends_at = None
    for name in ("starts_at", "ends_at"):
        try:
            value = parse_local(form.get(name), tenant.timezone)
        except ValueError:
            errors[name] = _("Enter a date and time.")
            continue
        if name == "starts_at":
            starts_at = value
        else:
            ends_at = value
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        else:
            siblings = list((await session.scalars(select(Phase).where(Phase.project_id == project.id))).all())
            clash = overlapping(siblings, starts_at, ends_at, ignore_id=phase.id if phase is not None else None)
            if clash is not None:
                when = (
                    format_datetime(clash.starts_at, tenant.timezone, current_locale(), "short")
                    + " – "
                    + format_datetime(clash.ends_at, tenant.timezone, current_locale(), "short")
                )
                errors["starts_at"] = _(
                    "This period overlaps the phase “%(title)s” (%(when)s). Phases of a project may not overlap.",
                    title=multiloc.pick(clash.title, current_locale(), tenant.default_locale).text,
                    when=when,
                )

    # Method configuration and permissions: read from the form when it shows this method's fields; otherwise
    # (the method was just changed without JavaScript) keep what is stored for it or start from its defaults.
    current_config = phase.config if keeps_method and phase is not None else {}
    current_perms = phase.permissions if keeps_method and phase is not None else default_permissions(spec)
    config: dict[str, Any] = dict(current_config or {})
    permissions: dict[str, Any] = dict(current_perms or {})
    if spec is not None and "method" not in errors:
        if form.get("config_for") == method:
            parsed, config_errors = parse_config(
                spec.config,
                form,
                current=decode_config(spec, current_config),
                labels=spec.config_labels,
                locales=list(tenant.locales),
                currency=tenant.currency,
            )
            errors.update(config_errors)
            if parsed is not None:
                config = to_stored(parsed)
            permissions = await _parse_permissions(session, spec, form, current_perms, errors)
        else:
            config = to_stored(decode_config(spec, current_config))

    # Compare decoded values, so a stored partial config equal to the defaults is not taken for a change.
    stored_before = dict(phase.config or {}) if phase is not None else {}
    if phase is not None and keeps_method and spec is not None:
        stored_before = to_stored(decode_config(spec, phase.config))
    config_changed = phase is None or method != phase.method or config != stored_before
    old_spec = registry.method(phase.method) if phase is not None else None
    dates_locked = old_spec is not None and old_spec.dates_locked and _dates_moved(phase, starts_at, ends_at)
    if old_spec is not None and old_spec.config_locked is not None and (config_changed or dates_locked) and not errors:
        reason = await old_spec.config_locked(session, phase)
        if reason and config_changed:
            errors["config"] = _("The settings of this phase can no longer change: %(reason)s", reason=reason)
        if reason and dates_locked:
            errors["starts_at"] = _("The dates of this phase can no longer change: %(reason)s", reason=reason)
    if errors:
        raise ServiceError(errors)

    assert starts_at is not None and ends_at is not None  # guaranteed by the checks above
    creating = phase is None
    before = {} if phase is None else _phase_summary(phase)
    before_config = None if phase is None else dict(phase.config or {})
    before_perms = None if phase is None else dict(phase.permissions or {})
    if phase is None:
        phase = Phase(project_id=project.id, method=method, config={}, permissions={}, starts_at=starts_at)
        session.add(phase)
    phase.title, phase.description, phase.method = title, description, method
    phase.starts_at, phase.ends_at = starts_at, ends_at
    phase.config, phase.permissions = config, permissions
    await session.flush()
    summary = _phase_summary(phase)
    audit(
        session,
        actor,
        "phase.created" if creating else "phase.updated",
        phase,
        data={"project_id": project.id, "after": summary}
        if creating
        else {"project_id": project.id, "before": before, "after": summary},
    )
    if config_changed:
        audit(
            session,
            actor,
            "phase.config_changed",
            phase,
            data={"project_id": project.id, "method": method, "before": before_config, "after": config},
            public=True,
        )
    if before_perms != permissions:
        audit(
            session,
            actor,
            "phase.permissions_changed",
            phase,
            data={"project_id": project.id, "before": before_perms, "after": permissions},
        )
    await session.flush()
    return phase


def _dates_moved(phase: Any, starts_at: Any, ends_at: Any) -> bool:
    """Whether the form moves the phase's start or end (to the minute: the form does not show seconds)."""

    def minute(value: Any) -> Any:
        return value.replace(second=0, microsecond=0) if value is not None else None

    return minute(starts_at) != minute(phase.starts_at) or minute(ends_at) != minute(phase.ends_at)


def _phase_summary(phase: Phase) -> dict[str, Any]:
    return {
        "title": dict(phase.title or {}),
        "method": phase.method,
        "starts_at": phase.starts_at.isoformat(),
        "ends_at": phase.ends_at.isoformat(),
    }


async def delete_phase(session: AsyncSession, actor: User, registry: Any, phase: Phase) -> None:
    """Remove a phase, unless its method says its data is already fixed (e.g. ballots cast)."""
    spec = registry.method(phase.method)
    if spec is not None and spec.config_locked is not None:
        reason = await spec.config_locked(session, phase)
        if reason:
            raise ServiceError({"_form": _("This phase can no longer be deleted: %(reason)s", reason=reason)})
    audit(session, actor, "phase.deleted", phase, data={"project_id": phase.project_id, **_phase_summary(phase)})
    await session.delete(phase)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ServiceError({"_form": _("This phase still holds contributions and cannot be deleted.")}) from exc


def form_multiloc(form: FormLike, name: str, tenant: Tenant) -> dict[str, str]:
    keys = multiloc.content_keys(list(tenant.locales))
    return {code: form.get(f"{name}.{code}") for code in keys if form.get(f"{name}.{code}")}
