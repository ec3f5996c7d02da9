"""Scheduled work of the proposals method, exactly once by conditional updates (never by trusting the queue).

- ``proposals.expire`` (every minute, per municipality): ``UPDATE … SET state = 'expired' WHERE state =
  'collecting' AND deadline_at <= now RETURNING id``. Two runners at the same instant both issue it; on PostgreSQL
  the second waits for the first's row locks, re-reads the rows, finds them no longer collecting and changes
  nothing, so each proposal expires once, with one history entry and one notification per recipient.
- ``proposals.retention`` (hourly): N days (the phase's ``retention_days``) after a proposal closed, its signers'
  personal data is purged (user links and identity hashes dropped) while the counts stay; claimed by a conditional
  update of ``purged_at`` in the same transaction, with a report kept on the proposal for its admin page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core import DomainEvent, JobContext, JobSpec, Phase, RetentionResult, audit, lazy_gettext, utcnow
from plugins.proposals import rules
from plugins.proposals.models import Proposal, Signature, Transition
from plugins.proposals.services import notify_transition
from plugins.proposals.spec import KEY, config_of

EMAIL_EVENT = "notifications.created"


async def expire_due(session: Any, now: datetime) -> tuple[list[int], list[int]]:
    """Expire every collecting proposal whose deadline passed; returns (proposal ids, notification ids)."""
    result = await session.execute(
        update(Proposal)
        .where(Proposal.state == rules.COLLECTING, Proposal.deadline_at.is_not(None), Proposal.deadline_at <= now)
        .values(state=rules.EXPIRED, closed_at=now, updated_at=now)
        .returning(Proposal.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(result.scalars().all())
    notes: list[int] = []
    for proposal_id in ids:
        proposal = await session.get(Proposal, proposal_id, populate_existing=True)
        session.add(
            Transition(
                proposal_id=proposal_id, event="expire", from_state=rules.COLLECTING, to_state=rules.EXPIRED, at=now
            )
        )
        audit.record(session, None, f"{KEY}.expire", ("proposals_proposal", proposal_id), {}, public=True)
        notes += [row.id for row in await notify_transition(session, proposal, "expire")]
    await session.flush()
    return ids, notes


async def expire_job(job_ctx: JobContext) -> int:
    async with job_ctx.session() as session:
        ids, notes = await expire_due(session, job_ctx.scheduled_for or utcnow())
    if notes and job_ctx.tenant_id is not None:
        await job_ctx.dispatch([DomainEvent(EMAIL_EVENT, job_ctx.tenant_id, data={"ids": notes})])
    return len(ids)


async def purge_proposal(session: Any, proposal: Proposal, now: datetime) -> int | None:
    """Claim (conditional update of ``purged_at``) and purge one proposal's signer data; None if already purged.
    Returns how many signatures were anonymised; counts stay on the proposal."""
    claimed = await session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.purged_at.is_(None))
        .values(purged_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    purged = await session.execute(
        update(Signature)
        .where(Signature.proposal_id == proposal.id)
        .values(user_id=None, identity_hash=None, entered_by=None)
        .execution_options(synchronize_session=False)
    )
    report = {
        "signatures_anonymised": int(purged.rowcount or 0),
        "kept_online": proposal.online_count,
        "kept_paper": proposal.paper_count,
        "at": now.isoformat(),
    }
    await session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(retention_report=report)
        .execution_options(synchronize_session=False)
    )
    audit.record(session, None, f"{KEY}.retention", ("proposals_proposal", proposal.id), report)
    return report["signatures_anonymised"]


async def purge_due(session: Any, now: datetime) -> list[int]:
    """Purge the signer data of closed proposals whose retention period has passed; returns their ids."""
    rows = await session.execute(
        select(Proposal, Phase)
        .join(Phase, Phase.id == Proposal.phase_id)
        .where(Phase.method == KEY, Proposal.closed_at.is_not(None), Proposal.purged_at.is_(None))
    )
    done: list[int] = []
    for proposal, phase in rows.all():
        days = config_of(phase).retention_days
        if days <= 0 or proposal.closed_at + timedelta(days=days) > now:
            continue
        if await purge_proposal(session, proposal, now) is not None:
            done.append(proposal.id)
    return done


# The phase-level retention (the core's ``retention`` hook, run ``retention_days`` after the phase ended): every
# proposal of the phase loses its signers' personal data, whatever its own setting. The label is a message id.
PHASE_SIGNATURES = "Proposal signatures"
_MARKED = (lazy_gettext("Proposal signatures"),)


async def retain_phase(session: Any, phase: Phase) -> RetentionResult:
    proposals = await session.scalars(select(Proposal).where(Proposal.phase_id == phase.id))
    total = 0
    for proposal in proposals.all():
        total += await purge_proposal(session, proposal, utcnow()) or 0
    return RetentionResult(anonymised={PHASE_SIGNATURES: total})


def retention_for(phase: Phase) -> Any:
    if phase.method != KEY:
        return None
    return lambda session: retain_phase(session, phase)


async def retention_job(job_ctx: JobContext) -> int:
    async with job_ctx.session() as session:
        return len(await purge_due(session, job_ctx.scheduled_for or utcnow()))


JOBS = [
    JobSpec(f"{KEY}.expire", expire_job, every=60, description="Close proposals whose signing period ended"),
    JobSpec(f"{KEY}.retention", retention_job, cron="17 * * * *", description="Purge signer data after retention"),
]
