"""Weighted shares on the survey's staff results page: next to the raw shares, labelled as an estimate, only when the
raking can run; never for an anonymous survey; never for residents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import ProfileAnswer, ProfileQuestion
from plugins.survey.models import SurveyParticipant, SurveyQuestion, SurveyResponse

LABEL = "Weighted estimate (for analysis; not an official result)"


async def survey_with_responses(factory: Any, tenant: Any, *, config: dict | None = None, reference: bool = True):
    """8 women answer "yes", 2 men "no" (population: half and half), plus one paper response "no"."""
    project = await factory.project(tenant)
    config = {"results_public": True} if config is None else config
    phase = await factory.phase(project, "survey", state="ended", config=config)
    women = [(await factory.user(tenant)).id for _ in range(8)]
    men = [(await factory.user(tenant)).id for _ in range(2)]
    anonymous = bool(config.get("anonymous"))
    async with factory.db.session(tenant.id, write=True) as session:
        gender = ProfileQuestion(
            kind="gender", label={"en": "Gender"}, reference={"woman": 0.5, "man": 0.5} if reference else None
        )
        lives = SurveyQuestion(phase_id=phase.id, position=1, page=1, kind="single", text={"en": "Do you live here?"},
                               options=[["yes", {"en": "Yes"}], ["no", {"en": "No"}]])  # fmt: skip
        session.add_all([gender, lives])
        await session.flush()
        key = str(lives.id)
        for i, (uid, answer) in enumerate([(u, "yes") for u in women] + [(u, "no") for u in men]):
            session.add(ProfileAnswer(user_id=uid, question_id=gender.id, value="woman" if answer == "yes" else "man"))
            session.add(SurveyParticipant(phase_id=phase.id, who=f"u:{uid}"))
            session.add(SurveyResponse(phase_id=phase.id, user_id=None if anonymous else uid,
                                       submission_key=f"k{i}" * 8, answers={key: answer}))  # fmt: skip
        session.add(SurveyResponse(phase_id=phase.id, user_id=None, submission_key="paper" * 4, source="paper",
                                   answers={key: "no"}))  # fmt: skip
    return phase


async def test_admin_sees_weighted_shares_next_to_the_raw_ones(client, factory, tenant) -> None:
    phase = await survey_with_responses(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/p/{phase.id}/survey/results")
    assert page.status_code == 200
    text = page.text
    assert LABEL in text and "Weighted share (estimate)" in text
    assert "72.7 %" in text, "the raw share of yes: 8 of 11"
    # women weigh 0.5 * 10 / 8 = 0.625, men 2.5: yes is 8 * 0.625 / 10 = 50 %; Kish: 100 / (8 * 0.625² + 2 * 2.5²)
    assert "<td>50%</td>" in text and "effective sample size 6.4 of 10 weighted respondents" in text
    assert "<bdi>Gender</bdi>" in text, "the question weighted on is named"
    assert "1 respondent without a weight is left out." in text, "the paper response has no person"
    assert "capped at 5 times the average" in text


async def test_no_weighted_column_without_a_reference_population(client, factory, tenant) -> None:
    phase = await survey_with_responses(factory, tenant, reference=False)
    await factory.login(client, await factory.user(tenant, role="admin"))
    text = (await client.get(f"/p/{phase.id}/survey/results")).text
    assert "72.7 %" in text and "Weighted share (estimate)" not in text and "<td>50%</td>" not in text
    assert "No weighted estimate: no profile question has reference shares of the population." in text


async def test_residents_never_see_weights_and_are_refused_as_before(client, factory, tenant) -> None:
    public = await survey_with_responses(factory, tenant)
    private = await survey_with_responses(factory, tenant, config={})
    await factory.login(client, await factory.user(tenant))
    seen = await client.get(f"/p/{public.id}/survey/results")
    assert seen.status_code == 200 and "72.7 %" in seen.text
    assert LABEL not in seen.text and "Weighted share" not in seen.text
    assert (await client.get(f"/p/{private.id}/survey/results")).status_code == 403


async def test_an_anonymous_survey_says_it_is_not_weighted(client, factory, tenant) -> None:
    phase = await survey_with_responses(factory, tenant, config={"anonymous": True, "results_public": True})
    await factory.login(client, await factory.user(tenant, role="admin"))
    text = (await client.get(f"/p/{phase.id}/survey/results")).text
    assert LABEL in text and "This survey is anonymous" in text and "cannot be weighted" in text
    assert "Weighted share (estimate)" not in text and "<td>50%</td>" not in text
    async with factory.db.session(tenant.id) as session:
        linked = await session.scalars(select(SurveyResponse.user_id).where(SurveyResponse.phase_id == phase.id))
        assert set(linked.all()) == {None}, "the page links no response to anyone"
