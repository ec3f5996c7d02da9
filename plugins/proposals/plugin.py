"""The proposals plugin's hook implementations: only wiring; the work lives in services, jobs and controllers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import ExportSpec, StatSpec, TranslationDomain, denied, hookimpl, lazy_gettext, plugin_lineage
from plugins.proposals import demo, jobs, models, services  # noqa: F401 - models register the tables first
from plugins.proposals.spec import KEY, SIGN, SPEC

HERE = Path(__file__).resolve().parent


@hookimpl
def register_methods() -> list[Any]:
    return [SPEC]


@hookimpl
def register_routes() -> list[Any]:
    from plugins.proposals.controllers import ProposalsController

    return [ProposalsController]


@hookimpl
def register_item_kinds() -> list[Any]:
    from plugins.proposals.items import PROPOSAL_ITEM

    return [PROPOSAL_ITEM]


@hookimpl
def permission_verdict(user: Any, action: str, phase: Any, item: Any) -> Any:
    """``item`` is whether this visitor already signed: hooks are synchronous, the handler asks the database."""
    if getattr(phase, "method", None) == KEY and action == SIGN and item is True:
        return denied("already_done")
    return None


@hookimpl
def register_concurrency_cases() -> list[Any]:
    """One signature, co-sponsorship, follow and report per person, under any concurrency."""
    from plugins.proposals.concurrency import CASES

    return list(CASES)


@hookimpl
def register_jobs() -> list[Any]:
    return list(jobs.JOBS)


@hookimpl
def retention(phase: Any) -> Any:
    return jobs.retention_for(phase)


@hookimpl
def phase_outputs(phase: Any) -> Any:
    if getattr(phase, "method", None) != KEY:
        return None
    return lambda session: services.phase_outputs(session, phase)


@hookimpl
def public_api(phase: Any) -> Any:
    """Public proposals with counts for the JSON API (plugins/proposals/api.py)."""
    if getattr(phase, "method", None) != KEY:
        return None
    from .api import public_proposals

    return lambda session, query: public_proposals(session, phase, query)


@hookimpl
def participants(phase: Any) -> Any:
    """Authors and online signatories of the phase's proposals."""
    if getattr(phase, "method", None) != KEY:
        return None
    from sqlalchemy import select

    from .models import Proposal, Signature

    mine = select(Proposal.id).where(Proposal.phase_id == phase.id)
    return [
        select(Proposal.author_id).where(Proposal.phase_id == phase.id, Proposal.author_id.is_not(None)),
        select(Signature.user_id).where(Signature.proposal_id.in_(mine), Signature.user_id.is_not(None)),
    ]


@hookimpl
def register_exports() -> list[Any]:
    return [ExportSpec("proposals", KEY, lazy_gettext("Proposals with signature counts"), services.export_rows)]


@hookimpl
def register_stats() -> list[Any]:
    return [StatSpec("totals", KEY, lazy_gettext("Proposals and signatures"), services.stats)]


@hookimpl
def register_imports() -> list[Any]:
    from plugins.proposals.imports import PAPER

    return [PAPER]


@hookimpl
def user_data(user: Any) -> Any:
    return lambda session: services.user_data(session, user)


@hookimpl
def forget_user(user: Any) -> Any:
    return lambda session: services.forget_user(session, user)


@hookimpl
def seed_demo(tenant: Any, project: Any) -> Any:
    return lambda session, phase: demo.seed(session, phase) if phase.method == KEY else None


@hookimpl
def register_migrations() -> list[Any]:
    return [plugin_lineage(KEY, HERE / "migrations")]


@hookimpl
def register_translations() -> list[Any]:
    return [TranslationDomain(KEY, HERE / "locale", (HERE,))]


@hookimpl
def register_templates() -> list[Any]:
    return [(KEY, HERE / "templates")]
