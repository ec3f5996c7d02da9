"""Turn ballots into the integer arrays every rule counts with.

Rules never touch :class:`Voter` objects: identical ballots are merged into one weighted group
(Łódź 2022: 90,494 voters -> 23,571 distinct ballots), utilities become small integers, and
each project gets a numpy array of the groups supporting it. That is what makes the Method of
Equal Shares fast while staying exact (weights and utilities are integers, money is Fraction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .election import Election, ElectionError


@dataclass(frozen=True)
class Profile:
    """Counting view of an election.

    ``utilities[j]`` are integers; the voter's real utility (points) is ``utilities[j] * util_scale``.
    For approval ballots every utility is 1.
    """

    project_ids: tuple[str, ...]
    costs: tuple[Fraction, ...]
    budget: Fraction
    n_voters: int
    weights: np.ndarray
    supporters: tuple[np.ndarray, ...]
    utilities: tuple[np.ndarray, ...]
    util_scale: Fraction
    votes: tuple[int, ...]
    scores: tuple[Fraction, ...]
    vote_type: str

    @property
    def n_projects(self) -> int:
        return len(self.project_ids)

    def index(self, project_id: str) -> int:
        return self.project_ids.index(project_id)


def ballot_points(election: Election, vote: tuple[str, ...], points: tuple[Fraction, ...] | None) -> list[Fraction]:
    """Points one ballot gives to each listed project, following the pabulib conventions.

    approval/choose-1: 1 each. cumulative/scoring: the ``points`` column. ordinal: positional
    (Borda-style) points, the first choice getting ``max_length`` points (or the ballot length
    when META has no max_length) and each later choice one fewer -- this reproduces the
    ``score`` column of Kraków 2023 (3/2/1 points). META ``scoring_fn`` other than Borda is
    rejected rather than guessed.
    """
    vote_type = election.vote_type
    if vote_type in ("approval", "choose-1"):
        return [Fraction(1)] * len(vote)
    if vote_type in ("cumulative", "scoring"):
        if points is None:
            if vote:
                raise ElectionError(f"{vote_type} ballot without points")
            return []
        return list(points)
    top = max(borda_top(election) or len(vote), len(vote))
    return [Fraction(top - position) for position in range(len(vote))]


def borda_top(election: Election) -> int:
    """Points of an ordinal ballot's first choice before the ballot's own length is seen: META ``max_length``, or 0
    when absent (then the ballot's length); a ballot longer than that gives its first choice its length. Only Borda
    scoring is implemented: another META ``scoring_fn`` is refused rather than guessed."""
    scoring_fn = election.meta.get("scoring_fn", "Borda").strip() or "Borda"
    if scoring_fn.lower() != "borda":
        raise ElectionError(f"unsupported ordinal scoring_fn {scoring_fn!r} (only Borda is implemented)")
    return int(election.meta.get("max_length", "0").strip() or 0)


Ballot = tuple[tuple[int, int | Fraction], ...]


def _group_ballots(election: Election, position: dict[str, int]) -> tuple[list[Ballot], list[int]]:
    """Merge identical ballots: first on the raw strings (cheap), then on the canonical form."""
    raw: dict[tuple, int] = {}
    for voter in election.voters:
        key = (voter.vote, voter.points)
        raw[key] = raw.get(key, 0) + 1
    approval = election.vote_type in ("approval", "choose-1")
    groups: dict[Ballot, int] = {}
    counts: list[int] = []
    for (vote, points), count in raw.items():
        if approval:
            items = tuple((j, 1) for j in sorted({position[pid] for pid in vote}))
        else:
            merged: dict[int, Fraction] = {}
            for pid, pts in zip(vote, ballot_points(election, vote, points), strict=True):
                merged[position[pid]] = merged.get(position[pid], Fraction(0)) + pts
            items = tuple(sorted((j, int(u) if u.denominator == 1 else u) for j, u in merged.items() if u != 0))
            if any(u < 0 for _, u in items):
                raise ElectionError(f"negative points in ballot {vote!r}")
        g = groups.get(items)
        if g is None:
            g = groups[items] = len(counts)
            counts.append(0)
        counts[g] += count
    return list(groups), counts


def compile_profile(election: Election) -> Profile:
    """Build (and cache on the election) the weighted integer profile."""
    cached = election._cache.get("profile")
    if cached is not None:
        return cached
    project_ids = tuple(election.projects)
    position = {pid: j for j, pid in enumerate(project_ids)}
    group_items, counts = _group_ballots(election, position)
    groups = {items: g for g, items in enumerate(group_items)}
    lcm = 1
    for items in groups:
        for _, u in items:
            if type(u) is not int:
                lcm = math.lcm(lcm, u.denominator)
    sup_lists: list[list[int]] = [[] for _ in project_ids]
    util_lists: list[list[int]] = [[] for _ in project_ids]
    for items, g in groups.items():
        for j, u in items:
            sup_lists[j].append(g)
            util_lists[j].append(u * lcm if type(u) is int else int(u * lcm))
    weights = np.asarray(counts, dtype=np.int64)
    supporters = tuple(np.asarray(s, dtype=np.int64) for s in sup_lists)
    utilities = tuple(np.asarray(u, dtype=np.int64) for u in util_lists)
    votes = tuple(int(weights[s].sum()) for s in supporters)
    scale = Fraction(1, lcm)
    scores = tuple(Fraction(int((weights[s] * u).sum())) * scale for s, u in zip(supporters, utilities, strict=True))
    profile = Profile(
        project_ids=project_ids,
        costs=tuple(p.cost for p in election.projects.values()),
        budget=election.budget,
        n_voters=len(election.voters),
        weights=weights,
        supporters=supporters,
        utilities=utilities,
        util_scale=scale,
        votes=votes,
        scores=scores,
        vote_type=election.vote_type,
    )
    election._cache["profile"] = profile
    return profile


def profile_from_votes(election: Election, votes: dict[str, int], n_voters: int) -> Profile:
    """A counting view for approval-type elections built from votes per project alone (no ballots needed).

    For approval and choose-1 ballots every utility is 1, so a project's score is its number of distinct
    supporters: exactly ``compile_profile``'s ``votes`` and ``scores`` when ``votes[pid]`` counts the ballots
    approving ``pid`` (each ballot once). That is all the greedy rules read. The per-voter arrays are left empty,
    so this profile is only for rules in :data:`plugins.budgeting.rules.registry.VOTES_ONLY_RULES`; the caller
    (``compute_from_votes``) enforces it.
    """
    if election.vote_type not in ("approval", "choose-1"):
        raise ElectionError(f"a profile from vote counts needs approval ballots, not {election.vote_type!r}")
    project_ids = tuple(election.projects)
    unknown = set(votes) - set(project_ids)
    if unknown:
        raise ElectionError(f"votes for unknown projects {sorted(unknown)!r}")
    counts = tuple(int(votes.get(pid, 0)) for pid in project_ids)
    if any(n < 0 for n in counts):
        raise ElectionError("negative vote count")
    empty = np.zeros(0, dtype=np.int64)
    return Profile(
        project_ids=project_ids,
        costs=tuple(p.cost for p in election.projects.values()),
        budget=election.budget,
        n_voters=n_voters,
        weights=empty,
        supporters=tuple(empty for _ in project_ids),
        utilities=tuple(empty for _ in project_ids),
        util_scale=Fraction(1),
        votes=counts,
        scores=tuple(Fraction(n) for n in counts),
        vote_type=election.vote_type,
    )


# Up to this many ballots x projects, ``profile_from_elements`` counts in a ballot-by-project matrix (float64 while
# counting: 64 MiB at most), ~5x faster than merging and grouping the ballots' pairs one ballot at a time.
DENSE_CELLS = 1 << 23


def profile_from_elements(
    election: Election, counts: np.ndarray, rows: np.ndarray, projects: np.ndarray, utilities: np.ndarray
) -> Profile:
    """The counting view of ballots given as flat integer arrays, as a database hands them over: ballot ``b`` stands
    for ``counts[b]`` identical ballots, and each element ``e`` gives ``utilities[e]`` to project ``projects[e]``
    (its index in ``election.projects``) on ballot ``rows[e]`` (ascending). A project named twice on one ballot
    gets the sum (for approval ballots: 1); a utility of 0 is no support; a negative one is refused.

    Equivalent to ``compile_profile`` of the same ballots as voters (tests/plugins/budgeting/test_rules_profile.py)
    without a ``Voter`` per ballot: the ballots are merged and grouped in numpy, which is what makes a results page
    of 40,000 ballots cheap to count with any rule.
    """
    project_ids = tuple(election.projects)
    n_projects, n_ballots = len(project_ids), len(counts)
    width = max(n_projects, 1)
    keys = rows.astype(np.int64) * width + projects
    approval = election.vote_type in ("approval", "choose-1")
    if n_ballots * width <= DENSE_CELLS:
        group_of, pairs = _groups_in_matrix(keys, None if approval else utilities, n_ballots, width)
    else:
        group_of, pairs = _groups_of_pairs(keys, None if approval else utilities, n_ballots, width)
    n_groups = int(group_of.max()) + 1 if n_ballots else 0
    weights = np.bincount(group_of, weights=counts, minlength=n_groups).astype(np.int64)
    # Each project's supporting groups and their utilities, from (project, group, utility) ordered by project.
    pair_project, pair_group, pair_utility = pairs
    cuts = np.cumsum(np.bincount(pair_project, minlength=n_projects))[:-1] if n_projects else []
    supporters = tuple(np.split(pair_group, cuts)) if n_projects else ()
    utilities_by_project = tuple(np.split(pair_utility, cuts)) if n_projects else ()
    votes = tuple(int(weights[s].sum()) for s in supporters)
    scores = tuple(Fraction(int((weights[s] * u).sum())) for s, u in zip(supporters, utilities_by_project, strict=True))
    return Profile(
        project_ids=project_ids,
        costs=tuple(p.cost for p in election.projects.values()),
        budget=election.budget,
        n_voters=int(np.asarray(counts, dtype=np.int64).sum()),
        weights=weights,
        supporters=supporters,
        utilities=utilities_by_project,
        util_scale=Fraction(1),
        votes=votes,
        scores=scores,
        vote_type=election.vote_type,
    )


Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # (project, group, utility), ordered by project then group


def _groups_in_matrix(keys: np.ndarray, utilities: np.ndarray | None, n_ballots: int, width: int) -> tuple:
    """Group per ballot and the groups' pairs, through a ballot-by-project matrix of utilities (``utilities`` None:
    approval, 1 each): identical rows are one group (``np.unique`` on each row's bytes)."""
    summed = np.bincount(keys, weights=utilities, minlength=n_ballots * width)
    if utilities is None:
        summed = summed > 0
    elif (summed < 0).any():
        raise ElectionError("negative points on a ballot")
    top = int(summed.max()) if len(summed) else 0
    small = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if top <= np.iinfo(t).max)
    matrix = summed.astype(small).reshape(n_ballots, width)
    as_bytes = matrix.view(np.dtype((np.void, width * matrix.itemsize))).ravel()
    distinct, group_of = np.unique(as_bytes, return_inverse=True)
    by_project = distinct.view(small).reshape(len(distinct), width).T
    pair_project, pair_group = np.nonzero(by_project)
    pairs = (pair_project, pair_group, by_project[pair_project, pair_group].astype(np.int64))
    return group_of.ravel().astype(np.int64), pairs


def _groups_of_pairs(keys: np.ndarray, utilities: np.ndarray | None, n_ballots: int, width: int) -> tuple:
    """``_groups_in_matrix`` for elections too large for a matrix: each ballot's merged (project, utility) pairs,
    grouped on their bytes by a dict in first-seen order."""
    keys, merged_at = np.unique(keys, return_inverse=True)
    if utilities is None:
        merged = np.ones(len(keys), dtype=np.int64)
    else:
        merged = np.bincount(merged_at, weights=utilities, minlength=len(keys)).astype(np.int64)  # exact below 2**53
        if (merged < 0).any():
            raise ElectionError("negative points on a ballot")
    supported = merged != 0
    keys, merged = keys[supported], merged[supported]
    ballot_of, project_of = np.divmod(keys, width)
    pairs = np.stack([project_of, merged], axis=1).tobytes()
    size = 2 * 8
    starts = (np.searchsorted(ballot_of, np.arange(n_ballots), "left") * size).tolist()
    ends = (np.searchsorted(ballot_of, np.arange(n_ballots), "right") * size).tolist()
    index: dict[bytes, int] = {}
    group_of = np.fromiter(
        (index.setdefault(pairs[start:end], len(index)) for start, end in zip(starts, ends, strict=True)),
        dtype=np.int64,
        count=n_ballots,
    )
    # The pairs of the first ballot of each group stand for the group.
    first = np.unique(group_of, return_index=True)[1]
    kept = np.zeros(n_ballots, dtype=bool)
    kept[first] = True
    chosen = kept[ballot_of]
    groups, projects, utility = group_of[ballot_of[chosen]], project_of[chosen], merged[chosen]
    order = np.lexsort((groups, projects))
    return group_of, (projects[order], groups[order], utility[order])
