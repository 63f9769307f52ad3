"""Sub-command ``pooled`` of ``python -m allocation``: allocate a pooled budget from JSON.

Prints ``{"max_relative_shortfall", "max_relative_excess", "levels", "excess_levels",
"allocation": [{"contribution", "cell", "amount"}], "cells": [{"cell", "share_met", ...}],
"gaps", ...}``.
Input that cannot be allocated prints one line on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from allocation.pooled import (
    WEIGHTINGS,
    PooledBudgetError,
    allocate_pooled_budget,
    pooled_budget_from_dict,
)

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
        pool = pooled_budget_from_dict(data)
        weighting = args.weighting or pool.weighting
        result = allocate_pooled_budget(pool.cells, pool.contributions, weighting)
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
        help="allocate a pooled budget with restricted contributions, worst-off cells first",
        description='Read {"cells": [{"id", "target"}], "contributions": [{"id", "amount", '
        '"allowed": [cell ids]}]} and print, as JSON in whole pounds, the allocation that '
        "spends every contribution within its restrictions, minimising the largest relative "
        "shortfall, then the next largest (leximin); money that must land above targets is "
        "spread the same way, minimising the largest relative excess, then the next largest.",
    )
    p.add_argument("file", metavar="FILE.json")
    p.add_argument(
        "--weighting",
        choices=WEIGHTINGS,
        help='compare shortfalls as they are ("even", the default) or times each cell\'s '
        '"need" multiplier ("need"); overrides the file\'s "weighting". Money above targets '
        "is spread by excess / target either way",
    )
    p.add_argument("--indent", action="store_true", help="pretty-print the JSON")
    p.set_defaults(func=_pooled)
