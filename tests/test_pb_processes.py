"""Officers run processes; residents propose; officers review."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, Budget, Process, Proposal
from tests.pb_factories import make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def process_form(**overrides) -> dict:
    today = date.today()
    data = {
        "title": "Healthy Riverside",
        "description": "Ideas that keep people well.",
        "themes": ["air-green-space", "early-help"],
        "ballot_type": "approval",
        "max_projects": "",
        "points_total": "",
        "rule": "mes-add1",
        "proposals_start": today.isoformat(),
        "review_start": (today + timedelta(days=10)).isoformat(),
        "voting_start": (today + timedelta(days=20)).isoformat(),
        "results_start": (today + timedelta(days=30)).isoformat(),
        "delivery_start": (today + timedelta(days=40)).isoformat(),
    }
    data.update(overrides)
    return data


def test_officer_creates_a_process_and_sets_budgets(forms, create_user, sign_in, neighbourhoods):
    sign_in(create_user("officer"))
    response = forms.post("/processes/new", process_form(), page="/processes/new")
    assert response.status_code == 302
    process = db.session.scalar(select(Process))
    assert process.title == "Healthy Riverside"
    assert process.themes == ["air-green-space", "early-help"]

    url = f"/processes/{process.id}/budgets"
    response = forms.post(
        url, {f"amount_{neighbourhoods[0].id}": "£12,000", "amount_citywide": "50000"}
    )
    assert response.status_code == 302
    amounts = {b.neighbourhood_id: b.amount for b in db.session.scalars(select(Budget))}
    assert amounts == {neighbourhoods[0].id: 12_000, None: 50_000}
    # A draft's budgets are audited, but not on the public change log (nobody can see it yet).
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "process.draft_budgets"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Give the process a title"),
        ({"themes": []}, "themes", "Choose at least one theme"),
        ({"ballot_type": "points", "points_total": ""}, "points_total", "how many points"),
        (
            {"review_start": (date.today() - timedelta(days=1)).isoformat()},
            "review_start",
            "on or after",
        ),
        (
            {"results_start": (date.today() + timedelta(days=20)).isoformat()},
            "results_start",
            "after voting",
        ),
        ({"voting_start": "not a date"}, "voting_start", "Not a valid date"),
    ],
)
def test_bad_process_settings_are_refused_next_to_the_field(
    forms, create_user, sign_in, overrides, field, message
):
    sign_in(create_user("officer"))
    response = forms.post("/processes/new", process_form(**overrides))
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(Process)) == 0


def test_ballot_settings_cannot_change_once_voting_has_opened(
    forms, create_user, sign_in, neighbourhoods
):
    sign_in(create_user("officer"))
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    url = f"/processes/{process.id}/edit"
    dates = {
        k: getattr(process, k).isoformat()
        for k in (
            "proposals_start",
            "review_start",
            "voting_start",
            "results_start",
            "delivery_start",
        )
    }
    same = process_form(themes=process.themes, **dates)

    response = forms.post(url, {**same, "ballot_type": "knapsack"})
    assert response.status_code == 422
    assert "Voting has opened" in text(response)
    db.session.refresh(process)
    assert process.ballot_type == "approval"

    response = forms.post(
        f"/processes/{process.id}/budgets", {f"amount_{neighbourhoods[0].id}": "99"}
    )
    assert response.status_code == 422
    db.session.refresh(process)
    assert process.budgets[0].amount == 10_000

    response = forms.post(  # words may still change, with a reason
        url, {**same, "title": "A clearer title", "reason": "The old title was unclear."}
    )
    assert response.status_code == 302
    db.session.refresh(process)
    assert process.title == "A clearer title"


def test_a_budget_too_large_to_store_is_refused(forms, create_user, sign_in, neighbourhoods):
    """Found by fuzzing: a huge amount reached the database (a 500) instead of a message."""
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    sign_in(create_user("officer"))
    url = f"/processes/{process.id}/budgets"
    response = forms.post(url, {f"amount_{neighbourhoods[1].id}": "99999999999999999999"})
    assert response.status_code == 422
    assert "too large to store: enter at most 2,147,483,647" in unescape(
        response.get_data(as_text=True)
    )
    db.session.refresh(process)
    assert [b.amount for b in process.budgets] == [10_000]


def test_process_pages_are_for_officers_only(client, create_user, sign_in, neighbourhoods):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    sign_in(create_user("resident"))
    for url in (
        "/processes/new",
        f"/processes/{process.id}/edit",
        f"/processes/{process.id}/budgets",
    ):
        assert client.get(url).status_code == 403


def proposal_form(**overrides) -> dict:
    data = {
        "title": "Community orchard",
        "summary": "Fruit trees on the green, planted and cared for by neighbours.",
        "description": "We will plant 20 trees and run monthly care days.",
        "cost": "4,500",
        "theme": "air-green-space",
        "location": "Hillside green",
    }
    data.update(overrides)
    return data


def test_resident_drafts_then_submits_a_proposal(
    client, forms, create_user, sign_in, neighbourhoods
):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    author = create_user("resident")
    sign_in(author)

    response = forms.post(
        f"/budgets/{budget.id}/propose", {**proposal_form(), "save_draft": "Save as draft"}
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.status, proposal.cost) == ("draft", 4500)

    client.get("/account/")  # someone else cannot see a draft
    other = create_user("resident")
    forms.post("/account/sign-out", {}, page="/account/")
    sign_in(other)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    forms.post("/account/sign-out", {}, page="/account/")

    sign_in(author)
    response = forms.post(
        f"/proposals/{proposal.id}/edit",
        {**proposal_form(cost="5000"), "submit": "Submit for review"},
    )
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert (proposal.status, proposal.cost) == ("submitted", 5000)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"cost": "0"}, "cost", "more than £0"),
        ({"cost": "-5"}, "cost", "more than £0"),
        ({"cost": "lots"}, "cost", "whole number of pounds"),
        ({"cost": "10001"}, "cost", "more than the whole budget"),
        ({"title": ""}, "title", "Enter a title"),
        ({"title": "x" * 121}, "title", "at most 120"),
        ({"summary": "x" * 301}, "summary", "at most 300"),
        ({"theme": "money-work"}, "theme", "this process's themes"),
    ],
)
def test_bad_proposals_are_refused_next_to_the_field(
    forms, create_user, sign_in, neighbourhoods, overrides, field, message
):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    sign_in(create_user("resident"))
    response = forms.post(
        f"/budgets/{process.budgets[0].id}/propose",
        {**proposal_form(**overrides), "submit": "Submit"},
    )
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_resident_cannot_propose_to_another_neighbourhood_or_outside_the_phase(
    client, create_user, sign_in, neighbourhoods
):
    open_process = make_process("proposals", neighbourhoods=neighbourhoods[1:2])
    closed = make_process("review", neighbourhoods=neighbourhoods[:1])
    sign_in(create_user("resident"))  # lives in neighbourhoods[0]
    assert client.get(f"/budgets/{open_process.budgets[0].id}/propose").status_code == 403
    response = client.get(f"/budgets/{closed.budgets[0].id}/propose")
    assert response.status_code == 403
    assert "only be made while the process is collecting them" in text(response)


def test_officer_reviews_proposals_with_reasons_the_public_reads(
    client, forms, create_user, sign_in, neighbourhoods
):
    process = make_process("review", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    good = make_proposal(budget, "Walking group", 3000, status="submitted")
    bad = make_proposal(budget, "New hospital wing", 9000, status="submitted")
    sign_in(create_user("officer"))

    response = forms.post(f"/proposals/{bad.id}/review", {"decision": "not_feasible", "note": ""})
    assert response.status_code == 422
    assert "Say why the proposal is not feasible" in text(response)

    forms.post(
        f"/proposals/{good.id}/review",
        {"decision": "feasible", "reviewed_cost": "3,200", "note": "Cost includes insurance."},
    )
    forms.post(
        f"/proposals/{bad.id}/review",
        {"decision": "not_feasible", "note": "The NHS builds hospitals, not this fund."},
    )
    db.session.refresh(good)
    db.session.refresh(bad)
    assert (good.status, good.ballot_cost) == ("feasible", 3200)
    assert bad.status == "not_feasible"

    page = text(client.get(f"/proposals/{bad.id}"))
    assert "The NHS builds hospitals, not this fund." in page
    page = text(client.get(f"/proposals/{good.id}"))
    assert "£3,200" in page and "the author estimated £3,000" in page


def test_budget_page_filters_proposals_by_theme(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    make_proposal(budget, "Tree planting", 4000, theme="air-green-space")
    make_proposal(budget, "Lunch club", 2000, theme="community-connections")
    page = text(client.get(f"/budgets/{budget.id}?theme=community-connections"))
    assert "Lunch club" in page and "Tree planting" not in page
    page = text(client.get(f"/budgets/{budget.id}"))
    assert "Lunch club" in page and "Tree planting" in page


def test_process_proposals_filter_by_theme_and_neighbourhood(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:2], citywide=30_000)
    by_area = {b.neighbourhood_id: b for b in process.budgets}
    make_proposal(by_area[neighbourhoods[0].id], "Hillside trees", 4000, theme="air-green-space")
    make_proposal(
        by_area[neighbourhoods[1].id], "Riverside lunch club", 2000, theme="community-connections"
    )
    make_proposal(by_area[None], "City cycle loans", 9000, theme="air-green-space")
    make_proposal(by_area[None], "Secret draft", 9000, status="draft")
    url = f"/processes/{process.id}/proposals"

    page = text(client.get(url))
    assert all(t in page for t in ("Hillside trees", "Riverside lunch club", "City cycle loans"))
    assert "Secret draft" not in page
    page = text(client.get(f"{url}?theme=air-green-space"))
    assert (
        "Hillside trees" in page
        and "City cycle loans" in page
        and "Riverside lunch club" not in page
    )
    page = text(client.get(f"{url}?neighbourhood={neighbourhoods[1].id}"))
    assert "Riverside lunch club" in page and "Hillside trees" not in page
    page = text(client.get(f"{url}?neighbourhood=citywide&theme=air-green-space"))
    assert "City cycle loans" in page and "Hillside trees" not in page
    assert client.get(f"{url}?neighbourhood=nonsense&theme=<script>").status_code == 200


def test_save_as_draft_needs_only_a_title(client, forms, create_user, sign_in, neighbourhoods):
    """Issue 17: "Save as draft" required every field of a proposal."""
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    author = create_user("resident")
    sign_in(author)
    empty = {"title": "Just an idea", "summary": "", "description": "", "cost": "", "theme": ""}
    response = forms.post(f"/budgets/{budget.id}/propose", {**empty, "save_draft": "Save as draft"})
    assert response.status_code == 302, unescape(response.get_data(as_text=True))
    draft = db.session.scalar(select(Proposal))
    assert (draft.status, draft.title, draft.cost, draft.summary) == (
        "draft",
        "Just an idea",
        None,
        "",
    )
    assert client.get(f"/proposals/{draft.id}").status_code == 200

    # Submitting still needs every field, named one by one.
    response = forms.post(f"/proposals/{draft.id}/edit", {**empty, "submit": "Submit for review"})
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    for message in ("Enter a summary.", "Enter a description.", "Enter the estimated cost"):
        assert message in page
    db.session.refresh(draft)
    assert draft.status == "draft"

    # A draft without a title, or with a cost that cannot be, is refused.
    for data, message in (
        ({**empty, "title": ""}, "Enter a title"),
        ({**empty, "cost": "lots"}, "whole number of pounds"),
        ({**empty, "cost": "0"}, "more than £0"),
    ):
        response = forms.post(
            f"/budgets/{budget.id}/propose", {**data, "save_draft": "Save as draft"}
        )
        assert response.status_code == 422
        assert message in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_every_page_stating_the_close_of_voting_names_the_same_last_day(
    app, client, forms, create_user, sign_in, neighbourhoods
):
    """The close of voting is said one way everywhere: "until <the last day one can vote>"
    (the day before results start), never "closes on <the first day of results>"."""
    import re

    from pbapp.services.notifications import notices

    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    project = make_proposal(budget, "Benches", 500)
    db.session.commit()
    last = process.results_start - timedelta(days=1)
    said = f"{last:%A} {last.day} {last:%B}"
    until = re.compile(
        r"until ((?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d+ \w+)"
    )

    sign_in(create_user("resident", "officer"))  # an officer who lives there: every page
    voted = forms.post(f"/budgets/{budget.id}/vote", {"proposal": [str(project.id)]})
    assert voted.status_code == 302
    pages = {
        "voted": client.get(voted.headers["Location"]),
        "budget": client.get(f"/budgets/{budget.id}"),
        "account": client.get("/account/"),
        "processes": client.get("/processes/"),
        "process": client.get(f"/processes/{process.id}"),
    }
    pages["publish"] = client.get(f"/budgets/{budget.id}/publish")
    with app.test_request_context():
        emails = {
            "opens email": " ".join(notices.voting_opens_text(process).paragraphs),
            "closing email": " ".join(notices.voting_closing_text(budget).paragraphs),
        }
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = " ".join(text(response).split())
        days = set(until.findall(page))
        assert days == {said}, (name, days)
        assert not re.search(r"closes (on|at the end of)|ends the day before", page), name
    for name, words in emails.items():
        assert set(until.findall(words)) == {said}, (name, words)
