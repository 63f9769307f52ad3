"""Time and memory of counting every shared election with every rule, beside pabutools.

    .venv/bin/python benchmarks/tally.py [--pabutools-timeout SECONDS] [--no-pabutools]
                                         [--repeat N]

Each measurement runs in a fresh process (so peak memory is that count's alone): ours is
``read_pb`` + ``count`` (parsing included), the fastest of ``--repeat`` fresh processes (on a
shared machine other work only ever adds time, and ours take well under a second, so one
burst can double them); pabutools is ``parse_pabulib`` + the documented reference call
(tests/allocation/pb/pabutools_reference.py), once. pabutools runs that exceed the
timeout are stopped; where make_reference.py recorded a full run on this machine, that time is
shown instead, marked "recorded". Rewrites only the ``tally`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "pabulib"
REFERENCE = ROOT / "tests" / "allocation" / "pb" / "reference"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN tally -->", "<!-- END tally -->"
STRESS_BEGIN, STRESS_END = "<!-- BEGIN tally-stress -->", "<!-- END tally-stress -->"
STRESS_HEAD = [
    "Stress cases, ours only (`mes-add1`, the fastest of `--repeat` fresh processes by CPU; "
    "worst_case_*: m projects costing 1,000 each, every one of 10 voters approves all, "
    "budget 500 m, issue 17's worst case; then the forint-scale Budapest files of "
    "`faults/`):",
    "",
    "| file | rule | ours s (wall / CPU) | ours peak MB |",
    "|---|---|---|---|",
]

OURS = """
import json, resource, sys, time
from allocation.pb import count, read_pb
start, cpu = time.perf_counter(), time.process_time()
election = read_pb(sys.argv[1])
outcome = count(election, sys.argv[2])
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "selected": outcome.selected}))
"""

PABUTOOLS = """
import json, resource, sys, time
from pabutools.election import parse_pabulib
from tests.allocation.pb.pabutools_reference import reference
start, cpu = time.perf_counter(), time.process_time()
instance, profile = parse_pabulib(sys.argv[1])
selected = reference(sys.argv[2], instance, profile, instance.meta)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "selected": selected}))
"""

RULES = (
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "mes",
    "mes-add1",
    "mes-add1-greedy",
    "mes-add1-last-fit",
    "phragmen",
)
FORINT_FILES = ("Hungary_Budapest_2022_VIII_Jozsefvaros.pb", "Hungary_Budapest_2024.pb")
# Rules pabutools has no counterpart for (docs/counting.md): ours is timed alone.
NO_REFERENCE = {"mes-add1-last-fit"}


def measure(code: str, path: Path, rule: str, timeout: float | None) -> dict | None:
    """Run ``code`` in a fresh interpreter; its JSON report, or None on timeout or failure."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path), rule],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{model}, {cores} cores available, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def recorded_seconds(path: Path, rule: str) -> float | None:
    ref = REFERENCE / f"{path.stem}.json"
    if not ref.exists():
        return None
    entry = json.loads(ref.read_text())["rules"].get(rule)
    return None if entry is None else entry["seconds"]


def worst_case(m: int, folder: Path) -> Path:
    """mes-add1's worst case (issue 17): m projects of equal cost, every voter approves all."""
    lines = ["META", "key;value", f"num_projects;{m}", "num_votes;10", f"budget;{500 * m}"]
    lines += ["vote_type;approval", "rule;equalshares/add1", "PROJECTS", "project_id;cost"]
    lines += [f"{j};1000" for j in range(1, m + 1)]
    every = ",".join(str(j) for j in range(1, m + 1))
    lines += ["VOTES", "voter_id;vote", *(f"{i};{every}" for i in range(1, 11))]
    path = folder / f"worst_case_equal_cost_{m}_projects.pb"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stress_rows(repeat: int, timeout: float) -> list[str]:
    """The crafted worst case and the forint-scale files of ``faults/``, ours only."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        paths = [worst_case(m, Path(folder)) for m in (50, 200, 500)]
        paths += [DATA / "faults" / n for n in FORINT_FILES if (DATA / "faults" / n).is_file()]
        for path in paths:
            tries = [measure(OURS, path, "mes-add1", timeout) for _ in range(max(1, repeat))]
            done = [x for x in tries if x is not None and "error" not in x]
            if not done:
                rows.append(f"| {path.name} | mes-add1 | > {timeout:.0f} (stopped) | - |")
            else:
                best = min(done, key=lambda x: x["cpu"])
                rows.append(
                    f"| {path.name} | mes-add1 | {best['seconds']:.2f} / {best['cpu']:.2f} "
                    f"| {best['peak_mb']:.0f} |"
                )
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pabutools-timeout", type=float, default=30.0)
    parser.add_argument("--no-pabutools", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes for each of ours")
    parser.add_argument(
        "--stress-only",
        action="store_true",
        help="only the crafted worst case and the forint-scale files (printed, docs unchanged)",
    )
    parser.add_argument("--stress-timeout", type=float, default=300.0)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    if args.stress_only:
        began = time.time()
        stress = stress_rows(args.repeat, args.stress_timeout)
        write_section(
            STRESS_BEGIN,
            STRESS_END,
            [
                "## Counting votes: stress cases (`benchmarks/tally.py --stress-only`)",
                "",
                f"Machine: {machine()}. Run on {time.strftime('%Y-%m-%d %H:%M')}, "
                f"{time.time() - began:.0f} s in all, the machine shared with other work.",
                "",
                *STRESS_HEAD,
                *stress,
            ],
        )
        return
    rows = []
    worst = 0.0
    worst_mb = 0.0
    began = time.time()
    for path in sorted(DATA.glob("*.pb")):
        has_threshold = "min_project_score_threshold" in path.read_text(encoding="utf-8")[:5000]
        for rule in RULES:
            if rule == "greedy-threshold" and not has_threshold:
                continue
            tries = [measure(OURS, path, rule, None) for _ in range(max(1, args.repeat))]
            for ours in tries:
                assert ours is not None and "error" not in ours, (path, rule, ours)
            ours = min(tries, key=lambda x: x["cpu"])
            worst, worst_mb = max(worst, ours["cpu"]), max(worst_mb, ours["peak_mb"])
            theirs = (
                None
                if args.no_pabutools or rule in NO_REFERENCE
                else measure(PABUTOOLS, path, rule, args.pabutools_timeout)
            )
            if theirs is not None and "error" not in theirs:
                same = sorted(theirs["selected"]) == sorted(ours["selected"])
                their_s = f"{theirs['seconds']:.2f} / {theirs['cpu']:.2f}"
                their_mb = f"{theirs['peak_mb']:.0f}"
                ratio = f"{theirs['cpu'] / ours['cpu']:.0f}x"
                agree = "yes" if same else "**no**"
            elif rule in NO_REFERENCE:
                their_s, their_mb, ratio, agree = "no such rule", "-", "-", "-"
            else:
                old = recorded_seconds(path, rule)
                their_mb = "?"
                agree = "recorded" if old is not None else "?"
                if old is not None and old > args.pabutools_timeout:
                    their_s, ratio = f"{old:.0f} (recorded)", f"{old / ours['cpu']:.0f}x"
                else:
                    their_s, ratio = f"> {args.pabutools_timeout:.0f} (stopped)", "?"
            rows.append(
                f"| {path.name} | {rule} | {ours['seconds']:.2f} / {ours['cpu']:.2f} "
                f"| {ours['peak_mb']:.0f} "
                f"| {their_s} | {their_mb} | {ratio} | {agree} |"
            )
            print(rows[-1], flush=True)
    stress = stress_rows(args.repeat, args.stress_timeout)
    section = "\n".join(
        [
            BEGIN,
            "## Counting votes (`benchmarks/tally.py`)",
            "",
            f"Machine: {machine()}. Run on {time.strftime('%Y-%m-%d %H:%M')}, "
            f"{time.time() - began:.0f} s in all, the machine shared with other work.",
            "",
            "Each cell is a fresh process, timed after its imports: ours = `read_pb` + `count` "
            f"(parsing included), the fastest of {max(1, args.repeat)} processes by CPU time; "
            "pabutools = `parse_pabulib` + the documented call (docs/counting.md), once. "
            "Times are wall-clock / CPU seconds; on a shared machine the CPU time is the fairer "
            "figure. Peak = maximum resident memory of that process (the "
            "interpreter and NumPy included). Ratio = pabutools CPU seconds / ours. "
            '"recorded": pabutools was stopped after '
            f"{args.pabutools_timeout:.0f} s here; the time shown is its full run recorded by "
            "`tests/allocation/pb/make_reference.py` on an earlier 2-core machine of the same "
            "kind, not necessarily this one (docs/counting.md compares the two), whose "
            "selection the tests compare with ours.",
            "",
            f"Slowest count of ours: {worst:.2f} CPU s; highest peak memory of ours: "
            f"{worst_mb:.0f} MB.",
            "",
            "| file | rule | ours s (wall / CPU) | ours peak MB | pabutools s (wall / CPU) "
            "| pabutools peak MB | ratio "
            "| same selection |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            *STRESS_HEAD,
            *stress,
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    DOC.write_text(text[:start] + section + text[stop:], encoding="utf-8")


def write_section(begin: str, end: str, lines: list[str]) -> None:
    """Replace (or append) the section between ``begin`` and ``end`` in docs/benchmarks.md."""
    section = "\n".join([begin, *lines, end])
    text = DOC.read_text(encoding="utf-8")
    if begin in text:
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + section + text[stop:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
