"""Agreement with pabutools 1.2.3 (used only here, as an independent oracle) on the shared real elections.

pabutools parses the files itself, so parser and counting are both cross-checked. Our default
tie-breaking (lower cost, more votes, natural id) is handed to pabutools as a TieBreakingRule so
that any tie is resolved identically. Runs that take pabutools more than ~20 s are marked slow.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pabutools = pytest.importorskip("pabutools")

from pabutools.election import AdditiveSatisfaction, Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.election.ballot import AbstractOrdinalBallot  # noqa: E402
from pabutools.election.profile import AbstractApprovalProfile  # noqa: E402
from pabutools.fractions import frac  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares  # noqa: E402
from pabutools.rules.budgetallocation import BudgetAllocation  # noqa: E402
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme  # noqa: E402
from pabutools.tiebreaking import TieBreakingRule  # noqa: E402

from plugins.budgeting.rules import compile_profile, compute, parse_pb  # noqa: E402
from plugins.budgeting.rules.tiebreak import natural_key  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("TOWNHALL_SHARED", REPO.parent / "shared")) / "data" / "pabulib"


def _path(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path}: shared pabulib data not present")
    return path


def _points(ballot, project, top: int):
    """Utility of ``project`` on a pabutools ballot, with our conventions (approval 1, points, Borda on top).

    Values stay in pabutools' own number type (gmpy2 mpq when installed) so they mix with its costs.
    """
    if isinstance(ballot, AbstractOrdinalBallot):  # checked first: OrdinalBallot is a dict subclass
        return frac(max(top, len(ballot)) - ballot.position(project)) if project in ballot else frac(0)
    if isinstance(ballot, dict):
        return ballot.get(project, frac(0))
    return frac(int(project in ballot))


def _sat_classes(top: int) -> tuple[type, type]:
    class PointsSat(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot):
            super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: _points(b, proj, top))

    class PointsCostSat(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot):
            super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: _points(b, proj, top) * proj.cost)

    return PointsSat, PointsCostSat


class Oracle:
    def __init__(self, name: str) -> None:
        path = _path(name)
        self.ours = parse_pb(path)
        self.profile = compile_profile(self.ours)
        self.instance, self.pb_profile = parse_pabulib(str(path))
        votes = dict(zip(self.profile.project_ids, self.profile.votes, strict=True))
        self.tie = TieBreakingRule(lambda inst, prof, proj: (proj.cost, -votes[proj.name], natural_key(proj.name)))
        top = int(self.ours.meta.get("max_length", "0") or 0)
        self.points_sat, self.points_cost_sat = _sat_classes(top)
        self.approval = isinstance(self.pb_profile, AbstractApprovalProfile)

    @property
    def mes_sat(self) -> type:
        return Cost_Sat if self.approval else self.points_sat

    def greedy(self) -> set[str]:
        alloc = greedy_utilitarian_welfare(
            self.instance, self.pb_profile, sat_class=self.points_cost_sat, tie_breaking=self.tie
        )
        return {p.name for p in alloc}

    def mes(self, increment: int | None = None) -> set[str]:
        alloc = method_of_equal_shares(
            self.instance,
            self.pb_profile,
            sat_class=self.mes_sat,
            tie_breaking=self.tie,
            voter_budget_increment=increment,
        )
        return {p.name for p in alloc}

    def mes_at(self, per_voter) -> list[str]:
        sat_profile = self.pb_profile.as_sat_profile(self.mes_sat)
        alloc = method_of_equal_shares_scheme(
            self.instance,
            self.pb_profile,
            sat_profile,
            per_voter,
            BudgetAllocation(),
            self.tie,
            binary_sat=self.approval,
        )
        return [p.name for p in alloc]

    def add1_cities(self) -> set[str]:
        """The cities' Add1 loop, driving pabutools' fixed-budget MES."""
        budget = self.instance.budget_limit
        n = self.pb_profile.num_ballots()
        cost = {p.name: p.cost for p in self.instance}
        best = self.mes_at(frac(budget, n))
        per_voter = frac(int(frac(budget, n)))
        while True:
            per_voter += 1
            trial = self.mes_at(per_voter)
            if sum(cost[p] for p in trial) > budget:
                return set(best)
            best = trial


FAST = [
    "France_Toulouse_2019.pb",
    "Poland_Katowice_2023_Ligota_-_Panewniki.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "US_Stanford_Dataset_PB_Cambridge_2015_vote_knapsacks.pb",
    "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb",
]
SLOW = [
    "Netherlands_Amsterdam_309.pb",
    "Poland_Katowice_2023.pb",
    "Poland_Krakow_2023_Nowa_Huta.pb",
    "Poland_Warszawa_2023_Mokotow.pb",
    "Poland_Lodz_2022.pb",
]
ALL = FAST + [pytest.param(name, marks=pytest.mark.slow) for name in SLOW]


@pytest.mark.parametrize("name", ALL)
def test_greedy_agrees_with_pabutools(name: str) -> None:
    oracle = Oracle(name)
    assert set(compute(oracle.ours, "greedy").selected) == oracle.greedy()


@pytest.mark.parametrize("name", ALL)
def test_mes_agrees_with_pabutools(name: str) -> None:
    oracle = Oracle(name)
    assert set(compute(oracle.ours, "equalshares").selected) == oracle.mes()


# pabutools' Add1 reruns MES dozens to hundreds of times (measured, idle machine: Cambridge 2019 8 s,
# Świecie 11 s, Amsterdam 14 s, Cambridge 2015 15 s, Wieliczka 19 s), so only the quickest runs by default.
ADD1_FAST = ["US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb"]
ADD1_SLOW = [
    "France_Toulouse_2019.pb",
    "Netherlands_Amsterdam_309.pb",
    "Poland_Katowice_2023_Ligota_-_Panewniki.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "US_Stanford_Dataset_PB_Cambridge_2015_vote_knapsacks.pb",
]
ADD1 = ADD1_FAST + [pytest.param(name, marks=pytest.mark.slow) for name in ADD1_SLOW]


@pytest.mark.parametrize("name", ADD1)
def test_add1_pabutools_flavour_agrees(name: str) -> None:
    oracle = Oracle(name)
    assert set(compute(oracle.ours, "equalshares/add1-pabutools").selected) == oracle.mes(increment=1)


# The cities' loop re-implemented on top of pabutools' fixed-budget MES: one pabutools run per
# per-voter budget step (245 steps on Świecie), so these are all slow.
@pytest.mark.slow
@pytest.mark.parametrize("name", ["Poland_Swiecie_2023.pb", "Poland_Wieliczka_2023_Green_Budget.pb", *ADD1_FAST])
def test_add1_cities_flavour_agrees_with_pabutools_mes_core(name: str) -> None:
    oracle = Oracle(name)
    assert set(compute(oracle.ours, "equalshares/add1").selected) == oracle.add1_cities()
