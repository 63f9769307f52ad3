"""The per-resident chart's city-average line runs through no value label (issue 17)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models.funding import Scenario
from tests.fuzz_support import demo_fixture

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)
# 13 px text: wider than the widest average glyph of the sans-serif fonts used (about 7.2 px).
CHAR_W = 7.5
LINE = re.compile(r'<line x1="([\d.]+)"[^>]*class="funding-average"')
VALUE = re.compile(r'<text x="([\d.]+)" y="[\d.]+" class="chart-value">([^<]*)</text>')


def test_the_average_line_crosses_no_value_label(demo):
    demo.restore()
    with demo.app.app_context():
        published = db.session.scalar(
            select(Scenario.id).where(Scenario.status == "published").order_by(Scenario.id)
        )
    page = demo.app.test_client().get(f"/funding/allocations/{published}").get_data(as_text=True)
    chart = page.split('-bars-title">')[1].split("</svg>")[0]
    (line_x,) = [float(x) for x in LINE.findall(chart)]
    labels = [(float(x), unescape(t)) for x, t in VALUE.findall(chart) if "average" not in t]
    assert len(labels) > 10
    beside = 0
    for x, label in labels:
        right = x + len(label) * CHAR_W
        assert not (x - 2 < line_x < right + 2), f"the line at {line_x} crosses “{label}” at {x}"
        beside += x > line_x and x - line_x < 10
    assert beside, "the demo has labels that had to move past the line"
