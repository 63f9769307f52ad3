"""A round's inputs as a document in the command line's JSON format, its fingerprint, the formula run on it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from allocation.core_funding import (
    DEFAULT_MFA_THRESHOLD,
    CoreFundingError,
    CoreFundingResult,
    Group,
    Reach,
    Round,
    RoundParameters,
    SizeBand,
    compute_core_awards,
    reach_effect,
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
from pbapp.services import published
from pbapp.services.core_funding.common import now
from pbapp.services.core_funding.settings import RoundSettings, parameters_of
from pbapp.services.core_funding.subsidy import mfa_received_by_group
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
    fair = "reach_exponent" in params  # rounds saved before the fair formula keep the first
    today = now().date()
    organisations = [
        o
        for o in db.session.scalars(
            select(Organisation)
            .options(selectinload(Organisation.reach))
            .order_by(Organisation.name)
        )
        if o.eligible
    ]
    mfa = mfa_received_by_group([o for o in organisations if o.trades], today) if fair else {}
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
                    _(
                        "%(group)s reaches people in %(neighbourhood)s, which has no need "
                        "figure yet, so the round cannot weight them by need. Add the figure, "
                        "or correct the group's profile.",
                        group=org.name,
                        neighbourhood=row.neighbourhood.name,
                    )
                )
            reach[profile.neighbourhood.code] = (
                {"light": row.light, "intensive": row.intensive} if fair else row.people
            )
        previous = previous_awards.get(org.id)
        group: dict[str, Any] = {
            "id": str(org.id),
            "income": list(reversed(org.incomes)),  # oldest first
            "reach": reach,
            "previous": previous.amount if previous is not None else None,
        }
        about: dict[str, Any] = {
            "name": org.name,
            "registration_number": org.registration_number,
            "income_year": org.income_year,
        }
        if fair:
            group |= {
                "equality_reach": (
                    None
                    if org.equality_people is None
                    else {
                        "light": org.equality_people - (org.equality_intensive or 0),
                        "intensive": org.equality_intensive or 0,
                    }
                ),
                "reach_checked": org.reach_checked,
                "trades": org.trades,
                "mfa_received": mfa.get(org.id, 0),
            }
            about |= {
                "reach_period": org.reach_period,
                "reach_method": org.reach_method,
                "reach_check": (
                    None
                    if org.reach_check_result is None
                    else {
                        "result": org.reach_check_result,
                        "method": org.reach_check_method,
                        "date": org.reach_checked_at.date().isoformat()
                        if org.reach_checked_at
                        else None,
                    }
                ),
                "equality_description": org.equality_description,
                "mfa_declared": org.mfa_declared,
            }
        groups.append(group)
        about_groups[str(org.id)] = about
    document = {
        "pot": settings.pot,
        "years": settings.years,
        "bands": params["bands"],
        "alpha": _json_number(params["alpha"]),
        "cap": params["cap"],
        "cap_income_fraction": _json_number(params["cap_income_fraction"]),
        "delta": _json_number(params["delta"]),
        **(
            {
                "base_taper": params["base_taper"],
                "reach_exponent": _json_number(params["reach_exponent"]),
                "intensive_weight": _json_number(params["intensive_weight"]),
                "unchecked_reach_cap": params["unchecked_reach_cap"],
                "equality_share": _json_number(params["equality_share"]),
                "cap_income_allowance": params["cap_income_allowance"],
                "mfa_threshold": params["mfa_threshold"],
            }
            if fair
            else {}
        ),
        "neighbourhoods": [{"id": p.neighbourhood.code, "need": p.need_score} for p in profiles],
        "groups": groups,
        "about": {
            "title": settings.title,
            "first_year": settings.first_year,
            **({"intensive_definition": params["intensive_definition"]} if fair else {}),
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
    """SHA-256 of the document in canonical JSON (``services/published``: one encoding)."""
    return published.fingerprint(document)


def compute_document(document: dict[str, Any]) -> CoreFundingResult:
    """Run the formula on a document. Raises ``CoreFundingError``."""
    return compute_core_awards(*formula_inputs(document))


def more_reach_amounts(document: dict[str, Any]) -> dict[str, int]:
    """Each group's award per year had it reported 10% more reach (every count), others as they
    are: the statement shows how little inflating a count would change."""
    funding_round, groups = formula_inputs(document)
    amounts = {}
    for group in groups:
        try:
            amounts[group.id] = reach_effect(funding_round, groups, group.id).amount_with_more
        except CoreFundingError:  # pragma: no cover - more reach cannot make a round infeasible
            continue
    return amounts


def formula_inputs(document: dict[str, Any]) -> tuple[Round, list[Group]]:
    """A document as the formula's inputs (the same reading as the command line's)."""
    params = RoundParameters(
        bands=[SizeBand(b["max_income"], b["base"]) for b in document["bands"]],
        alpha=document["alpha"],
        cap=document["cap"],
        cap_income_fraction=document["cap_income_fraction"],
        delta=document["delta"],
        base_taper=document.get("base_taper", False),
        reach_exponent=document.get("reach_exponent", 1),
        intensive_weight=document.get("intensive_weight", 1),
        unchecked_reach_cap=document.get("unchecked_reach_cap"),
        equality_share=document.get("equality_share", 0),
        cap_income_allowance=document.get("cap_income_allowance", 0),
        mfa_threshold=document.get("mfa_threshold", DEFAULT_MFA_THRESHOLD),
    )
    funding_round = Round(
        pot=document["pot"],
        parameters=params,
        years=document["years"],
        neighbourhoods=[NeedArea(n["id"], n["need"]) for n in document["neighbourhoods"]],
    )
    groups = [
        Group(
            g["id"],
            g["income"],
            {code: _reach(value) for code, value in g["reach"].items()},
            previous=g["previous"],
            equality_reach=_reach(g.get("equality_reach")),
            reach_checked=g.get("reach_checked", True),
            trades=g.get("trades", False),
            mfa_received=g.get("mfa_received", 0),
        )
        for g in document["groups"]
    ]
    return funding_round, groups


def _reach(value: Any) -> Any:
    if isinstance(value, dict):
        return Reach(value.get("light", 0), value.get("intensive", 0))
    return value


def people_of(value: Any) -> int | float:
    """Unique people in a document's reach figure (a number, or light and intensive)."""
    if isinstance(value, dict):
        return value.get("light", 0) + value.get("intensive", 0)
    return value


def intensive_of(value: Any) -> int | float:
    """Of them, people given intensive support (0 for a figure saved before the fair formula)."""
    return value.get("intensive", 0) if isinstance(value, dict) else 0
