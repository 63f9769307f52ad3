"""Benchmark: the public API's heaviest list, all proposals of a city-wide process.

Run ``python benchmarks/api.py`` (``make bench`` runs every benchmark). It builds a city-wide
process with 1,000 proposals and 3,000 ballots, publishes its result (so every proposal carries
its outcome and explanation), then times at the server (the WSGI app in this process, no network)
the ten pages of 100 that list them, the whole walk, and one proposal. It writes the ``api``
section of ``docs/benchmarks.md``. With ``BENCH_DATABASE_URL`` (a PostgreSQL URL whose database
may be emptied) it measures there too. Target: each page under 100 ms.
"""

from __future__ import annotations

import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PBAPP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import TestConfig  # noqa: E402
from pbapp import create_app  # noqa: E402
from pbapp.extensions import db  # noqa: E402
from pbapp.models import Ballot, BallotItem, Budget, Neighbourhood, Process, Proposal, User  # noqa: E402
from pbapp.services.participation.results import publish_result  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
PROPOSALS = 1_000
VOTERS = 3_000
REPEATS = 15


def build(url: str) -> int:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(TestConfig(url))
    with app.app_context():
        upgrade()
        rng = random.Random(2026)
        db.session.add(Neighbourhood(code="E05000001", name="Hillside", population=600_000))
        today = date.today()
        process = Process(
            title="City-wide ideas",
            description="A benchmark process.",
            themes=["air-green-space"],
            ballot_type="approval",
            rule="greedy",
            proposals_start=today - timedelta(days=40),
            review_start=today - timedelta(days=30),
            voting_start=today - timedelta(days=20),
            results_start=today - timedelta(days=1),
            delivery_start=today + timedelta(days=60),
        )
        budget = Budget(process=process, neighbourhood=None, amount=5_000_000)
        db.session.add_all([process, budget])
        proposals = [
            Proposal(
                budget=budget,
                title=f"Idea {i}",
                summary=f"Idea {i} for everyone in the city.",
                description="A longer description of the idea. " * 5,
                cost=rng.randrange(1_000, 60_000),
                theme="air-green-space",
                status="feasible",
            )
            for i in range(PROPOSALS)
        ]
        db.session.add_all(proposals)
        officer = User(name="Officer", email="officer@bench.test", password_hash="x")
        db.session.add(officer)
        db.session.flush()
        ids = [p.id for p in proposals]
        for v in range(VOTERS):
            voter = User(name=f"Voter {v}", email=f"v{v}@bench.test", password_hash="x")
            db.session.add(voter)
            db.session.flush()
            ballot = Ballot(
                budget=budget, voter_id=voter.id, receipt_hash=f"{v:064x}", source="online"
            )
            ballot.items = [BallotItem(proposal_id=pid, points=1) for pid in rng.sample(ids, 8)]
            db.session.add(ballot)
        db.session.flush()
        publish_result(officer, budget, today)
        db.session.commit()
        process_id = process.id
        db.engine.dispose()
    return process_id


def measure(url: str, process_id: int) -> dict[str, float]:
    app = create_app(TestConfig(url))
    client = app.test_client()
    first = f"/api/v1/proposals?process={process_id}&limit=100"

    def walk() -> tuple[list[float], int]:
        times, count, next_url = [], 0, first
        while next_url:
            start = time.perf_counter()
            response = client.get(next_url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
            body = response.get_json()
            count += len(body["items"])
            next_url = body["next"]
        return times, count

    walk()  # warm up
    pages, walks = [], []
    for _ in range(REPEATS):
        times, count = walk()
        assert count == PROPOSALS, count
        pages += times
        walks.append(sum(times))
    one = []
    for _ in range(REPEATS * 5):
        start = time.perf_counter()
        assert client.get("/api/v1/proposals/500").status_code == 200
        one.append(time.perf_counter() - start)
    with app.app_context():
        db.engine.dispose()
    return {
        "page median": statistics.median(pages),
        "page slowest": max(pages),
        "walk median": statistics.median(walks),
        "one median": statistics.median(one),
    }


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/api-bench.sqlite3"
        results["SQLite"] = measure(url, build(url))
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        results["PostgreSQL"] = measure(pg, build(pg))
    ms = lambda s: f"{s * 1000:.1f} ms"  # noqa: E731
    lines = [
        "<!-- BEGIN api -->",
        "## The public API (`benchmarks/api.py`)",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}. "
        f"Run on {date.today().isoformat()}. At the server: the WSGI app in the benchmark's "
        f"process, no network. A city-wide process with {PROPOSALS:,} proposals and "
        f"{VOTERS:,} ballots, its result published; {REPEATS} walks of its proposals in pages "
        "of 100 (the largest page the API gives). Target: a page under 100 ms.",
        "",
        "| database | page of 100, median | slowest page | all 1,000 (10 pages), median | one proposal, median |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {ms(r['page median'])} | {ms(r['page slowest'])} | "
            f"{ms(r['walk median'])} | {ms(r['one median'])} |"
        )
    lines.append("<!-- END api -->")
    section = "\n".join(lines)
    print(section)
    text = DOCS.read_text()
    if "<!-- BEGIN api -->" in text:
        text = re.sub(r"<!-- BEGIN api -->.*<!-- END api -->", section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text)


if __name__ == "__main__":
    main()
