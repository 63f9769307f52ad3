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

Optional round keys, with the defaults that keep a file written before them computing the same
awards: ``base_taper`` (false), ``reach_exponent`` (1), ``intensive_weight`` (1),
``unchecked_reach_cap`` (null), ``equality_share`` (0), ``cap_income_allowance`` (0),
``mfa_threshold`` (315000; null: not checked). Optional group keys: ``equality_reach`` (null),
``reach_checked`` (true), ``trades`` (false), ``mfa_received`` (0). A reach figure is a number
(all light support) or ``{"light": L, "intensive": I}``. docs/core-funding.md says what each means.

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
    DEFAULT_MFA_THRESHOLD,
    CoreFundingError,
    Group,
    Neighbourhood,
    Reach,
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
        raise CoreFundingError(
            f"years must be a whole number, not {years!r}", code="wrong_type", field="years"
        )

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
        base_taper=_flag(top, "base_taper", False),
        reach_exponent=_number(top.get("reach_exponent", 1), "reach_exponent"),
        intensive_weight=_number(top.get("intensive_weight", 1), "intensive_weight"),
        unchecked_reach_cap=_number(
            top.get("unchecked_reach_cap"), "unchecked_reach_cap", nullable=True
        ),
        equality_share=_number(top.get("equality_share", 0), "equality_share"),
        cap_income_allowance=_number(top.get("cap_income_allowance", 0), "cap_income_allowance"),
        mfa_threshold=_number(
            top.get("mfa_threshold", DEFAULT_MFA_THRESHOLD), "mfa_threshold", nullable=True
        ),
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
            code="wrong_type",
            field="reach",
            group=gid,
        )
    equality = raw.get("equality_reach")
    return Group(
        id=gid,
        income=income,
        reach={nid: _reach(people, f"reach in {nid!r}", gid) for nid, people in reach.items()},
        previous=_number(raw["previous"], "previous", gid=gid, nullable=True),
        equality_reach=None if equality is None else _reach(equality, "equality_reach", gid),
        reach_checked=_flag(raw, "reach_checked", True, gid),
        trades=_flag(raw, "trades", False, gid),
        mfa_received=_number(raw.get("mfa_received", 0), "mfa_received", gid=gid),
    )


def _reach(value: Any, name: str, gid: str) -> int | Decimal | Reach:
    """People reached: a number (all light support) or ``{"light": L, "intensive": I}``."""
    if not isinstance(value, dict):
        return _number(value, name, gid=gid)
    unknown = sorted(set(value) - {"light", "intensive"})
    if unknown:
        raise CoreFundingError(
            f"group {gid!r}: {name} may hold only light and intensive, not {unknown[0]!r}",
            code="wrong_type",
            field=name,
            group=gid,
        )
    return Reach(
        light=_number(value.get("light", 0), f"{name} (light)", gid=gid),
        intensive=_number(value.get("intensive", 0), f"{name} (intensive)", gid=gid),
    )


def _flag(obj: dict[str, Any], name: str, default: bool, gid: str | None = None) -> bool:
    value = obj.get(name, default)
    if not isinstance(value, bool):
        where = f"group {gid!r}: " if gid is not None else ""
        raise CoreFundingError(
            f"{where}{name} must be true or false, not {_shown(value)}",
            code="wrong_type",
            field=name,
            group=gid,
        )
    return value


def _require(obj: dict[str, Any], name: str, where: str, gid: str | None = None) -> Any:
    if name not in obj:
        raise CoreFundingError(
            f"{where}: field {name!r} is missing", code="missing", field=name, group=gid
        )
    return obj[name]


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CoreFundingError(f"{where} must be a JSON object", code="wrong_type", field=where)
    return value


def _objects(value: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise CoreFundingError(f"{name} must be a list", code="wrong_type", field=name)
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
            f"{where}{name} must be {kind}, not {_shown(value)}",
            code="wrong_type",
            field=name,
            group=gid,
        )
    return value


def _text_id(value: Any, name: str) -> str:
    # Ids may be written as numbers (e.g. a ward number); reach keys are always text in JSON.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise CoreFundingError(
            f"{name} must be a non-empty text id, not {_shown(value)}",
            code="wrong_type",
            field=name,
        )
    return value


def _shown(value: Any) -> str:
    return json.dumps(value, default=str)


def _reject_constant(name: str) -> None:
    raise CoreFundingError(
        f"{name} is not a number this formula can use", code="not_finite", field=name
    )


def _fail(message: str) -> int:
    print(f"core-funding: {message}", file=sys.stderr)
    return 2
