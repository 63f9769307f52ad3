"""The command-line contracts, run as outside tools run them: ``python -m allocation ...``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def allocation(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "allocation", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_shares_and_pooled_run_as_python_dash_m(tmp_path):
    wards = tmp_path / "wards.csv"
    wards.write_text("code,people,score\nW1,1000,10\nW2,3000,30\nW3,2000,20\n", encoding="utf-8")
    done = allocation(
        "shares",
        str(wards),
        "--budget",
        "10000",
        "--population-column",
        "people",
        "--need-column",
        "score",
        "--id-column",
        "code",
        "--universal",
        "0.5",
        "--alpha",
        "1",
        "--floor",
        "0.9",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert [r["id"] for r in rows] == ["W1", "W2", "W3"]
    assert sum(int(r["amount"]) for r in rows) == 10000

    pool = tmp_path / "pool.json"
    pool.write_text(
        json.dumps(
            {
                "cells": [{"id": "a", "target": 60}, {"id": "b", "target": 40}],
                "contributions": [
                    {"id": "x", "amount": 70, "allowed": ["a", "b"]},
                    {"id": "y", "amount": 30, "allowed": ["b"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    done = allocation("pooled", str(pool))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # y's 30 must go to b; x tops b up to 40 and gives a its 60: every target met.
    assert out["max_relative_shortfall"] == 0 and out["gaps"] == []
    assert sorted((a["contribution"], a["cell"], a["amount"]) for a in out["allocation"]) == [
        ("x", "a", 60),
        ("x", "b", 10),
        ("y", "b", 30),
    ]


def test_a_user_fault_is_one_line_and_exit_2_never_a_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,a\nx,first\n", encoding="utf-8")
    done = allocation(
        "need-index",
        str(bad),
        "--id-column",
        "id",
        "--rank-columns",
        "a",
        "--weights",
        "1",
        "--areas",
        "10",
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "line 2" in done.stderr and "'a'" in done.stderr
