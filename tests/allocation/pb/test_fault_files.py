"""Real files with small faults and a score threshold (``../shared/data/pabulib/faults``).

Each test failed before its fix: greedy-no-skip funded projects below the file's threshold;
``tally`` refused files whose faults leave the count unambiguous.
"""

from __future__ import annotations

import pytest

from allocation.__main__ import main
from allocation.pb import Election, PbFormatError, Project, count, read_pb
from tests.allocation.pb.conftest import DATA

FAULTS = DATA / "faults"


def faulty(name: str):
    if not (FAULTS / name).is_file():
        pytest.skip(f"shared file {name} not found (present in CI)")
    return FAULTS / name


def published(election: Election) -> set[str]:
    return {p.id for p in election.projects if p.fields.get("selected", "").strip() == "1"}


@pytest.mark.parametrize(
    "name",
    ["Poland_Gdynia_2020_Orlowo__small.pb", "Poland_Gdynia_2023_Kamienna_Gora__small.pb"],
)
@pytest.mark.parametrize("rule", ["official", "greedy-no-skip"])
def test_a_threshold_in_the_file_is_a_threshold(name, rule):
    election = read_pb(faulty(name))
    assert election.meta["rule"] == "greedy-no-skip"
    threshold = int(election.meta["min_project_score_threshold"])
    selected = count(election, rule).selected
    scores = election.scores()
    assert all(scores[p] >= threshold for p in selected)
    assert set(selected) == published(election)


def test_greedy_no_skip_leaves_out_projects_below_the_threshold():
    election = Election(
        budget=100,
        projects=[Project("a", 50), Project("b", 30), Project("c", 10)],
        ballots=[{"a", "b", "c"}, {"a", "b"}, {"a"}],
        meta={"min_project_score_threshold": "2"},
    )
    assert count(election, "greedy-no-skip").selected == ["a", "b"]
    del election.meta["min_project_score_threshold"]
    assert count(election, "greedy-no-skip").selected == ["a", "b", "c"]


def test_a_repeated_approval_is_counted_once_with_a_warning(capsys):
    path = faulty("Poland_Warszawa_2026_Mirow_Czyste_Odolany.pb")
    with pytest.raises(PbFormatError, match="names a project twice"):
        read_pb(path)
    election = read_pb(path, strict=False)
    assert [str(w) for w in election.warnings] == ["line 1726: voter 294405 names a project twice"]
    assert set(count(election, "official").selected) == published(election)
    assert main(["tally", str(path), "--rule", "official"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"warning: {path}: line 1726: voter 294405 names a project twice (counted)"]
    assert main(["tally", str(path), "--rule", "official", "--strict"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_points_slightly_under_the_minimum_total_are_counted_as_given(capsys):
    path = faulty("Worldwide_Mechanical_Turk_Utilities_7.pb")
    election = read_pb(path, strict=False)
    assert len(election.warnings) == 16
    assert all("fewer than min_sum_points 100" in str(w) for w in election.warnings)
    assert main(["tally", str(path), "--rule", "greedy"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 16 and all(line.startswith("warning: ") for line in err)
    assert main(["tally", str(path), "--rule", "greedy", "--strict"]) == 2


POINTS = """META
key;value
budget;100
vote_type;cumulative
min_sum_points;100
max_sum_points;100
PROJECTS
project_id;cost
a;60
b;50
VOTES
voter_id;vote;points
1;a,b;60,40
2;a,b;50,{second}
"""


@pytest.mark.parametrize(
    ("second", "counted"),
    [("48", True), ("54", True), ("40", False), ("70", False)],
)
def test_only_a_total_within_five_percent_of_the_limit_is_counted(second, counted):
    text = POINTS.format(second=second)
    if counted:
        election = read_pb(text, strict=False)
        assert len(election.warnings) == 1
        assert election.ballots[1].vote == {"a": 50, "b": int(second)}
    else:
        with pytest.raises(PbFormatError, match="points in all"):
            read_pb(text, strict=False)


def test_a_repeated_project_on_a_ranking_still_refuses():
    text = """META
key;value
budget;100
vote_type;ordinal
PROJECTS
project_id;cost
a;60
b;50
VOTES
voter_id;vote
1;a,b,a
"""
    with pytest.raises(PbFormatError, match="names a project twice"):
        read_pb(text, strict=False)


TIED = """META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost
10;60
9;50
VOTES
voter_id;vote
1;10,9
2;10
3;9
"""


@pytest.mark.parametrize(
    ("tie_break", "winner"),
    [("id-text", "10"), ("id-number", "9"), ("cheaper-first", "9")],
)
# (Phragmén is not tied here: the cheaper project is bought earlier.)
@pytest.mark.parametrize("rule", ["greedy", "greedy-no-skip", "mes", "mes-add1"])
def test_tie_break_decides_between_tied_projects(tie_break, winner, rule):
    election = read_pb(TIED)  # 10 and 9 both have 2 approvals; only one fits
    assert count(election, rule, tie_break=tie_break).selected == [winner]


def test_the_explanation_says_when_a_tie_decided(capsys):

    from allocation.pb import explain

    lines = {p.id: p for p in explain(read_pb(TIED), "greedy").projects}
    assert lines["10"].funded and lines["10"].decided_by_tie
    assert "would not have been funded" in lines["10"].tie_note
    assert not lines["9"].funded and lines["9"].decided_by_tie
    assert "would have been funded" in lines["9"].tie_note
    untied = read_pb(TIED.replace("3;9", "3;10"))
    assert not any(p.decided_by_tie for p in explain(untied, "greedy").projects)


def test_stary_mokotow_recount_with_the_citys_tie_break(tmp_path, capsys):
    path = faulty("Poland_Warszawa_2026_Stary_Mokotow.pb")
    election = read_pb(path)
    by_text = set(count(election, "official").selected)
    assert published(election) - by_text == {"64"} and by_text - published(election) == {"1534"}
    for rule in ("id-number", "cheaper-first"):
        assert set(count(election, "official", tie_break=rule).selected) == published(election)
    assert main(["explain", str(path), "--rule", "official"]) == 0
    import json

    projects = {p["id"]: p for p in json.loads(capsys.readouterr().out)["projects"]}
    assert projects["64"]["decided_by_tie"] and projects["1534"]["decided_by_tie"]
    assert sum(p["decided_by_tie"] for p in projects.values()) == 2
    assert (
        main(["tally", str(path), "--rule", "official", "--tie-break", "id-number", "--json"]) == 0
    )
    assert "64" in json.loads(capsys.readouterr().out)["selected"]
