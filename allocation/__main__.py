"""``python -m allocation``: one command line for every computation in the library.

Each area of the library contributes its own sub-commands through ``add_commands(subparsers)``;
every sub-command sets ``func(args) -> int`` (the exit status). Faults a user can cause print
one line on standard error and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module defines add_commands(subparsers).
COMMAND_MODULES = (
    "allocation.pb.cli",
    "allocation.needs.cli",
    "allocation.pooled_cli",
    "allocation.core_funding_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m allocation",
        description="Count participatory-budgeting elections and compute fair allocations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
