"""Every Excel download equals its CSV twin, cell by cell (issue 17).

The scenario workbook wrote a fixed header without the indicator columns, so every heading from
"need" on sat over the wrong column. This test finds every route that serves ``.xlsx`` in the
URL map (a new one joins it by itself), fetches it and its ``.csv`` twin with the demo's
published and draft scenarios, and compares the first sheet with the CSV.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models.funding import Scenario
from tests.fuzz_support import DEMO_EMAILS, demo_fixture, role_for, sign_in
from tests.test_access import EXPECTED_ACCESS

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)
PARAMETER = re.compile(r"<(?:[^>]*:)?(\w+)>")


def _xlsx_rules(app) -> list[tuple[str, str]]:
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "xlsx" in rule.rule and "GET" in rule.methods
    )


def _as_text(value) -> str:
    """A workbook cell as the CSV writer writes the same value."""
    return "" if value is None else str(value)


def _same(cell: str, text: str) -> bool:
    """Equal text, or equal numbers (Excel keeps 41548.0 as 41548)."""
    if cell == text:
        return True
    try:
        return float(cell) == float(text)
    except ValueError:
        return False


def test_every_xlsx_download_equals_its_csv_twin(demo):
    demo.restore()
    rules = _xlsx_rules(demo.app)
    assert len(rules) >= 2
    with demo.app.app_context():
        scenario_ids = list(db.session.scalars(select(Scenario.id).order_by(Scenario.id)))
    compared = 0
    for endpoint, rule in rules:
        client = demo.app.test_client()
        role = role_for(EXPECTED_ACCESS[endpoint])
        if role is not None:
            sign_in(client, DEMO_EMAILS[role])
        for scenario_id in scenario_ids:
            url = PARAMETER.sub(
                lambda m, sid=scenario_id: {"scenario_id": str(sid), "kind": "{kind}"}[m.group(1)],
                rule,
            )
            as_csv = client.get(url.format(kind="csv"))
            as_xlsx = client.get(url.format(kind="xlsx"))
            assert as_csv.status_code == as_xlsx.status_code, url
            if as_csv.status_code != 200:
                continue
            rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
            sheet = load_workbook(io.BytesIO(as_xlsx.get_data()), read_only=True).worksheets[0]
            cells = [[_as_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            assert len(cells) == len(rows), url
            for number, (theirs, ours) in enumerate(zip(cells, rows, strict=True), start=1):
                assert len(theirs) == len(ours), f"{url} row {number}"
                for column, (a, b) in enumerate(zip(theirs, ours, strict=True), start=1):
                    assert _same(a, b), f"{url} row {number} column {column}: {a!r} != {b!r}"
            assert len(rows[0]) > 12, "the demo scenarios have indicator columns"
            compared += 1
    assert compared >= 2
