"""The command line keeps the contract of DESIGN.md: tally [--json], explain, check, exit 2."""

from __future__ import annotations

import json

import pytest

from allocation.__main__ import main
from tests.allocation.pb.conftest import DATA, need_data

ELECTION = """META
key;value
num_projects;3
num_votes;4
budget;100
vote_type;approval
rule;equalshares/add1
PROJECTS
project_id;cost;name
a;60;Library
b;50;Park
c;40;Bench
VOTES
voter_id;vote
1;a
2;a,b
3;b,c
4;c
"""


@pytest.fixture
def election_file(tmp_path):
    path = tmp_path / "ward.pb"
    path.write_text(ELECTION, encoding="utf-8")
    return path


def test_tally_json_prints_rule_budget_selection_in_order_and_cost(election_file, capsys):
    assert main(["tally", str(election_file), "--rule", "greedy", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "rule": "greedy",
        "budget": 100,
        "selected": ["a", "c"],
        "cost": 100,
    }


def test_tally_official_applies_the_rule_meta_names(election_file, capsys):
    assert main(["tally", str(election_file), "--rule", "official", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rule"] == "official"
    assert out["selected"] == ["a", "c"]


def test_malformed_file_is_one_line_on_stderr_and_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.pb"
    path.write_text(ELECTION.replace("4;c", "4;z"), encoding="utf-8")
    assert main(["tally", str(path), "--rule", "greedy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 18" in err and "unknown project 'z'" in err


def test_missing_file_is_a_user_fault(tmp_path, capsys):
    assert main(["tally", str(tmp_path / "none.pb"), "--rule", "greedy"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_official_without_a_known_rule_is_a_user_fault(tmp_path, capsys):
    path = tmp_path / "norule.pb"
    path.write_text(ELECTION.replace("rule;equalshares/add1", "rule;unknown"), encoding="utf-8")
    assert main(["tally", str(path), "--rule", "official"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_unknown_rule_is_refused_by_the_parser(election_file):
    with pytest.raises(SystemExit) as stop:
        main(["tally", str(election_file), "--rule", "borda"])
    assert stop.value.code == 2


def test_check_reports_every_fault_one_per_line(tmp_path, capsys):
    path = tmp_path / "bad.pb"
    path.write_text(ELECTION.replace("4;c", "4;z").replace("a;60", "a;sixty"), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_check_accepts_a_sound_file(election_file, capsys):
    assert main(["check", str(election_file)]) == 0
    assert "no faults" in capsys.readouterr().out


def test_explain_prints_json_with_every_project(election_file, capsys):
    assert main(["explain", str(election_file), "--rule", "mes-add1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {p["id"] for p in data["projects"]} == {"a", "b", "c"}
    assert data["comparison"]["greedy"]["selected"] == ["a", "c"]


def test_tally_counts_a_real_file(capsys):
    need_data()
    path = DATA / "Netherlands_Assen_2024.pb"
    assert main(["tally", str(path), "--rule", "official", "--json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)["selected"]) == sorted(
        ["3", "9", "11", "2", "13", "14", "5", "6", "12"]
    )


def test_command_table_matches_what_each_module_registers():
    """``--help`` lists commands from a table (so that nothing is imported to print it): the
    table must name every command each module adds, with the same help."""
    import argparse
    import importlib

    from allocation.__main__ import COMMAND_MODULES, COMMANDS

    registered = {}
    for module in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(module).add_commands(sub)
        for action in sub._choices_actions:
            registered[action.dest] = (module, action.help)
    assert registered == COMMANDS


def _imports_of(*argv: str) -> set[str]:
    import subprocess
    import sys

    code = (
        "import sys, contextlib, io\n"
        "from allocation.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        f"        main({list(argv)!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_help_and_tally_import_only_what_they_need(election_file):
    help_modules = _imports_of("--help")
    assert not {m for m in help_modules if m.startswith(("scipy", "pandas", "numpy"))}
    assert "allocation.pooled" not in help_modules
    tally_modules = _imports_of("tally", str(election_file), "--rule", "mes-add1")
    assert "allocation.pb.rules" in tally_modules  # it did count
    for heavy in (
        "scipy",
        "pandas",
        "allocation.pooled",
        "allocation.needs",
        "allocation.core_funding",
    ):
        assert heavy not in tally_modules, heavy


def test_help_lists_every_command(capsys):
    from allocation.__main__ import COMMANDS

    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for command, (_module, help_text) in COMMANDS.items():
        assert command in out and help_text.split()[0] in out
