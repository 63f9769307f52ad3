"""Officers build a core-funding round, preview it as parameters change, and publish it;
the public reads published rounds only, with a CSV of every award."""

from __future__ import annotations

import csv
import io
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent
from pbapp.models.core_funding import Award, CoreFundingRound, Organisation
from pbapp.services import core_funding as cf
from pbapp.services.errors import FieldError
from tests.test_vcs_factories import add_need, example_round, round_query, worked_example


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture()
def example(neighbourhoods):
    add_need(neighbourhoods)
    return worked_example(neighbourhoods)


def test_officer_builds_previews_and_publishes_a_round(
    client, forms, create_user, sign_in, example
):
    officer = create_user("officer")
    sign_in(officer)
    response = forms.post("/core-funding/rounds/new", round_query())
    assert response.status_code == 302
    item = db.session.scalar(select(CoreFundingRound))
    assert (item.status, item.pot, item.years) == ("draft", 22_000, 3)
    assert item.parameters["cap_income_fraction"] == "0.5"
    assert [b["base"] for b in item.parameters["bands"]] == [1_000, 3_000, 5_000]

    page = text(client.get(response.headers["Location"]))
    assert "Draft: not public" in page
    for name, amount in (
        ("Group One", "£4,000"),
        ("Group Two", "£8,556"),
        ("Group Three", "£9,444"),
    ):
        assert name in page and amount in page
    assert page.count("<svg") == 2  # awards by size band and by neighbourhood need
    assert "Awards by size band" in page

    response = forms.post(
        f"/core-funding/rounds/{item.id}/publish",
        {"confirm": "y"},
        page=f"/core-funding/rounds/{item.id}/preview",
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == "published"
    assert item.published_by_id == officer.id
    assert len(item.fingerprint) == 64
    amounts = {a.organisation.name: a.amount for a in item.awards}
    assert amounts == {"Group One": 4_000, "Group Two": 8_556, "Group Three": 9_444}
    assert (item.total, item.unallocated) == (22_000, 0)
    assert cf.check_published(item)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "core_funding_round.publish")
    )
    assert event.actor_id == officer.id and event.after["fingerprint"] == item.fingerprint


def test_preview_recomputes_with_trial_settings_without_saving(
    client, create_user, sign_in, example
):
    officer = create_user("officer")
    item = example_round(officer)
    sign_in(officer)
    page = text(
        client.get(f"/core-funding/rounds/{item.id}/preview", query_string=round_query(alpha="0"))
    )
    assert "the settings you are trying" in page
    # With need ignored, g2 and g3 share by plain reach: 3,000 + 300λ and 5,000 + 400λ.
    assert "£8,556" not in page
    assert "Save these settings to the round" in page
    db.session.refresh(item)
    assert item.parameters["alpha"] == "1"
    assert db.session.scalar(select(func.count()).select_from(Award)) == 0


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"pot": "5000"}, ["The base amounts alone come to £9,000 a year", "£5,000"]),
        (
            {"cap": "1000", "cap_income_percent": ""},
            ["The caps let the groups receive at most £", "less than the pot of £22,000"],
        ),
    ],
)
def test_infeasible_settings_are_explained_with_their_numbers_not_a_500(
    client, create_user, sign_in, example, overrides, words
):
    officer = create_user("officer")
    item = example_round(officer)
    sign_in(officer)
    response = client.get(
        f"/core-funding/rounds/{item.id}/preview", query_string=round_query(**overrides)
    )
    assert response.status_code == 200
    page = text(response)
    assert "These settings cannot share the pot" in page
    for word in words:
        assert word in page
    assert "The figures that show why" in page


def test_stability_floors_above_the_pot_are_refused_with_the_totals(
    client, forms, create_user, sign_in, example
):
    officer = create_user("officer")
    first = example_round(officer)
    cf.publish_round(officer, first)
    db.session.commit()
    second = example_round(officer, title="Next round", first_year=2030)
    sign_in(officer)
    # Floors, each 90% of last award rounded up: 3,600 + 7,701 + 8,500 = £19,801 a year.
    page = text(
        client.get(
            f"/core-funding/rounds/{second.id}/preview", query_string=round_query(pot="10000")
        )
    )
    assert (
        "The stability floors alone come to £19,801 a year, £9,801 more than the pot of £10,000"
        in page
    )
    response = forms.post(
        f"/core-funding/rounds/{second.id}/edit", round_query(title="Next round", pot="10000")
    )
    assert response.status_code == 302  # a draft may hold infeasible settings…
    response = forms.post(
        f"/core-funding/rounds/{second.id}/publish",
        {"confirm": "y"},
        page=f"/core-funding/rounds/{second.id}/preview",
    )
    assert response.status_code == 422  # …but cannot be published with them
    assert "cannot be published" in text(response)
    db.session.refresh(second)
    assert second.status == "draft" and second.awards == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Give the round a title"),
        ({"pot": "0"}, "pot", "more than £0"),
        ({"pot": "lots"}, "pot", "whole number of pounds"),
        ({"pot": "2000000000"}, "pot", "at most £100,000,000"),
        ({"pot": "99999999999999999999"}, "pot", "too large to store"),
        ({"band1_max": "99999999999999999999"}, "band1_max", "at most"),
        ({"band2_base": "99999999999999999999"}, "band2_base", "at most"),
        ({"years": "11"}, "years", "between 1 and 10"),
        ({"band2_max": "5000"}, "band2_max", "above the one before"),
        ({"band1_base": ""}, "band1_base", "base amount"),
        ({"band4_base": ""}, "band4_base", "base amount"),
        ({"alpha": "much"}, "alpha", "Enter a number"),
        ({"alpha": "4"}, "alpha", "between 0 and 3"),
        ({"delta_percent": "150"}, "delta_percent", "between 0% and 100%"),
        ({"cap_income_percent": "-5"}, "cap_income_percent", "percentage above 0"),
        ({"cap": "-1"}, "cap", "above £0"),
    ],
)
def test_bad_round_settings_are_refused_next_to_the_field(
    forms, create_user, sign_in, neighbourhoods, overrides, field, message
):
    sign_in(create_user("officer"))
    response = forms.post("/core-funding/rounds/new", round_query(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(CoreFundingRound)) == 0


def test_bad_trial_settings_are_shown_next_to_the_field_in_the_preview(
    client, create_user, sign_in, example
):
    officer = create_user("officer")
    item = example_round(officer)
    sign_in(officer)
    response = client.get(
        f"/core-funding/rounds/{item.id}/preview", query_string=round_query(delta_percent="x")
    )
    assert response.status_code == 422
    assert 'id="delta_percent-error"' in text(response)


def test_draft_round_is_not_public(client, create_user, sign_in, example):
    item = example_round(create_user("officer"))
    assert client.get(f"/core-funding/rounds/{item.id}").status_code == 404
    assert client.get(f"/core-funding/rounds/{item.id}/awards.csv").status_code == 404
    assert item.title not in text(client.get("/core-funding/"))
    sign_in(create_user("vcs"))
    assert client.get(f"/core-funding/rounds/{item.id}/preview").status_code == 403


def test_public_reads_published_awards_and_downloads_the_csv(client, create_user, example):
    officer = create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()

    index = text(client.get("/core-funding/"))
    assert item.title in index
    page = text(client.get(f"/core-funding/rounds/{item.id}"))
    assert "Group Two" in page and "£8,556" in page
    assert "Nothing: every pound of the pot is awarded." in page
    assert "recomputed just now from the stored figures, the awards are the same" in page

    response = client.get(f"/core-funding/rounds/{item.id}/awards.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["group"], r["award_per_year"], r["award_over_round"]) for r in rows] == [
        ("Group One", "4000", "12000"),
        ("Group Three", "9444", "28332"),
        ("Group Two", "8556", "25668"),
    ]
    assert rows[0]["limit_applied"] == "the share of income limit"

    formula = text(client.get("/core-funding/formula"))
    assert "A base amount for your size" in formula and "50%" in formula


def test_unallocated_pounds_are_shown_honestly(client, create_user, neighbourhoods):
    from tests.test_vcs_factories import make_group

    add_need(neighbourhoods)
    for name in ("Alpha", "Beta", "Gamma"):  # identical groups cannot share £100 equally
        make_group(name, [5_000], {neighbourhoods[0]: 10})
    officer = create_user("officer")
    item = example_round(
        officer,
        pot=100,
        cap=None,
        cap_income_percent=None,
        bands=[(None, None), (None, None), (None, None), (None, 0)],
    )
    cf.publish_round(officer, item)
    db.session.commit()
    assert (item.total, item.unallocated) == (99, 1)
    page = text(client.get(f"/core-funding/rounds/{item.id}"))
    assert "£1 a year. These pounds could not be shared equally" in page


def test_a_published_round_never_changes(client, forms, create_user, sign_in, example):
    officer = create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()
    fingerprint = item.fingerprint
    with pytest.raises(FieldError):
        cf.publish_round(officer, item)
    with pytest.raises(FieldError):
        cf.update_round(officer, item, cf.settings_of(item))

    sign_in(officer)
    response = forms.post(
        f"/core-funding/rounds/{item.id}/edit",
        round_query(pot="99999"),
        page="/core-funding/rounds/new",
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.pot, item.fingerprint) == (22_000, fingerprint)
    assert db.session.scalar(select(func.count()).select_from(Award)) == 3


def test_next_round_holds_each_group_within_the_stability_band(create_user, example):
    officer = create_user("officer")
    first = example_round(officer)
    cf.publish_round(officer, first)
    db.session.commit()
    # More money (£23,000) with no cap: each group rises, but by at most 10%.
    second = example_round(
        officer, title="Next", first_year=2030, pot=23_000, cap=None, cap_income_percent=None
    )
    cf.publish_round(officer, second)
    db.session.commit()
    before = {a.organisation_id: a for a in first.awards}
    for award in second.awards:
        previous = before[award.organisation_id]
        assert award.previous_award_id == previous.id
        assert previous.amount * 9 / 10 <= award.amount <= previous.amount * 11 / 10
        assert award.breakdown["previous"] == previous.amount
    assert sum(a.amount for a in second.awards) + second.unallocated == 23_000
    assert second.inputs["about"]["previous_round"] == first.id


def test_changed_stored_figures_fail_the_check(create_user, example):
    officer = create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()
    assert cf.check_published(item)
    tampered = dict(item.inputs)
    tampered["pot"] = 23_000
    item.inputs = tampered
    assert not cf.check_published(item)


def test_groups_not_yet_eligible_are_not_funded(client, create_user, neighbourhoods):
    from tests.test_vcs_factories import make_group

    add_need(neighbourhoods)
    make_group("Checked", [5_000], {neighbourhoods[0]: 10})
    make_group("Not checked", [5_000], {neighbourhoods[0]: 10}, eligible=False)
    officer = create_user("officer")
    item = example_round(officer, pot=2_000)
    cf.publish_round(officer, item)
    db.session.commit()
    assert [a.organisation.name for a in item.awards] == ["Checked"]


def test_a_round_published_meanwhile_by_someone_else_is_not_published_twice(create_user, example):
    from sqlalchemy.orm.attributes import set_committed_value

    officer, other = create_user("officer"), create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()
    db.session.refresh(item)
    set_committed_value(item, "status", "draft")  # the other officer's page still shows a draft
    with pytest.raises(FieldError, match="published by someone else"):
        cf.publish_round(other, item)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Award)) == 3


def test_reach_in_a_neighbourhood_without_a_need_figure_is_explained(
    client, create_user, sign_in, neighbourhoods
):
    from tests.test_vcs_factories import make_group

    add_need(neighbourhoods[:2], (30.0, 10.0))
    make_group("Parkwood Pantry", [5_000], {neighbourhoods[2]: 40})
    officer = create_user("officer")
    item = example_round(officer)
    sign_in(officer)
    page = text(client.get(f"/core-funding/rounds/{item.id}/preview"))
    assert "Parkwood Pantry reaches people in Parkwood, which has no need figure yet" in page


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, create_user, neighbourhoods):
    from tests.test_vcs_factories import make_group

    add_need(neighbourhoods)
    make_group("=HYPERLINK(1)", [5_000], {neighbourhoods[0]: 10})
    officer = create_user("officer")
    item = example_round(officer, pot=2_000)
    cf.publish_round(officer, item)
    db.session.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/core-funding/rounds/{item.id}/awards.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[0]["group"] == "'=HYPERLINK(1)"


def test_anyone_can_recompute_a_published_round_from_its_downloaded_inputs(
    client, create_user, example, tmp_path
):
    import json
    import subprocess
    import sys

    officer = create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()
    response = client.get(f"/core-funding/rounds/{item.id}/inputs.json")
    assert response.mimetype == "application/json"
    document = json.loads(response.get_data(as_text=True))
    assert cf.fingerprint_of(document) == item.fingerprint

    path = tmp_path / "round.json"
    path.write_text(response.get_data(as_text=True), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "allocation", "core-funding", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    recomputed = {a["group"]: a["amount"] for a in json.loads(run.stdout)["awards"]}
    assert recomputed == {str(a.organisation_id): a.amount for a in item.awards}


def test_refusal_words_come_from_the_code_and_figures_never_the_engines_message():
    # Issue 15: the service rewrote the engine's message with str.replace. Now a reworded (here:
    # nonsense) message changes nothing the officer reads; the group is named from the document.
    from allocation.core_funding import CoreFundingError
    from pbapp.services.core_funding.refusals import explain_refusal

    document = {"about": {"groups": {"7": {"name": "Pitsmoor Trust"}}}}
    error = CoreFundingError(
        "zzz reworded zzz",
        code="subsidy_limit",
        group="7",
        numbers={
            "threshold": 315_000,
            "received": 300_000,
            "award_total": 20_301,
            "total": 320_301,
        },
    )
    words = explain_refusal(error, document).message
    assert "zzz" not in words
    for part in ("Pitsmoor Trust trades", "£20,301", "£300,000", "£320,301", "£315,000"):
        assert part in words
    error = CoreFundingError("zzz", code="above_bands", field="income", group="7")
    words = explain_refusal(error, document).message
    assert words == (
        "The round cannot be computed: a group's income is above every size band (Pitsmoor Trust)."
    )


def test_a_trading_groups_award_over_the_subsidy_threshold_is_refused_with_the_figures(
    client, create_user, sign_in, example
):
    # Group Three trades and declares £300,000 of Minimal Financial Assistance: its award of
    # £9,444 a year for 3 years (£28,332) would take it to £328,332, over £315,000.
    three = db.session.scalar(select(Organisation).where(Organisation.name == "Group Three"))
    three.trades, three.mfa_declared = True, 300_000
    db.session.commit()
    officer = create_user("officer")
    item = example_round(officer)
    sign_in(officer)
    page = " ".join(
        unescape(
            client.get(f"/core-funding/rounds/{item.id}/preview").get_data(as_text=True)
        ).split()
    )
    assert "These settings cannot share the pot" in page
    assert "Group Three trades, so its award is a subsidy" in page
    assert "£28,332" in page and "£328,332" in page and "£315,000" in page
    with pytest.raises(FieldError):
        cf.publish_round(officer, item)
    db.session.rollback()
    # A threshold in force that is higher (a setting of the round) lets it through.
    response = client.get(
        f"/core-funding/rounds/{item.id}/preview", query_string=round_query(mfa_threshold="400000")
    )
    assert "These settings cannot share the pot" not in response.get_data(as_text=True)


def test_a_tapered_base_steeper_than_income_is_refused_next_to_the_band(
    client, forms, create_user, sign_in, example
):
    sign_in(create_user("officer"))
    data = round_query(base_taper="y", band1_max="1000", band1_base="0", band2_base="3000")
    response = forms.post("/core-funding/rounds/new", data)
    assert response.status_code == 422
    assert 'id="band2_base-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CoreFundingRound)) == 0


def test_the_platform_counts_a_trading_groups_awards_as_assistance_over_three_financial_years(
    create_user, example
):
    from datetime import date

    from pbapp.services.core_funding import subsidy

    three = db.session.scalar(select(Organisation).where(Organisation.name == "Group Three"))
    three.trades, three.mfa_declared = True, 1_000
    db.session.commit()
    officer = create_user("officer")
    first = example_round(officer)
    cf.publish_round(officer, first)
    db.session.commit()
    award = next(a for a in first.awards if a.organisation_id == three.id)
    assert award.trades and award.round_total == 28_332
    today = first.published_at.date()
    assert subsidy.platform_mfa(three, today) == 28_332
    assert subsidy.mfa_received(three, today) == 29_332
    # The next round's inputs carry it; three financial years on, the award has dropped out.
    later = example_round(officer, title="Next round", first_year=2030)
    document, _, _ = cf.build_document(cf.settings_of(later), first)
    group = next(g for g in document["groups"] if g["id"] == str(three.id))
    assert (group["trades"], group["mfa_received"]) == (True, 29_332)
    assert subsidy.window_start(date(2027, 3, 31)) == date(2024, 4, 1)
    assert subsidy.window_start(date(2027, 4, 1)) == date(2025, 4, 1)
    assert subsidy.platform_mfa(three, date(today.year + 3, 4, 1)) == 0


def test_a_rounds_inputs_take_the_same_queries_for_one_trading_group_or_many(create_user, example):
    """The groups' assistance and reach are read in one query each, not one per group."""
    from sqlalchemy import event

    officer = create_user("officer")
    groups = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    for org in groups:
        org.trades = True  # so that each group's first award counts as assistance
    first = example_round(officer)
    cf.publish_round(officer, first)
    db.session.commit()
    later = example_round(officer, title="Next round", first_year=2030)

    def statements(trading: int) -> int:
        for i, org in enumerate(groups):
            org.trades = i < trading
        db.session.commit()
        db.session.expire_all()
        count = []

        def counted(*_args) -> None:
            count.append(1)

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            document, _, _ = cf.build_document(cf.settings_of(later), first)
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        assert [g["trades"] for g in document["groups"]].count(True) == trading
        assert sum(g["mfa_received"] > 0 for g in document["groups"]) == trading
        return len(count)

    assert statements(1) == statements(3)
