"""Participatory-budgeting rules engine: pabulib I/O and exact greedy / Method of Equal Shares rules.

Typical use::

    from plugins.budgeting.rules import parse_pb, compute
    election = parse_pb("Poland_Swiecie_2023.pb")
    outcome = compute(election)               # the file's own rule
    outcome = compute(election, "greedy", tie_break="min_cost,max_votes,id")
"""

from .add1 import equal_shares, equal_shares_add1, equal_shares_add1_pabutools, voter_preference_counts
from .election import Election, ElectionError, Project, Voter, format_amount, parse_amount
from .equal_shares import MESRun, equal_shares_fixed
from .greedy import greedy, greedy_no_skip, greedy_threshold
from .outcome import Outcome, Payment, SelectionStep
from .pabulib import parse_pb, write_pb
from .profile import Profile, compile_profile, profile_from_votes
from .registry import RULES, VOTES_ONLY_RULES, UnknownRuleError, compute, compute_from_votes, rule_names
from .tiebreak import TieBreak

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
    "profile_from_votes",
    "rule_names",
    "voter_preference_counts",
    "write_pb",
]
