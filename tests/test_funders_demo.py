"""The funding demo: contributions with restrictions and a published IMD 2025 scenario."""

from __future__ import annotations

from sqlalchemy import func, select

from pbapp.demo import load_demo
from pbapp.demo.funding import load_funding_demo
from pbapp.extensions import db
from pbapp.models.funding import Contribution, Scenario
from pbapp.services.funding import scenarios as funding


def counts() -> tuple[int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Contribution, Scenario)
    )


def test_demo_loads_contributions_and_a_published_scenario_once(app, client):
    load_demo()
    report = load_funding_demo()
    db.session.commit()
    assert report.skipped == []
    assert counts() == (4, 1)

    load_funding_demo()  # idempotent
    db.session.commit()
    assert counts() == (4, 1)

    scenario = db.session.scalar(select(Scenario))
    assert scenario.is_published
    assert scenario.total == scenario.budget == sum(c.amount for c in funding.contributions())
    assert funding.check_published(scenario)
    assert len(scenario.lines) == 28  # Sheffield's wards
    business = db.session.scalar(
        select(Contribution).where(Contribution.funder_name.like("%local business%"))
    )
    assert business.neighbourhood_ids and business.themes

    page = client.get(f"/funding/allocations/{scenario.id}").get_data(as_text=True)
    assert "Burngreave" in page
