"""The .pb parser's VOTES section: columns by position, identical ballots parsed once, short rows as in the format."""

from __future__ import annotations

from fractions import Fraction

from plugins.budgeting.rules.pabulib import parse_pb, write_pb

PB = """META
key;value
description;Parser test
num_projects;3
num_votes;4
budget;1000
vote_type;cumulative
PROJECTS
project_id;cost;name
1;400;Trees
2;300;"Park ""Zielony"" West"
3;500;Library
VOTES
voter_id;age;vote;points;sex
v1;30;1,2;2,1.5;F
v2;41;1,2;2,1.5;M
v3;;3;1
v4;25; 2,3 ;1,1;M
"""


def test_votes_rows_become_voters_with_their_own_fields() -> None:
    election = parse_pb(PB)
    v1, v2, v3, v4 = election.voters
    assert [v.id for v in election.voters] == ["v1", "v2", "v3", "v4"]
    assert v1.vote == ("1", "2") and v1.points == (Fraction(2), Fraction(3, 2))
    assert v1.fields == {"age": "30", "sex": "F"} and v2.fields == {"age": "41", "sex": "M"}
    # A row shorter than the header has no value for the missing columns (here: sex).
    assert v3.vote == ("3",) and v3.points == (Fraction(1),) and v3.fields == {"age": ""}
    assert v4.vote == ("2", "3") and v4.points == (Fraction(1), Fraction(1))
    # Identical ballots share one parsed vote and points (Łódź: 90,494 voters, 23,571 different ballots).
    assert v2.vote is v1.vote and v2.points is v1.points
    assert election.projects["2"].fields == {"name": 'Park "Zielony" West'}


def test_a_parsed_file_writes_back_to_the_same_election() -> None:
    election = parse_pb(PB)
    again = parse_pb(write_pb(election))
    # The writer fills every column, so the short row comes back with an empty "sex".
    assert [(v.id, v.vote, v.points, v.fields) for v in again.voters] == [
        (v.id, v.vote, v.points, v.fields if v.id != "v3" else {**v.fields, "sex": ""}) for v in election.voters
    ]


def test_missing_voter_ids_are_numbered_in_file_order() -> None:
    text = PB.replace("voter_id;age;vote;points;sex", "age;vote;points;sex").replace("v1;", "").replace("v2;", "")
    text = text.replace("v3;", "").replace("v4;", "")
    assert [v.id for v in parse_pb(text).voters] == ["0", "1", "2", "3"]
