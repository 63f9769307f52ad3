"""``python -m allocation tally | explain | check``: the command line of the vote count.

The contract (DESIGN.md, "Command-line contracts"):
``tally FILE.pb --rule RULE [--json]`` prints the funded projects (with ``--json``, one object
``{"rule", "budget", "selected", "cost"}``); ``explain FILE.pb --rule RULE`` prints the
explanation as JSON; ``check FILE.pb`` validates only. A fault the user can fix (a malformed
file, an unknown rule) is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from allocation.pb.election import Election
from allocation.pb.explain import explain
from allocation.pb.pabulib import read_pb
from allocation.pb.rules import OFFICIAL, RULES, RuleError, count
from allocation.pb.support import TIE_BREAKS
from allocation.pb.validate import PbFormatError, check_pb

USER_FAULT = 2
TIE_HELP = (
    "which of two tied projects wins: id-text (the id as text, pabutools' default), "
    "id-number (the smaller number), cheaper-first (the cheaper project)"
)
STRICT_HELP = (
    "refuse a file with any fault; without it, faults that leave the count unambiguous "
    "(a project named twice on an approval ballot, a points total slightly off the limits) "
    "are counted and each is a warning line on standard error"
)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tally``, ``explain`` and ``check`` sub-commands."""
    rules_help = "; ".join(f"{r.id}: {r.description}" for r in RULES.values())
    rule_choices = [*RULES, OFFICIAL]
    tally = subparsers.add_parser(
        "tally",
        help="count a .pb election with a rule",
        description=f"Count the election in FILE with RULE. Rules: {rules_help}; "
        f"{OFFICIAL}: the rule named in the file's META.",
    )
    tally.add_argument("file", metavar="FILE.pb")
    tally.add_argument(
        "--rule",
        required=True,
        choices=rule_choices,
        metavar="RULE",
        help=f"one of {', '.join(rule_choices)}",
    )
    tally.add_argument("--json", action="store_true", help="print one JSON object")
    tally.add_argument("--strict", action="store_true", help=STRICT_HELP)
    tally.add_argument("--tie-break", choices=TIE_BREAKS, default="id-text", help=TIE_HELP)
    tally.set_defaults(func=run_tally)

    exp = subparsers.add_parser(
        "explain",
        help="explain a count, as JSON",
        description="Print, as JSON, why each project was or was not "
        "funded, with greedy beside Equal Shares.",
    )
    exp.add_argument("file", metavar="FILE.pb")
    exp.add_argument(
        "--rule",
        required=True,
        choices=rule_choices,
        metavar="RULE",
        help=f"one of {', '.join(rule_choices)}",
    )
    exp.add_argument("--strict", action="store_true", help=STRICT_HELP)
    exp.add_argument("--tie-break", choices=TIE_BREAKS, default="id-text", help=TIE_HELP)
    exp.set_defaults(func=run_explain)

    check = subparsers.add_parser(
        "check",
        help="validate a .pb file",
        description="Report every fault of a .pb file, one per line.",
    )
    check.add_argument("file", metavar="FILE.pb")
    check.set_defaults(func=run_check)


def _fault(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USER_FAULT


def _read(path: str, strict: bool = True) -> Election | str:
    try:
        election = read_pb(Path(path), strict=strict)
    except PbFormatError as error:
        return f"{path}: {error}"
    except OSError as error:
        return f"{path}: cannot read the file ({error.strerror or error})"
    for fault in election.warnings:
        print(f"warning: {path}: {fault} (counted)", file=sys.stderr)
    return election


def run_tally(args: argparse.Namespace) -> int:
    """Print the outcome; return 0, or 2 on a user fault."""
    election = _read(args.file, args.strict)
    if isinstance(election, str):
        return _fault(election)
    try:
        outcome = count(election, args.rule, tie_break=args.tie_break)
    except RuleError as error:
        return _fault(f"{args.file}: {error}")
    if args.json:
        data = outcome.to_dict()
        data["rule"] = args.rule  # the contract echoes the rule asked for, "official" included
        print(json.dumps(data))
    else:
        print(
            f"{outcome.rule}: {len(outcome.selected)} projects funded, cost {outcome.cost} "
            f"of {election.budget}"
        )
        for pid in outcome.selected:
            print(f"  {pid}\t{election.project(pid).name}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    """Print the explanation as JSON; return 0, or 2 on a user fault."""
    election = _read(args.file, args.strict)
    if isinstance(election, str):
        return _fault(election)
    try:
        explanation = explain(election, args.rule, tie_break=args.tie_break)
    except RuleError as error:
        return _fault(f"{args.file}: {error}")
    print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=1))
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Print every fault, one per line, on standard error; return 0 when sound, else 2."""
    try:
        faults = check_pb(Path(args.file))
    except OSError as error:
        return _fault(f"{args.file}: cannot read the file ({error.strerror or error})")
    for fault in faults:
        print(f"error: {args.file}: {fault}", file=sys.stderr)
    if faults:
        return USER_FAULT
    print(f"{args.file}: no faults")
    return 0
