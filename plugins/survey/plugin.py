"""The survey method's hook implementations: only ``@hookimpl`` functions, delegating to the modules next to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import (
    ExportSpec,
    MethodSpec,
    StatSpec,
    TranslationDomain,
    hookimpl,
    lazy_gettext,
    plugin_lineage,
    requires_rows,
)

from . import models  # registers the survey_* tables before plugin_lineage
from .spec import CHANGE_LABELS, CONFIG_LABELS, KEY, RESPOND_ACTION, SurveyConfig

HERE = Path(__file__).resolve().parent


def _spec() -> MethodSpec:
    from . import controllers, services

    return MethodSpec(
        key=KEY,
        label=lazy_gettext("Survey"),
        description=lazy_gettext("A questionnaire with pages and conditional questions; results as charts."),
        config=SurveyConfig,
        render_phase=controllers.render_phase,
        icon="?",
        actions=(RESPOND_ACTION,),
        config_labels=CONFIG_LABELS,
        config_locked=services.config_locked,
        change_labels=CHANGE_LABELS,
        change_detail_template="survey/_change.html",
        manage_path="/p/{phase_id}/survey/manage",
        setup_missing=requires_rows(models.SurveyQuestion, lazy_gettext("Add the questions residents answer.")),
    )


@hookimpl
def register_methods() -> list[Any]:
    return [_spec()]


@hookimpl
def register_routes() -> list[Any]:
    from .controllers import router

    return [router]


@hookimpl
def register_concurrency_cases() -> list[Any]:
    """One response per person, however many identical submits race (and one per submission key)."""
    from .concurrency import CASES

    return CASES


@hookimpl
def phase_results(phase: Any) -> Any:
    if phase.method != KEY:
        return None
    from .hooks import results_for_phase

    return lambda session: results_for_phase(session, phase)


@hookimpl
def public_api(phase: Any) -> Any:
    """Questions and, once public, aggregate results for the JSON API (plugins/survey/api.py)."""
    if phase.method != KEY:
        return None
    from core import decode_config

    from .api import public_survey

    return lambda session, query: public_survey(session, phase, decode_config(_spec(), phase.config), query)


@hookimpl
def register_exports() -> list[Any]:
    from .hooks import export_rows

    return [ExportSpec("survey.responses", KEY, lazy_gettext("Survey responses"), export_rows)]


@hookimpl
def register_stats() -> list[Any]:
    from .hooks import response_count

    return [StatSpec("survey.responses", KEY, lazy_gettext("Responses"), response_count)]


@hookimpl
def user_data(user: Any) -> Any:
    from .hooks import user_responses

    return lambda session: user_responses(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    from .hooks import forget

    return lambda session: forget(session, user)


@hookimpl
def retention(phase: Any) -> Any:
    if phase.method != KEY:
        return None
    from .hooks import retain

    return lambda session: retain(session, phase)


@hookimpl
def seed_demo(tenant: Any, project: Any) -> Any:
    from .demo import seed

    return seed


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage(KEY, HERE / "migrations")]


@hookimpl
def register_translations() -> list[Any]:
    return [TranslationDomain(KEY, HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[Any]:
    return [(KEY, HERE / "templates" / "survey")]


@hookimpl
def register_static() -> list[Any]:
    return [(KEY, HERE / "static")]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """``item`` is whether this person (or browser) already responded in a one-response phase. Called for every
    action of every method's phase (each item of a list): other phases leave before the imports."""
    if item is not True or phase.method != KEY:
        return None
    from core import denied

    from .spec import RESPOND

    return denied("already_done") if action == RESPOND else None


@hookimpl
def register_jobs() -> list[Any]:
    from .hooks import JOBS

    return list(JOBS)


@hookimpl
def register_imports() -> list[Any]:
    from .imports import PAPER

    return [PAPER]


@hookimpl
def on_event(event: Any) -> Any:
    """``survey.copy``: mail the resident a copy of their answers, after the asking request committed;
    ``phase.closed``: mix an anonymous survey's responses once more (hooks.mix_phase)."""
    if event.name == "phase.closed" and event.data.get("method") == "survey":
        from .hooks import mix_phase

        return lambda app: mix_phase(app, event.tenant_id, event.data["phase_id"])
    if event.name != "survey.copy" or event.actor_id is None:
        return None
    from .mailcopy import send_copy

    return lambda app: send_copy(app, event.tenant_id, event.data["phase_id"], event.actor_id)


@hookimpl
def participants(phase: Any) -> Any:
    """Signed-in residents who responded (for representativeness and weighted results): the one-per-person rows
    ``u:<user id>``, and in a named phase the responses' accounts (a phase allowing several responses keeps no
    one-per-person row).

    Only who took part, never what they answered, so anonymous phases count too (their responses hold no account);
    paper and browser-token responses have no account and no profile to compare."""
    if getattr(phase, "method", None) != KEY:
        return None
    from sqlalchemy import BigInteger, cast, func, select

    from .models import SurveyParticipant, SurveyResponse

    return [
        select(cast(func.substr(SurveyParticipant.who, 3), BigInteger)).where(
            SurveyParticipant.phase_id == phase.id, SurveyParticipant.who.like("u:%")
        ),
        select(SurveyResponse.user_id).where(SurveyResponse.phase_id == phase.id, SurveyResponse.user_id.is_not(None)),
    ]
