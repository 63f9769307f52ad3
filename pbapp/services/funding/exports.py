"""A scenario's amounts as CSV and as an Excel workbook (.xlsx), with the inputs they came from."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pbapp.models.funding import Scenario
from pbapp.services.funding.need import indicator_label
from pbapp.services.funding.scenarios import Computation

HEADER = [
    "need rank",
    "neighbourhood code",
    "neighbourhood",
    "population",
    "need (1 = city average)",
    "need multiplier (need / average)^alpha",
    "per-head split (£)",
    "formula amount (£)",
    "settled by",
    "previous amount (£)",
    "amount (£)",
    "amount per resident (£)",
    "explanation",
]
PACE_HEADER = [
    "target (£)",
    "distance from target (£)",
    "distance from target (%)",
    "change from last year (£)",
    "years to target",
]


def _cell(value: Any) -> Any:
    """Text a spreadsheet will not run as a formula; numbers as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _indicator_keys(computation: Computation) -> list[tuple[str, str]]:
    """(key, column heading) of each indicator the need was computed from."""
    return [
        (f"{c['indicator']}:{c['year']}", f"{indicator_label(c['indicator'])} {c['year']}")
        for c in computation.document.get("indicators", [])
    ]


def header(computation: Computation) -> list[str]:
    """The column headings: the fixed ones, with one column per indicator before the need, the
    population named, and the pace-of-change columns when there is pace of change."""
    population = f"population ({computation.population_label})"
    return (
        HEADER[:3]
        + [population]
        + [label for _, label in _indicator_keys(computation)]
        + HEADER[4:]
        + (PACE_HEADER if computation.paced else [])
    )


def table(computation: Computation) -> list[list[Any]]:
    """One row per neighbourhood, greatest need first, then a total row."""
    keys = [key for key, _ in _indicator_keys(computation)]
    rows: list[list[Any]] = []
    for r in computation.rows:
        rows.append(
            [
                r.need_rank,
                r.code,
                _cell(r.name),
                r.population,
                *(r.indicator_values[key] for key in keys),
                round(r.need, 6),
                round(r.multiplier, 6),
                round(r.per_capita, 2),
                round(r.formula, 2),
                r.basis,
                "" if r.previous is None else r.previous,
                r.amount,
                round(r.per_head, 2),
                _cell(r.explanation),
            ]
            + (
                [
                    round(r.target or 0.0, 2),
                    round(r.distance or 0.0, 2),
                    "" if r.distance_share is None else round(r.distance_share * 100, 2),
                    "" if r.change is None else r.change,
                    "" if r.years_to_target is None else r.years_to_target,
                ]
                if computation.paced
                else []
            )
        )
    total = ["", "", "Total", sum(r.population for r in computation.rows)] + [""] * len(keys)
    pace = [""] * len(PACE_HEADER) if computation.paced else []
    rows.append(total + ["", "", "", "", "", "", computation.total, "", ""] + pace)
    return rows


def inputs_table(scenario: Scenario, computation: Computation) -> list[list[Any]]:
    """The scenario's settings, indicators and fingerprint as label/value rows."""
    rules = computation.document.get("rules", {})
    rows: list[list[Any]] = [
        ["scenario", _cell(scenario.name)],
        ["status", scenario.status],
        ["budget (£)", scenario.budget],
        ["universal share u", rules.get("universal")],
        ["need gradient alpha", rules.get("alpha")],
        ["residents counted by", computation.population_label],
        ["floor (× per-head split)", rules.get("floor") or "none"],
        ["ceiling (× per-head split)", rules.get("ceiling") or "none"],
        ["pace of change", _pace_words(rules)],
        ["most a neighbourhood may fall", rules.get("max_decrease") or "no limit"],
        ["most a neighbourhood may rise", rules.get("max_increase") or "no limit"],
        ["minimum growth (NHS-style)", rules.get("minimum_growth") or "0"],
        ["no neighbourhood more than this below target", rules.get("max_below_target") or "none"],
        ["previous scenario", computation.document.get("about", {}).get("previous_scenario") or ""],
    ]
    spread = computation.spread
    if spread is not None and spread.highest_to_lowest is not None:
        rows.append(["highest / lowest amount per resident", round(spread.highest_to_lowest, 3)])
    for choice in computation.document.get("indicators", []):
        rows.append(
            [
                f"indicator: {indicator_label(choice['indicator'])} {choice['year']}",
                f"weight {choice['weight']}; {choice.get('kind', 'as given')}; higher means more "
                "need"
                if choice.get("direction", "higher") == "higher"
                else f"weight {choice['weight']}; {choice.get('kind')}; lower means more need "
                "(distance below the best neighbourhood)",
            ]
        )
    rows.append(["SHA-256 fingerprint of the inputs", computation.fingerprint])
    return rows


def _pace_words(rules: dict[str, Any]) -> str:
    if rules.get("pace") == "nhs":
        how = (
            "by a common share of each gap"
            if rules.get("convergence") == "proportional"
            else ("furthest below target first")
        )
        return f"NHS-style: minimum growth for all, convergence money {how}"
    if rules.get("max_decrease") or rules.get("max_increase"):
        return "band around last year's amounts"
    return "none"


def scenario_csv(computation: Computation) -> str:
    """The amounts as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(computation))
    writer.writerows(table(computation))
    return out.getvalue()


def scenario_xlsx(scenario: Scenario, computation: Computation) -> bytes:
    """An Excel workbook: sheet 'Amounts' (the CSV's header and rows, cell for cell: the
    indicator columns too) and sheet 'Inputs' (settings)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Amounts"
    headings = header(computation)
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table(computation):
        sheet.append(row)
    for number, heading in enumerate(headings, start=1):
        width = {"neighbourhood": 30, "settled by": 18, "explanation": 80}.get(heading, 12)
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    inputs = book.create_sheet("Inputs")
    for row in inputs_table(scenario, computation):
        inputs.append(row)
    inputs.column_dimensions["A"].width = 40
    inputs.column_dimensions["B"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
