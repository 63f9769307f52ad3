"""The core-funding demo: Sheffield groups across the demo wards, a published and a draft round."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from pbapp.demo import load_demo
from pbapp.demo.core_funding import load_core_funding_demo
from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.core_funding import CoreFundingRound, CorrectionRequest, Organisation
from pbapp.services import core_funding as cf


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, CoreFundingRound, CorrectionRequest)
    )


def test_demo_loads_groups_rounds_and_a_correction_once(app, client):
    load_demo()
    load_core_funding_demo()
    db.session.commit()
    assert counts() == (8, 2, 1)

    load_core_funding_demo()  # idempotent: nothing added the second time
    db.session.commit()
    assert counts() == (8, 2, 1)

    keeper = db.session.scalar(select(User).where(User.email == "vcs@demo.test"))
    mine = cf.organisation_of(keeper)
    assert mine is not None and mine.reach  # the demo vcs account keeps a group with reach

    published, drafts = cf.published_rounds(), cf.draft_rounds()
    assert len(published) == 1 and len(drafts) == 1
    item = published[0]
    assert item.total + item.unallocated == item.pot
    assert len(item.awards) == sum(o.eligible for o in db.session.scalars(select(Organisation)))
    assert cf.check_published(item)
    assert client.get(f"/core-funding/rounds/{item.id}").status_code == 200
    assert client.get(f"/core-funding/rounds/{drafts[0].id}").status_code == 404
    preview = cf.preview_round(drafts[0], cf.settings_of(drafts[0]))
    assert preview.problem is None and preview.result.total + preview.result.unallocated == 95_000


def test_demo_round_uses_the_fair_formula_with_equality_share_checks_and_360giving(
    app, client, create_user, sign_in
):
    from tests.test_vcs_open_grants import assert_valid

    load_demo()
    load_core_funding_demo()
    db.session.commit()
    (item,) = cf.published_rounds()
    inputs = item.inputs
    assert (inputs["reach_exponent"], inputs["intensive_weight"], inputs["equality_share"]) == (
        0.5,
        4,
        0.1,
    )
    assert inputs["base_taper"] is True and inputs["unchecked_reach_cap"] == 500
    by_name = {inputs["about"]["groups"][str(a.organisation_id)]["name"]: a for a in item.awards}
    # Two groups claim the equality share; together they get all of it (10% of £90,000).
    sharers = {n for n, a in by_name.items() if a.breakdown["equality_part"]}
    assert sharers == {"Burngreave Community Kitchen", "Sharrow Refugee Welcome"}
    assert sum(by_name[n].breakdown["equality_part"] for n in sharers) == 9_000
    # Sharrow's figures are not checked yet: 650 people counted as 500.
    sharrow = by_name["Sharrow Refugee Welcome"].breakdown
    assert sharrow["reach_limited"] and sharrow["reach"] == 500
    assert by_name["Firth Park Family Hub"].trades
    page = " ".join(client.get(f"/core-funding/rounds/{item.id}").get_data(as_text=True).split())
    assert "Equality share" in page and "£9,000 a year (10% of the pot) to 2 groups" in page
    assert "6 of 7 groups' figures confirmed by an officer's sample check" in page
    assert "Sharrow Refugee Welcome: not checked yet" in page
    # The demo counts intensive support 4 times: the multiplier's average is weighted so.
    assert "weighted by the people counted in each (a person given intensive support" in page
    note = client.get(f"/core-funding/rounds/{item.id}/equality-note.md")
    assert note.status_code == 200 and note.mimetype == "text/markdown"
    note = note.get_data(as_text=True)
    assert "Groups claiming the equality share" in note and ": 2, serving 355 people" in note
    assert "| equality share | 10% |" in note and "| reach exponent | 0.5 |" in note
    assert "Equality impact note" in page
    package = client.get(f"/core-funding/rounds/{item.id}/360giving.json").get_json()
    assert_valid(package)
    assert len(package["grants"]) == 7
    assert sum(g["amountAwarded"] for g in package["grants"]) == item.total * item.years
    # Each statement explains the new terms, including what 10% more reach would change.
    kitchen = by_name["Burngreave Community Kitchen"]
    assert kitchen.breakdown["amount_with_more_reach"] > kitchen.amount
    sign_in(create_user("officer"))

    def statement(award) -> str:
        url = f"/core-funding/groups/{award.organisation_id}/awards/{item.id}"
        html = client.get(url).get_data(as_text=True)
        return " ".join(re.sub(r"<[^>]+>", " ", unescape(html)).split())

    words = statement(kitchen)
    for part in (
        "This round tapers the base so that there are no cliffs",
        "35 of them given intensive support",
        "A person given intensive support (in this round: ten hours or more of contact with "
        "the person in the period) counts 4 times",
        "the square root of that number",
        "Equality share: £",
        "People with no fixed address who come to our daily meal",
        "What 10% more reach would change",
        "An officer checked a sample of your figures",
        "does not trade, so this award is not a subsidy",
    ):
        assert part in words, part
    more = kitchen.breakdown["amount_with_more_reach"] - kitchen.amount
    assert f"£{more:,} more" in words
    sharrow_words = statement(by_name["Sharrow Refugee Welcome"])
    assert "counted for at most 500 people" in sharrow_words
    # What the group reported (650, 130 intensive), then what the cap counted (500, 100).
    assert "You reported 650 different people" in sharrow_words
    assert "130 of them given intensive support" in sharrow_words
    assert "at most 500 people: 500, 100 of them given intensive support" in sharrow_words
    assert "Your group trades, so this award is a subsidy" in statement(
        by_name["Firth Park Family Hub"]
    )


def test_the_command_line_recomputes_the_demos_fair_round_from_its_published_inputs(app, client):
    """The fair formula's inputs (taper, intensive weight, equality share, unchecked cap, MFA)
    read by the command line's reader give the published awards, as the round page promises."""
    import json
    from decimal import Decimal

    from allocation.core_funding import compute_core_awards
    from allocation.core_funding_cli import read_round

    load_demo()
    load_core_funding_demo()
    db.session.commit()
    (item,) = cf.published_rounds()
    text = client.get(f"/core-funding/rounds/{item.id}/inputs.json").get_data(as_text=True)
    result = compute_core_awards(*read_round(json.loads(text, parse_float=Decimal)))
    assert {a.group: a.amount for a in result.awards} == {
        str(a.organisation_id): a.amount for a in item.awards
    }
    assert any(a.equality_part for a in result.awards) and any(
        a.reach_limited for a in result.awards
    )
