"""Sub-commands ``need-index``, ``neighbourhood-need`` and ``shares`` of ``python -m allocation``.

Each prints CSV on standard output. A fault the user can cause prints one line on standard
error (naming the file, line and column) and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Callable

from ._table import read_table
from .deprivation import neighbourhood_need, read_deprivation_file, read_lsoa_lookup
from .errors import NeedDataError
from .index import IOD2025_AREAS, need_index
from .shares import Neighbourhood, needs_weighted_shares

USER_FAULT = 2


def _fraction(text: str) -> float:
    """``0.05`` or ``5%`` -> 0.05."""
    try:
        return float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (e.g. 0.05 or 5%)") from None


def _whole_pounds(text: str) -> int:
    try:
        value = float(text.replace(",", "").lstrip("£"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount of pounds") from None
    if value != int(value) or value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of pounds")
    return int(value)


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except NeedDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return USER_FAULT
        except BrokenPipeError:
            # The reader (e.g. ``head``) stopped early: not a fault.
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            return 0

    return run


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _need_index(args: argparse.Namespace) -> int:
    table = read_table(args.file)
    columns = _split(args.rank_columns)
    try:
        weights = [float(w) for w in _split(args.weights)]
    except ValueError:
        raise NeedDataError(
            f"--weights '{args.weights}' must be numbers separated by commas", column="weights"
        ) from None
    if len(weights) != len(columns):
        raise NeedDataError(
            f"{len(columns)} rank columns but {len(weights)} weights", column="weights"
        )
    if len(set(columns)) != len(columns):
        raise NeedDataError("a rank column is named twice", column="rank-columns")
    id_column = args.id_column or table.header[0]
    ids = [text for _, text in table.cells(id_column)]
    ranks = {
        c: [table.rank(text, row=line, column=c, areas=args.areas) for line, text in table.cells(c)]
        for c in columns
    }
    scores = need_index(ranks, dict(zip(columns, weights, strict=True)), areas=args.areas)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "score"])
    for identifier, score in zip(ids, scores.tolist(), strict=True):
        out.writerow([identifier, f"{score:.6f}"])
    return 0


def _neighbourhood_need(args: argparse.Namespace) -> int:
    lsoas = read_deprivation_file(
        args.deprivation_file, areas=args.areas, population_column=args.population_column
    )
    lookup = read_lsoa_lookup(args.lookup_file)
    hoods = neighbourhood_need(lsoas, lookup)
    domains = _split(args.domains) if args.domains else list(hoods[0].scores)
    for d in domains:
        if any(d not in h.scores for h in hoods):
            raise NeedDataError(
                f"the file has no scores for '{d}' (it has: {', '.join(hoods[0].scores)})",
                column="domains",
            )
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "population", "lsoas", *domains, "share_most_deprived_decile"])
    for h in hoods:
        share = (
            "" if h.share_most_deprived_decile is None else f"{h.share_most_deprived_decile:.6f}"
        )
        out.writerow(
            [
                h.code,
                h.name,
                f"{h.population:g}",
                h.lsoas,
                *(f"{h.scores[d]:.6f}" for d in domains),
                share,
            ]
        )
    return 0


def _shares(args: argparse.Namespace) -> int:
    table = read_table(args.file)
    id_column = args.id_column or ("id" if "id" in table.header else table.header[0])
    ids = list(table.cells(id_column))
    pop_text = [text for _, text in table.cells(args.population_column)]
    need_text = [text for _, text in table.cells(args.need_column)]
    previous: list[int | None] = [None] * len(ids)
    if args.previous_column:
        for k, (line, text) in enumerate(table.cells(args.previous_column)):
            if text:
                value = table.number(text, row=line, column=args.previous_column)
                if value != int(value) or value < 0:
                    raise table.error(
                        "last year's amount must be whole pounds, 0 or more",
                        row=line,
                        column=args.previous_column,
                    )
                previous[k] = int(value)
    neighbourhoods = [
        Neighbourhood(
            identifier,
            table.number(p, row=line, column=args.population_column),
            table.number(n, row=line, column=args.need_column),
            prev,
        )
        for (line, identifier), p, n, prev in zip(ids, pop_text, need_text, previous, strict=True)
    ]
    columns = {
        "id": id_column,
        "population": args.population_column,
        "need": args.need_column,
        "previous_amount": args.previous_column,
    }
    # With last year's amounts, NHS-style pace of change unless the band is asked for (or a
    # most increase is given, which only the band has).
    pace = args.pace
    if pace is None and args.previous_column:
        pace = "band" if args.max_increase is not None else "nhs"
    try:
        result = needs_weighted_shares(
            neighbourhoods,
            args.budget,
            universal=args.universal,
            alpha=args.alpha,
            floor=args.floor,
            ceiling=args.ceiling,
            max_decrease=args.max_decrease,
            max_increase=args.max_increase,
            pace=pace,
            minimum_growth=args.minimum_growth,
            convergence=args.convergence,
            max_below_target=args.max_below_target,
        )
    except NeedDataError as exc:
        if exc.row is None:
            option = f"--{exc.column.replace('_', '-')}: " if exc.column else ""
            raise NeedDataError(option + exc.reason) from None
        raise table.error(
            exc.reason, row=ids[exc.row - 1][0], column=columns.get(exc.column or "", exc.column)
        ) from None
    out = csv.writer(sys.stdout, lineterminator="\n")
    paced = result.rules.pace_method is not None and args.previous_column is not None
    glide = ["target", "distance", "distance_pct", "move", "years_to_target"] if paced else []
    out.writerow(
        ["id", "population", "need", "amount"]
        + glide
        + (["basis", "explanation"] if args.explain else [])
    )
    for line, p, n in zip(result.lines, pop_text, need_text, strict=True):
        extra = []
        if paced:
            share = line.distance_share
            extra = [
                f"{line.target:.2f}",
                f"{line.distance:.2f}",
                "" if share is None else f"{share * 100:.2f}",
                "" if line.move is None else line.move,
                "" if line.years_to_target is None else line.years_to_target,
            ]
        out.writerow(
            [line.id, p, n, line.amount]
            + extra
            + ([line.basis, line.explanation] if args.explain else [])
        )
    if result.pace_met is False:
        what = (
            "band; all moved past it by the same proportion"
            if result.rules.pace_method == "band"
            else "limits (largest cut, or no area more than X% below target); the cuts went "
            "past them, areas above target first"
        )
        print(
            f"warning: the budget cannot keep every neighbourhood within the pace-of-change {what}",
            file=sys.stderr,
        )
    if paced and any(line.years_to_target is None for line in result.lines):
        print(
            "note: at this pace some neighbourhoods are not within 1% of target in 50 years "
            "(years_to_target is empty for them)",
            file=sys.stderr,
        )
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``need-index``, ``neighbourhood-need`` and ``shares``."""
    p = subparsers.add_parser(
        "need-index",
        help="combine domain ranks into a need score (the IMD's method)",
        description="Exponentially transform each rank column (1 = most deprived of N areas) "
        "and print the weighted sum as CSV id,score.",
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--id-column", help="column of area ids (default: the first column)")
    p.add_argument("--rank-columns", required=True, metavar="C1,C2,...")
    p.add_argument(
        "--weights",
        required=True,
        metavar="W1,W2,...",
        help="one weight per rank column, used as given (IMD: 0.225,0.225,...)",
    )
    p.add_argument(
        "--areas",
        type=int,
        default=IOD2025_AREAS,
        metavar="N",
        help=f"number of areas ranked (default {IOD2025_AREAS:,}, IoD2025 LSOAs)",
    )
    p.set_defaults(func=_guarded(_need_index))

    p = subparsers.add_parser(
        "neighbourhood-need",
        help="aggregate an Indices of Deprivation LSOA file to neighbourhoods",
        description="Population-weighted average scores per neighbourhood of the lookup, as CSV.",
    )
    p.add_argument("deprivation_file", metavar="IOD.csv")
    p.add_argument("lookup_file", metavar="LOOKUP.csv")
    p.add_argument("--domains", metavar="D1,D2,...", help="score columns to print (default: all)")
    p.add_argument("--areas", type=int, default=IOD2025_AREAS, metavar="N")
    p.add_argument("--population-column")
    p.set_defaults(func=_guarded(_neighbourhood_need))

    p = subparsers.add_parser(
        "shares",
        help="needs-weighted shares of a budget (proportionate universalism)",
        description="Share a budget among neighbourhoods by population and need; print CSV "
        "id,population,need,amount in whole pounds adding up to the budget. With "
        "--previous-column, also target,distance,distance_pct,move,years_to_target.",
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--budget", type=_whole_pounds, required=True, metavar="B")
    p.add_argument("--population-column", required=True, metavar="P")
    p.add_argument("--need-column", required=True, metavar="N")
    p.add_argument("--id-column", metavar="ID", help="default: 'id' if present, else the first")
    p.add_argument(
        "--universal",
        type=_fraction,
        default=0.0,
        metavar="U",
        help="fraction shared per capita, 0..1 (default 0)",
    )
    p.add_argument(
        "--alpha", type=float, default=1.0, metavar="A", help="need gradient (default 1)"
    )
    p.add_argument(
        "--floor",
        type=_fraction,
        metavar="F",
        help="nobody below F times their per-capita amount (e.g. 0.8)",
    )
    p.add_argument(
        "--ceiling",
        type=_fraction,
        metavar="C",
        help="nobody above C times their per-capita amount (e.g. 1.5)",
    )
    p.add_argument("--previous-column", metavar="COL", help="last year's amounts (pace of change)")
    p.add_argument(
        "--pace",
        choices=("nhs", "band"),
        help="pace of change from last year's amounts: nhs (default with --previous-column: "
        "minimum growth for all, convergence money to the areas furthest below target, cuts "
        "from areas above target first) or band (the earlier -D..+I band)",
    )
    p.add_argument(
        "--minimum-growth",
        type=_fraction,
        metavar="G",
        help="nhs: growth every area gets in a growth year (default 0%%)",
    )
    p.add_argument(
        "--convergence",
        choices=("furthest", "proportional"),
        default="furthest",
        help="nhs: convergence money to the furthest below target first (default), or by a "
        "common proportion of each gap",
    )
    p.add_argument(
        "--max-decrease",
        type=_fraction,
        metavar="D",
        help="largest cut allowed (nhs) or band floor, e.g. 0.05 or 5%%",
    )
    p.add_argument("--max-increase", type=_fraction, metavar="I", help="band only: e.g. 10%%")
    p.add_argument(
        "--max-below-target",
        type=_fraction,
        metavar="X",
        help="nhs: no area more than X below its target, e.g. 10%%",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="add columns basis,explanation saying how each amount was computed",
    )
    p.set_defaults(func=_guarded(_shares))
