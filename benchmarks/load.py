"""Voting under load, and a worker killed mid-run: gunicorn + PostgreSQL on this machine.

    python benchmarks/load.py [--voters 1500] [--submissions 3] [--clients 16] [--workers 3]

What it does, in order:

1. Makes a scratch PostgreSQL database (dropped at the end), builds the schema with the
   migrations, loads the demo, and adds a process open for voting with a budget in every ward
   and a city-wide one (8 proposals each, approval ballots of at most 4 projects) and
   ``--voters`` residents spread over the wards: each has two budgets to vote in.
2. Serves the app with gunicorn (sync workers, production settings) on 127.0.0.1.
3. Every voter opens each ballot page (GET, for the form's CSRF token), then submits that
   ballot ``--submissions`` times at once, each time with different choices: a double click,
   a second tab, a change of mind. ``--clients`` connections work through these submissions
   together; every response is recorded as the client saw it (accepted = redirect to the
   receipt page; refused = 4xx; failed = 5xx or a broken connection, retried up to 3 times).
4. Halfway through, one gunicorn worker is killed (SIGKILL); the master starts another.
5. Proves from the database: exactly one ballot per voter per budget that had a submission
   accepted, none where nothing could have been saved, and each ballot's choices are exactly
   those of one submission that was accepted (or whose answer was lost with the killed worker),
   never a mixture, never a refused one.

Sign-in is rate-limited per address by design, and every client here is 127.0.0.1; so each
voter's session cookie is made with the server's own key, as signing in would set it. Sign-in
is not what is measured: ballot submissions are.

Writes the figures between ``<!-- BEGIN load -->`` and ``<!-- END load -->`` in
docs/benchmarks.md (``--no-write`` to only print them). Exit status 1 if the proof fails.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN load -->", "<!-- END load -->"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROPOSALS_PER_BUDGET = 8
MAX_PROJECTS = 4
ATTEMPTS = 3


@dataclass
class Submission:
    voter: int
    budget: int
    choices: frozenset[int]
    outcomes: list[str] = field(default_factory=list)  # one per attempt
    seconds: list[float] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return self.outcomes[-1] if self.outcomes else "not sent"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=1500)
    parser.add_argument("--submissions", type=int, default=3, help="per ballot, at once")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    # 3 measured faster than gunicorn's usual 2 x cores + 1 = 5 here (222 against 201 ballots/s)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a worker mid-run")
    parser.add_argument("--no-write", action="store_true", help="do not update docs")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LOAD_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL database from which a scratch database can be created",
    )
    args = parser.parse_args()
    random.seed(2027)

    began = time.time()
    name = f"pbapp_load_{os.getpid()}_{int(began)}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.admin_url).set(database=name).render_as_string(False)
    os.environ.update(
        PBAPP_ENV="production",
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        PUBLIC_URL="http://127.0.0.1",  # production requires it (links in emails)
    )
    try:
        ballots, cookies, setup_seconds = prepare(url, args.voters)
        port = args.port or free_port()
        with Server(port, args.workers) as server:
            opened, open_seconds = open_ballot_pages(port, ballots, cookies, args.clients)
            subs = plan_submissions(ballots, args.submissions)
            storm = vote(port, subs, opened, args.clients, None if args.no_kill else server)
        proof = prove(url, subs)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    report = render(args, setup_seconds, open_seconds, storm, proof, time.time() - began)
    print(report)
    if not args.no_write:
        write_section(report)
    return 0 if proof["ok"] else 1


# -- 1. the database ------------------------------------------------------------------------


def prepare(url: str, voters: int):
    """Schema, demo, an open process in every ward, voters; their ballots and session cookies."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from pbapp import create_app
    from pbapp.demo import load_demo
    from pbapp.extensions import db
    from pbapp.models import Budget, Neighbourhood, Process, Proposal, User, UserRole

    started = time.perf_counter()
    app = create_app()
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        today = date.today()
        starts = [today + timedelta(days=d) for d in (-30, -20, -2, 20, 40)]
        process = Process(
            title="Load test: healthy summer 2027",
            description="Made by benchmarks/load.py.",
            themes=["early-help"],
            ballot_type="approval",
            max_projects=MAX_PROJECTS,
            rule="mes-add1",
            proposals_start=starts[0],
            review_start=starts[1],
            voting_start=starts[2],
            results_start=starts[3],
            delivery_start=starts[4],
        )
        wards = list(db.session.scalars(sa.select(Neighbourhood).order_by(Neighbourhood.id)))
        for area in [*wards, None]:
            budget = Budget(neighbourhood_id=area.id if area else None, amount=50_000)
            process.budgets.append(budget)
            for k in range(PROPOSALS_PER_BUDGET):
                budget.proposals.append(
                    Proposal(
                        title=f"Project {k + 1} in {area.name if area else 'the city'}",
                        summary="A load-test project.",
                        description="A load-test project.",
                        cost=random.randrange(2_000, 20_000, 500),
                        theme="early-help",
                        location="",
                        status="feasible",
                    )
                )
        db.session.add(process)
        db.session.flush()
        by_area = {b.neighbourhood_id: b for b in process.budgets}
        shared_hash = generate_password_hash(secrets.token_urlsafe(16))  # nobody signs in
        users = []
        for i in range(voters):
            area = wards[i % len(wards)]
            users.append(
                User(
                    name=f"Load voter {i}",
                    email=f"load-voter-{i}@load.test",
                    password_hash=shared_hash,
                    neighbourhood_id=area.id,
                    role_rows=[UserRole(role="resident")],
                )
            )
        db.session.add_all(users)
        db.session.flush()
        ballots = {
            user.id: [
                (b.id, [p.id for p in b.proposals])
                for b in (by_area[user.neighbourhood_id], by_area[None])
            ]
            for user in users
        }
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        # What signing in stores: the account's id and session version (User.get_id).
        session_ids = {user.id: user.get_id() for user in users}
        cookies = {
            uid: serializer.dumps({"_user_id": session_ids[uid], "_fresh": False})
            for uid in ballots
        }
    return ballots, cookies, time.perf_counter() - started


# -- 2. the server --------------------------------------------------------------------------


class Server:
    """gunicorn serving ``pbapp:create_app()`` with the environment's production settings."""

    def __init__(self, port: int, workers: int) -> None:
        self.port, self.workers = port, workers
        self.killed: list[int] = []
        self.last_cpu: dict[int, tuple[str, float]] = {}

    def __enter__(self) -> Server:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "pbapp:create_app()",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
        deadline = time.time() + 60
        while len(self.worker_pids()) < self.workers or not self._answers():
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        return self

    def _answers(self) -> bool:
        try:
            status, _, _ = request(self.port, "GET", "/")
        except OSError:
            return False
        return status == 200

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_one_worker(self) -> None:
        pid = random.choice(self.worker_pids())
        self.last_cpu = {pid: cpu_by_process()[pid]}  # its CPU time dies with it
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- 3. the clients -------------------------------------------------------------------------


def request(port: int, method: str, path: str, body: str | None = None, cookie: str | None = None):
    """One request on a new connection (sync workers close each one): status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": f"session={cookie}"} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def session_cookie(headers, default: str) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0].removeprefix("session=")
    return default


def open_ballot_pages(port, ballots, cookies, clients):
    """GET every ballot page: the CSRF token and the session cookie that carries it."""

    def fetch(key):
        voter, budget = key
        status, headers, body = request(
            port, "GET", f"/budgets/{budget}/vote", cookie=cookies[voter]
        )
        match = TOKEN.search(body.decode())
        if status != 200 or not match:
            raise RuntimeError(f"ballot page {budget} for voter {voter}: HTTP {status}")
        return key, (match.group(1), session_cookie(headers, cookies[voter]))

    keys = [(voter, budget) for voter, items in ballots.items() for budget, _ in items]
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        opened = dict(pool.map(fetch, keys))
    return opened, time.perf_counter() - started


def plan_submissions(ballots, repeats: int) -> list[Submission]:
    """Each ballot ``repeats`` times in a row (so they run at once), different choices each."""
    subs = []
    keys = [(voter, budget, ids) for voter, items in ballots.items() for budget, ids in items]
    random.shuffle(keys)
    for voter, budget, ids in keys:
        for _ in range(repeats):
            chosen = frozenset(random.sample(ids, random.randint(1, MAX_PROJECTS)))
            subs.append(Submission(voter, budget, chosen))
    return subs


def vote(port, subs, opened, clients, server):
    done = Counter()
    lock = threading.Lock()
    halfway = len(subs) // 2

    def submit(sub: Submission) -> None:
        token, cookie = opened[(sub.voter, sub.budget)]
        body = urllib.parse.urlencode(
            [("csrf_token", token), *(("proposal", str(p)) for p in sorted(sub.choices))]
        )
        for _ in range(ATTEMPTS):
            started = time.perf_counter()
            try:
                status, headers, _ = request(
                    port, "POST", f"/budgets/{sub.budget}/vote", body, cookie
                )
            except (OSError, http.client.HTTPException):
                sub.outcomes.append("failed")
            else:
                accepted = status == 302 and "/voted" in (headers.get("Location") or "")
                sub.outcomes.append(
                    "accepted" if accepted else "refused" if 400 <= status < 500 else "failed"
                )
            sub.seconds.append(time.perf_counter() - started)
            if sub.outcome != "failed":
                break
        with lock:
            done["n"] += 1
            if server is not None and done["n"] == halfway:
                server.kill_one_worker()

    cpu_before, client_before = cpu_by_process(), time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(submit, subs))
    wall = time.perf_counter() - started
    cpu = cpu_used(cpu_before, cpu_by_process(), server.last_cpu if server else {})
    cpu["clients"] = time.process_time() - client_before
    return {"wall": wall, "cpu": cpu, "killed": list(server.killed) if server else []}


def cpu_by_process() -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by each gunicorn and PostgreSQL process on the machine.

    The machine may be shared, so the rate alone can mislead; CPU time per submission says
    what one ballot costs, whatever else runs.
    """
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        kind = (
            "database" if name.startswith("postgres") else "server" if "gunicorn" in name else None
        )
        if kind:
            found[int(stat.parent.name)] = (kind, (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_used(before, after, killed) -> dict[str, float]:
    """CPU seconds by kind between two readings; a killed worker counts up to its last reading."""
    totals = {"server": 0.0, "database": 0.0}
    for pid, (kind, seconds) in (after | killed).items():
        totals[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return totals


# -- 5. the proof ---------------------------------------------------------------------------


def prove(url: str, subs: list[Submission]) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT b.voter_id, b.budget_id, b.id, i.proposal_id FROM ballot b "
                "LEFT JOIN ballot_item i ON i.ballot_id = b.id "
                "JOIN \"user\" u ON u.id = b.voter_id WHERE u.email LIKE '%@load.test'"
            )
        ).all()
    engine.dispose()
    ballot_ids: dict[tuple[int, int], set[int]] = defaultdict(set)
    stored: dict[tuple[int, int], set[int]] = defaultdict(set)
    for voter, budget, ballot, proposal in rows:
        ballot_ids[(voter, budget)].add(ballot)
        if proposal is not None:
            stored[(voter, budget)].add(proposal)
    by_key: dict[tuple[int, int], list[Submission]] = defaultdict(list)
    for sub in subs:
        by_key[(sub.voter, sub.budget)].append(sub)

    lost = doubled = wrong = unexpected = 0
    for key, group in by_key.items():
        accepted = {s.choices for s in group if "accepted" in s.outcomes}
        maybe = {s.choices for s in group if "failed" in s.outcomes}  # answer never seen
        if len(ballot_ids.get(key, ())) > 1:
            doubled += 1
        if key not in ballot_ids:
            lost += bool(accepted)
            continue
        if not accepted and not maybe:
            unexpected += 1
        elif frozenset(stored[key]) not in accepted | maybe:
            wrong += 1
    outcomes = Counter(o for s in subs for o in s.outcomes)
    ok = not (lost or doubled or wrong or unexpected) and outcomes["refused"] == 0
    return {
        "ok": ok,
        "ballots": len(ballot_ids),
        "expected": sum(1 for g in by_key.values() if any("accepted" in s.outcomes for s in g)),
        "keys": len(by_key),
        "lost": lost,
        "doubled": doubled,
        "wrong": wrong,
        "unexpected": unexpected,
        "outcomes": outcomes,
        "latencies": sorted(t for s in subs for t in s.seconds),
        "submissions": len(subs),
        "requests": sum(len(s.outcomes) for s in subs),
    }


# -- the report -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def machine() -> str:
    model = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    cores = len(os.sched_getaffinity(0))
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{model}, {cores} cores, Python {platform.python_version()}, {pg or 'PostgreSQL'}"


def render(args, setup_seconds, open_seconds, storm, proof, total) -> str:
    lat = proof["latencies"]
    ms = [1000 * t for t in lat]
    o = proof["outcomes"]
    rate = proof["requests"] / storm["wall"]
    killed = (
        f"worker {storm['killed'][0]} killed (SIGKILL) halfway"
        if storm["killed"]
        else "no worker killed"
    )
    verdict = "PASSED" if proof["ok"] else "FAILED"
    return "\n".join(
        [
            BEGIN,
            "## Voting under load (`benchmarks/load.py`)",
            "",
            f"Machine: {machine()}; server and clients on the same machine. "
            f"Run on {time.strftime('%Y-%m-%d %H:%M')}, {total:.0f} s in all "
            f"(setup {setup_seconds:.0f} s).",
            "",
            f"gunicorn {args.workers} sync workers, production settings, PostgreSQL; "
            f"{args.clients} client connections; {args.voters} voters × 2 budgets, each ballot "
            f"submitted {args.submissions} times at once with different choices; {killed}.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| ballot submissions (POST) | {proof['submissions']:,} in {storm['wall']:.1f} s "
            f"({proof['requests']:,} requests with retries) |",
            f"| **ballot submissions per second** | **{rate:.0f}** |",
            f"| latency p50 / p90 / p99 / max | {percentile(ms, 0.5):.0f} / {percentile(ms, 0.9):.0f} / "
            f"**{percentile(ms, 0.99):.0f}** / {max(ms):.0f} ms |",
            f"| mean latency | {statistics.fmean(ms):.0f} ms |",
            "| CPU per submission: web server / database / clients | "
            + " / ".join(
                f"{1000 * storm['cpu'][k] / proof['requests']:.1f}"
                for k in ("server", "database", "clients")
            )
            + " ms |",
            f"| answers | {o['accepted']:,} accepted, {o['refused']:,} refused, {o['failed']:,} failed "
            "(5xx or broken connection; retried) |",
            f"| ballot pages opened first (GET) | {proof['keys']:,} in {open_seconds:.1f} s |",
            "",
            f"Proof from the database — {verdict}: {proof['ballots']:,} ballots for "
            f"{proof['expected']:,} voter-budget pairs with an accepted submission; "
            f"{proof['lost']} lost, {proof['doubled']} doubled, {proof['wrong']} whose choices are "
            f"not exactly one accepted (or unanswered) submission's, {proof['unexpected']} saved "
            "with nothing accepted.",
            "",
            "Targets (issue 8): at least 200 ballots/s with p99 under 250 ms on 2 cores.",
            END,
        ]
    )


def write_section(report: str) -> None:
    text = DOCS.read_text()
    if BEGIN in text:
        start, stop = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + report + text[stop:]
    else:
        text = text.rstrip("\n") + "\n\n" + report + "\n"
    DOCS.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
