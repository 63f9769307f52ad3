"""``python -m allocation core-funding FILE.json``: a core-funding round's awards as JSON.

The input file::

    {"pot": 250000, "years": 3,
     "bands": [{"max_income": 10000, "base": 2000}, ..., {"max_income": null, "base": 8000}],
     "alpha": 1, "cap": 40000, "cap_income_fraction": 0.5, "delta": 0.1,
     "neighbourhoods": [{"id": "E05010811", "need": 31.2}, ...],
     "groups": [{"id": "g1", "income": [41000, 38500, 40200],
                 "reach": {"E05010811": 120}, "previous": 9000}, ...]}

``years`` is optional (1); ``cap`` and ``cap_income_fraction`` may be ``null`` (no such cap);
``previous`` is ``null`` for a group new to core funding. Keys not listed are ignored.

Prints ``{"awards": [{"group", "amount", "base", "reach_part", "capped", ...}], "total", ...}``
(see :meth:`allocation.core_funding.CoreFundingResult.to_dict`). A fault in the file, or a round
that cannot be funded, prints one line on standard error and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from allocation.core_funding import (
    CoreFundingError,
    Group,
    Neighbourhood,
    Round,
    RoundParameters,
    SizeBand,
    compute_core_awards,
)

__all__ = ["add_commands", "read_round", "run_core_funding"]

_ROUND_FIELDS = (
    "pot",
    "bands",
    "alpha",
    "cap",
    "cap_income_fraction",
    "delta",
    "neighbourhoods",
    "groups",
)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``core-funding`` sub-command to ``python -m allocation``."""
    parser = subparsers.add_parser(
        "core-funding",
        help="core-funding awards for VCS groups by the published formula",
        description="Compute a core-funding round's awards (whole pounds per year) from a JSON "
        "file; see docs/core-funding.md.",
    )
    parser.add_argument("file", metavar="FILE.json", help="the round: pot, formula, groups")
    parser.set_defaults(func=run_core_funding)


def run_core_funding(args: argparse.Namespace) -> int:
    """Read the round in ``args.file``, print its awards as JSON; return the exit status.

    Returns 0 on success and 2 (after one line on standard error) for an unreadable file,
    invalid input or an infeasible round.
    """
    try:
        with open(args.file, encoding="utf-8") as handle:
            data = json.load(handle, parse_float=Decimal, parse_constant=_reject_constant)
        funding_round, groups = read_round(data)
        result = compute_core_awards(funding_round, groups)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return _fail(f"{args.file}: not a UTF-8 text file")
    except json.JSONDecodeError as exc:
        return _fail(
            f"{args.file}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        )
    except CoreFundingError as exc:
        return _fail(f"{args.file}: {exc}")
    json.dump(result.to_dict(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def read_round(data: Any) -> tuple[Round, list[Group]]:
    """Turn the parsed JSON of a round into the library's inputs.

    Checks the shape (objects, lists, presence and type of every field); the values themselves
    (negative amounts, unknown neighbourhoods, ...) are checked by
    :func:`~allocation.core_funding.compute_core_awards`.

    Raises
    ------
    CoreFundingError
        A missing field or a field of the wrong kind, naming it (and the group).
    """
    top = _object(data, "the file")
    for name in _ROUND_FIELDS:
        _require(top, name, "the round")
    years = top.get("years", 1)
    if isinstance(years, bool) or not isinstance(years, int):
        raise CoreFundingError(f"years must be a whole number, not {years!r}", field="years")

    bands = [
        SizeBand(
            max_income=_number(
                _require(band, "max_income", f"bands[{i}]"), f"bands[{i}].max_income", nullable=True
            ),
            base=_number(_require(band, "base", f"bands[{i}]"), f"bands[{i}].base"),
        )
        for i, band in enumerate(_objects(top["bands"], "bands"))
    ]
    neighbourhoods = [
        Neighbourhood(
            id=_text_id(_require(nb, "id", f"neighbourhoods[{i}]"), f"neighbourhoods[{i}].id"),
            need=_number(_require(nb, "need", f"neighbourhoods[{i}]"), f"neighbourhoods[{i}].need"),
        )
        for i, nb in enumerate(_objects(top["neighbourhoods"], "neighbourhoods"))
    ]
    groups = [_group(raw, i) for i, raw in enumerate(_objects(top["groups"], "groups"))]
    parameters = RoundParameters(
        bands=bands,
        alpha=_number(top["alpha"], "alpha"),
        cap=_number(top["cap"], "cap", nullable=True),
        cap_income_fraction=_number(
            top["cap_income_fraction"], "cap_income_fraction", nullable=True
        ),
        delta=_number(top["delta"], "delta"),
    )
    return (
        Round(
            pot=_number(top["pot"], "pot"),
            parameters=parameters,
            neighbourhoods=neighbourhoods,
            years=years,
        ),
        groups,
    )


def _group(raw: Any, index: int) -> Group:
    where = f"groups[{index}]"
    raw = _object(raw, where)
    gid = _text_id(_require(raw, "id", where), f"{where}.id")
    where = f"group {gid!r}"
    for name in ("income", "reach", "previous"):
        _require(raw, name, where, gid)
    income = raw["income"]
    if isinstance(income, list):
        income = [_number(v, "income", gid=gid) for v in income]
    else:
        income = _number(income, "income", gid=gid)
    reach = raw["reach"]
    if not isinstance(reach, dict):
        raise CoreFundingError(
            f"{where}: reach must be an object of people reached by neighbourhood id",
            field="reach",
            group=gid,
        )
    return Group(
        id=gid,
        income=income,
        reach={nid: _number(people, f"reach in {nid!r}", gid=gid) for nid, people in reach.items()},
        previous=_number(raw["previous"], "previous", gid=gid, nullable=True),
    )


def _require(obj: dict[str, Any], name: str, where: str, gid: str | None = None) -> Any:
    if name not in obj:
        raise CoreFundingError(f"{where}: field {name!r} is missing", field=name, group=gid)
    return obj[name]


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CoreFundingError(f"{where} must be a JSON object", field=where)
    return value


def _objects(value: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise CoreFundingError(f"{name} must be a list", field=name)
    return [_object(item, f"{name}[{i}]") for i, item in enumerate(value)]


def _number(
    value: Any, name: str, *, gid: str | None = None, nullable: bool = False
) -> int | Decimal | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        where = f"group {gid!r}: " if gid is not None else ""
        kind = "a number or null" if nullable else "a number"
        raise CoreFundingError(
            f"{where}{name} must be {kind}, not {_shown(value)}", field=name, group=gid
        )
    return value


def _text_id(value: Any, name: str) -> str:
    # Ids may be written as numbers (e.g. a ward number); reach keys are always text in JSON.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise CoreFundingError(
            f"{name} must be a non-empty text id, not {_shown(value)}", field=name
        )
    return value


def _shown(value: Any) -> str:
    return json.dumps(value, default=str)


def _reject_constant(name: str) -> None:
    raise CoreFundingError(f"{name} is not a number this formula can use", field=name)


def _fail(message: str) -> int:
    print(f"core-funding: {message}", file=sys.stderr)
    return 2
