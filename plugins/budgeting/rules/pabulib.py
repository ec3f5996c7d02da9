"""Read and write the pabulib ``.pb`` format (https://pabulib.org/format).

A .pb file is three ``;``-separated CSV sections (META, PROJECTS, VOTES), each introduced by a
line holding only the section name followed by a header row. Fields may be quoted (Łódź has
project names with embedded quotes), so we use :mod:`csv` rather than ``str.split``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from .election import Election, ElectionError, Project, Voter, format_amount, parse_amount

SECTIONS = ("meta", "projects", "votes")


def _read_text(source: str | bytes | os.PathLike[str]) -> str:
    """Accept a path or the file content itself, so callers (CLI, web upload) need one entry point."""
    if isinstance(source, bytes):
        return source.decode("utf-8-sig")
    if isinstance(source, os.PathLike) or "\n" not in source:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no such .pb file: {path}")
        return path.read_text(encoding="utf-8-sig")
    return source.removeprefix("\ufeff")


def _split_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _detect_delimiter(text: str) -> str:
    """Pabulib mandates ``;`` but a few historic files used ``,``; decide from the META header line."""
    for line in text.split("\n", 3)[:3]:  # the first lines only: splitting all of Łódź's 8 MB took 30 ms
        stripped = line.strip().lower()
        if stripped.startswith("key"):
            return ";" if ";" in stripped else ","
    return ";"


class _VoteRows:
    """Turns VOTES rows into voters: the columns' positions are found once per header, and identical ballots
    (Łódź 2022: 90,494 voters, 23,571 different ballots) are split and their points parsed once, their tuples
    shared. A row shorter than the header lacks the missing columns, as ``dict(zip(header, row))`` would."""

    def __init__(self, header: list[str]) -> None:
        position = {name: index for index, name in enumerate(header)}  # a repeated name: its last column
        self.voter_id = position.pop("voter_id", None)
        self.vote = position.pop("vote", None)
        self.points = position.pop("points", None)
        self.fields = tuple(position.items())
        self.votes: dict[str, tuple[str, ...]] = {}
        self.point_lists: dict[str, tuple[Fraction, ...]] = {}

    def voter(self, row: list[str], index: int) -> Voter:
        width = len(row)
        vid = row[self.voter_id].strip() if self.voter_id is not None and self.voter_id < width else str(index)
        raw = row[self.vote] if self.vote is not None and self.vote < width else ""
        vote = self.votes.get(raw)
        if vote is None:
            vote = self.votes[raw] = _split_list(raw)
        points = None
        if self.points is not None and self.points < width:
            raw = row[self.points]
            points = self.point_lists.get(raw)
            if points is None:
                points = self.point_lists[raw] = tuple(parse_amount(p) for p in _split_list(raw))
        fields = {name: row[i].strip() for name, i in self.fields if i < width}
        return Voter(vid, vote, points, fields)


def parse_pb(
    source: str | bytes | os.PathLike[str],
    *,
    progress: Callable[[str], None] | None = None,
) -> Election:
    """Parse a .pb file (path, bytes or text) into an :class:`Election`.

    ``progress`` receives human-readable messages (e.g. "parsed 90494 votes") for CLIs that
    want to show life on large files.
    """
    text = _read_text(source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(text))
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    voters: list[Voter] = []
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")
    section = ""
    header: list[str] = []
    votes = _VoteRows([])
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if (len(row) == 1 and first in SECTIONS) or (first in SECTIONS and all(not c.strip() for c in row[1:])):
            section = first
            header = [h.strip() for h in next(reader)]
            if section == "projects":
                project_columns = tuple(header)
            elif section == "votes":
                vote_columns = tuple(header)
                votes = _VoteRows(header)
            continue
        if section == "meta":
            meta[row[0].strip()] = ";".join(row[1:]).strip()
        elif section == "projects":
            record = dict(zip(header, (cell.strip() for cell in row), strict=False))
            pid = record.pop("project_id", None)
            if pid is None or "cost" not in record:
                raise ElectionError("PROJECTS rows need project_id and cost")
            if pid in projects:
                raise ElectionError(f"duplicate project_id {pid!r}")
            projects[pid] = Project(pid, parse_amount(record.pop("cost")), record)
        elif section == "votes":
            voters.append(votes.voter(row, len(voters)))
            if progress is not None and len(voters) % 50000 == 0:
                progress(f"parsed {len(voters)} votes...")
        else:
            raise ElectionError(f"data outside of a section: {row[:3]!r}")
    if not meta:
        raise ElectionError("no META section: is this a pabulib .pb file?")
    election = Election(meta, projects, voters, project_columns, vote_columns)
    election.validate()
    if progress is not None:
        progress(f"parsed {len(voters)} votes, {len(projects)} projects")
    return election


def _cell(value: str | Fraction | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Fraction):
        return format_amount(value)
    return value


def write_pb(election: Election) -> str:
    """Serialise an election to .pb text; ``parse_pb(write_pb(e)) == e`` for every parsed election."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in election.meta.items():
        writer.writerow([key, value])
    writer.writerow(["PROJECTS"])
    columns = list(election.project_columns)
    extra_project_keys = sorted({k for p in election.projects.values() for k in p.fields} - set(columns))
    columns += extra_project_keys
    writer.writerow(columns)
    for project in election.projects.values():
        row = []
        for column in columns:
            if column == "project_id":
                row.append(project.id)
            elif column == "cost":
                row.append(format_amount(project.cost))
            else:
                row.append(project.fields.get(column, ""))
        writer.writerow(row)
    writer.writerow(["VOTES"])
    columns = list(election.vote_columns)
    has_points = any(v.points is not None for v in election.voters)
    if has_points and "points" not in columns:
        columns.insert(columns.index("vote") + 1 if "vote" in columns else len(columns), "points")
    extra_vote_keys = sorted({k for v in election.voters for k in v.fields} - set(columns))
    columns += extra_vote_keys
    writer.writerow(columns)
    for voter in election.voters:
        row = []
        for column in columns:
            if column == "voter_id":
                row.append(voter.id)
            elif column == "vote":
                row.append(",".join(voter.vote))
            elif column == "points":
                row.append(",".join(format_amount(p) for p in voter.points or ()))
            else:
                row.append(voter.fields.get(column, ""))
        writer.writerow(row)
    return out.getvalue()
