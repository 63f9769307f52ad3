"""A round's inputs as a document in the command line's JSON format, its fingerprint, the formula run on it."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from allocation.core_funding import (
    CoreFundingResult,
    Group,
    Round,
    RoundParameters,
    SizeBand,
    compute_core_awards,
)
from allocation.core_funding import (
    Neighbourhood as NeedArea,
)
from pbapp.extensions import db
from pbapp.models.core_funding import (
    Award,
    CoreFundingRound,
    Organisation,
)
from pbapp.services.core_funding.settings import RoundSettings, parameters_of
from pbapp.services.neighbourhoods import need_profiles


class RoundProblem(Exception):
    """A round that cannot be computed with these settings and data, said plainly."""

    def __init__(self, message: str, numbers: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.numbers = numbers or {}


def _number(value: Decimal | int | float) -> int | float:
    """A figure for the JSON document: an int when whole, else the float that prints as it."""
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def _json_number(text: str | None) -> int | float | None:
    return None if text is None else _number(Decimal(text))


def build_document(
    settings: RoundSettings, previous_round: CoreFundingRound | None
) -> tuple[dict[str, Any], list[Organisation], dict[int, Award]]:
    """The inputs of a round in the command line's JSON format, with names under ``about``.

    Every eligible group takes part; a group's previous award is its award per year in
    ``previous_round`` (the latest published round). Raises ``RoundProblem`` when a group
    reaches people in a neighbourhood that has no need figure.
    """
    params = parameters_of(settings)
    organisations = [
        o
        for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
        if o.eligible
    ]
    previous_awards: dict[int, Award] = {}
    if previous_round is not None:
        previous_awards = {a.organisation_id: a for a in previous_round.awards}
    profiles = [p for p in need_profiles() if p.need_score is not None]
    scored = {p.neighbourhood.id: p for p in profiles}
    groups = []
    about_groups = {}
    for org in organisations:
        reach = {}
        for row in sorted(org.reach, key=lambda r: r.neighbourhood_id):
            profile = scored.get(row.neighbourhood_id)
            if profile is None:
                raise RoundProblem(
                    f"{org.name} reaches people in {row.neighbourhood.name}, which has no need "
                    "figure yet, so the round cannot weight them by need. Add the figure, or "
                    "correct the group's profile."
                )
            reach[profile.neighbourhood.code] = row.people
        previous = previous_awards.get(org.id)
        groups.append(
            {
                "id": str(org.id),
                "income": list(reversed(org.incomes)),  # oldest first
                "reach": reach,
                "previous": previous.amount if previous is not None else None,
            }
        )
        about_groups[str(org.id)] = {
            "name": org.name,
            "registration_number": org.registration_number,
            "income_year": org.income_year,
        }
    document = {
        "pot": settings.pot,
        "years": settings.years,
        "bands": params["bands"],
        "alpha": _json_number(params["alpha"]),
        "cap": params["cap"],
        "cap_income_fraction": _json_number(params["cap_income_fraction"]),
        "delta": _json_number(params["delta"]),
        "neighbourhoods": [{"id": p.neighbourhood.code, "need": p.need_score} for p in profiles],
        "groups": groups,
        "about": {
            "title": settings.title,
            "first_year": settings.first_year,
            "previous_round": previous_round.id if previous_round is not None else None,
            "groups": about_groups,
            "neighbourhoods": {
                p.neighbourhood.code: {"name": p.neighbourhood.name, "need_year": p.need_year}
                for p in profiles
            },
        },
    }
    return document, organisations, previous_awards


def fingerprint_of(document: dict[str, Any]) -> str:
    """SHA-256 of the document in canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute_document(document: dict[str, Any]) -> CoreFundingResult:
    """Run the formula on a document. Raises ``CoreFundingError``."""
    params = RoundParameters(
        bands=[SizeBand(b["max_income"], b["base"]) for b in document["bands"]],
        alpha=document["alpha"],
        cap=document["cap"],
        cap_income_fraction=document["cap_income_fraction"],
        delta=document["delta"],
    )
    funding_round = Round(
        pot=document["pot"],
        parameters=params,
        years=document["years"],
        neighbourhoods=[NeedArea(n["id"], n["need"]) for n in document["neighbourhoods"]],
    )
    groups = [
        Group(g["id"], g["income"], g["reach"], previous=g["previous"]) for g in document["groups"]
    ]
    return compute_core_awards(funding_round, groups)
