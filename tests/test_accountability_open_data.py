"""Open data: every published figure as CSV and JSON with a data dictionary, nothing
unpublished, and a demo that loads once."""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models.accountability import Commitment, CommitmentUpdate, DeliveryRecord
from pbapp.services.accountability.open_data import DATASETS
from pbapp.services.participation.results import publish_result


@pytest.fixture()
def published(counted, create_user):
    budget, projects = counted
    publish_result(create_user("officer"), budget, date.today())
    db.session.add(
        Commitment(
            shift="Resources",
            position=1,
            text='=HYPERLINK("http://evil") We will find the best ways to spend money.',
            owner="Sheffield City Council",
            due_date=date(2027, 9, 30),
        )
    )
    db.session.commit()
    return budget, projects


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_dataset_downloads_as_csv_and_json_with_the_same_records(client, published, name):
    as_csv = client.get(f"/open-data/{name}.csv")
    as_json = client.get(f"/open-data/{name}.json")
    assert as_csv.status_code == as_json.status_code == 200
    assert as_csv.mimetype == "text/csv"
    header, *body = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    document = as_json.get_json()
    columns = [c.name for c in DATASETS[name].columns]
    assert header == columns
    assert [c["name"] for c in document["columns"]] == columns
    assert len(body) == len(document["records"])


def test_results_download_lists_every_project_on_the_ballot(client, published):
    budget, projects = published
    rows = list(
        csv.DictReader(io.StringIO(client.get("/open-data/results.csv").get_data(as_text=True)))
    )
    assert sorted(r["title"] for r in rows) == sorted(p.title for p in projects)
    assert {r["voters"] for r in rows} == {"11"}
    # 6 voters backed A and B, 5 backed C and D (counts below 5: tests/test_disclosure.py)
    supporters = {r["title"]: r["supporters"] for r in rows}
    assert supporters == {
        "Allotment": "6",
        "Benches": "6",
        "Cooking club": "5",
        "Dance class": "5",
    }
    assert "Rejected idea" not in {r["title"] for r in rows}


def test_a_cell_that_looks_like_a_formula_is_quoted_in_the_csv(client, published):
    body = client.get("/open-data/commitments.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert (
        client.get("/open-data/commitments.json")
        .get_json()["records"][0]["commitment"]
        .startswith("=HYPERLINK")
    )


def test_the_dictionary_explains_every_column_of_every_dataset(client, published):
    page = unescape(client.get("/open-data/").get_data(as_text=True))
    for dataset in DATASETS.values():
        assert dataset.title in page
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in page
    from flask import url_for

    with client.application.test_request_context():
        ballots = url_for("pb.ballots_file", budget_id=published[0].id)
    assert ballots in page


def test_an_unknown_dataset_is_not_found(client):
    assert client.get("/open-data/passwords.csv").status_code == 404
    assert client.get("/open-data/passwords.json").status_code == 404


def test_demo_loads_commitments_updates_and_delivery_once(app):
    from pbapp.demo import load_demo
    from pbapp.demo.accountability import load_accountability_demo

    first = load_accountability_demo()  # before the rest of the demo: commitments only
    db.session.commit()
    assert first.commitments_added == 32 and first.updates_added == 0
    load_demo()  # ends with the accountability demo, now that funded projects exist
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CommitmentUpdate)) > 0
    assert db.session.scalar(select(func.count()).select_from(DeliveryRecord)) > 0
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Commitment, CommitmentUpdate, DeliveryRecord)
    ]
    third = load_accountability_demo()
    db.session.commit()
    assert third.commitments_added == third.updates_added == third.delivery_started == 0
    assert counts == [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Commitment, CommitmentUpdate, DeliveryRecord)
    ]
    texts = db.session.scalars(select(Commitment.text)).all()
    assert "We will publish our commitments." in texts
    assert "We will welcome challenge from each other and the public." in texts
