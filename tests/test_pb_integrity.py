"""Issue 16: a process cannot be changed under residents' feet.

Each test here failed on the code before the fix (the close of voting could be moved either
way, a published result did not freeze anything, process edits were not on the public change
log, and processes were public from the moment they were created).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, Ballot, Process, User, UserRole
from pbapp.services.errors import FieldError
from pbapp.services.participation import ballots
from tests.pb_factories import make_process, make_proposal
from tests.test_pb_processes import process_form


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def same_settings(process: Process, **overrides) -> dict:
    dates = {
        k: getattr(process, k).isoformat()
        for k in ("proposals_start", "review_start", "voting_start", "results_start")
    }
    return (
        process_form(
            themes=process.themes,
            title=process.title,
            description=process.description,
            delivery_start=process.delivery_start.isoformat(),
            **dates,
        )
        | overrides
    )


def test_close_of_voting_cannot_be_brought_forward_once_voting_opened(
    forms, create_user, sign_in, neighbourhoods
):
    """Found: the results date moved to today closed voting at once."""
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    close = process.results_start
    sign_in(create_user("officer"))
    response = forms.post(
        f"/processes/{process.id}/edit",
        same_settings(
            process, results_start=date.today().isoformat(), reason="We want results early."
        ),
    )
    assert response.status_code == 422
    page = text(response)
    assert 'id="results_start-error"' in page
    assert "extended, never brought forward" in page
    db.session.refresh(process)
    assert process.results_start == close
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "process.update")
        )
        == 0
    )


def test_close_of_voting_can_be_extended_with_a_reason_shown_to_residents(
    client, forms, create_user, sign_in, neighbourhoods
):
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    later = process.results_start + timedelta(days=7)
    delivery = (later + timedelta(days=10)).isoformat()
    sign_in(create_user("officer"))
    url = f"/processes/{process.id}/edit"

    no_reason = forms.post(
        url, same_settings(process, results_start=later.isoformat(), delivery_start=delivery)
    )
    assert no_reason.status_code == 422
    assert 'id="reason-error"' in text(no_reason)
    db.session.refresh(process)
    assert process.results_start != later

    response = forms.post(
        url,
        same_settings(
            process,
            results_start=later.isoformat(),
            delivery_start=delivery,
            reason="Libraries were closed for a week.",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(process)
    assert process.results_start == later

    forms.post("/account/sign-out", {}, page="/account/")
    page = text(client.get(f"/processes/{process.id}"))
    assert "This process changed after it was published" in page
    assert "Libraries were closed for a week." in page
    assert f"to {later.day} {later:%B %Y}" in page
    log = text(client.get("/changes"))
    assert "A published participatory-budgeting process was changed" in log
    assert "Libraries were closed for a week." in log


def _publish_one(budget) -> None:
    from pbapp.services.participation.results import publish_result

    officer = User(
        name="Officer",
        email=f"o{budget.id}@example.org",
        password_hash="!",
        role_rows=[UserRole(role="officer")],
    )
    db.session.add(officer)
    db.session.flush()
    publish_result(officer, budget, date.today())
    db.session.commit()


def test_a_published_result_freezes_the_close_of_voting(
    forms, create_user, sign_in, neighbourhoods
):
    """Found: moving the results date later after publication reopened voting."""
    process = make_process("results", neighbourhoods=neighbourhoods[:2])
    make_proposal(process.budgets[0], "Benches", 2000)
    _publish_one(process.budgets[0])
    close = process.results_start
    sign_in(create_user("officer"))
    response = forms.post(
        f"/processes/{process.id}/edit",
        same_settings(
            process,
            results_start=(date.today() + timedelta(days=3)).isoformat(),
            delivery_start=(date.today() + timedelta(days=20)).isoformat(),
            reason="Let more people vote.",
        ),
    )
    assert response.status_code == 422
    assert "voting cannot reopen" in text(response)
    db.session.refresh(process)
    assert process.results_start == close


@pytest.mark.parametrize("source", ["online", "paper"])
def test_ballots_of_a_published_budget_are_refused_even_if_dates_move(
    neighbourhoods, create_user, source
):
    """The service refuses a ballot in a budget with a published result, whatever the dates
    say (here moved behind the service's back, straight in the database)."""
    process = make_process("results", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    benches = make_proposal(budget, "Benches", 2000)
    _publish_one(budget)
    process.results_start = date.today() + timedelta(days=3)  # voting "open" again
    process.delivery_start = date.today() + timedelta(days=10)
    db.session.commit()
    voter = create_user("resident")
    officer = create_user("officer")
    with pytest.raises(FieldError, match="published"):
        ballots.cast_ballot(
            voter,
            budget,
            {benches.id: 1},
            today=date.today(),
            source=source,
            entered_by=officer if source == "paper" else None,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_a_new_process_is_a_draft_seen_only_by_officers_until_published(
    client, forms, create_user, sign_in, neighbourhoods
):
    officer = create_user("officer")
    sign_in(officer)
    assert forms.post("/processes/new", process_form(), page="/processes/new").status_code == 302
    process = db.session.scalar(select(Process))
    assert process.is_draft
    forms.post(f"/processes/{process.id}/budgets", {f"amount_{neighbourhoods[0].id}": "5000"})
    budget_id = process.budgets[0].id
    officer_page = text(client.get(f"/processes/{process.id}"))
    assert "Draft: only officers can see it" in officer_page
    assert "Publish this process" in officer_page

    forms.post("/account/sign-out", {}, page="/account/")
    resident = create_user("resident")
    for who in (None, resident):
        if who:
            sign_in(who)
        assert client.get(f"/processes/{process.id}").status_code == 404
        assert client.get(f"/budgets/{budget_id}").status_code == 404
        assert client.get(f"/processes/{process.id}/proposals").status_code == 404
        assert "Healthy Riverside" not in text(client.get("/processes/"))
        assert client.get("/api/v1/processes").get_json()["items"] == []
        assert client.get(f"/api/v1/processes/{process.id}").status_code == 404
        assert client.get(f"/api/v1/budgets/{budget_id}").status_code == 404
        assert "Healthy Riverside" not in text(
            client.get(f"/neighbourhoods/{neighbourhoods[0].code}")
        )
    assert client.get(f"/budgets/{budget_id}/propose").status_code == 403
    forms.post("/account/sign-out", {}, page="/account/")
    log = text(client.get("/changes"))
    assert f"process {process.id}" not in log  # nothing of a draft on the public log

    sign_in(officer)
    response = forms.post(f"/processes/{process.id}/publish", {}, page=f"/processes/{process.id}")
    assert response.status_code == 302
    db.session.refresh(process)
    assert not process.is_draft
    forms.post("/account/sign-out", {}, page="/account/")
    assert client.get(f"/processes/{process.id}").status_code == 200
    assert [p["id"] for p in client.get("/api/v1/processes").get_json()["items"]] == [process.id]
    assert "A participatory-budgeting process was published" in text(client.get("/changes"))


def test_a_published_process_needs_a_reason_for_any_change(
    forms, create_user, sign_in, neighbourhoods
):
    process = make_process("proposals", neighbourhoods=neighbourhoods[:1])
    sign_in(create_user("officer"))
    url = f"/processes/{process.id}/edit"
    response = forms.post(url, same_settings(process, ballot_type="knapsack"))
    assert response.status_code == 422
    assert "Say why the process changes" in text(response)
    db.session.refresh(process)
    assert process.ballot_type == "approval"


def test_only_actions_allowed_now_are_offered(client, create_user, sign_in, neighbourhoods):
    """Found: "Count and publish" offered during voting, "Review" in the proposals phase."""
    voting = make_process("voting", neighbourhoods=neighbourhoods[:1])
    proposing = make_process("proposals", neighbourhoods=neighbourhoods[1:2])
    submitted = make_proposal(proposing.budgets[0], "Orchard", 2000, status="submitted")
    sign_in(create_user("officer"))

    publish_page = text(client.get(f"/budgets/{voting.budgets[0].id}/publish"))
    assert "<button" not in publish_page.split("<main")[-1].split("</main>")[0]
    assert "only after voting has closed" in publish_page

    review_page = text(client.get(f"/proposals/{submitted.id}/review"))
    assert "Save review" not in review_page
    assert "only be reviewed during the review phase" in review_page
    assert "Review this proposal" not in text(client.get(f"/proposals/{submitted.id}"))

    page = text(client.get(f"/processes/{voting.id}"))
    assert "What officers can do, and when" in page
    assert "Set budgets</a>" not in page  # voting has opened
    close = voting.results_start
    assert f"from {close.day} {close:%B %Y}, once voting has closed" in page
