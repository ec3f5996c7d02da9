"""What the hook implementations delegate to: results export, counting at close, retention, the demo seed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from core import JobContext, JobSpec, Phase, RetentionResult, lazy_gettext, phase_config, phase_state, utcnow

from . import services
from .controllers import results_rows
from .models import Question, RollEntry
from .spec import ReferendumConfig

ROLL = "Electoral roll entries"
REPORT_LABELS = (lazy_gettext("Electoral roll entries"),)


def _config(phase: Phase) -> ReferendumConfig:
    """The phase's stored rules; a config that no longer decodes counts with the defaults, as the pages do."""
    return phase_config(phase, ReferendumConfig)


async def export_results(session: Any, phase: Phase) -> tuple[list[str], list[list[Any]]]:
    """Per-question counts, only once counted (the embargo holds for staff exports too); never ballots."""
    header = ["question", "answer", "votes"]
    box = await services.box_of(session, phase)
    if box is None or box.results is None:
        return header, []
    qs = await services.questions(session, phase)
    return header, results_rows(qs, box.results, "en")


async def close_phase(app: Any, tenant_id: int, phase_id: int) -> None:
    async with app.db.session(tenant_id, write=True) as session:
        phase = await session.get(Phase, phase_id)
        if phase is not None and phase.method == "referendum":
            await services.close(session, phase, _config(phase))


MIX_EVERY = 300  # seconds between mixes of an open referendum's box (the close always mixes once more)


async def mix_open(job_ctx: JobContext) -> int:
    """``referendum.mix``: every open referendum of the municipality gets its ballot box and roll marks rewritten
    in a random order (services.mix), each in its own transaction. Returns how many ballots were mixed."""
    async with job_ctx.session(write=False) as session:
        found = await session.scalars(select(Phase.id).where(Phase.method == "referendum"))
        phase_ids = list(found.all())
    mixed = 0
    for phase_id in phase_ids:
        async with job_ctx.session() as session:
            phase = await session.get(Phase, phase_id)
            if phase is None or phase_state(phase) != "active":
                continue
            box = await services.box_of(session, phase)
            if box is not None and box.head is None:
                mixed += await services.mix(session, phase)
    return mixed


JOBS = [JobSpec("referendum.mix", mix_open, every=MIX_EVERY, description="mix open ballot boxes (ballot secrecy)")]


async def retain(session: Any, phase: Phase) -> RetentionResult:
    """After the retention period the roll no longer names anyone; marks stay so the turnout stands."""
    result = await session.execute(
        update(RollEntry)
        .where(RollEntry.phase_id == phase.id, RollEntry.user_id.is_not(None))
        .values(user_id=None, name="")
        .execution_options(synchronize_session=False)
    )
    return RetentionResult(anonymised={ROLL: result.rowcount})


DEMO_QUESTIONS = [
    {
        "kind": "yesno",
        "title": {
            "en": "Should the old harbour become a car-free park?",
            "nl": "Moet de oude haven een autovrij park worden?",
            "fr": "Le vieux port doit-il devenir un parc sans voitures ?",
            "de": "Soll der alte Hafen ein autofreier Park werden?",
            "nb": "Skal den gamle havna bli en bilfri park?",
            "ar": "هل يجب أن يصبح الميناء القديم حديقة خالية من السيارات؟",
        },
        "background": {"en": "The council proposes to close the harbour road. [Plan](https://example.org/plan)."},
    },
    {
        "kind": "ranked",
        "title": {"en": "Which name should the new park carry?", "nl": "Welke naam krijgt het nieuwe park?"},
        "choices": [{"en": "Harbour Park"}, {"en": "Fishermen's Green"}, {"en": "Lighthouse Garden"}],
    },
]


async def _questions(session: Any, phase: Phase) -> None:
    for position, q in enumerate(DEMO_QUESTIONS):
        session.add(
            Question(
                phase_id=phase.id,
                position=position,
                kind=q["kind"],
                title=q["title"],
                background=q.get("background", {}),
                choices=q.get("choices", []),
            )
        )
    await session.flush()


async def _votes(session: Any, phase: Phase, config: ReferendumConfig, share: int) -> None:
    box = await services.ensure_roll(session, phase, config)
    if box is None:
        return
    qs = await services.questions(session, phase)
    entries = (await session.scalars(select(RollEntry).where(RollEntry.phase_id == phase.id))).all()
    for i, entry in enumerate(entries[: max(1, len(entries) * share // 100)]):
        choices = {str(q.id): ("yes" if i % 3 else "no") if q.kind == "yesno" else [i % 3, (i + 1) % 3] for q in qs}
        await services.cast_online(session, phase, entry.id, services.new_receipt(), choices)


async def seed(session: Any, phase: Phase) -> None:
    """The demo: the referendum's own phase is open with a few votes; a closed one before it shows results."""
    if phase.method != "referendum":
        return
    if await session.scalar(select(Question.id).where(Question.phase_id == phase.id).limit(1)) is not None:
        return
    config = _config(phase)
    await _questions(session, phase)
    if phase_state(phase) != "active":
        return
    await _votes(session, phase, config, 50)
    siblings = await session.scalars(select(Phase.id).where(Phase.project_id == phase.project_id))
    if len(siblings.all()) != 1:
        return
    closed = Phase(
        project_id=phase.project_id,
        title={"en": "Referendum on the harbour (closed)", "nl": "Referendum over de haven (gesloten)"},
        description={},
        method="referendum",
        config={"participation_quorum": 30, "binding": True},
        permissions={},
        starts_at=phase.starts_at - timedelta(days=30),
        ends_at=phase.starts_at - timedelta(days=1),
    )
    session.add(closed)
    await session.flush()
    await _questions(session, closed)
    closed_config = _config(closed)
    # vote as if the phase were open: the roll is taken and ballots cast, then it is counted as at its close
    closed.ends_at = utcnow() + timedelta(days=1)
    await _votes(session, closed, closed_config, 80)
    closed.ends_at = phase.starts_at - timedelta(days=1)
    await session.flush()
    await services.close(session, closed, closed_config)


async def turnout_stat(session: Any, phase: Phase) -> dict[str, int]:
    """Counts only (never choices, which stay embargoed until the count): the roll, who voted, through which channel."""
    rows = await session.execute(
        select(RollEntry.channel, func.count()).where(RollEntry.phase_id == phase.id).group_by(RollEntry.channel)
    )
    by_channel = {channel or "none": int(n) for channel, n in rows.all()}
    return {
        "roll_size": sum(by_channel.values()),
        "turnout": by_channel.get("online", 0) + by_channel.get("paper", 0),
        "online": by_channel.get("online", 0),
        "paper": by_channel.get("paper", 0),
    }
