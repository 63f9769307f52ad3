"""Reading and writing .pb files loses nothing a rule or a reader needs."""

from __future__ import annotations

from fractions import Fraction

import pytest

from allocation.pb import Ballot, Election, Project, count, read_pb, write_pb
from tests.allocation.pb.conftest import FILES, load

SMALL = """META
key;value
description;"Parks; and ""green"" spaces"
num_projects;3
num_votes;3
budget;100.5
vote_type;cumulative
max_sum_points;5
rule;greedy
PROJECTS
project_id;cost;name;selected;category
a;40;"Trees; lots";1;green
b;60.25;Bench;0;
c;30;"The ""Big"" Mural";1;art
VOTES
voter_id;vote;points;age
v1;a,c;3,2;34
v2;b;5;
v3;c,a;1,1;71
"""


def test_small_file_is_read_with_quoting_and_exact_numbers():
    election = read_pb(SMALL)
    assert election.budget == Fraction(201, 2)
    assert election.meta["description"] == 'Parks; and "green" spaces'
    assert [p.name for p in election.projects] == ["Trees; lots", "Bench", 'The "Big" Mural']
    assert election.project("b").cost == Fraction(241, 4)
    assert election.project("a").fields == {"selected": "1", "category": "green"}
    assert election.ballots[0].vote == {"a": 3, "c": 2}
    assert election.ballots[0].fields == {"age": "34"}


def test_written_file_reads_back_identical():
    election = read_pb(SMALL)
    text = write_pb(election)
    assert read_pb(text) == election
    assert "budget;100.5" in text and "b;60.25;Bench" in text
    assert '"Trees; lots"' in text and '"The ""Big"" Mural"' in text


@pytest.mark.parametrize("name", FILES)
def test_every_shared_file_round_trips_and_recounts_identically(name):
    election = load(name)
    again = read_pb(write_pb(election))
    assert again == election
    assert count(again, "greedy") == count(election, "greedy")
    assert count(again, "mes") == count(election, "mes")


def test_web_app_ballots_round_trip_and_recount_identically():
    election = Election(
        budget=Fraction(2001, 2),
        projects=[
            Project("p1", 400, "Library hours"),
            Project("p2", 700, "Youth club"),
            Project("p3", Fraction(501, 2), "Benches"),
        ],
        ballots=[{"p1", "p2"}, ["p2"], Ballot(("p3", "p1"), voter_id="anon-7")],
        vote_type="approval",
        meta={"description": "Ward 3; 2026"},
    )
    again = read_pb(write_pb(election))
    assert [b.vote for b in again.ballots] == [b.vote for b in election.ballots]
    assert again.budget == election.budget
    for rule in ("greedy", "mes-add1", "phragmen"):
        assert count(again, rule) == count(election, rule)


def test_fraction_without_decimal_form_is_refused_by_the_writer():
    election = Election(budget=Fraction(1, 3), projects=[Project("a", 1)], ballots=[["a"]])
    with pytest.raises(ValueError, match="exact decimal"):
        write_pb(election)


def test_points_given_with_approval_votes_are_kept_as_a_field_and_written_back():
    text = (
        "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;4\nb;5\n"
        "VOTES\nvoter_id;vote;points;age\n1;a,b;2,1;30\n2;b;;40\n"
    )
    election = read_pb(text)
    assert [(b.vote, b.voter_id, b.fields) for b in election.ballots] == [
        (("a", "b"), "1", {"points": "2,1", "age": "30"}),
        (("b",), "2", {"age": "40"}),
    ]
    assert "1;a,b;2,1;30\n2;b;;40\n" in write_pb(election)


def test_ordinal_ballots_keep_their_order():
    election = Election(
        budget=10,
        projects=[Project("a", 5), Project("b", 5), Project("c", 5)],
        ballots=[["c", "a"], ["b", "c", "a"]],
        vote_type="ordinal",
    )
    again = read_pb(write_pb(election))
    assert [b.vote for b in again.ballots] == [("c", "a"), ("b", "c", "a")]
    assert again.scores() == {"a": 2, "b": 3, "c": 4}


def test_project_id_with_a_comma_is_refused_by_the_writer():
    election = Election(budget=10, projects=[Project("a,b", 1)], ballots=[["a,b"]])
    with pytest.raises(ValueError, match="no comma"):
        write_pb(election)


def test_a_path_given_as_text_is_read_from_disk(tmp_path):
    path = tmp_path / "ward-3.txt"
    path.write_text(SMALL, encoding="utf-8")
    assert read_pb(str(path)) == read_pb(SMALL)
