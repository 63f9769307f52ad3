"""A published round's awards as CSV, and the figures of its equality impact note."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from pbapp.models.core_funding import (
    CoreFundingRound,
)
from pbapp.services.core_funding.document import intensive_of, people_of
from pbapp.services.core_funding.settings import band_labels
from pbapp.services.csv_safety import safe_cell

CSV_HEADER = [
    "round",
    "group",
    "charity_or_company_number",
    "size_band",
    "average_income",
    "people_reached",
    "need_multiplier",
    "base",
    "reach_part",
    "formula_amount",
    "limit_applied",
    "previous_award_per_year",
    "award_per_year",
    "years",
    "award_over_round",
]

# Which limit held an award, in the pages (reader's language) and the CSV (English).
BOUND_NAMES = {
    "cap": _l("the round's cap"),
    "income": _l("the share of income limit"),
    "stability-up": _l("the stability band (most it may rise)"),
    "stability-down": _l("the stability band (least it may fall to)"),
    None: "",
}


def awards_csv(funding_round: CoreFundingRound) -> str:
    """The published awards of a round as CSV text with a header row.

    Open data: its words are English whatever the reader's language (a published contract).
    """
    with force_locale("en"):
        return _awards_csv(funding_round)


def _awards_csv(funding_round: CoreFundingRound) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    labels = band_labels(funding_round.parameters["bands"])
    names = funding_round.inputs["about"]["groups"] if funding_round.inputs else {}
    for award in sorted(funding_round.awards, key=lambda a: names[str(a.organisation_id)]["name"]):
        b = award.breakdown
        about = names[str(award.organisation_id)]
        writer.writerow(
            [
                safe_cell(funding_round.title),
                safe_cell(about["name"]),
                safe_cell(about["registration_number"]),
                labels[b["band"]],
                b["income"],
                b["reach"],
                "" if b["need_multiplier"] is None else b["need_multiplier"],
                b["base"],
                b["reach_part"],
                b["formula_amount"],
                str(BOUND_NAMES.get(b["bound"], b["bound"]) or ""),
                "" if b["previous"] is None else b["previous"],
                award.amount,
                funding_round.years,
                award.amount * funding_round.years,
            ]
        )
    return out.getvalue()


def equality_note_figures(funding_round: CoreFundingRound) -> dict[str, Any]:
    """The figures the equality impact note shows, from a published round's stored inputs.

    ``claims``: each group claiming the equality share, whom it serves and how many people;
    ``people`` and ``intensive``: the people reported by neighbourhood; ``unreached``: the
    wards where no funded group reports reach, by name.
    """
    inputs = funding_round.inputs
    about = inputs["about"]
    claims = [
        {
            "name": about["groups"][g["id"]]["name"],
            "who": about["groups"][g["id"]].get("equality_description", ""),
            "people": people_of(g["equality_reach"]),
        }
        for g in inputs["groups"]
        if g.get("equality_reach")
    ]
    reached = {code for g in inputs["groups"] for code, v in g["reach"].items() if people_of(v)}
    values = [v for g in inputs["groups"] for v in g["reach"].values()]
    return {
        "claims": claims,
        "people": sum(people_of(v) for v in values),
        "intensive": sum(intensive_of(v) for v in values),
        "unreached": sorted(
            info["name"] for code, info in about["neighbourhoods"].items() if code not in reached
        ),
    }


def equality_and_checks(funding_round: CoreFundingRound) -> dict[str, dict[str, Any]]:
    """What a published round's page says of its equality share and its reach checks.

    ``equality``: the share's pounds a year and the groups given part of it, by name;
    ``checks``: how many groups' figures an officer's check confirmed, and the groups whose
    unchecked figures were capped, by name.
    """
    names = funding_round.inputs["about"]["groups"]
    breakdowns = [
        (names[str(a.organisation_id)]["name"], a.breakdown) for a in funding_round.awards
    ]
    return {
        "equality": {
            "pot": next((b.get("equality_pot", 0) for _, b in breakdowns), 0),
            "groups": sorted(name for name, b in breakdowns if b.get("equality_part")),
        },
        "checks": {
            "confirmed": sum(
                1
                for g in names.values()
                if (g.get("reach_check") or {}).get("result") == "confirmed"
            ),
            "limited": sorted(name for name, b in breakdowns if b.get("reach_limited")),
        },
    }
