"""The weights API for methods' results: each person's raking weight for a phase, with the label it needs, and raw
against weighted counts from (user, category) rows."""

from __future__ import annotations

from typing import Any

import pytest

from core import PersonWeights, person_weights, weighted_tally
from core.demographics.service import WEIGHT_CAP
from core.demographics.weights import NO_CONVERGENCE, NO_REFERENCE, TOO_FEW
from core.models import Comment, ProfileAnswer, ProfileQuestion

GENDER = {"woman": 0.5, "man": 0.5}
CHOICE = {"a": 0.4, "b": 0.6}


async def setup(factory: Any, tenant: Any, cells: dict[tuple[str, str | None], int], *, reference: bool = True):
    """A phase whose participants (commenters) answered gender and a choice question as ``cells`` says, plus one
    participant who answered nothing and one person who answered but did not take part."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    people: dict[tuple[str, str | None], list[int]] = {}
    for cell, n in cells.items():
        people[cell] = [(await factory.user(tenant)).id for _ in range(n)]
    silent = (await factory.user(tenant)).id
    outsider = (await factory.user(tenant)).id
    async with factory.db.session(tenant.id, write=True) as session:
        gender = ProfileQuestion(kind="gender", label={"en": "Gender"}, reference=GENDER if reference else None)
        choice = ProfileQuestion(
            kind="choice",
            label={"en": "Housing"},
            options=[{"key": "a", "label": {"en": "Rent"}}, {"key": "b", "label": {"en": "Own"}}],
            reference=CHOICE if reference else None,
        )
        session.add_all([gender, choice])
        await session.flush()
        for (g, c), ids in people.items():
            for uid in ids:
                session.add(ProfileAnswer(user_id=uid, question_id=gender.id, value=g))
                if c is not None:
                    session.add(ProfileAnswer(user_id=uid, question_id=choice.id, value=c))
                session.add(Comment(item_kind="ideation.idea", item_id=1, phase_id=phase.id, author_id=uid))
        session.add(Comment(item_kind="ideation.idea", item_id=1, phase_id=phase.id, author_id=silent))
        session.add(ProfileAnswer(user_id=outsider, question_id=gender.id, value="man"))
    return phase, people, silent, outsider


async def weights_for(factory: Any, tenant: Any, app: Any, phase: Any, ids: list[int | None]) -> PersonWeights:
    async with factory.db.session(tenant.id) as session:
        return await person_weights(session, factory.app.pm, ids, phase=phase)


async def test_textbook_raking_gives_each_person_their_weight(app, factory, tenant) -> None:
    """Seed [[4, 1], [2, 3]] (odds ratio 6), margins (0.5, 0.5) and (0.4, 0.6): the only table with both margins and
    that odds ratio is [[0.3, 0.2], [0.1, 0.4]], so a person's weight is cell share * 10 / cell size."""
    cells = {("woman", "a"): 4, ("woman", "b"): 1, ("man", "a"): 2, ("man", "b"): 3}
    phase, people, silent, outsider = await setup(factory, tenant, cells)
    everyone = [u for ids in people.values() for u in ids]
    out = await weights_for(factory, tenant, app, phase, [*everyone, silent, outsider, None])
    assert out.available and out.reason is None and out.message == ""
    expected = {("woman", "a"): 0.75, ("woman", "b"): 2.0, ("man", "a"): 0.5, ("man", "b"): 4 / 3}
    for cell, ids in people.items():
        for uid in ids:
            assert out.weights[uid] == pytest.approx(expected[cell], abs=1e-5), cell
    assert [q.label["en"] for q in out.questions] == ["Gender", "Housing"]
    assert out.cap == WEIGHT_CAP and out.raked == 10
    assert out.unweighted == 3, "no answers, not a participant, no person: all left out"
    assert silent not in out.weights and outsider not in out.weights and out.weight(None) is None
    w = [expected[c] for c, ids in people.items() for _ in ids]
    assert out.effective_size == pytest.approx(sum(w) ** 2 / sum(x * x for x in w), abs=1e-4)
    assert out.effective_size < 10


async def test_the_cap_holds_and_beyond_it_there_is_no_estimate(app, factory, tenant) -> None:
    phase, people, _s, _o = await setup(factory, tenant, {("woman", None): 9, ("man", None): 1})
    ids = [u for v in people.values() for u in v]
    out = await weights_for(factory, tenant, app, phase, ids)
    assert out.available
    assert out.weights[people[("man", None)][0]] == pytest.approx(WEIGHT_CAP), "0.5 * 10 / 1: exactly the cap"
    assert max(out.weights.values()) <= WEIGHT_CAP + 1e-9

    phase, people, _s, _o = await setup(factory, tenant, {("woman", "a"): 10, ("man", "b"): 1})
    out = await weights_for(factory, tenant, app, phase, [u for v in people.values() for u in v])
    assert not out.available and out.reason == NO_CONVERGENCE and out.weights == {}
    assert "within the cap" in out.message and out.unweighted == 11


async def test_not_enough_data(app, factory, tenant) -> None:
    phase, people, _s, _o = await setup(factory, tenant, {("woman", "a"): 2, ("man", "b"): 2})
    out = await weights_for(factory, tenant, app, phase, people[("woman", "a")])
    assert not out.available and out.reason == TOO_FEW and out.raked == 4 and out.unweighted == 2
    assert "too few participants" in out.message


async def test_no_reference_population_no_weights(app, factory, tenant) -> None:
    phase, people, _s, _o = await setup(factory, tenant, {("woman", "a"): 5, ("man", "b"): 5}, reference=False)
    out = await weights_for(factory, tenant, app, phase, people[("woman", "a")])
    assert not out.available and out.reason == NO_REFERENCE and out.questions == ()
    assert "reference shares" in out.message
    with pytest.raises(ValueError):
        async with factory.db.session(tenant.id) as session:
            await person_weights(session, None, [1])


def _weights(weights: dict[int, float]) -> PersonWeights:
    return PersonWeights(True, None, weights, 0, (), WEIGHT_CAP, len(weights), 0.0)


def test_tally_counts_raw_and_weighted_shares_of_people() -> None:
    weights = _weights({1: 2.0, 2: 1.0, 3: 1.0})
    rows = [(1, "x"), (1, "x"), (1, "y"), (2, "y"), (3, "x"), (4, "x"), (None, "z"), (None, "x")]
    out = weighted_tally(rows, weights, order=["y", "x", "w"])
    assert [f.key for f in out.figures] == ["y", "x", "w", "z"]
    x, y, w, z = out.get("x"), out.get("y"), out.get("w"), out.get("z")
    assert out.people == 6 and out.weighted_people == 3 and out.left_out == 3  # person 4 and two rows with nobody
    assert (x.count, y.count, w.count, z.count) == (4, 2, 0, 1), "person 1 counts once for x"
    assert x.share == pytest.approx(4 / 6) and w.share == 0.0
    assert x.weighted_count == pytest.approx(3.0) and x.weighted_share == pytest.approx(3 / 4)
    assert y.weighted_share == pytest.approx(3 / 4) and z.weighted_share == 0.0
    assert out.effective_size == pytest.approx(16 / 6) and out.available


def test_tally_without_weights_has_raw_figures_only() -> None:
    off = PersonWeights(False, TOO_FEW, {}, 2, (), WEIGHT_CAP, 3, 0.0)
    out = weighted_tally([(1, "x"), (2, "y")], off)
    assert not out.available and out.effective_size is None and out.left_out == 2
    assert [(f.count, f.share, f.weighted_share) for f in out.figures] == [(1, 0.5, None), (1, 0.5, None)]
    assert weighted_tally([], _weights({})).people == 0
