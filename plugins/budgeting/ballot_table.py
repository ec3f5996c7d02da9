"""The distinct ballots of one budget as flat numpy arrays, for the profile path of a tally.

Points, rankings and the Method of Equal Shares need every ballot, not only the votes per option. A results page
of 40,000 ballots used to decode each ballot's JSON, loop over its options in Python for the figures, build a
``Voter`` per ballot and group them again to compile the rule's profile (≈ 1.2 s). Here the stored JSON texts are
decoded in one call, every figure is one ``np.bincount`` over the ballots' options, and the profile comes from the
same arrays (``rules.profile.profile_from_elements``). Imported on first use: it needs numpy, which a web worker
loads only when it counts (tests/test_startup_imports.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from .rules.election import Election
from .rules.profile import Profile, borda_top, profile_from_elements

# The ballots of one (area, source), as the database aggregates them: (area, source, every ballot's option ids and
# points as JSON lists, concatenated — "[3, 1][2, 5][7][]…", a ballot without points giving "[]" — and how many).
StoredBallots = tuple[int | None, str, str, int]


@dataclass(frozen=True)
class BallotTable:
    """Ballots (rows) and, flat, the options they list that the budget still has (elements, in ballot order).
    Options listed twice on a ballot stay two elements: the figures count every listing, as the counts path does;
    the profile merges them."""

    option_ids: tuple[int, ...]  # the budget's options; an element's ``positions`` value indexes this
    areas: list[int | None]  # the distinct areas, which ``area_of`` indexes
    sources: list[str]  # the distinct sources, which ``source_of`` indexes
    area_of: np.ndarray  # per row
    source_of: np.ndarray  # per row
    rows: np.ndarray  # per element: its row
    positions: np.ndarray  # per element: the option, as an index into ``option_ids``
    points: np.ndarray  # per element: the points the ballot gives it (1 where the ballot has none)
    ranks: np.ndarray  # per element: its place among the row's elements (0 = first)
    lengths: np.ndarray  # per row: its elements

    @property
    def n_ballots(self) -> int:
        return len(self.lengths)


_SPACES = str.maketrans("[],", "   ")


def _integer_lists(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive JSON lists of integers ("[3, 1][][7]"): every number, flat, and each list's length, read by
    numpy with no Python object per number (``json.loads`` of 40,000 ballots made 400,000 ints and cost ≈ 4x).
    ValueError for anything else (an id stored as a string, a float, a nested list)."""
    raw = np.frombuffer(text.encode(), dtype=np.uint8)
    opens, closes = np.flatnonzero(raw == ord("[")), np.flatnonzero(raw == ord("]"))
    if len(opens) != len(closes) or (closes < opens).any() or (opens[1:] < closes[:-1]).any():
        raise ValueError("not consecutive flat lists")
    commas = np.flatnonzero(raw == ord(","))
    lengths = np.where(closes - opens > 1, np.searchsorted(commas, closes) - np.searchsorted(commas, opens) + 1, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns, and stops, at text it cannot read as an integer
        try:
            flat = np.fromstring(text.translate(_SPACES), dtype=np.int64, sep=" ")
        except (DeprecationWarning, ValueError) as exc:
            raise ValueError("not lists of integers") from exc
    if len(flat) != lengths.sum():
        raise ValueError("not lists of integers")
    return flat, lengths.astype(np.int64)


def _decoded_lists(text: str) -> tuple[np.ndarray, np.ndarray]:
    """``_integer_lists`` through the json module, for what numpy cannot read: ids stored as strings."""
    try:
        lists = [[int(i) for i in values] for values in json.loads("[" + re.sub(r"\]\s*\[", "],[", text) + "]")]
    except (TypeError, ValueError) as exc:  # json's errors are ValueErrors
        raise ValueError(f"stored ballots that are not lists of integers: {exc}") from exc
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    return np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum())), lengths


def _elements(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every listed option id, each ballot's length, and the points each listing gets, from the ballots' lists
    (ids then points, per ballot): a ballot's points go with its options by position, a ballot without points
    gives 1 to each, points missing at the end are 0."""
    try:
        flat, lengths = _integer_lists(text)
    except ValueError:
        flat, lengths = _decoded_lists(text)
    if len(lengths) % 2:
        raise ValueError("a ballot's option ids without its points")
    of_list = np.repeat(np.arange(len(lengths)), lengths)
    is_id = of_list % 2 == 0
    ids, given = flat[is_id], flat[~is_id]
    id_lengths, point_lengths = lengths[0::2], lengths[1::2]
    if not point_lengths.any():
        return ids, id_lengths, np.ones(len(ids), dtype=np.int64)
    if (point_lengths == id_lengths).all():
        return ids, id_lengths, given
    # Ballots with and without points, or points that do not match the options (nothing Townhall writes).
    points, at = [], 0
    for n_ids, n_points in zip(id_lengths.tolist(), point_lengths.tolist(), strict=True):
        mine = given[at : at + n_points].tolist()
        at += n_points
        points.extend([1] * n_ids if not n_points else (mine + [0] * n_ids)[:n_ids])
    return ids, id_lengths, np.asarray(points, dtype=np.int64)


def ballot_table(stored: Sequence[StoredBallots], option_ids: Sequence[int]) -> BallotTable:
    """The table of the ``stored`` ballots for a budget with ``option_ids``; options it no longer has are left
    out. Identical ballots stay separate rows: ``table_profile`` groups them."""
    flat, lengths, points = _elements("".join(text for _area, _source, text, _n in stored))
    per_group = np.fromiter((n for *_, n in stored), dtype=np.int64, count=len(stored))
    if per_group.sum() != len(lengths):
        raise ValueError("the ballots' lists do not match their number")
    areas, area_codes = _codes([area for area, *_ in stored])
    sources, source_codes = _codes([source for _area, source, *_ in stored])
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    known = np.asarray(option_ids, dtype=np.int64)
    if len(known):
        order = np.argsort(known, kind="stable")
        found = np.minimum(np.searchsorted(known[order], flat), len(known) - 1)
        kept = known[order][found] == flat
        positions = order[found][kept]
    else:
        kept = np.zeros(len(flat), dtype=bool)
        positions = np.zeros(0, dtype=np.int64)
    rows, points = rows[kept], points[kept]
    lengths = np.bincount(rows, minlength=len(lengths)).astype(np.int64)
    ranks = np.arange(len(rows), dtype=np.int64) - (np.cumsum(lengths) - lengths)[rows]
    return BallotTable(
        option_ids=tuple(option_ids),
        areas=areas,
        sources=sources,
        area_of=np.repeat(area_codes, per_group),
        source_of=np.repeat(source_codes, per_group),
        rows=rows,
        positions=positions,
        points=points,
        ranks=ranks,
        lengths=lengths,
    )


def _codes(values: list[Any]) -> tuple[list[Any], np.ndarray]:
    """The distinct ``values`` in first-seen order, and each value's index among them."""
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    return list(index), codes


@dataclass
class TableFigures:
    """``BudgetResult``'s figures, keyed by option id; an option or area appears where it has votes."""

    ballots: int
    by_source: dict[str, int]
    votes: dict[int, int]
    points: dict[int, int]
    votes_by_source: dict[str, dict[int, int]]
    votes_by_area: dict[int | None, dict[int, int]]
    ballots_by_area: dict[int | None, int]


def table_figures(table: BallotTable) -> TableFigures:
    """Ballots per source and area, votes (every listing) and points per option, per source and per area."""
    n = len(table.option_ids)

    def per_option(counted: np.ndarray) -> dict[int, int]:
        return {table.option_ids[j]: int(v) for j, v in enumerate(counted.tolist()) if v}

    def per_option_by(keys: list[Any], codes: np.ndarray) -> tuple[dict[Any, int], dict[Any, dict[int, int]]]:
        ballots = np.bincount(codes, minlength=len(keys))
        votes = np.bincount(codes[table.rows] * n + table.positions, minlength=len(keys) * n)
        by_key = {key: per_option(votes[i * n : (i + 1) * n]) for i, key in enumerate(keys)}
        return {key: int(b) for key, b in zip(keys, ballots.tolist(), strict=True) if b}, {
            key: counted for key, counted in by_key.items() if counted
        }

    by_source, votes_by_source = per_option_by(table.sources, table.source_of)
    ballots_by_area, votes_by_area = per_option_by(table.areas, table.area_of)
    return TableFigures(
        ballots=table.n_ballots,
        by_source=by_source,
        votes=per_option(np.bincount(table.positions, minlength=n)),
        points=per_option(np.bincount(table.positions, weights=table.points, minlength=n).astype(np.int64)),
        votes_by_source=votes_by_source,
        votes_by_area=votes_by_area,
        ballots_by_area=ballots_by_area,
    )


def table_profile(table: BallotTable, election: Election) -> Profile:
    """The rule's profile of the table's ballots; ``election`` (its projects in ``option_ids`` order, no voters)
    gives the vote type and META. Utilities follow ``rules.profile.ballot_points``: 1 per approval, the points of
    cumulative ballots, Borda points by rank for ordinal ones."""
    vote_type = election.vote_type
    if vote_type in ("cumulative", "scoring"):
        utilities = table.points
    elif vote_type == "ordinal":
        top = np.maximum(borda_top(election) or table.lengths, table.lengths)
        utilities = top[table.rows] - table.ranks
    else:
        utilities = np.ones(len(table.rows), dtype=np.int64)
    counts = np.ones(table.n_ballots, dtype=np.int64)
    return profile_from_elements(election, counts, table.rows, table.positions, utilities)


def profile_digest(profile: Profile) -> bytes:
    """A short fingerprint of a profile's ballots, to key cached outcomes (the ballots themselves are 40,000)."""
    digest = hashlib.blake2b(profile.weights.tobytes(), digest_size=20)
    for supporters, utilities in zip(profile.supporters, profile.utilities, strict=True):
        digest.update(len(supporters).to_bytes(8, "little"))
        digest.update(supporters.tobytes())
        digest.update(utilities.tobytes())
    return digest.digest()
