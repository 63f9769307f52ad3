"""The load benchmark's proof, at a small size: gunicorn and PostgreSQL, every ballot submitted
three times at once with different choices, one worker killed halfway. Afterwards the database
must hold exactly one ballot per voter per budget, none lost, each exactly one accepted
submission's choices (``benchmarks/load.py`` checks; it exits 1 when the proof fails).

PostgreSQL only (the production database): the PostgreSQL pass of ``make test`` runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not URL.startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL): the PostgreSQL pass of make test runs it",
)


def test_no_ballot_lost_or_doubled_when_twins_race_and_a_worker_is_killed():
    admin = make_url(URL).set(database="postgres").render_as_string(hide_password=False)
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/load.py",
            "--voters=60",
            "--submissions=3",
            "--clients=8",
            "--workers=3",
            "--no-write",
            f"--admin-url={admin}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "Proof from the database — PASSED" in report
    assert "killed (SIGKILL) halfway" in report
    assert "| ballot submissions (POST) | 360 in" in report  # 60 voters x 2 budgets x 3
