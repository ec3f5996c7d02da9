"""Real city elections from the shared pabulib folder: official results reproduced, files round-trip.

The files are never copied into the repository; tests skip cleanly when the folder is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plugins.budgeting.rules import compute, parse_pb, write_pb

REPO = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("TOWNHALL_SHARED", REPO.parent / "shared")) / "data" / "pabulib"

WITH_SELECTED = [
    # (file, rule named in META)
    ("Poland_Katowice_2023.pb", "greedy-threshold"),
    ("Poland_Katowice_2023_Ligota_-_Panewniki.pb", "greedy-threshold"),
    ("Poland_Krakow_2023_Nowa_Huta.pb", "greedy"),
    ("Poland_Lodz_2022.pb", "greedy-threshold"),
    ("Poland_Swiecie_2023.pb", "equalshares/add1"),
    ("Poland_Warszawa_2023_Mokotow.pb", "greedy"),
    ("Poland_Wieliczka_2023_Green_Budget.pb", "equalshares/add1-comparison"),
]
ALL_FILES = sorted(
    [name for name, _ in WITH_SELECTED]
    + [
        "France_Toulouse_2019.pb",
        "Netherlands_Amsterdam_309.pb",
        "US_Stanford_Dataset_PB_Cambridge_2015_vote_knapsacks.pb",
        "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb",
    ]
)


def shared(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path}: shared pabulib data not present")
    return path


@pytest.fixture(scope="module")
def elections() -> dict:
    """Parse each file once per module (Łódź alone is 3.7 MB)."""
    return {}


def load(elections: dict, name: str):
    if name not in elections:
        elections[name] = parse_pb(shared(name))
    return elections[name]


def own_outcome(elections: dict, name: str):
    """The file's own rule, computed once per module (Add1 reruns MES hundreds of times)."""
    key = ("outcome", name)
    if key not in elections:
        elections[key] = compute(load(elections, name))
    return elections[key]


@pytest.mark.parametrize(("name", "rule"), WITH_SELECTED)
def test_own_rule_reproduces_official_selection(elections: dict, name: str, rule: str) -> None:
    election = load(elections, name)
    assert election.rule == rule
    outcome = own_outcome(elections, name)
    assert sorted(outcome.selected) == sorted(election.official_selection())
    assert outcome.total_cost <= election.budget


def test_swiecie_add1_end_point(elections: dict) -> None:
    # B/n = 1070000/2553 = 419.1...; the official outcome is reached at a per-voter budget of 662 PLN.
    outcome = own_outcome(elections, "Poland_Swiecie_2023.pb")
    assert outcome.notes["per_voter_budget"] == 662


def test_wieliczka_comparison_keeps_mes(elections: dict) -> None:
    outcome = own_outcome(elections, "Poland_Wieliczka_2023_Green_Budget.pb")
    assert outcome.notes["comparison"] == "equalshares"
    assert outcome.notes["prefers_mes"] > outcome.notes["prefers_greedy"]


def test_wieliczka_mes_explanation_accounts_for_every_zloty(elections: dict) -> None:
    outcome = own_outcome(elections, "Poland_Wieliczka_2023_Green_Budget.pb")
    for step in outcome.steps:
        paid = sum(p.amount * p.voters for p in step.payments)
        assert paid == step.cost
        assert sum(p.voters for p in step.payments) <= step.supporters


def test_pabutools_add1_flavour_does_not_reproduce_wieliczka(elections: dict) -> None:
    # Documented difference: pabutools' Add1 (B/n + k, stop at the first exhaustive outcome) matches
    # Świecie but ends on a different outcome for Wieliczka (projects 46, 66, 67 differ).
    wieliczka = load(elections, "Poland_Wieliczka_2023_Green_Budget.pb")
    theirs = set(compute(wieliczka, "equalshares/add1-pabutools").selected)
    assert theirs ^ set(wieliczka.official_selection()) == {"46", "66", "67"}
    swiecie = load(elections, "Poland_Swiecie_2023.pb")
    assert set(compute(swiecie, "equalshares/add1-pabutools").selected) == set(swiecie.official_selection())


def test_krakow_decimal_budget_is_exact(elections: dict) -> None:
    election = load(elections, "Poland_Krakow_2023_Nowa_Huta.pb")
    assert str(election.budget) == "122924411/50"  # 2458488.22 exactly
    assert "BO.D18.9/23" not in compute(election).selected  # sentinel cost 999999999


@pytest.mark.parametrize("name", ALL_FILES)
def test_round_trip(elections: dict, name: str) -> None:
    election = load(elections, name)
    again = parse_pb(write_pb(election))
    assert again == election


@pytest.mark.parametrize("name", ["US_Stanford_Dataset_PB_Cambridge_2015_vote_knapsacks.pb"])
def test_unknown_rule_needs_explicit_rule(elections: dict, name: str) -> None:
    election = load(elections, name)
    assert election.rule == "unknown"
    assert compute(election, "greedy").total_cost <= election.budget
