"""360Giving downloads (issue 24): core-funding awards and funded participatory-budgeting projects
as JSON and CSV, validated against the standard's own JSON schema (../shared/data/360giving)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import event

from pbapp.extensions import db
from pbapp.services import core_funding as cf
from pbapp.services import open_grants
from pbapp.services.participation.results import publish_result
from tests.pb_factories import add_voters, make_process, make_proposal
from tests.test_vcs_factories import add_need, example_round, make_group, worked_example

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "data" / "360giving"
if not SCHEMAS.is_dir():  # the worktree may sit elsewhere: the shared data's usual place
    SCHEMAS = Path("/work/shared/data/360giving")
GRANT_SCHEMA = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
PACKAGE_SCHEMA = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())

# RFC 3339 date-time, for the schema's "format": "date-time" (jsonschema checks it only with an
# optional package, and the schema's oneOf between date-time and a plain date needs it checked).
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(_DATE_TIME.match(value))
)


def validators() -> tuple[Draft202012Validator, Draft202012Validator]:
    """Offline: the grant schema registered under the URLs it is known by (1.4.3 and 1.4.2)."""
    resource = Resource.from_contents(GRANT_SCHEMA, default_specification=DRAFT202012)
    urls = [GRANT_SCHEMA["$id"], PACKAGE_SCHEMA["properties"]["grants"]["items"]["$ref"]]
    registry = Registry().with_resources([(url, resource) for url in urls])
    grant = Draft202012Validator(GRANT_SCHEMA, registry=registry, format_checker=FORMATS)
    package = Draft202012Validator(PACKAGE_SCHEMA, registry=registry, format_checker=FORMATS)
    return grant, package


def assert_valid(package: dict) -> None:
    grant_validator, package_validator = validators()
    errors = [e.message for e in package_validator.iter_errors(package)]
    for grant in package["grants"]:
        errors += [f"{grant['id']}: {e.message}" for e in grant_validator.iter_errors(grant)]
    assert errors == []


def grants_from_csv(text: str) -> list[dict]:
    """Read our CSV back into grants by the standard's column titles (what a 360Giving tool does)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    grants = []
    for row in rows:
        recipient = {"id": row["Recipient Org:Identifier"], "name": row["Recipient Org:Name"]}
        for title, key in (
            ("Charity Number", "charityNumber"),
            ("Company Number", "companyNumber"),
        ):
            if row[f"Recipient Org:{title}"]:
                recipient[key] = row[f"Recipient Org:{title}"]
        planned = {"startDate": row["Planned Dates:Start Date"]}
        if row["Planned Dates:End Date"]:
            planned["endDate"] = row["Planned Dates:End Date"]
        if row["Planned Dates:Duration (months)"]:
            planned["duration"] = int(row["Planned Dates:Duration (months)"])
        grant = {
            "id": row["Identifier"],
            "title": row["Title"],
            "description": row["Description"],
            "currency": row["Currency"],
            "amountAwarded": int(row["Amount Awarded"]),
            "awardDate": row["Award Date"],
            "plannedDates": [planned],
            "recipientOrganization": [recipient],
            "fundingOrganization": [
                {"id": row["Funding Org:Identifier"], "name": row["Funding Org:Name"]}
            ],
            "grantProgramme": [
                {"code": row["Grant Programme:Code"], "title": row["Grant Programme:Title"]}
            ],
            "fromOpenCall": row["From An Open Call?"],
            "dateModified": row["Last modified"],
        }
        places = []
        i = 0
        while f"Beneficiary Location:{i}:Name" in row:
            if row[f"Beneficiary Location:{i}:Name"]:
                places.append(
                    {
                        "name": row[f"Beneficiary Location:{i}:Name"],
                        "geoCode": row[f"Beneficiary Location:{i}:Geographic Code"],
                        "geoCodeType": row[f"Beneficiary Location:{i}:Geographic Code Type"],
                        "countryCode": row[f"Beneficiary Location:{i}:Country Code"],
                    }
                )
            i += 1
        if places:
            grant["beneficiaryLocation"] = places
        grants.append(grant)
    return grants


@pytest.fixture()
def published(create_user, neighbourhoods):
    add_need(neighbourhoods)
    groups = worked_example(neighbourhoods)
    groups[1].registration_number = "09876543"  # a company
    groups[2].registration_number = "118 7654"  # a charity, typed with a space
    db.session.commit()
    item = example_round(create_user("officer"))
    cf.publish_round(create_user("officer"), item)
    db.session.commit()
    return item, groups


def test_a_published_rounds_awards_are_valid_360giving_json_and_csv(client, published):
    item, groups = published
    response = client.get(f"/core-funding/rounds/{item.id}/360giving.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    package = response.get_json()
    assert_valid(package)
    grants = {g["recipientOrganization"][0]["name"]: g for g in package["grants"]}
    one, two, three = (grants[g.name] for g in groups)
    # Amounts over the whole round (3 years): £4,000, £8,556, £9,444 a year.
    assert [one["amountAwarded"], two["amountAwarded"], three["amountAwarded"]] == [
        12_000,
        25_668,
        28_332,
    ]
    assert one["currency"] == "GBP" and one["awardDate"] == item.published_at.date().isoformat()
    assert one["plannedDates"] == [
        {"startDate": "2027-04-01", "endDate": "2030-03-31", "duration": 36}
    ]
    assert one["recipientOrganization"][0]["id"] == f"360G-pbapp-sheffield-org-{groups[0].id}"
    assert two["recipientOrganization"][0] | {} == {
        "id": "GB-COH-09876543",
        "name": "Group Two",
        "companyNumber": "09876543",
    }
    assert three["recipientOrganization"][0]["id"] == "GB-CHC-1187654"
    assert three["recipientOrganization"][0]["charityNumber"] == "1187654"  # as in the id
    assert one["fundingOrganization"] == [{"id": "GB-LAE-SHF", "name": "Sheffield City Council"}]
    # Beneficiary locations: the wards reached, by ONS code, as electoral wards.
    assert two["beneficiaryLocation"] == [
        {"name": "Hillside", "geoCode": "E05000001", "geoCodeType": "WD", "countryCode": "GB"},
        {"name": "Riverside", "geoCode": "E05000002", "geoCodeType": "WD", "countryCode": "GB"},
    ]
    # The CSV says the same, in the standard's column titles, and reads back to valid grants.
    text = client.get(f"/core-funding/rounds/{item.id}/360giving.csv").get_data(as_text=True)
    assert text.startswith("Identifier,Title,Description,Currency,Amount Awarded,Award Date")
    assert "Beneficiary Location:1:Geographic Code" in text.splitlines()[0]
    from_csv = grants_from_csv(text)
    assert_valid({"version": "1.4", "grants": from_csv})
    assert from_csv == package["grants"]
    # Every published round at once.
    every = client.get("/core-funding/360giving/awards.json").get_json()
    assert_valid(every)
    assert every["grants"] == package["grants"]


def test_no_360giving_file_for_a_draft_round_or_before_anything_is_funded(
    client, create_user, neighbourhoods
):
    add_need(neighbourhoods)
    make_group("Lonely Group", [5_000], {neighbourhoods[0]: 10})
    draft = example_round(create_user("officer"), pot=3_000)
    assert client.get(f"/core-funding/rounds/{draft.id}/360giving.json").status_code == 404
    assert client.get("/core-funding/360giving/awards.csv").status_code == 404
    assert client.get("/core-funding/360giving/projects.json").status_code == 404
    assert client.get("/core-funding/360giving/other.json").status_code == 404


def test_funded_participatory_budgeting_projects_are_valid_360giving(
    client, create_user, neighbourhoods
):
    area = neighbourhoods[0]
    process = make_process("results", neighbourhoods=[area])
    budget = process.budgets[0]
    chosen = make_proposal(budget, "=Allotment", 4_000)
    make_proposal(budget, "Benches", 9_000)
    add_voters(budget, area, [{chosen.id: 1}] * 6)
    publish_result(create_user("officer"), budget, date.today())
    db.session.commit()

    package = client.get("/core-funding/360giving/projects.json").get_json()
    assert_valid(package)
    (grant,) = package["grants"]
    assert grant["id"] == f"360G-pbapp-sheffield-pb-{chosen.id}"
    assert grant["amountAwarded"] == 4_000 and grant["title"] == "=Allotment"
    assert grant["beneficiaryLocation"][0]["geoCode"] == "E05000001"
    assert grant["plannedDates"] == [{"startDate": process.delivery_start.isoformat()}]
    text = client.get("/core-funding/360giving/projects.csv").get_data(as_text=True)
    assert ",'=Allotment," in text  # a spreadsheet will not run it as a formula
    assert datetime.fromisoformat(grant["awardDate"]).date() == date.today()


def _statements_for_project_grants() -> int:
    """How many SQL statements building the projects' grants takes, from a fresh session."""
    db.session.expire_all()
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        open_grants.project_grants(open_grants.Publisher("360G-x", "GB-LAE-SHF", "Council"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_projects_download_takes_the_same_queries_for_one_result_or_many(
    create_user, neighbourhoods
):
    officer = create_user("officer")

    def add_result(area) -> None:
        process = make_process("results", neighbourhoods=[area])
        budget = process.budgets[0]
        chosen = make_proposal(budget, f"Benches in {area.name}", 4_000)
        add_voters(budget, area, [{chosen.id: 1}] * 3)
        publish_result(officer, budget, date.today())
        db.session.commit()

    add_result(neighbourhoods[0])
    one = _statements_for_project_grants()
    add_result(neighbourhoods[1])
    add_result(neighbourhoods[0])
    assert len(open_grants.project_grants(open_grants.Publisher("p", "f", "F"))) == 3
    assert _statements_for_project_grants() == one  # not one more query per result
