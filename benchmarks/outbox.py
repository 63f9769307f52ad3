"""Benchmark: 10,000 "voting is open" notices (a city-wide vote) through the outbox to a real
SMTP server (aiosmtpd) on 127.0.0.1.

Run ``python benchmarks/outbox.py`` (``make bench`` runs every benchmark). It makes a fresh
PostgreSQL database on 127.0.0.1:5432 (``--sqlite`` for a temporary SQLite file instead), 10,000
residents and a city-wide vote opening today, then times ``flask notices send`` (writing the
notices to the outbox) and the mail workers (``--workers``, separate processes, as in
production) delivering them: messages per second and the time until the last is delivered. It
checks that every message arrived exactly once. Writes the figures between
``<!-- BEGIN outbox -->`` and ``<!-- END outbox -->`` in docs/benchmarks.md (``--no-write`` to
only print them).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import secrets
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN outbox -->", "<!-- END outbox -->"
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def make_app(url: str, smtp_port: int | None = None):
    from config import TestConfig
    from pbapp import create_app

    config = TestConfig(url)
    config.SECRET_KEY = "benchmark-" + "x" * 32
    config.PUBLIC_URL = "https://healthier.example"
    if smtp_port is not None:
        config.SMTP_URL = f"smtp://127.0.0.1:{smtp_port}"
    return create_app(config)


def setup(url: str, residents: int) -> None:
    from flask_migrate import upgrade

    from pbapp.extensions import db
    from pbapp.models import Budget, Neighbourhood, Process, User, UserRole

    app = make_app(url)
    with app.app_context():
        upgrade()
        wards = [
            Neighbourhood(code=f"E0500{i:04d}", name=f"Ward {i}", population=20_000)
            for i in range(28)
        ]
        db.session.add_all(wards)
        db.session.flush()
        today = date.today()
        db.session.add(
            Process(
                title="Healthier Together 2027",
                description="City-wide vote.",
                themes=["early-help"],
                ballot_type="approval",
                rule="greedy",
                proposals_start=today - timedelta(days=30),
                review_start=today - timedelta(days=20),
                voting_start=today,
                results_start=today + timedelta(days=14),
                delivery_start=today + timedelta(days=30),
                budgets=[Budget(neighbourhood_id=None, amount=1_000_000)],
            )
        )
        db.session.add_all(
            User(
                name=f"Resident {i}",
                email=f"resident{i}@example.org",
                password_hash="!",
                neighbourhood_id=wards[i % 28].id,
                role_rows=[UserRole(role="resident")],
            )
            for i in range(residents)
        )
        db.session.commit()
        db.engine.dispose()


def worker(url: str, port: int, results) -> None:
    from pbapp.extensions import db
    from pbapp.mailer import deliver_due

    app = make_app(url, port)
    with app.app_context():
        start = time.perf_counter()
        report = deliver_due()
        results.put((os.getpid(), report.sent, report.retried, time.perf_counter() - start))
        db.engine.dispose()


def run(url: str, residents: int, workers: int) -> dict:
    from aiosmtpd.controller import Controller

    from pbapp.extensions import db
    from pbapp.models.mail import OutboxMessage
    from pbapp.services.notifications.notices import scheduled

    started = time.perf_counter()
    setup(url, residents)
    setup_seconds = time.perf_counter() - started

    app = make_app(url)
    with app.app_context():
        start = time.perf_counter()
        report = scheduled(date.today())
        db.session.commit()
        write_seconds = time.perf_counter() - start
        db.engine.dispose()
    assert report.opens == residents, report

    class Counter:
        def __init__(self) -> None:
            self.ids: list[str] = []
            self.last = 0.0

        async def handle_DATA(self, server, session, envelope):
            match = re.search(rb"^Message-ID: (.+?)\r?$", envelope.content, re.M | re.I)
            self.ids.append(match.group(1).decode() if match else "")
            self.last = time.perf_counter()
            return "250 Message accepted"

    from tests.mail_support import free_port

    port = free_port()
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        queue = multiprocessing.get_context("fork").Queue()
        processes = [
            multiprocessing.get_context("fork").Process(target=worker, args=(url, port, queue))
            for _ in range(workers)
        ]
        cpu_before = os.times()
        start = time.perf_counter()
        for p in processes:
            p.start()
        reports = [queue.get(timeout=3600) for _ in processes]
        for p in processes:
            p.join()
        wall = time.perf_counter() - start
        to_last = handler.last - start
        cpu_after = os.times()
    finally:
        controller.stop()

    with app.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        db.engine.dispose()
    received = len(handler.ids)
    return {
        "residents": residents,
        "workers": workers,
        "setup": setup_seconds,
        "write": write_seconds,
        "wall": wall,
        "to_last": to_last,
        "received": received,
        "unique": len(set(handler.ids)),
        "statuses": statuses,
        "per_worker": sorted(r[1] for r in reports),
        "retried": sum(r[2] for r in reports),
        "child_cpu": (cpu_after.children_user + cpu_after.children_system)
        - (cpu_before.children_user + cpu_before.children_system),
    }


def fresh_database(name: str) -> str:
    engine = sa.create_engine(SERVER + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{SERVER}/{name}"


def drop_database(name: str) -> None:
    engine = sa.create_engine(SERVER + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def section(runs: list[dict], database: str) -> str:
    lines = [
        "## Email outbox (`benchmarks/outbox.py`)",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{database}; the SMTP server (aiosmtpd) on the same machine. Run on "
        f"{datetime.now():%Y-%m-%d %H:%M}.",
        "",
        "10,000 residents; a city-wide vote opens today. `flask notices send` writes one "
        '"voting is open" notice each to the outbox; then mail workers (separate processes, '
        "each committing after every message, rows claimed with `FOR UPDATE SKIP LOCKED`) "
        "deliver them over SMTP.",
        "",
        "| workers | writing 10,000 notices | delivering: messages per second | time until the last is delivered | received (each once?) | worker CPU per message |",
        "|---:|---:|---:|---:|---|---:|",
    ]
    for r in runs:
        ok = r["received"] == r["unique"] == r["residents"] and r["statuses"] == {
            "sent": r["residents"]
        }
        lines.append(
            f"| {r['workers']} | {r['write']:.1f} s | **{r['residents'] / r['to_last']:,.0f}** | "
            f"**{r['to_last']:.1f} s** | {r['received']:,} ({'yes' if ok else 'NO'}; "
            f"split {' / '.join(f'{n:,}' for n in r['per_worker'])}) | "
            f"{r['child_cpu'] / r['residents'] * 1000:.1f} ms |"
        )
    lines += [
        "",
        "Load average of the machine when the last run ended (1/5/15 min): "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
        + ". Delivery waits mostly on the database (one commit per message) and on SMTP "
        "round trips; worker CPU per message is the figure that does not depend on the load.",
    ]
    return "\n".join(lines)


def write_section(body: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?\n" + re.escape(END), re.S)
    block = f"{BEGIN}\n{body}\n{END}"
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("PBAPP_ENV", "testing")

    runs = []
    for workers in args.workers:
        if args.sqlite:
            folder = tempfile.mkdtemp()
            url, name, database = f"sqlite:///{folder}/outbox.sqlite3", None, "SQLite"
            if workers > 1:
                raise SystemExit("SQLite has no row locks: run one worker (--workers 1)")
        else:
            name = f"pbapp_bench_outbox_{secrets.token_hex(4)}"
            url = fresh_database(name)
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                database = "PostgreSQL " + conn.execute(sa.text("SHOW server_version")).scalar()
            engine.dispose()
        try:
            result = run(url, args.residents, workers)
        finally:
            if name:
                drop_database(name)
        runs.append(result)
        print(
            f"{workers} worker(s): wrote {args.residents:,} in {result['write']:.1f} s; "
            f"delivered {result['received']:,} ({result['unique']:,} distinct) in "
            f"{result['to_last']:.1f} s = {args.residents / result['to_last']:,.0f}/s; "
            f"statuses {result['statuses']}; split {result['per_worker']}"
        )
    body = section(runs, database)
    if not args.no_write:
        write_section(body)
    bad = [r for r in runs if not (r["received"] == r["unique"] == args.residents)]
    if bad:
        raise SystemExit("messages lost or doubled: see above")


if __name__ == "__main__":
    main()
