"""Reading projects and phases the way each kind of visitor may see them, and the context a method works in."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import joinedload

from core import permissions
from core.config_forms import ConfigError
from core.context import RequestContext
from core.db.scoping import prescoped
from core.models import Phase, Project, ProjectArea, ProjectModerator, ProjectTopic, User
from core.phases import PhaseState, current_phase, phase_state
from core.specs import MethodSpec

log = logging.getLogger("townhall.projects")
ConfigT = TypeVar("ConfigT")


def can_manage(user: User | None) -> bool:
    return user is not None and user.role == "admin"


def filter_projects(stmt: Any, *, area: int | None = None, topic: int | None = None, method: str | None = None) -> Any:
    """The one definition of the projects filters (the projects page and the JSON API): in an area, on a topic,
    with a phase of a method."""
    if area is not None:
        stmt = stmt.where(Project.id.in_(select(ProjectArea.project_id).where(ProjectArea.area_id == area)))
    if topic is not None:
        stmt = stmt.where(Project.id.in_(select(ProjectTopic.project_id).where(ProjectTopic.topic_id == topic)))
    if method:
        stmt = stmt.where(Project.id.in_(select(Phase.project_id).where(Phase.method == method)))
    return stmt


async def visible_projects(
    ctx: RequestContext,
    *,
    include_drafts: bool = False,
    area: int | None = None,
    topic: int | None = None,
    method: str | None = None,
) -> list[Project]:
    stmt = select(Project).order_by(Project.created_at.desc(), Project.id.desc())
    if not (include_drafts and can_manage(ctx.user)):
        stmt = stmt.where(Project.status == "published")
    stmt = filter_projects(stmt, area=area, topic=topic, method=method)
    return list((await ctx.session.scalars(stmt)).all())


async def project_by_slug(ctx: RequestContext, slug: str) -> Project:
    project = await ctx.session.scalar(select(Project).where(Project.slug == slug))
    if project is None or (project.status == "draft" and not can_manage(ctx.user)):
        raise NotFoundException()
    return project


async def is_moderator(ctx: RequestContext, project_id: int) -> bool:
    if ctx.user is None:
        return False
    if ctx.user.role == "admin":
        return True
    found = await ctx.session.scalar(
        select(ProjectModerator.id).where(
            ProjectModerator.project_id == project_id, ProjectModerator.user_id == ctx.user.id
        )
    )
    return found is not None


def _converted(raw: dict | None, config_type: type[ConfigT]) -> tuple[ConfigT, bool]:
    """A stored config as ``config_type``, and whether it decoded (the defaults when it did not)."""
    try:
        return msgspec.convert(raw or {}, config_type, strict=False), True
    except (msgspec.ValidationError, ConfigError):
        return config_type(), False


def decode_config(spec: MethodSpec | None, raw: dict | None) -> Any:
    """Stored configs decode into the method's Struct; unknown or broken values fall back to defaults."""
    if spec is None:
        return None
    value, decoded = _converted(raw, spec.config)
    if not decoded:
        log.warning("phase config for %s did not decode; using defaults", spec.key)
    return value


def phase_config(phase: Any, config_type: type[ConfigT]) -> ConfigT:
    """A phase's stored config as ``config_type`` (the defaults when it no longer decodes), decoded once per loaded
    phase: permission hooks ask for it for every item of a list. Read it, never change it (it is shared)."""
    raw = getattr(phase, "config", None)
    cached = getattr(phase, "_th_decoded_config", None)
    if cached is not None and cached[0] is raw and cached[1] is config_type:
        return cached[2]
    value, _decoded = _converted(raw, config_type)
    with contextlib.suppress(AttributeError):  # a stand-in without a __dict__ decodes every time
        phase._th_decoded_config = (raw, config_type, value)
    return value


@dataclass
class PhaseContext:
    """What a method needs to serve one phase: who asks, in which project, with which configuration."""

    ctx: RequestContext
    project: Project
    phase: Phase
    spec: MethodSpec | None
    config: Any
    moderator: bool
    # An item kind's participation rules for this phase, built once per request (``rules_for``).
    _rules: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def rules_for(self, adapter: Any) -> Any:
        """``adapter.rules(self)``, once per item kind and request: a list asks for them for each of its items."""
        found = self._rules.get(adapter.kind)
        if found is None:
            found = self._rules[adapter.kind] = adapter.rules(self)
        return found

    @property
    def session(self) -> Any:
        return self.ctx.session

    @property
    def user(self) -> User | None:
        return self.ctx.user

    @property
    def tenant(self) -> Any:
        return self.ctx.tenant

    @property
    def state(self) -> PhaseState:
        return phase_state(self.phase)

    @property
    def base_url(self) -> str:
        return self.ctx.url(f"/projects/{self.project.slug}/phases/{self.phase.id}")

    def can(self, action: str, item: Any = None) -> permissions.Verdict:
        default, needs_account = "registered", True
        action_spec = self.ctx.app.registry.actions.get(action)
        if action_spec is not None:
            default, needs_account = action_spec.default_level, action_spec.needs_account
        return permissions.check(
            self.user,
            action,
            self.phase,
            default_level=default,
            needs_account=needs_account,
            item=item,
            pm=self.ctx.app.pm,
        )

    async def attempt(self, action: str, step: str | None = None) -> None:
        """Count one attempt at ``action`` (or one ``step`` of it) against the limit its ``ActionSpec`` declares;
        raise ``RateLimited`` (429 with Retry-After, nothing written) when the person or their address is over it.

        Call it in the handler after the permission verdict and before the work (core.throttle). An undeclared
        step falls back to the action's own limit, an undeclared action to ``core.ratelimits.DEFAULT``.
        """
        from core.throttle import rate_limit

        spec = self.ctx.app.registry.actions.get(action)
        key = f"{action}:{step}" if step else action
        declared = None
        if spec is not None:
            declared = spec.limit_for(step) if step else spec.rate_limit
            if declared is None and step:
                declared = spec.rate_limit
        await rate_limit(self.ctx, key, declared)


_PHASE_STATEMENTS: dict[str, Any] = {}


def _phase_statement(visitor: str) -> Any:
    """The project of a phase, its timeline and whether the visitor moderates it, built once per kind of visitor
    ("named": a signed-in non-admin, whose moderator row is looked up; "admin"; "anonymous") with the phase and
    the person as bound values (and so run through ``prescoped``)."""
    found = _PHASE_STATEMENTS.get(visitor)
    if found is None:
        moderating = (
            select(ProjectModerator.id)
            .where(ProjectModerator.project_id == Project.id, ProjectModerator.user_id == bindparam("user_id"))
            .exists()
            .label("moderating")
            if visitor == "named"
            else literal(visitor == "admin").label("moderating")
        )
        found = _PHASE_STATEMENTS[visitor] = (
            select(Project, moderating)
            .join(Phase, Phase.project_id == Project.id)
            .where(Phase.id == bindparam("phase_id"))
            .options(joinedload(Project.phases))
        )
    return found


async def phase_context(ctx: RequestContext, phase_id: int, method: str | None = None) -> PhaseContext:
    # The project through its phase and its timeline in one statement (joined, not a second select of the
    # phases): a phase page's first query, on every phase page.
    # Whether a signed-in visitor moderates the project comes in the same statement (is_moderator's rule).
    user = ctx.user
    visitor = "anonymous" if user is None else ("admin" if user.role == "admin" else "named")
    params = {"phase_id": phase_id, **({"user_id": user.id} if visitor == "named" else {})}
    stmt = prescoped(_phase_statement(visitor), ctx.session)
    row = (await ctx.session.execute(stmt, params)).unique().one_or_none()
    project = row[0] if row is not None else None
    phase = next((p for p in project.phases if p.id == phase_id), None) if project is not None else None
    if phase is None or (method is not None and phase.method != method):
        raise NotFoundException()
    if project.status == "draft" and not can_manage(ctx.user):
        raise NotFoundException()
    spec = ctx.app.registry.method(phase.method)
    return PhaseContext(
        ctx=ctx,
        project=project,
        phase=phase,
        spec=spec,
        config=decode_config(spec, phase.config),
        moderator=bool(row[1]),
    )


def timeline(project: Project) -> list[tuple[Phase, PhaseState]]:
    return [(phase, phase_state(phase)) for phase in project.phases]


def active_phase(project: Project) -> Phase | None:
    return current_phase(list(project.phases))
