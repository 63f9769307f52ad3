"""A group reads its award statement, every pound explained, and reports a mistake in its data;
an officer accepts or declines with a reason, and only unpublished rounds use the correction."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent
from pbapp.models.core_funding import CorrectionRequest
from pbapp.services import core_funding as cf
from tests.test_vcs_factories import add_need, example_round, worked_example


def words(response) -> str:
    """The page as a reader hears it: tags removed, white space collapsed."""
    page = unescape(response.get_data(as_text=True))
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture()
def published(create_user, neighbourhoods):
    """The worked example published; Group One is kept by a vcs user."""
    add_need(neighbourhoods)
    keeper = create_user("vcs", name="Kim Keeper")
    groups = worked_example(neighbourhoods, keeper=keeper)
    officer = create_user("officer")
    item = example_round(officer)
    cf.publish_round(officer, item)
    db.session.commit()
    return {"keeper": keeper, "officer": officer, "round": item, "groups": groups}


def test_group_reads_every_pound_of_its_award(client, sign_in, published):
    sign_in(published["keeper"])
    one = published["groups"][0]
    item = published["round"]
    group_page = words(client.get(f"/core-funding/groups/{one.id}"))
    assert "Core funding 2027 to 2030" in group_page and "£4,000" in group_page

    page = words(client.get(f"/core-funding/groups/{one.id}/awards/{item.id}"))
    assert "£4,000 a year for 3 years, April 2027 to March 2030: £12,000 in all" in page
    # Base: average income (7,000 + 8,000 + 9,000) / 3 = 8,000 is in the first band.
    assert "Base amount for your size: £1,000" in page
    assert "average yearly income was £8,000" in page
    # Reach: 100 people in Hillside (need 30, mean 20: multiplier 1.5) = 150 weighted people,
    # at λ = 200/9 = £22.2222 each.
    # The table shows light and intensive support (none intensive here, weight 1).
    assert "Hillside 100 0 100.0 30.0 1.500 150.0" in page
    # Issue 21: the multiplier names its indicator, year, average and α, and links to how.
    assert "Need multiplier = (Index of Multiple Deprivation score" in page
    assert "÷ the plain average of the neighbourhoods) to the power α = 1" in page
    assert "how it is worked out" in page
    assert "150.00 × £22.2222 = £3,333.33" in page
    assert "£1,000 + £3,333.33 = £4,333.33" in page
    # The income cap of 50% × 8,000 = 4,000 applied.
    assert "The income limit applied" in page and "held at £4,000" in page
    assert "you had no award in the last round" in page
    assert item.fingerprint in page
    assert "recomputed just now: the same awards" in page
    assert "report a mistake in this data" in page


def test_statements_are_for_the_group_and_officers_only(client, create_user, sign_in, published):
    one = published["groups"][0]
    url = f"/core-funding/groups/{one.id}/awards/{published['round'].id}"
    assert client.get(url).status_code == 302  # to sign in
    sign_in(create_user("vcs"))
    assert client.get(url).status_code == 403
    assert client.get(f"/core-funding/groups/{one.id}/corrections/new").status_code == 403


def test_no_statement_for_a_draft_round(client, sign_in, published):
    draft = example_round(published["officer"], title="Draft")
    sign_in(published["keeper"])
    one = published["groups"][0]
    assert client.get(f"/core-funding/groups/{one.id}/awards/{draft.id}").status_code == 404


def report(forms, org, item, **overrides):
    data = {"subject": "income", "details": "Our income in 2025 was £19,000, not £9,000."}
    data.update(overrides)
    return forms.post(f"/core-funding/groups/{org.id}/corrections/new?round={item.id}", data)


def test_accepted_correction_is_used_by_the_draft_round_not_the_published_one(
    client, forms, sign_in, published
):
    one = published["groups"][0]
    item = published["round"]
    draft = example_round(published["officer"], title="Core funding 2030 to 2033", first_year=2030)

    sign_in(published["keeper"])
    response = report(forms, one, item)
    assert response.status_code == 302
    request = db.session.scalar(select(CorrectionRequest))
    assert (request.status, request.round_id, request.subject) == ("open", item.id, "income")
    assert "Waiting for an officer" in words(client.get(f"/core-funding/groups/{one.id}"))
    forms.post("/account/sign-out", {}, page="/account/")

    sign_in(published["officer"])
    assert "Group One" in words(client.get("/core-funding/corrections"))
    url = f"/core-funding/corrections/{request.id}"
    # Issue 16: "Accepted" used to change nothing. Accepting without changing a figure is now
    # refused, and nothing changes.
    response = forms.post(url, decision_data(one, reason="Your accounts show £19,000."))
    assert response.status_code == 422 and "no figure changed" in words(response)
    db.session.refresh(request)
    assert request.status == "open"
    # The officer corrects the figure in the decision form and accepts: one step.
    response = forms.post(
        url,
        decision_data(one, reason="Your 2025 accounts show £19,000.", income_latest="19000"),
    )
    assert response.status_code == 302
    db.session.refresh(request)
    db.session.refresh(one)
    assert request.status == "accepted" and one.income_latest == 19_000
    assert request.corrected == {
        "income_latest": {
            "label": "Income in the latest year",
            "before": "£9,000",
            "after": "£19,000",
        }
    }
    assert "stays as published" in request.takes_effect
    assert "Core funding 2030 to 2033" in request.takes_effect

    # The published award is unchanged; the draft round computes from the corrected figures.
    assert {a.organisation_id: a.amount for a in item.awards}[one.id] == 4_000
    assert cf.check_published(item)
    preview = cf.preview_round(draft, cf.settings_of(draft))
    row = next(r for r in preview.rows if r.organisation.id == one.id)
    assert row.breakdown["incomes"] == [7_000, 8_000, 19_000]
    assert row.previous == 4_000
    forms.post("/account/sign-out", {}, page="/account/")

    sign_in(published["keeper"])
    page = words(client.get(f"/core-funding/groups/{one.id}"))
    assert "Accepted" in page and "Your 2025 accounts show £19,000." in page
    # The statement says which figures were corrected.
    statement = words(client.get(f"/core-funding/groups/{one.id}/awards/{item.id}"))
    assert "Corrected figures" in statement
    assert "Income in the latest year from £9,000 to £19,000" in statement
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "correction_request")
    ).all()
    assert actions == ["correction.raise", "correction.accepted"]
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.action == "organisation.update", AuditEvent.object_id == str(one.id)
        )
    )


def decision_data(org, **changes) -> dict:
    """The decision form as an officer sends it: the profile's figures, some changed."""
    data = {
        "decision": "accept",
        "name": org.name,
        "registration_number": org.registration_number,
        "income_year": str(org.income_year),
        "income_latest": str(org.income_latest),
        "income_previous": "" if org.income_previous is None else str(org.income_previous),
        "income_earlier": "" if org.income_earlier is None else str(org.income_earlier),
        "reach_period": org.reach_period,
        "reach_method": org.reach_method,
    }
    for row in org.reach:
        data[f"reach_{row.neighbourhood_id}"] = str(row.people)
        data[f"intensive_{row.neighbourhood_id}"] = str(row.intensive)
    data.update(changes)
    return data


def test_officer_declines_with_a_reason_and_cannot_decide_twice(client, forms, sign_in, published):
    one = published["groups"][0]
    sign_in(published["keeper"])
    report(forms, one, published["round"])
    forms.post("/account/sign-out", {}, page="/account/")
    request = db.session.scalar(select(CorrectionRequest))

    sign_in(published["officer"])
    url = f"/core-funding/corrections/{request.id}"
    response = forms.post(url, {"decision": "decline", "reason": "  "})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    db.session.refresh(request)
    assert request.status == "open"

    response = forms.post(url, {"decision": "decline", "reason": "Your accounts show £9,000."})
    assert response.status_code == 302
    db.session.refresh(request)
    assert (request.status, request.reason) == ("declined", "Your accounts show £9,000.")

    response = forms.post(url, {"decision": "accept", "reason": "Changed my mind."})
    assert response.status_code == 422
    assert "already been decided" in words(response)
    db.session.refresh(request)
    assert request.status == "declined"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "Choose what is wrong"),
        ({"subject": "everything"}, "subject", "Not a valid choice"),
        ({"details": ""}, "details", "Say what is wrong"),
        ({"details": "x" * 2001}, "details", "at most 2,000"),
    ],
)
def test_bad_correction_requests_are_refused_next_to_the_field(
    forms, sign_in, published, overrides, field, message
):
    sign_in(published["keeper"])
    response = report(forms, published["groups"][0], published["round"], **overrides)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert message in words(response)
    assert db.session.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


def test_statement_explains_the_stability_band_in_a_later_round(client, sign_in, published):
    officer = published["officer"]
    # The stability ceilings: 4,400 + 9,411 + 10,388 = £24,199, so that pot holds every group
    # at (or just at) its ceiling, 10% above last round.
    later = example_round(
        officer, title="Later", first_year=2030, pot=24_199, cap=None, cap_income_percent=None
    )
    cf.publish_round(officer, later)
    db.session.commit()
    award = next(a for a in later.awards if a.breakdown["bound"] == "stability-up")
    sign_in(officer)
    page = words(client.get(f"/core-funding/groups/{award.organisation_id}/awards/{later.id}"))
    previous = award.breakdown["previous"]
    assert f"your award last round was £{previous:,} a year" in page
    assert f"between £{award.breakdown['lower']:,} and £{award.amount:,}" in page
    assert "The stability band applied" in page and f"rises to £{award.amount:,}" in page
    assert "Limits are rounded down to whole pounds" in page


def test_officers_reach_each_statement_from_the_round_page(client, sign_in, published):
    item = published["round"]
    one = published["groups"][0]
    link = f'href="/core-funding/groups/{one.id}/awards/{item.id}"'
    assert link not in client.get(f"/core-funding/rounds/{item.id}").get_data(as_text=True)
    sign_in(published["officer"])
    assert link in client.get(f"/core-funding/rounds/{item.id}").get_data(as_text=True)
