"""Participatory-budgeting rules engine: pabulib I/O and exact greedy / Method of Equal Shares rules.

Typical use::

    from plugins.budgeting.rules import parse_pb, compute
    election = parse_pb("Poland_Swiecie_2023.pb")
    outcome = compute(election)               # the file's own rule
    outcome = compute(election, "greedy", tie_break="min_cost,max_votes,id")

    election, profile = read_pb_profile("Poland_Lodz_2022.pb")  # results only: the vote column, 4x faster
    outcome = compute(election, "equalshares", profile=profile)
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .election import Election, ElectionError, Project, Voter, format_amount, parse_amount
from .greedy import greedy, greedy_no_skip, greedy_threshold
from .outcome import Outcome, Payment, SelectionStep
from .pabulib import parse_pb, write_pb
from .registry import RULES, VOTES_ONLY_RULES, UnknownRuleError, compute, compute_from_votes, rule_names
from .tiebreak import TieBreak

if TYPE_CHECKING:
    from .add1 import equal_shares, equal_shares_add1, equal_shares_add1_pabutools, voter_preference_counts
    from .equal_shares import MESRun, equal_shares_fixed
    from .pabulib_profile import read_pb_profile
    from .profile import Profile, compile_profile, profile_from_elements, profile_from_votes

# Modules that need numpy are imported on first use of one of their names (PEP 562), so the web workers that
# import this package for its parser and rule names do not load numpy at start (tests/test_startup_imports.py).
_NUMPY_MODULES = {
    "equal_shares": "add1",
    "equal_shares_add1": "add1",
    "equal_shares_add1_pabutools": "add1",
    "voter_preference_counts": "add1",
    "MESRun": "equal_shares",
    "equal_shares_fixed": "equal_shares",
    "Profile": "profile",
    "compile_profile": "profile",
    "profile_from_votes": "profile",
    "profile_from_elements": "profile",
    "read_pb_profile": "pabulib_profile",
}


def __getattr__(name: str) -> Any:
    if name not in _NUMPY_MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_NUMPY_MODULES[name]}"), name)
    globals()[name] = value
    return value


class _Package(ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Loading the submodule ``equal_shares`` (add1 imports it) sets this package's attribute of that name to the
        # module; the name stays the function's, as when add1 was imported here eagerly.
        if name == "equal_shares" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "RULES",
    "VOTES_ONLY_RULES",
    "Election",
    "ElectionError",
    "MESRun",
    "Outcome",
    "Payment",
    "Profile",
    "Project",
    "SelectionStep",
    "TieBreak",
    "UnknownRuleError",
    "Voter",
    "compile_profile",
    "compute",
    "compute_from_votes",
    "equal_shares",
    "equal_shares_add1",
    "equal_shares_add1_pabutools",
    "equal_shares_fixed",
    "format_amount",
    "greedy",
    "greedy_no_skip",
    "greedy_threshold",
    "parse_amount",
    "parse_pb",
    "profile_from_elements",
    "profile_from_votes",
    "read_pb_profile",
    "rule_names",
    "voter_preference_counts",
    "write_pb",
]
