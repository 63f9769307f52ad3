"""Sub-command ``pooled`` of ``python -m allocation``: allocate a pooled budget from JSON.

Prints ``{"allocation": [{"contribution", "cell", "amount"}], "deviation", "gaps", ...}``.
Input that cannot be allocated prints one line on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from allocation.pooled import PooledBudgetError, allocate_pooled_budget, pooled_budget_from_dict

USER_FAULT = 2


def _pooled(args: argparse.Namespace) -> int:
    try:
        with open(args.file, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        print(f"error: {args.file}: cannot read the file ({exc.strerror or exc})", file=sys.stderr)
        return USER_FAULT
    except UnicodeDecodeError:
        print(f"error: {args.file}: the file is not UTF-8 text", file=sys.stderr)
        return USER_FAULT
    except json.JSONDecodeError as exc:
        print(
            f"error: {args.file}: not valid JSON at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg})",
            file=sys.stderr,
        )
        return USER_FAULT
    try:
        cells, contributions = pooled_budget_from_dict(data)
        result = allocate_pooled_budget(cells, contributions)
    except PooledBudgetError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return USER_FAULT
    json.dump(result.to_dict(), sys.stdout, indent=2 if args.indent else None)
    sys.stdout.write("\n")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``pooled``."""
    p = subparsers.add_parser(
        "pooled",
        help="allocate a pooled budget with restricted contributions (linear programme)",
        description='Read {"cells": [{"id", "target"}], "contributions": [{"id", "amount", '
        '"allowed": [cell ids]}]} and print the allocation that spends every '
        "contribution within its restrictions with the least total relative "
        "deviation from the targets, in whole pounds, as JSON.",
    )
    p.add_argument("file", metavar="FILE.json")
    p.add_argument("--indent", action="store_true", help="pretty-print the JSON")
    p.set_defaults(func=_pooled)
