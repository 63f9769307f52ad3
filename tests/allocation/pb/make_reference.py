"""Record what pabutools computes on the shared files, for tests that cannot wait for it.

Run from the repository root (minutes to hours on the city-wide files, and many GB of memory):

    .venv/bin/python -m tests.allocation.pb.make_reference [--file NAME] [--rule RULE]

For each file of ``../shared/data/pabulib`` and each rule it writes, into
``tests/allocation/pb/reference/<file>.json``, the ids pabutools selects with the call
documented in ``pabutools_reference.py`` (and docs/counting.md), the pabutools version and the
seconds it took. Existing entries are kept unless ``--force``. Never edit the output by hand.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import version
from pathlib import Path

from pabutools.election import parse_pabulib

from tests.allocation.pb.pabutools_reference import reference

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / ".." / "shared" / "data" / "pabulib"
OUT = Path(__file__).resolve().parent / "reference"
RULES = (
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "mes",
    "mes-add1",
    "mes-add1-greedy",
    "phragmen",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="only this file (name without .pb)")
    parser.add_argument("--rule", choices=RULES, help="only this rule")
    parser.add_argument("--force", action="store_true", help="recompute existing entries")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    for path in sorted(DATA.glob("*.pb")):
        if args.file and path.stem != args.file:
            continue
        target = OUT / f"{path.stem}.json"
        record = (
            json.loads(target.read_text())
            if target.exists()
            else {"file": path.name, "pabutools_version": version("pabutools"), "rules": {}}
        )
        instance, profile = parse_pabulib(str(path))
        meta = instance.meta
        for rule in RULES:
            if args.rule and rule != args.rule:
                continue
            if rule in record["rules"] and not args.force:
                continue
            if rule == "greedy-threshold" and "min_project_score_threshold" not in meta:
                continue
            start = time.perf_counter()
            selected = reference(rule, instance, profile, meta)
            seconds = round(time.perf_counter() - start, 2)
            record["rules"][rule] = {"selected": selected, "seconds": seconds}
            record["pabutools_version"] = version("pabutools")
            target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
            print(f"{path.stem} {rule}: {len(selected)} projects in {seconds} s", flush=True)


if __name__ == "__main__":
    main()
