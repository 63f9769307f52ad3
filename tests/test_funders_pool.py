"""Funders record contributions with their restrictions, and see how the pooled contributions
cover a scenario's targets: the allocation, the deviation, and what stands in the way of gaps."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import THEMES, AuditEvent
from pbapp.models.funding import Contribution
from tests.fixtures.funders.factories import add_need, make_contribution, make_scenario


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture()
def funder(create_user, sign_in, neighbourhoods):
    add_need(neighbourhoods)
    user = create_user("funder")
    user.funding_organisation = "NHS South Yorkshire ICB"
    db.session.commit()
    sign_in(user)
    return user


def contribution_form(**overrides) -> dict:
    data = {
        "funder_name": "NHS South Yorkshire ICB",
        "amount": "£250,000",
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "note": "",
    }
    data.update(overrides)
    return data


def test_funder_records_a_contribution_with_its_restrictions(funder, forms, client, neighbourhoods):
    response = forms.post(
        "/funding/contributions/new",
        contribution_form(
            themes=["early-help", "money-work"], neighbourhood_ids=[str(neighbourhoods[1].id)]
        ),
    )
    assert response.status_code == 302, text(response)
    item = db.session.scalar(select(Contribution))
    assert (item.funder_name, item.amount) == ("NHS South Yorkshire ICB", 250_000)
    assert item.themes == ["money-work", "early-help"]  # in the themes' own order
    assert item.neighbourhood_ids == [neighbourhoods[1].id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution.create"))
    assert event.after["amount"] == 250_000 and event.actor_id == funder.id
    page = text(client.get("/funding/contributions/"))
    assert "Riverside; Money and work, Early help and health checks" in page


def test_no_restriction_ticked_means_any_neighbourhood_and_theme(funder, forms):
    forms.post("/funding/contributions/new", contribution_form())
    item = db.session.scalar(select(Contribution))
    assert item.themes is None and item.neighbourhood_ids is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"funder_name": ""}, "funder_name", "Enter the funder's name"),
        ({"amount": "ten pounds"}, "amount", "Enter a whole number of pounds"),
        ({"amount": "0"}, "amount", "more than £0"),
        ({"amount": "2000000000"}, "amount", "Enter at most £1,000,000,000"),
        ({"period_end": "2026-01-01"}, "period_end", "must end on or after the day it starts"),
        ({"period_start": "soon"}, "period_start", "Not a valid date"),
        ({"neighbourhood_ids": ["999999"]}, "neighbourhood_ids", "Choose neighbourhoods"),
        ({"themes": ["space-travel"]}, "themes", "Choose themes from the list"),
    ],
)
def test_bad_contributions_are_refused_next_to_the_field(funder, forms, overrides, field, message):
    response = forms.post("/funding/contributions/new", contribution_form(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'id="{field}-error"' in page
    assert db.session.scalar(select(Contribution)) is None


def test_a_change_to_a_contribution_is_audited(funder, forms):
    item = make_contribution(funder, funder_name="NHS South Yorkshire ICB", amount=10_000)
    url = f"/funding/contributions/{item.id}/edit"
    response = forms.post(url, contribution_form(amount="12000"))
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.amount == 12_000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution.update"))
    assert event.before["amount"] == 10_000 and event.after["amount"] == 12_000


def pool_url(scenario, **weights) -> str:
    query = "&".join(f"theme_{i}={weights.get(key, 0)}" for i, key in enumerate(THEMES))
    return f"/funding/pool?scenario={scenario.id}&day={date.today().isoformat()}&{query}"


def test_contributions_that_match_the_targets_meet_them_exactly(funder, client):
    scenario = make_scenario(funder)
    make_contribution(funder, "Council", 60_000)
    make_contribution(funder, "NHS", 40_000, themes=["early-help"])
    page = text(client.get(pool_url(scenario, **{"early-help": 1, "money-work": 1})))
    assert "Deviation" in page
    assert "0.0000: every target is met exactly" in page
    assert "No neighbourhood and theme is left short of its target" in page


def test_a_gap_names_the_restriction_that_stands_in_the_way(funder, client, neighbourhoods):
    scenario = make_scenario(funder)
    # The council's money may only pay in Hillside; the NHS's only for early help.
    make_contribution(funder, "Council", 60_000, neighbourhood_ids=[neighbourhoods[0].id])
    make_contribution(funder, "NHS", 40_000, themes=["early-help"])
    page = text(client.get(pool_url(scenario, **{"early-help": 1, "money-work": 1})))
    assert "Riverside — Money and work" in page
    assert "NHS (contribution 2) could help, but it may not pay for this theme" in page
    assert "Where each contribution goes" in page


def test_money_that_can_pay_for_nothing_is_explained(funder, client):
    scenario = make_scenario(funder)
    make_contribution(funder, "Business", 5_000, themes=["learning"])
    page = text(client.get(pool_url(scenario, **{"early-help": 1})))
    assert "Business (£5,000, contribution 1) may pay only for neighbourhoods and themes" in page


def test_theme_weights_must_be_sensible(funder, client):
    scenario = make_scenario(funder)
    make_contribution(funder)
    response = client.get(pool_url(scenario))
    assert response.status_code == 422
    assert "Give at least one theme a weight above 0" in text(response)
    response = client.get(pool_url(scenario, learning="lots"))
    assert response.status_code == 422
    assert "Enter a number" in text(response)


def test_the_pool_can_be_recomputed_from_its_downloaded_figures(funder, client, neighbourhoods):
    from allocation.pooled import allocate_pooled_budget, pooled_budget_from_dict

    scenario = make_scenario(funder)
    make_contribution(funder, "Council", 60_000, neighbourhood_ids=[neighbourhoods[0].id])
    make_contribution(funder, "NHS", 40_000, themes=["early-help"])
    url = pool_url(scenario, **{"early-help": 1, "money-work": 1})
    response = client.get(url.replace("/funding/pool?", "/funding/pool/inputs.json?"))
    assert response.status_code == 200
    cells, contributions = pooled_budget_from_dict(response.get_json())
    result = allocate_pooled_budget(cells, contributions)
    assert f"{result.deviation:.4f}" in text(client.get(url))
    assert sum(c.target for c in cells) == 100_000  # the scenario's amounts, split by theme


# --- Issue 16: each funder changes only its own organisation's records ---------------------------


def test_a_funder_cannot_change_another_organisations_contribution(
    funder, forms, client, create_user, sign_in
):
    """Found: a funder set the NHS contribution from £450,000 to £1."""
    nhs = make_contribution(funder, funder_name="NHS South Yorkshire ICB", amount=450_000)
    council = create_user("funder")
    council.funding_organisation = "Sheffield City Council public health"
    db.session.commit()
    forms.post("/account/sign-out", {}, page="/account/")
    sign_in(council)
    url = f"/funding/contributions/{nhs.id}/edit"
    assert client.get(url).status_code == 403
    token = forms.token("/funding/contributions/")
    response = client.post(url, data={"csrf_token": token, **contribution_form(amount="1")})
    assert response.status_code == 403
    db.session.refresh(nhs)
    assert nhs.amount == 450_000
    assert f"/funding/contributions/{nhs.id}/edit" not in text(
        client.get("/funding/contributions/")
    )
    # Nor can it record a contribution in another organisation's name.
    other = forms.post("/funding/contributions/new", contribution_form())
    assert other.status_code == 422
    assert "You record contributions of Sheffield City Council public health only" in text(other)
    assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1


def test_a_funder_without_an_organisation_changes_nothing_and_officers_change_any(
    funder, forms, client, create_user, sign_in
):
    nhs = make_contribution(funder, funder_name="NHS South Yorkshire ICB", amount=450_000)
    forms.post("/account/sign-out", {}, page="/account/")
    sign_in(create_user("funder"))
    assert "ask an admin" in text(client.get(f"/funding/contributions/{nhs.id}/edit"))
    forms.post("/account/sign-out", {}, page="/account/")
    sign_in(create_user("officer"))
    url = f"/funding/contributions/{nhs.id}/edit"
    assert forms.post(url, contribution_form(amount="460000")).status_code == 302
    db.session.refresh(nhs)
    assert nhs.amount == 460_000


def test_an_admin_sets_a_funders_organisation(forms, create_user, sign_in):
    person = create_user("funder")
    sign_in(create_user("admin"))
    response = forms.post(
        f"/admin/users/{person.id}",
        {"roles": ["funder"], "funding_organisation": "  NHS   South Yorkshire ICB "},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.funding_organisation == "NHS South Yorkshire ICB"
