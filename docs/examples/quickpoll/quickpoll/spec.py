"""The manifest: a multilingual question with two to six multilingual answers, chosen per phase."""

import msgspec

from core import SUBMITTING as VOTE_LIMIT  # one vote a person: the preset for once-only acts
from core import ActionSpec, ConfigError, MethodSpec, MultiLoc, MultiLocLines, PhaseContext, PhasePanel, lazy_gettext
from quickpoll.models import my_vote, tally

KEY = "quickpoll"
VOTE = f"{KEY}.vote"


class QuickpollConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    question: MultiLoc = {}  # the admin form shows a field per language of the municipality
    answers: MultiLocLines = {}  # a line per answer, in each language

    def __post_init__(self) -> None:
        if any(not 2 <= len(lines) <= 6 for lines in self.answers.values()):
            raise ConfigError(lazy_gettext("Give two to six answers in each language."), field="answers")

    @property
    def choices(self) -> list[dict[str, str]]:  # answer by answer, each in every language it is written in
        count = max(map(len, self.answers.values()), default=0)
        return [{lang: lines[i] for lang, lines in self.answers.items() if i < len(lines)} for i in range(count)]


async def render_phase(pctx: PhaseContext) -> PhasePanel:
    mine = await my_vote(pctx.session, pctx.phase, pctx.user)
    counts = await tally(pctx.session, pctx.phase, len(pctx.config.choices))
    verdict, moderator = pctx.can(VOTE, mine is not None), pctx.moderator
    context = dict(phase=pctx.phase, config=pctx.config, mine=mine, tally=counts, verdict=verdict, moderator=moderator)
    return PhasePanel("quickpoll/panel.html", context)


SPEC = MethodSpec(
    key=KEY,
    label=lazy_gettext("Quick poll"),
    description=lazy_gettext("One question, a few answers, one vote per resident."),
    config=QuickpollConfig,
    render_phase=render_phase,
    actions=(ActionSpec(VOTE, lazy_gettext("Cast my vote"), "registered", rate_limit=VOTE_LIMIT),),
    config_labels={"question": lazy_gettext("Poll question"), "answers": lazy_gettext("Answers (two to six)")},
)
