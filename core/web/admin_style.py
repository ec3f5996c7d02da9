"""The living style page (``/admin/style``): every component of the core's design system, rendered by the same
templates and macros the pages use, with the HTML to copy. Plugin authors and municipalities restyling their theme
look here instead of reading the stylesheet (docs/design_system.md)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Annotated, Literal

import msgspec
from litestar import Request, Response, get

from core.config_forms import ConfigField, config_fields, shown_when
from core.context import Ctx
from core.db.base import utcnow
from core.i18n import gettext as _
from core.phases import phase_state
from core.projects import active_phase
from core.web.admin_common import tenant_row
from core.web.forms import FormErrors
from core.web.render import render


def _sample_project() -> SimpleNamespace:
    """A project of three phases (ended, open, upcoming) built in memory: nothing is stored or shown publicly."""
    now = utcnow()
    spans = [(-30, -2), (-2, 12), (12, 40)]
    methods = ["ideation", "budgeting", "referendum"]
    titles = [{"en": "Collect ideas"}, {"en": "Vote on the budget"}, {"en": "Decide"}]
    phases = [
        SimpleNamespace(
            id=-(i + 1),
            title=titles[i],
            method=methods[i],
            starts_at=now + timedelta(days=start),
            ends_at=now + timedelta(days=end),
        )
        for i, (start, end) in enumerate(spans)
    ]
    return SimpleNamespace(
        id=0,
        slug="style",
        title={"en": "A greener riverside", "en-x-easy": "More trees by the river"},
        description={"en": "From ideas to a budget vote: help plan the new riverside park."},
        status="published",
        image_path=None,
        phases=phases,
    )


class _SampleBallot(msgspec.Struct, kw_only=True):
    """A method's settings in miniature: one field applies to one choice of the select above it (shown_when)."""

    kind: Literal["single", "several"] = "several"
    most: Annotated[int, msgspec.Meta(ge=0), shown_when("kind", "several")] = 3


def _sample_settings() -> list[ConfigField]:
    """The sample settings as the phase form draws them, so the wrapper and its "Applies to" hint can be copied."""
    labels = {
        "kind": _("Ballot"),
        "kind:single": _("One option"),
        "kind:several": _("Several options"),
        "most": _("Most options a ballot may choose"),
    }
    return config_fields(_SampleBallot, labels=labels, hints={"most": _("0 means no limit.")}, prefix="sample")


@get("/style")
async def style_page(request: Request, ctx: Ctx) -> Response[str]:
    tenant = await tenant_row(ctx)
    project = _sample_project()
    registry = ctx.app.registry
    cards = [
        SimpleNamespace(phase=ph, state=phase_state(ph).value, spec=registry.method(ph.method), extra={})
        for ph in project.phases
    ]
    errors = FormErrors()
    errors.add("sample_title", _("Fill this in, at least in the main language."))
    return render(
        request,
        "admin/style.html",
        project=project,
        cards=cards,
        phase=project.phases[1],
        active_phase=active_phase,
        method_spec=registry.method,
        errors=errors,
        sample_settings=_sample_settings(),
        locales=list(tenant.locales),
        default_locale=tenant.default_locale,
    )


routes = [style_page]
