"""``python -m allocation``: one command line for every computation in the library.

Each area of the library contributes its own sub-commands through ``add_commands(subparsers)``;
every sub-command sets ``func(args) -> int`` (the exit status). Faults a user can cause print
one line on standard error and exit with status 2.

Start-up imports only the module of the command that runs: counting votes must not wait for
SciPy's optimiser (``pooled``) or pandas. ``COMMANDS`` names each command's module and its
one-line help, so that ``--help`` lists every command without importing any of them
(tests/allocation/pb/test_cli.py checks that the table matches what each module registers).
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

# Every command: (the module that adds it, its help as that module gives it).
COMMANDS: dict[str, tuple[str, str]] = {
    "tally": ("allocation.pb.cli", "count a .pb election with a rule"),
    "explain": ("allocation.pb.cli", "explain a count, as JSON"),
    "check": ("allocation.pb.cli", "validate a .pb file"),
    "need-index": (
        "allocation.needs.cli",
        "combine domain ranks into a need score (the IMD's method)",
    ),
    "neighbourhood-need": (
        "allocation.needs.cli",
        "aggregate an Indices of Deprivation LSOA file to neighbourhoods",
    ),
    "shares": (
        "allocation.needs.cli",
        "needs-weighted shares of a budget (proportionate universalism)",
    ),
    "pooled": (
        "allocation.pooled_cli",
        "allocate a pooled budget with restricted contributions, worst-off cells first",
    ),
    "core-funding": (
        "allocation.core_funding_cli",
        "core-funding awards for VCS groups by the published formula",
    ),
}


def _parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = argparse.ArgumentParser(
        prog="python -m allocation",
        description="Count participatory-budgeting elections and compute fair allocations.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser, sub


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The parser with the full sub-commands of ``modules`` (all by default, importing them);
    every other command of COMMANDS is listed by name and help only."""
    parser, sub = _parser()
    for name in modules:
        importlib.import_module(name).add_commands(sub)
    for command, (module, help_text) in COMMANDS.items():
        if module not in modules:
            sub.add_parser(command, help=help_text)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command named in ``argv``: its first argument that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    module = COMMANDS[command][0] if command in COMMANDS else None
    args = build_parser((module,) if module else ()).parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
