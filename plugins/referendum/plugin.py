"""The referendum as a Townhall method: only hook implementations live here, each delegating to its module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import (
    ExportSpec,
    MethodSpec,
    StatSpec,
    TranslationDomain,
    denied,
    hookimpl,
    lazy_gettext,
    plugin_lineage,
    requires_rows,
)

from . import models  # noqa: F401 - registers the referendum_* tables before plugin_lineage

HERE = Path(__file__).resolve().parent


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage("referendum", HERE / "migrations")]


@hookimpl
def register_translations() -> list[Any]:
    return [TranslationDomain("referendum", HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[Any]:
    return [("referendum", HERE / "templates")]


def _spec() -> MethodSpec:
    from .controllers import render_phase
    from .models import Question
    from .spec import CHANGE_LABELS, CONFIG_LABELS, KEY, VOTE, ReferendumConfig

    return MethodSpec(
        key=KEY,
        label=lazy_gettext("Referendum"),
        description=lazy_gettext(
            "A secret, verifiable vote on one or more questions, with an electoral roll and quorum rules."
        ),
        config=ReferendumConfig,
        render_phase=render_phase,
        icon="☑",
        actions=(VOTE,),
        config_labels=CONFIG_LABELS,
        config_locked=config_locked,
        dates_locked=True,  # a vote's dates are part of its rules: frozen with them
        change_labels=CHANGE_LABELS,
        manage_path="/p/{phase_id}/referendum/manage",
        setup_missing=requires_rows(Question, lazy_gettext("Add the question residents vote on.")),
    )


async def config_locked(session: Any, phase: Any) -> Any:
    """Questions, roll rules and quorums freeze when voting opens: the roll is snapshotted then."""
    from . import services
    from .controllers import frozen_reason

    if services.frozen(phase, await services.box_of(session, phase)):
        return frozen_reason()
    return None


@hookimpl
def register_methods() -> list[Any]:
    return [_spec()]


@hookimpl
def register_routes() -> list[Any]:
    from .controllers import ReferendumController

    return [ReferendumController]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """``item`` says whether this person's roll entry is already marked (online or on paper)."""
    if phase.method == "referendum" and action == "referendum.vote" and isinstance(item, dict) and item.get("voted"):
        return denied("already_done")
    return None


@hookimpl
def register_concurrency_cases() -> list[Any]:
    from .concurrency import CASES

    return CASES


@hookimpl
def register_jobs() -> list[Any]:
    from .hooks import JOBS

    return list(JOBS)


@hookimpl
def register_imports() -> list[Any]:
    from .imports import REGISTER

    return [REGISTER]


@hookimpl
def public_api(phase: Any) -> Any:
    """Questions, the roll's size and (after the count) results for the JSON API (plugins/referendum/api.py)."""
    if phase.method != "referendum":
        return None
    from core import decode_config

    from .api import public_referendum

    return lambda session, query: public_referendum(session, phase, decode_config(_spec(), phase.config), query)


@hookimpl
def register_exports() -> list[Any]:
    from .hooks import export_results

    return [ExportSpec("results", "referendum", lazy_gettext("Referendum results"), export_results)]


@hookimpl
def on_event(event: Any) -> Any:
    """Count once when the core announces the close (``phase.closed``); pages count lazily if this was missed."""
    if event.name != "phase.closed" or event.data.get("method") != "referendum":
        return None
    from .hooks import close_phase

    return lambda app: close_phase(app, event.tenant_id, event.data["phase_id"])


@hookimpl
def user_data(user: Any) -> Any:
    from . import services

    async def collect(session: Any) -> dict[str, Any]:
        return {"referendum_votes": await services.user_rows(session, user)}

    return collect


@hookimpl
def forget_user(user: Any) -> Any:
    from . import services

    return lambda session: services.forget(session, user)


@hookimpl
def retention(phase: Any) -> Any:
    if phase.method != "referendum":
        return None
    from .hooks import retain

    return lambda session: retain(session, phase)


@hookimpl
def seed_demo(tenant: Any, project: Any) -> Any:
    from .hooks import seed

    return seed


@hookimpl
def register_commands() -> list[Any]:
    from .cli import referendum_cli

    return [referendum_cli]


@hookimpl
def register_stats() -> list[Any]:
    from .hooks import turnout_stat

    return [StatSpec("turnout", "referendum", lazy_gettext("Roll size, turnout and channels"), turnout_stat)]


@hookimpl
def participants(phase: Any) -> Any:
    """Residents on the roll who voted (for representativeness: turnout by group, never how anyone voted)."""
    if getattr(phase, "method", None) != "referendum":
        return None
    from sqlalchemy import select

    from .models import RollEntry

    return select(RollEntry.user_id).where(
        RollEntry.phase_id == phase.id, RollEntry.voted.is_(True), RollEntry.user_id.is_not(None)
    )
