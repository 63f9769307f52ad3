"""Funders build needs-weighted scenarios, compare them, download them and publish one as the
neighbourhood budgets of a participatory-budgeting process; anyone reads how it was divided."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy import update as sa_update

from pbapp.extensions import db
from pbapp.models import AuditEvent, Budget, NeedIndicator
from pbapp.models.funding import IndicatorDefinition, Scenario
from pbapp.services.errors import FieldError
from pbapp.services.funding import scenarios as funding
from tests.fixtures.funders.factories import add_need, make_scenario, settings
from tests.pb_factories import make_process

# Budget £100,000, half per resident, half in proportion to IMD (40, 20, 10) over 12,000,
# 18,000 and 9,000 residents (worked by hand: see docs/needs.md for the formula).
EXPECTED = {"E05000001": 41_191, "E05000002": 42_432, "E05000003": 16_377}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def form_data(**overrides) -> dict:
    data = {
        "name": "Half by need",
        "description": "",
        "budget": "£100,000",
        "weight-imd_score-2025": "1",
        "population_source": "",
        "convergence": "furthest",
        "minimum_growth": "",
        "max_below_target": "",
        "universal": "50",
        "alpha": "1",
        "floor": "",
        "ceiling": "",
        "previous_scenario_id": "",
        "max_decrease": "",
    }
    data.update(overrides)
    return data


@pytest.fixture()
def funder(create_user, sign_in, neighbourhoods):
    add_need(neighbourhoods)
    user = create_user("funder")
    user.funding_organisation = "NHS South Yorkshire ICB"
    db.session.commit()
    sign_in(user)
    return user


def amounts(scenario: Scenario) -> dict[str, int]:
    return {r.code: r.amount for r in funding.computation_of(scenario).rows}


def test_funder_builds_a_scenario_and_sees_amounts_that_add_up(funder, forms, client):
    response = forms.post("/funding/scenarios/new", form_data())
    assert response.status_code == 302, text(response)
    scenario = db.session.scalar(select(Scenario))
    assert scenario.status == "draft"
    assert scenario.parameters["universal"] == "0.5"
    assert amounts(scenario) == EXPECTED
    assert sum(EXPECTED.values()) == 100_000

    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "£41,191" in page and "£42,432" in page and "£16,377" in page
    assert "Amount per resident in each neighbourhood" in page  # the chart
    assert "Neighbourhoods by need" in page  # the tile view
    assert "£3.43 /head" in page  # Hillside: £41,191 / 12,000 residents
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scenario.create"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"budget": ""}, "budget", "Enter the budget in whole pounds"),
        ({"budget": "lots"}, "budget", "Enter a whole number of pounds"),
        ({"budget": "0"}, "budget", "Enter the budget to share"),
        ({"budget": "2000000000"}, "budget", "Enter at most £1,000,000,000"),
        ({"universal": "150"}, "universal", "Enter a percentage from 0 to 100"),
        ({"universal": "half"}, "universal", "Enter a number, like 50"),
        ({"alpha": "9"}, "alpha", "Enter a number from 0 to 4"),
        ({"floor": "120"}, "floor", "from 0 to 100"),
        ({"ceiling": "50"}, "ceiling", "from 100 to 1,000"),
        ({"max_decrease": "5"}, "previous_scenario_id", "pace of change is measured from"),
        ({"name": ""}, "name", "Give the scenario a name"),
    ],
)
def test_bad_settings_are_refused_next_to_the_field(funder, forms, overrides, field, message):
    response = forms.post("/funding/scenarios/new", form_data(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'id="{field}-error"' in page
    assert db.session.scalar(select(Scenario)) is None


def test_a_scenario_needs_at_least_one_indicator(funder, forms):
    response = forms.post("/funding/scenarios/new", form_data(**{"weight-imd_score-2025": ""}))
    assert response.status_code == 422
    assert "Give at least one need indicator a weight above 0" in text(response)
    assert db.session.scalar(select(Scenario)) is None


def test_a_neighbourhood_without_the_figure_is_named_and_nothing_can_be_published(
    funder, forms, client, neighbourhoods
):
    add_need(neighbourhoods[:2], {"E05000001": 0.3, "E05000002": 0.1}, "child_poverty_rate", 2024)
    scenario = make_scenario(
        funder, indicators=[funding.IndicatorChoice("child_poverty_rate", 2024, Decimal(1))]
    )
    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "Parkwood has no figure for Child poverty rate 2024" in page
    response = forms.post(
        f"/funding/scenarios/{scenario.id}/publish",
        {"process_id": ""},
        page=f"/funding/scenarios/{scenario.id}",
    )
    assert response.status_code == 422
    assert "cannot be computed" in text(response)
    db.session.refresh(scenario)
    assert scenario.status == "draft"


def test_publishing_sets_the_process_budgets_and_the_public_page_explains_them(
    funder, forms, client, neighbourhoods
):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1], citywide=5_000)
    scenario = make_scenario(funder)
    url = f"/funding/scenarios/{scenario.id}"
    asked = forms.post(f"{url}/publish", {"process_id": str(process.id)}, page=url)
    assert asked.status_code == 200  # issue 16: the budgets that change, to confirm first
    assert "Neighbourhood budgets now and after publishing" in text(asked)
    db.session.refresh(scenario)
    assert scenario.status == "draft"
    assert {b.amount for b in db.session.scalars(select(Budget))} == {10_000, 5_000}
    response = forms.post(
        f"{url}/publish", {"process_id": str(process.id), "confirm": "yes"}, page=url
    )
    assert response.status_code == 302, text(response)

    db.session.refresh(scenario)
    assert scenario.status == "published"
    assert scenario.published_to_process_id == process.id
    assert len(scenario.fingerprint) == 64
    assert funding.check_published(scenario)
    budgets = {
        b.neighbourhood_id: b.amount
        for b in db.session.scalars(select(Budget).where(Budget.process_id == process.id))
    }
    by_code = {n.code: n.id for n in neighbourhoods}
    assert budgets == {by_code[c]: a for c, a in EXPECTED.items()} | {None: 5_000}
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"scenario.publish", "process.budgets"} <= actions

    client.post("/account/sign-out", data={"csrf_token": forms.token("/account/")})
    page = text(client.get(f"/funding/allocations/{scenario.id}"))
    assert "How the money was divided, and why" in page
    assert "50% of the £100,000 was shared by the number of residents alone" in page
    assert "Yes: recomputed just now from the stored figures" in page
    assert "£41,191" in page
    assert scenario.fingerprint in page
    assert "Half by need" in text(client.get("/funding/"))


def test_publishing_is_refused_once_voting_has_opened(funder, forms, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods)
    scenario = make_scenario(funder)
    url = f"/funding/scenarios/{scenario.id}"
    response = forms.post(f"{url}/publish", {"process_id": str(process.id)}, page=url)
    assert response.status_code == 422
    page = text(response)
    assert "Voting has opened, so the budgets can no longer change" in page
    assert 'id="process_id-error"' in page
    db.session.refresh(scenario)
    assert scenario.status == "draft"
    assert {b.amount for b in db.session.scalars(select(Budget))} == {10_000}


def test_publishing_to_a_process_id_too_large_for_the_database_is_refused(funder, forms):
    """Found by fuzzing: SQLite could not look the number up (a 500)."""
    scenario = make_scenario(funder)
    url = f"/funding/scenarios/{scenario.id}"
    response = forms.post(f"{url}/publish", {"process_id": "99999999999999999999"}, page=url)
    assert response.status_code == 422
    assert "Choose a process from the list." in text(response)
    db.session.refresh(scenario)
    assert scenario.status == "draft"


def test_a_new_scenario_from_an_id_too_large_for_the_database_starts_afresh(funder, client):
    assert client.get("/funding/scenarios/new?from=99999999999999999999").status_code == 200


def test_a_published_scenario_is_never_edited(funder, forms, client):
    scenario = make_scenario(funder, publish=True)
    response = client.get(f"/funding/scenarios/{scenario.id}/edit")
    assert response.status_code == 302
    with pytest.raises(FieldError):
        funding.update_scenario(funder, scenario, settings(budget=5))
    db.session.refresh(scenario)
    assert scenario.budget == 100_000


def test_tampered_stored_figures_fail_the_check(funder):
    scenario = make_scenario(funder, publish=True)
    inputs = dict(scenario.inputs)
    inputs["budget"] = 100_001
    scenario.inputs = inputs
    db.session.commit()
    assert not funding.check_published(scenario)


def test_drafts_are_not_public(funder, client):
    scenario = make_scenario(funder)
    for url in (
        f"/funding/allocations/{scenario.id}",
        f"/funding/allocations/{scenario.id}.csv",
        f"/funding/allocations/{scenario.id}/inputs.json",
    ):
        assert client.get(url).status_code == 404


def test_downloads_add_up_to_the_budget(funder, client):
    scenario = make_scenario(funder, publish=True)
    csv_text = client.get(f"/funding/allocations/{scenario.id}.csv").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(csv_text)))
    assert lines[0][4] == "Index of Multiple Deprivation score 2025"
    assert [line[4] for line in lines[1:-1]] == ["40.0", "20.0", "10.0"]  # the figures used
    amount = lines[0].index("amount (£)")
    assert sum(int(line[amount]) for line in lines[1:-1]) == int(lines[-1][amount]) == 100_000

    response = client.get(f"/funding/allocations/{scenario.id}.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Amounts"]
    values = [row[amount] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(values[:-1]) == values[-1] == 100_000
    inputs = {row[0]: row[1] for row in book["Inputs"].iter_rows(values_only=True)}
    assert inputs["SHA-256 fingerprint of the inputs"] == scenario.fingerprint

    draft = make_scenario(funder, name="Draft")
    response = client.get(f"/funding/scenarios/{draft.id}/amounts.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data))["Amounts"]["C2"].value == "Hillside"


def test_two_scenarios_side_by_side_show_the_change(funder, client):
    per_head = make_scenario(funder, name="Per resident", universal=Decimal(1))
    by_need = make_scenario(funder, name="By need")
    page = text(client.get(f"/funding/scenarios/{by_need.id}?compare={per_head.id}"))
    # Per resident: Hillside 100,000 x 12,000 / 39,000 = £30,769 (rounded); by need £41,191.
    assert "Change from Per resident to By need" in page
    assert "+£10,422" in page


def test_a_flat_budget_with_no_minimum_cut_moves_nobody_and_says_so(funder, forms, client):
    # NHS-style pace: with the same budget as last year and minimum growth 0%, there is no
    # convergence money, so every neighbourhood keeps last year's amount, and the page says
    # that at this pace they never reach target (the band used to move them regardless).
    last_year = make_scenario(funder, name="Per resident", universal=Decimal(1), publish=True)
    response = forms.post(
        "/funding/scenarios/new",
        form_data(name="Towards need", universal="0", previous_scenario_id=str(last_year.id)),
    )
    assert response.status_code == 302, text(response)
    scenario = db.session.scalar(select(Scenario).where(Scenario.name == "Towards need"))
    assert amounts(scenario) == amounts(last_year)
    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "over 50 years" in page


def test_need_combines_indicators_by_their_ratio_to_the_city_average():
    population = {"a": 100.0, "b": 300.0}
    need = funding.combined_need(
        [
            {"indicator": "x", "year": 1, "weight": "1", "values": {"a": 10.0, "b": 30.0}},
            {"indicator": "y", "year": 1, "weight": "3", "values": {"a": 0.5, "b": 0.5}},
        ],
        population,
    )
    # x: city average 25, ratios 0.4 and 1.2; y: ratios 1 and 1; weights 1 and 3.
    assert need["a"] == pytest.approx((0.4 + 3) / 4)
    assert need["b"] == pytest.approx((1.2 + 3) / 4)


def test_negative_scores_cannot_measure_need(funder, neighbourhoods):
    add_need(
        neighbourhoods, {"E05000001": 1.0, "E05000002": -0.5, "E05000003": 0.2}, "health_score"
    )
    computation = funding.compute(
        settings(indicators=[funding.IndicatorChoice("health_score", 2025, Decimal(1))])
    )
    assert "negative figures" in computation.problem


def test_residents_cannot_see_scenarios(client, create_user, sign_in, neighbourhoods):
    sign_in(create_user("resident"))
    for url in ("/funding/scenarios/", "/funding/scenarios/new", "/funding/contributions/"):
        assert client.get(url).status_code == 403


def test_a_new_scenario_can_start_from_a_published_one(funder, client):
    published = make_scenario(funder, publish=True, floor=Decimal("0.9"))
    page = text(client.get(f"/funding/scenarios/new?from={published.id}"))
    assert 'value="Copy of Half by need"' in page
    assert 'name="floor" type="text" value="90"' in page


def test_a_weight_stays_on_its_indicator_when_another_is_imported_meanwhile(
    funder, forms, client, neighbourhoods
):
    # Issue 15's confirmed defect: the funder opens the form while one indicator is stored.
    page = text(client.get("/funding/scenarios/new"))
    names = re.findall(r'name="(weight[^"]*)"', page)
    assert len(names) == 1
    # Meanwhile someone imports a newer file whose indicator sorts before it.
    add_need(
        neighbourhoods, {"E05000001": 0.1, "E05000002": 0.3, "E05000003": 0.2}, "employment_score"
    )
    data = {k: v for k, v in form_data().items() if not k.startswith("weight")}
    response = forms.post("/funding/scenarios/new", {**data, names[0]: "1"})
    assert response.status_code == 302, text(response)
    scenario = db.session.scalar(select(Scenario))
    assert [(c["indicator"], c["year"]) for c in scenario.indicators] == [("imd_score", 2025)]


# --- issue 23: need in people, direction, one population, NHS-style pace ------------------------


def define(indicator: str, direction: str, kind: str) -> None:
    db.session.add(IndicatorDefinition(indicator=indicator, direction=direction, kind=kind))
    db.session.commit()


def only(indicator: str, year: int = 2025) -> list:
    return [funding.IndicatorChoice(indicator, year, Decimal(1))]


def test_a_count_of_people_is_need_per_resident(funder, neighbourhoods):
    # u = 0, α = 1: each neighbourhood's share is its residents × (people per resident ÷ the
    # city's), i.e. in proportion to the count: 3,000 : 1,000 : 1,000 of £100,000.
    add_need(
        neighbourhoods,
        {"E05000001": 3000, "E05000002": 1000, "E05000003": 1000},
        "income_deprived_people",
    )
    scenario = make_scenario(
        funder, indicators=only("income_deprived_people"), universal=Decimal(0)
    )
    assert amounts(scenario) == {"E05000001": 60_000, "E05000002": 20_000, "E05000003": 20_000}


def test_lower_is_more_need_counts_the_distance_below_the_best(funder, neighbourhoods, client):
    # Life expectancy 80, 84, 82: need 4, 0, 2 years below the best. u = 0, α = 1: shares
    # 12,000 × 4 : 0 : 9,000 × 2 = 48 : 0 : 18 of £100,000 -> 72,727.27, 0, 27,272.73.
    add_need(neighbourhoods, {"E05000001": 80, "E05000002": 84, "E05000003": 82}, "life_expectancy")
    define("life_expectancy", "lower", "other")
    scenario = make_scenario(funder, indicators=only("life_expectancy"), universal=Decimal(0))
    assert amounts(scenario) == {"E05000001": 72_727, "E05000002": 0, "E05000003": 27_273}
    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "lower means more need" in page
    assert "need is how far each neighbourhood is below the best one" in page


def test_the_decile_share_is_not_a_basis_for_money(funder, neighbourhoods, client):
    add_need(
        neighbourhoods,
        {"E05000001": 0.5, "E05000002": 0.0, "E05000003": 0.0},
        "most_deprived_decile_share",
    )
    with pytest.raises(FieldError) as info:
        funding.create_scenario(funder, settings(indicators=only("most_deprived_decile_share")))
    assert "cannot be a basis for money" in info.value.message
    assert "A cliff" in info.value.message
    page = text(client.get("/funding/scenarios/new"))
    assert "weight-most_deprived_decile_share-2025" not in page  # not offered
    assert "weight-imd_score-2025" in page


def test_two_editions_of_the_indices_cannot_be_mixed(funder, neighbourhoods):
    add_need(neighbourhoods, year=2019)
    mixed = [
        funding.IndicatorChoice("imd_score", 2025, Decimal(1)),
        funding.IndicatorChoice("imd_score", 2019, Decimal(1)),
    ]
    with pytest.raises(FieldError) as info:
        funding.create_scenario(funder, settings(indicators=mixed))
    assert "IoD2025 measures income after housing costs" in info.value.message


def test_scenarios_on_different_editions_are_compared_with_a_warning(
    funder, neighbourhoods, client
):
    add_need(neighbourhoods, year=2019)
    old = make_scenario(funder, name="IMD 2019", indicators=only("imd_score", 2019))
    new = make_scenario(funder, name="IMD 2025")
    page = text(client.get(f"/funding/scenarios/{new.id}?compare={old.id}"))
    assert "Not like for like." in page
    assert "different editions (2019 and 2025)" in page


def test_one_population_is_chosen_and_named_on_the_page_and_the_download(
    funder, neighbourhoods, client
):
    add_need(
        neighbourhoods,
        {"E05000001": 10_000, "E05000002": 30_000, "E05000003": 10_000},
        "population",
        2021,
    )
    db.session.execute(
        sa_update(NeedIndicator)
        .where(NeedIndicator.indicator == "population")
        .values(source="ONS Census 2021, usual residents")
    )
    db.session.commit()
    scenario = make_scenario(funder, universal=Decimal(1), population_source="population:2021")
    # All per resident, by the census figures: 20% / 60% / 20%.
    assert amounts(scenario) == {"E05000001": 20_000, "E05000002": 60_000, "E05000003": 20_000}
    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "Residents counted by" in page
    assert "ONS Census 2021, usual residents" in page
    download = client.get(f"/funding/scenarios/{scenario.id}/amounts.csv").get_data(as_text=True)
    assert "population (ONS Census 2021, usual residents)" in download.splitlines()[0]


def test_each_page_names_the_need_multiplier_and_the_gradient(funder, client):
    scenario = make_scenario(funder)
    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "Need multiplier" in page
    assert "Index of Multiple Deprivation score 2025, α = 1" in page
    assert 'href="#scenario-how-need"' in page and 'id="scenario-how-need"' in page
    # IMD (40, 20, 10), half per resident: Hillside £3.43, Parkwood £1.82 a head -> 1.89×.
    assert "1.89× from the lowest to the highest amount per resident" in page
    assert "1.41×" in page  # the NHS practices' yardstick
    assert "is a score: it puts places in order, but it is not a ratio" in page


def test_nhs_pace_of_change_in_a_growth_year_through_the_form(funder, forms, client):
    last_year = make_scenario(funder, name="Per resident", universal=Decimal(1), publish=True)
    response = forms.post(
        "/funding/scenarios/new",
        form_data(
            name="Towards need",
            budget="110000",
            universal="0",
            previous_scenario_id=str(last_year.id),
            max_decrease="5",
        ),
    )
    assert response.status_code == 302, text(response)
    scenario = db.session.scalar(select(Scenario).where(Scenario.name == "Towards need"))
    assert scenario.parameters["pace"] == "nhs"
    before, after = amounts(last_year), amounts(scenario)
    assert sum(after.values()) == 110_000
    # Per resident last year: Hillside 30,769, Riverside 46,154, Parkwood 23,077. Targets by
    # IMD alone (u = 0): Hillside 480,000/(480+360+90) thousand × 110,000 = 56,774, Riverside
    # 42,581, Parkwood 10,645. Only Hillside is below target: it gets all £10,000 of growth;
    # the others keep last year's amount (minimum growth 0%).
    assert after["E05000001"] == before["E05000001"] + 10_000
    assert after["E05000002"] == before["E05000002"]
    assert after["E05000003"] == before["E05000003"]
    page = text(client.get(f"/funding/scenarios/{scenario.id}"))
    assert "NHS-style from Per resident: the budget grows 10.0%; minimum growth 0.0%" in page
    assert "Distance from target" in page and "Years to target" in page
    assert "Distance from target this year, with the years to target at this pace" in page
    download = client.get(f"/funding/scenarios/{scenario.id}/amounts.csv").get_data(as_text=True)
    assert "years to target" in download.splitlines()[0]


def test_a_document_published_before_version_2_still_rechecks(funder):
    scenario = make_scenario(funder, publish=True)
    document = dict(scenario.inputs)
    for key in ("schema_version", "population"):
        document.pop(key)
    document["indicators"] = [
        {k: v for k, v in c.items() if k not in ("direction", "kind")}
        for c in document["indicators"]
    ]
    document["rules"] = {
        k: document["rules"][k]
        for k in ("universal", "alpha", "floor", "ceiling", "max_decrease", "max_increase")
    }
    scenario.inputs = document
    scenario.fingerprint = funding.fingerprint_of(document)
    db.session.commit()
    assert funding.check_published(scenario) is True
    assert amounts(scenario) == EXPECTED


def test_a_weight_for_an_indicator_no_longer_stored_is_refused_by_name(funder, forms):
    response = forms.post(
        "/funding/scenarios/new", form_data(**{"weight-child_poverty_rate-2024": "1"})
    )
    assert response.status_code == 422
    assert "Child poverty rate 2024 is no longer stored" in text(response)
    assert db.session.scalar(select(Scenario)) is None


def test_a_funder_cannot_change_another_organisations_draft_scenario(
    funder, client, forms, create_user, sign_in
):
    scenario = make_scenario(funder)
    council = create_user("funder")
    council.funding_organisation = "Sheffield City Council public health"
    db.session.commit()
    forms.post("/account/sign-out", {}, page="/account/")
    sign_in(council)
    assert client.get(f"/funding/scenarios/{scenario.id}/edit").status_code == 403
    token = forms.token("/funding/scenarios/")
    response = client.post(f"/funding/scenarios/{scenario.id}/publish", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(scenario)
    assert scenario.status == "draft"


def test_budgets_set_by_a_scenario_can_be_put_back_until_voting_opens(
    funder, forms, client, neighbourhoods
):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1], citywide=5_000)
    scenario = make_scenario(funder)
    url = f"/funding/scenarios/{scenario.id}"
    forms.post(f"{url}/publish", {"process_id": str(process.id), "confirm": "yes"}, page=url)
    db.session.refresh(process)
    assert len(process.budgets) == 4  # three wards and city-wide
    assert "Put back the budgets as they were" in text(client.get(url))

    response = forms.post(f"{url}/undo-budgets", {}, page=url)
    assert response.status_code == 302
    budgets = {
        b.neighbourhood_id: b.amount
        for b in db.session.scalars(select(Budget).where(Budget.process_id == process.id))
    }
    assert budgets == {neighbourhoods[0].id: 10_000, None: 5_000}
    db.session.refresh(scenario)
    assert scenario.status == "published" and scenario.published_to_process_id is None
    assert "Put back the budgets" not in text(client.get(url))


def test_budgets_cannot_be_put_back_once_voting_has_opened(funder, forms, client, neighbourhoods):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    scenario = make_scenario(funder)
    url = f"/funding/scenarios/{scenario.id}"
    forms.post(f"{url}/publish", {"process_id": str(process.id), "confirm": "yes"}, page=url)
    token = forms.token(url)
    process.proposals_start = process.review_start = process.voting_start = date.today()
    db.session.commit()  # voting opens today
    assert "Put back the budgets" not in text(client.get(url))
    before = {b.neighbourhood_id: b.amount for b in db.session.scalars(select(Budget))}
    client.post(f"{url}/undo-budgets", data={"csrf_token": token})
    after = {b.neighbourhood_id: b.amount for b in db.session.scalars(select(Budget))}
    assert before == after and len(after) == 3
