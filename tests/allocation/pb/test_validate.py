"""A malformed file is refused with one message per fault, naming its line; nothing is counted."""

from __future__ import annotations

import pytest

from allocation.pb import PbFormatError, check_pb, read_pb

GOOD = """META
key;value
num_projects;2
num_votes;2
budget;100
vote_type;approval
min_length;1
max_length;2
PROJECTS
project_id;cost;name
1;60;A
2;50;B
VOTES
voter_id;vote
v1;1,2
v2;2
"""


def faults_of(text: str) -> list[str]:
    return [str(f) for f in check_pb(text)]


def test_sound_file_has_no_faults():
    assert check_pb(GOOD) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("num_votes;2", "num_votes;3"),
            "line 4: META num_votes says 3 but the VOTES section has 2",
        ),
        (("num_projects;2", "num_projects;5"), "line 3: META num_projects says 5"),
        (("v2;2", "v2;7"), "line 16: voter v2 votes for unknown project '7'"),
        (("v2;2", "v1;2"), "line 16: voter v1 appears twice"),
        (("2;50;B", "1;50;B"), "line 12: project 1 appears twice"),
        (("v1;1,2", "v1;"), "line 15: voter v1 chose 0 projects, fewer than min_length 1"),
        (
            ("max_length;2", "max_length;1"),
            "line 15: voter v1 chose 2 projects, more than max_length",
        ),
        (("1;60;A", "1;sixty;A"), "line 11: project 1: cost 'sixty' is not a number"),
        (("budget;100\n", ""), "line 1: META has no budget"),
        (("v1;1,2", "v1;1,1"), "line 15: voter v1 names a project twice"),
    ],
)
def test_each_fault_is_named_with_its_line(change, expected):
    faults = faults_of(GOOD.replace(*change))
    assert any(f.startswith(expected) for f in faults), faults


def test_points_over_max_sum_points_are_a_fault():
    text = (
        GOOD.replace("vote_type;approval", "vote_type;cumulative\nmax_sum_points;4")
        .replace("voter_id;vote", "voter_id;vote;points")
        .replace("v1;1,2", "v1;1,2;3,2")
        .replace("v2;2\n", "v2;2;1\n")
    )
    assert faults_of(text) == [
        "line 16: voter v1 gives 5 points in all, more than max_sum_points 4"
    ]


def test_reader_refuses_a_faulty_file_and_reports_the_first_fault():
    with pytest.raises(PbFormatError) as caught:
        read_pb(GOOD.replace("v2;2", "v2;9").replace("1;60;A", "1;x;A"))
    assert str(caught.value).startswith("line 11: project 1: cost 'x' is not a number")
    assert len(caught.value.faults) >= 2


def test_missing_section_is_a_fault():
    assert faults_of(GOOD.split("VOTES")[0]) == ["the VOTES section is missing"]


def test_choose_one_ballot_naming_two_projects_is_a_fault():
    text = GOOD.replace("vote_type;approval", "vote_type;choose-1").replace("max_length;2\n", "")
    assert faults_of(text) == ["line 14: voter v1 chose 2 projects, more than max_length 1"]
