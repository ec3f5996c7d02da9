"""Read a .pb file straight into the rules' counting view, for results only.

``parse_pb`` keeps every column of every voter (``write_pb`` gives the file back, demographics included): for Łódź
2022 that is 90,494 ``Voter`` objects from 8 MB, then grouped again into 23,571 distinct ballots to count. A
results run reads none of it but the ``vote`` (and ``points``) column. Here each VOTES line is split only as far as
those columns, identical cells are counted by a ``Counter`` of their raw text, and only the distinct ballots are
split into projects and handed to ``profile_from_elements`` as flat arrays: ≈ 4x less CPU than parsing and
compiling, for the same profile (tests/plugins/budgeting/test_rules_pabulib_profile.py).

Anything unusual about the VOTES section (quoted cells, blank or short lines, a section after it, ids the PROJECTS
section lacks, points that are not whole numbers or not one per project) takes the exact path, ``parse_pb`` then
``compile_profile``: its answer, or its error message, is then the one a caller gets.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from itertools import chain, repeat
from operator import itemgetter, methodcaller

import numpy as np

from .election import Election
from .pabulib import _detect_delimiter, _read_text, _split_list, parse_pb
from .profile import Profile, borda_top, compile_profile, profile_from_elements


class _Unusual(Exception):
    """The fast reading does not apply; the exact path decides."""


def read_pb_profile(
    source: str | bytes | os.PathLike[str], *, progress: Callable[[str], None] | None = None
) -> tuple[Election, Profile]:
    """The election's META and projects (its ``voters`` left empty) and the profile of its ballots: what
    ``compute(election, rule, profile=profile)`` needs, as ``parse_pb`` then ``compile_profile`` would give it."""
    text = _read_text(source)
    try:
        election, profile = _counted(text)
    except _Unusual:
        full = parse_pb(text, progress=progress)
        profile = compile_profile(full)
        return replace(full, voters=[]), profile
    if progress is not None:
        progress(f"parsed {profile.n_voters} votes, {len(election.projects)} projects")
    return election, profile


def _section_lines(delimiter: str) -> re.Pattern[str]:
    """A line that opens a section, as ``parse_pb`` recognises one: its name, then nothing but empty cells."""
    cell = re.escape(delimiter)
    return re.compile(rf"\n[ \t]*(meta|projects|votes)[ \t]*(?:{cell}[ \t]*)*\r?(?=\n|$)", re.IGNORECASE)


def _counted(text: str) -> tuple[Election, Profile]:
    delimiter = _detect_delimiter(text)
    sections = list(_section_lines(delimiter).finditer("\n" + text))  # the "\n" lets the first line match too
    names = [section.group(1).lower() for section in sections]
    if names.count("votes") != 1 or names[-1] != "votes":  # VOTES must be the last section, and the only one
        raise _Unusual
    votes_at = sections[-1].end() - 1  # the VOTES line's end in ``text``
    header_end = text.find("\n", votes_at + 1)
    if header_end < 0:
        raise _Unusual
    # The file up to the VOTES header, parsed as a file of no voters: META, projects and columns exactly as parse_pb.
    head = parse_pb(text[: header_end + 1])
    columns = head.vote_columns
    if "vote" not in columns or len(columns) != len(set(columns)) or '"' in text[header_end:]:
        raise _Unusual  # no vote column, a repeated name (parse_pb reads the last), quoted cells: csv's rules
    body = text[header_end + 1 :]
    if "\r" in body and body.count("\r") != body.count("\r\n"):  # csv ends a line at a lone "\r" too
        raise _Unusual
    lines = body.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    wanted = [columns.index("vote")] + ([columns.index("points")] if "points" in columns else [])
    split = methodcaller("split", delimiter, max(wanted) + 1)
    try:
        cells = Counter(map(itemgetter(*wanted), map(split, lines)))  # a short or blank line: IndexError
    except IndexError:
        raise _Unusual from None
    return head, _profile(head, cells, has_points=len(wanted) == 2)


def _profile(election: Election, cells: Counter, *, has_points: bool) -> Profile:
    """The profile of the distinct ``cells`` (a raw vote cell, or (vote, points) cells, and how many voters)."""
    position = {pid: j for j, pid in enumerate(election.projects)}
    raw_votes = [cell[0] for cell in cells] if has_points else list(cells)
    ballots = _ballots(raw_votes)
    lengths = np.fromiter(map(len, ballots), dtype=np.int64, count=len(ballots))
    n_elements = int(lengths.sum())
    projects = np.fromiter(map(position.get, chain.from_iterable(ballots), repeat(-1)), np.int64, n_elements)
    if (projects < 0).any():  # an id the PROJECTS section lacks: parse_pb names the voter
        raise _Unusual
    rows = np.repeat(np.arange(len(ballots), dtype=np.int64), lengths)
    points = _points([cell[1] for cell in cells], lengths) if has_points else None
    vote_type = election.vote_type
    if vote_type in ("cumulative", "scoring"):
        if points is None and n_elements:  # a ballot without points: the exact path says which
            raise _Unusual
        utilities = points if points is not None else np.zeros(0, dtype=np.int64)
    elif vote_type == "ordinal":
        top = np.maximum(borda_top(election) or lengths, lengths)
        ranks = np.arange(n_elements, dtype=np.int64) - (np.cumsum(lengths) - lengths)[rows]
        utilities = top[rows] - ranks
    else:
        utilities = np.ones(n_elements, dtype=np.int64)
    counts = np.fromiter(cells.values(), dtype=np.int64, count=len(cells))
    return profile_from_elements(election, counts, rows, projects, utilities)


# In a vote cell, what ``_split_list`` would strip: spaces, or an empty id between, before or after commas.
_UNTIDY = re.compile(r"\s|,,|^,|,$")


def _ballots(raw_votes: list[str]) -> list[list[str]] | list[tuple[str, ...]]:
    """The project ids of each distinct vote cell, as ``_split_list`` gives them; a plain ``split`` where no cell
    needs more (Łódź: 23,571 cells, 4x faster)."""
    if _UNTIDY.search(",".join(filter(None, raw_votes))):
        return [_split_list(raw) for raw in raw_votes]
    return [raw.split(",") if raw else [] for raw in raw_votes]


# Points up to this many are summed exactly in the float64 counts of ``profile_from_elements``, however many a
# ballot gives to one project; larger ones take the exact path.
_POINTS_CEILING = 1 << 40


def _points(raw_points: list[str], lengths: np.ndarray) -> np.ndarray:
    """Each distinct ballot's points, flat: whole numbers, one per listed project, or ``_Unusual``."""
    lists = [_split_list(raw) for raw in raw_points]
    if list(map(len, lists)) != lengths.tolist():
        raise _Unusual
    flat = list(chain.from_iterable(lists))
    if not all(map(str.isascii, flat)) or not all(map(str.isdigit, flat)):  # decimals, signs: parse_amount's
        raise _Unusual
    points = np.fromiter(map(int, flat), dtype=object, count=len(flat))
    if len(points) and max(points) > _POINTS_CEILING:
        raise _Unusual
    return points.astype(np.int64)
