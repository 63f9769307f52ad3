"""The fairness dashboard: figures by neighbourhood, with small-number suppression that no
published figure of the same table can undo."""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from pbapp.extensions import db
from pbapp.services.accountability.dashboard import (
    FEW_BALLOTS_TEXT,
    HIDDEN_TEXT,
    SECONDARY_TEXT,
    _published,
    suppress,
)
from pbapp.services.participation.results import publish_result
from tests.pb_factories import add_voters, make_process, make_proposal


def recoverable(published: dict, hidden: set, groups: list) -> set:
    """Hidden cells whose value the published cells pin down (found independently of the code
    under test: a cell is free exactly when some change to the hidden cells that keeps every
    published sum true changes that cell, i.e. it is non-zero in the equations' null space)."""
    order = sorted(hidden, key=str)
    if not order:
        return set()
    index = {k: i for i, k in enumerate(order)}
    matrix = []
    for parts, total in groups:
        row = [0.0] * len(order)
        for c in parts:
            if c in index:
                row[index[c]] += 1
        if total in index:
            row[index[total]] -= 1
        matrix.append(row)
    free = null_space(np.array(matrix))
    return {k for k in order if free.size == 0 or np.allclose(free[index[k]], 0)}


def table_groups(rows: list[str]) -> list:
    """A neighbourhood table: with + without = voters in every row, and a whole-city row."""
    everyone = rows + ["total"]
    groups = [([(r, "with"), (r, "without")], (r, "voters")) for r in everyone]
    groups += [([(r, c) for r in rows], ("total", c)) for c in ("with", "without", "voters")]
    return groups


def table(counts: list[tuple[int, int]]) -> tuple[dict, list]:
    rows = [f"area{i}" for i in range(len(counts))]
    values = {}
    for r, (w, wo) in zip(rows, counts, strict=True):
        values |= {(r, "with"): w, (r, "without"): wo, (r, "voters"): w + wo}
    for c in ("with", "without", "voters"):
        values[("total", c)] = sum(values[(r, c)] for r in rows)
    return values, table_groups(rows)


def test_a_single_small_count_hides_a_second_so_the_total_cannot_give_it_away():
    values, groups = table([(30, 2), (40, 10), (25, 9)])
    hidden = suppress(values, groups)
    assert ("area0", "without") in hidden
    for parts, total in groups:
        assert sum(c in hidden for c in [*parts, total]) != 1
    assert recoverable(values, hidden, groups) == set()


def test_small_counts_in_different_rows_and_columns_stay_hidden():
    values, groups = table([(3, 40), (50, 2), (60, 70)])
    hidden = suppress(values, groups)
    assert {("area0", "with"), ("area1", "without")} <= hidden
    assert recoverable(values, hidden, groups) == set()


def test_a_count_pinned_down_by_row_and_column_totals_together_is_protected_too():
    # A 4 x 4 table with row and column totals. The small cells form two loops joined by one
    # cell (row 2, column 3): every row and column has two or more hidden cells, so no single
    # subtraction gives anything away, but the totals taken together pin that cell down.
    small = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (2, 3)}
    rows, cols = range(1, 5), range(1, 5)
    values = {(r, c): (2 if (r, c) in small else 50 + r * 10 + c) for r in rows for c in cols}
    for r in rows:
        values[(r, "total")] = sum(values[(r, c)] for c in cols)
    for c in [*cols, "total"]:
        values[("total", c)] = sum(values[(r, c)] for r in rows)
    groups = [([(r, c) for c in cols], (r, "total")) for r in [*rows, "total"]]
    groups += [([(r, c) for r in rows], ("total", c)) for c in [*cols, "total"]]
    assert recoverable(values, small, groups) == {(2, 3)}  # hiding the small cells alone fails

    hidden = suppress(values, groups)
    assert small < hidden
    assert recoverable(values, hidden, groups) == set()


def test_nothing_is_hidden_when_every_count_is_5_or_more():
    values, groups = table([(5, 6), (7, 8)])
    assert suppress(values, groups) == set()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=7))
def test_no_hidden_count_can_ever_be_recovered_from_the_published_table(counts):
    values, groups = table(counts)
    hidden = suppress(values, groups)
    assert {k for k, v in values.items() if v < 5} <= hidden
    assert recoverable(values, hidden, groups) == set()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=7))
def test_every_cell_labelled_fewer_than_5_is_below_5(counts):
    """Issue 16: cells hidden only to stop subtraction were labelled "fewer than 5" (Gleadless
    Valley: 25 voters, both parts "fewer than 5"). Each label must now be true."""
    values, groups = table(counts)
    hidden = suppress(values, groups)
    for key, value in values.items():
        shown = _published(key, value, hidden)
        if str(shown) == HIDDEN_TEXT:
            assert value < 5, (key, value)
        elif str(shown) == SECONDARY_TEXT:
            assert key in hidden and value >= 5
        else:
            assert str(shown) == f"{value:,}" and key not in hidden


def test_a_secondarily_hidden_cell_says_so_in_true_words():
    values, groups = table([(21, 4), (40, 10), (25, 9)])  # area0: 25 voters, 4 without
    hidden = suppress(values, groups)
    assert ("area0", "with") not in hidden or values[("area0", "with")] >= 5
    labels = {k: str(_published(k, v, hidden)) for k, v in values.items() if k in hidden}
    assert labels[("area0", "without")] == HIDDEN_TEXT
    secondary = [k for k, label in labels.items() if label == SECONDARY_TEXT]
    assert secondary and all(values[k] >= 5 for k in secondary)


# --- The page and the download --------------------------------------------------------------


@pytest.fixture()
def voted(neighbourhoods, create_user):
    """Three neighbourhoods' budgets counted: Hillside 10 + 2 voters, Riverside 2 + 1 (a budget
    with fewer than 10 ballots), Parkwood 12 + 8 (backing the funded project + backing only the
    unfunded one)."""
    process = make_process("results", rule="greedy", neighbourhoods=neighbourhoods)
    officer = create_user("officer")
    plan = {"Hillside": (10, 2), "Riverside": (2, 1), "Parkwood": (12, 8)}
    for budget in process.budgets:
        area = budget.neighbourhood
        win = make_proposal(budget, f"Garden in {area.name}", 6000, theme="air-green-space")
        lose = make_proposal(budget, f"Club in {area.name}", 6000, theme="community-connections")
        backers, others = plan[area.name]
        add_voters(budget, area, [{win.id: 1}] * backers + [{lose.id: 1}] * others)
        publish_result(officer, budget, date.today())
    db.session.commit()
    return process


def fairness_csv(client) -> list[dict]:
    body = client.get("/open-data/fairness.csv").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(body)))


def test_small_counts_are_fewer_than_5_in_the_download_and_none_can_be_worked_out(client, voted):
    rows = {r["neighbourhood"]: r for r in fairness_csv(client)}
    assert rows["Riverside"]["voters"] == FEW_BALLOTS_TEXT  # its budget had 3 ballots
    assert rows["Riverside"]["turnout"] == ""  # a share would give the hidden count away
    assert rows["Hillside"]["voters_without_funded_project"] == HIDDEN_TEXT
    assert rows["Parkwood"]["voters"] == "20"

    # Rebuild the table from the download alone and try to solve for every hidden cell.
    areas = [name for name in rows if name != "Whole city" and rows[name]["voters"] != ""]
    key = {
        "with": "voters_with_funded_project",
        "without": "voters_without_funded_project",
        "voters": "voters",
    }
    published, hidden = {}, set()
    for name in areas + ["Whole city"]:
        row_key = "total" if name == "Whole city" else name
        for column, header in key.items():
            cell = rows[name][header]
            if not cell.isdigit():
                assert cell in (HIDDEN_TEXT, SECONDARY_TEXT, FEW_BALLOTS_TEXT)
                hidden.add((row_key, column))
            else:
                published[(row_key, column)] = int(cell)
    assert hidden
    assert recoverable(published, hidden, table_groups(areas)) == set()
    for name in areas:
        if (
            not rows[name]["voters_with_funded_project"].isdigit()
            or not rows[name]["voters"].isdigit()
        ):
            assert rows[name]["share_with_funded_project"] == ""


def test_the_dashboard_page_says_fewer_than_5_and_has_a_table_for_every_chart(client, voted):
    page = unescape(client.get("/dashboard").get_data(as_text=True))
    assert HIDDEN_TEXT in page
    assert page.count("<svg") >= 3
    assert page.count('<table class="table">') >= page.count("<svg")
    assert "Clean air and green space" in page and "Community connections" in page
    # The hidden Riverside count is never printed next to its name.
    riverside_row = page.split('<th scope="row">Riverside</th>')[2].split("</tr>")[0]
    assert FEW_BALLOTS_TEXT in riverside_row and ">3<" not in riverside_row


def test_money_per_resident_follows_the_funded_projects(client, voted):
    rows = {r["neighbourhood"]: r for r in fairness_csv(client)}
    assert rows["Hillside"]["pb_funded_pounds"] == "6000"
    assert rows["Hillside"]["pb_pounds_per_head"] == "0.5"  # £6,000 for 12,000 residents
    assert rows["Whole city"]["pb_funded_pounds"] == "18000"
    assert rows["Hillside"]["funded_projects"] == "1" and rows["Hillside"]["proposals"] == "2"


def test_the_dashboard_works_before_anything_is_published(client, neighbourhoods):
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert "No participatory-budgeting result is published yet" in unescape(
        response.get_data(as_text=True)
    )


def test_a_ward_where_no_group_works_shows_0_and_0_pounds(client, neighbourhoods, create_user):
    """Issue 16: 14 of 28 wards said "not shown (small numbers)" where no group works; it is
    £0, and "Groups working here: 0" says so already."""
    from pbapp.services.core_funding import rounds as cf
    from tests.test_vcs_factories import add_need, example_round, worked_example

    add_need(neighbourhoods)
    worked_example(neighbourhoods)  # groups in Hillside and Riverside; none in Parkwood
    officer = create_user("officer")
    funding_round = example_round(officer)
    cf.publish_round(officer, funding_round)
    db.session.commit()
    page = unescape(client.get("/dashboard").get_data(as_text=True))
    table = page.split("Core funding by neighbourhood")[1].split("</table>")[0]
    row = table.split('<th scope="row">Parkwood</th>')[1].split("</tr>")[0]
    cells = re_cells(row)
    assert cells[1:4] == ["0", "0", "£0"]  # groups, people reached, funding a year
    assert "not shown" not in row
    rows = {r["neighbourhood"]: r for r in fairness_csv(client)}
    assert rows["Parkwood"]["vcs_people_reached"] == "0"
    assert rows["Parkwood"]["vcs_award_pounds_per_year"] == "0"


def re_cells(row: str) -> list[str]:
    import re

    return re.findall(r'<td class="num">([^<]*)</td>', row)
