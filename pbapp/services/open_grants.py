"""Published awards in the 360Giving Data Standard (version 1.4), as JSON and CSV.

Every award of a published core-funding round and every project funded by a published
participatory-budgeting result is one grant. Identifiers follow the standard's guidance: a grant
id is the publisher's 360Giving prefix and our own id; an organisation is identified by its
charity number (``GB-CHC-``), its Companies House number (``GB-COH-``) or, for a small
unregistered group, by the publisher's prefix and our id. Beneficiary locations are wards with
their ONS codes (``geoCodeType`` ``WD``).

The CSV uses the standard's column titles, one row per grant, as 360Giving's own spreadsheet
templates do (``Recipient Org:Identifier``; repeated locations as ``Beneficiary Location:0:Name``,
``Beneficiary Location:1:Name``, ...).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pbapp.extensions import db
from pbapp.models import Budget, Neighbourhood, Proposal, Result
from pbapp.models.core_funding import CoreFundingRound
from pbapp.services.core_funding.document import people_of
from pbapp.services.csv_safety import safe_cell

STANDARD_VERSION = "1.4"
CURRENCY = "GBP"
_CHARITY = re.compile(r"^\d{6,7}$")  # England and Wales charity numbers
_COMPANY = re.compile(r"^(\d{8}|[A-Z]{2}\d{6})$")  # Companies House: 8 digits, or SC123456 etc.


@dataclass(frozen=True)
class Publisher:
    """Who publishes the grants: the 360Giving prefix and the funding organisation."""

    prefix: str  # e.g. 360G-sheffieldcc (registered with 360Giving)
    funder_id: str  # org-id of the funder, e.g. GB-LAE-SHF (Sheffield City Council)
    funder_name: str

    def funder(self) -> dict[str, str]:
        return {"id": self.funder_id, "name": self.funder_name}


def _registered(registration: str) -> tuple[str, str, str] | None:
    """(org-id scheme, 360Giving field, number) of a charity or company number, else None."""
    number = (registration or "").replace(" ", "").upper()
    if _CHARITY.match(number):
        return "GB-CHC", "charityNumber", number
    if _COMPANY.match(number):
        return "GB-COH", "companyNumber", number
    return None


def organisation_id(publisher: Publisher, registration: str, local_id: int) -> str:
    """An org-id: charity or company number when the group has one, else the publisher's own."""
    registered = _registered(registration)
    if registered is not None:
        return f"{registered[0]}-{registered[2]}"
    return f"{publisher.prefix}-org-{local_id}"


def _date(moment: datetime | None) -> str:
    return (moment or datetime(1970, 1, 1)).date().isoformat()


def _date_time(moment: datetime | None) -> str:
    """A full RFC 3339 date-time (the standard's Last Modified); stored times are UTC."""
    return (moment or datetime(1970, 1, 1)).replace(microsecond=0).isoformat() + "+00:00"


def _ward(code: str, name: str) -> dict[str, str]:
    return {"name": name, "geoCode": code, "geoCodeType": "WD", "countryCode": "GB"}


def core_funding_grants(publisher: Publisher, funding_round: CoreFundingRound) -> list[dict]:
    """The awards of a published round as 360Giving grants (amount over the whole round)."""
    if not funding_round.is_published or funding_round.inputs is None:
        return []
    about = funding_round.inputs["about"]
    groups = {g["id"]: g for g in funding_round.inputs["groups"]}
    wards = about["neighbourhoods"]
    grants = []
    for award in sorted(funding_round.awards, key=lambda a: a.organisation_id):
        key = str(award.organisation_id)
        group, names = groups[key], about["groups"][key]
        registration = names.get("registration_number", "")
        recipient: dict[str, Any] = {
            "id": organisation_id(publisher, registration, award.organisation_id),
            "name": names["name"],
        }
        registered = _registered(registration)
        if registered is not None:  # the number as in the org-id (no spaces, upper case)
            recipient[registered[1]] = registered[2]
        reached = sorted(
            (code for code, value in group["reach"].items() if people_of(value)),
            key=lambda code: wards[code]["name"],
        )
        grant = {
            "id": f"{publisher.prefix}-cf-{funding_round.id}-{award.organisation_id}",
            "title": f"Core funding: {names['name']}"[:140],
            "description": (
                f"Core funding by published formula in the round “{funding_round.title}”: "
                f"£{award.amount:,} a year for {funding_round.years} year"
                f"{'s' if funding_round.years != 1 else ''}, {funding_round.period}. No bid: "
                "every eligible group is funded by the same rules."
            ),
            "currency": CURRENCY,
            "amountAwarded": award.round_total,
            "awardDate": _date(funding_round.published_at),
            "plannedDates": [
                {
                    "startDate": f"{funding_round.first_year}-04-01",
                    "endDate": f"{funding_round.first_year + funding_round.years}-03-31",
                    "duration": 12 * funding_round.years,
                }
            ],
            "recipientOrganization": [recipient],
            "fundingOrganization": [publisher.funder()],
            "grantProgramme": [
                {"code": f"{publisher.prefix}-cf-{funding_round.id}", "title": funding_round.title}
            ],
            "fromOpenCall": "No",
            "dateModified": _date_time(funding_round.published_at),
        }
        if reached:
            grant["beneficiaryLocation"] = [_ward(code, wards[code]["name"]) for code in reached]
        grants.append(grant)
    return grants


def project_grants(publisher: Publisher) -> list[dict]:
    """Every project funded by a published participatory-budgeting result.

    The platform records no outside body delivering a project, so the council is named as
    delivering it (the recipient), and the description says residents chose it.
    """
    grants = []
    results = db.session.scalars(
        select(Result)
        .options(
            joinedload(Result.budget).joinedload(Budget.process),
            joinedload(Result.budget).joinedload(Budget.neighbourhood),
        )
        .order_by(Result.id)
    ).all()
    # Every selected proposal in one query, not one query per result.
    chosen = {p_id for result in results for p_id in result.selected}
    proposals = {
        p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(chosen)))
    }
    for result in results:
        budget: Budget = result.budget
        process = budget.process
        ward: Neighbourhood | None = budget.neighbourhood
        for proposal_id in result.selected:
            proposal = proposals.get(proposal_id)
            if proposal is None:
                continue
            grant: dict[str, Any] = {
                "id": f"{publisher.prefix}-pb-{proposal.id}",
                "title": proposal.title[:140],
                "description": (
                    f"{proposal.summary} Chosen by residents' votes in “{process.title}” "
                    f"({budget.name}) and delivered by {publisher.funder_name}."
                ),
                "currency": CURRENCY,
                "amountAwarded": proposal.ballot_cost,
                "awardDate": _date(result.published_at),
                "plannedDates": [{"startDate": process.delivery_start.isoformat()}],
                "recipientOrganization": [publisher.funder()],
                "fundingOrganization": [publisher.funder()],
                "grantProgramme": [
                    {"code": f"{publisher.prefix}-pb-{process.id}", "title": process.title}
                ],
                "fromOpenCall": "Yes",
                "dateModified": _date_time(result.published_at),
            }
            if ward is not None:
                grant["beneficiaryLocation"] = [_ward(ward.code, ward.name)]
            grants.append(grant)
    return grants


def package(publisher: Publisher, grants: list[dict], title: str) -> dict[str, Any]:
    """A 360Giving data package (the form the standard's package schema describes)."""
    return {
        "version": STANDARD_VERSION,
        "title": title,
        "publisher": {"name": publisher.funder_name, "identifier": publisher.funder_id},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "grants": grants,
    }


_COLUMNS = [
    ("Identifier", lambda g: g["id"]),
    ("Title", lambda g: g["title"]),
    ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]),
    ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Award Date", lambda g: g["awardDate"]),
    ("Planned Dates:Start Date", lambda g: g["plannedDates"][0].get("startDate", "")),
    ("Planned Dates:End Date", lambda g: g["plannedDates"][0].get("endDate", "")),
    ("Planned Dates:Duration (months)", lambda g: g["plannedDates"][0].get("duration", "")),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    (
        "Recipient Org:Charity Number",
        lambda g: g["recipientOrganization"][0].get("charityNumber", ""),
    ),
    (
        "Recipient Org:Company Number",
        lambda g: g["recipientOrganization"][0].get("companyNumber", ""),
    ),
    ("Funding Org:Identifier", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Code", lambda g: g["grantProgramme"][0]["code"]),
    ("Grant Programme:Title", lambda g: g["grantProgramme"][0]["title"]),
    ("From An Open Call?", lambda g: g["fromOpenCall"]),
    ("Last modified", lambda g: g["dateModified"]),
]
_LOCATION = [
    ("Name", "name"),
    ("Geographic Code", "geoCode"),
    ("Geographic Code Type", "geoCodeType"),
    ("Country Code", "countryCode"),
]


def grants_csv(grants: list[dict]) -> str:
    """Grants as 360Giving CSV: the standard's column titles, one row per grant."""
    locations = max((len(g.get("beneficiaryLocation", [])) for g in grants), default=0)
    header = [title for title, _ in _COLUMNS] + [
        f"Beneficiary Location:{i}:{title}" for i in range(locations) for title, _ in _LOCATION
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for grant in grants:
        row = [safe_cell(value(grant)) for _, value in _COLUMNS]
        places = grant.get("beneficiaryLocation", [])
        for i in range(locations):
            place = places[i] if i < len(places) else {}
            row += [safe_cell(place.get(key, "")) for _, key in _LOCATION]
        writer.writerow(row)
    return out.getvalue()
