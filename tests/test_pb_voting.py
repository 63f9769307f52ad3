"""Voting: ballots by type, one per voter per budget (even under concurrency), receipts, paper."""

from __future__ import annotations

import threading
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db
from pbapp.models import AuditEvent, Ballot, BallotItem, Budget, User
from pbapp.services.errors import FieldError
from pbapp.services.participation import ballots
from tests.pb_factories import make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def ballot_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


@pytest.fixture()
def knapsack(neighbourhoods):
    process = make_process("voting", ballot_type="knapsack", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    projects = [
        make_proposal(budget, name, cost)
        for name, cost in (("Tree planting", 4000), ("Walking group", 3000), ("Lunch club", 5000))
    ]
    make_proposal(budget, "Not yet reviewed", 1000, status="submitted")
    return budget, projects


def test_resident_votes_and_gets_a_receipt_that_checks_out(
    client, forms, create_user, sign_in, knapsack
):
    budget, projects = knapsack
    sign_in(create_user("resident"))
    page = text(client.get(f"/budgets/{budget.id}/vote"))
    assert "Not yet reviewed" not in page  # only feasible proposals are on the ballot

    response = forms.post(
        f"/budgets/{budget.id}/vote", {"proposal": [str(projects[0].id), str(projects[1].id)]}
    )
    assert response.status_code == 302
    confirmation = text(client.get(response.headers["Location"]))
    assert f"Your vote in the {budget.name} budget is saved" in confirmation
    code = confirmation.split('<p class="receipt-code">')[1].split("</p>")[0]
    assert len(code) == 11

    ballot = db.session.scalar(select(Ballot))
    assert {i.proposal_id for i in ballot.items} == {projects[0].id, projects[1].id}
    assert code not in ballot.receipt_hash  # only the hash is kept

    check = text(client.get(f"/receipts?code={code.lower()}"))
    assert "a ballot with this code is counted" in check
    assert "Tree planting" not in check  # the receipt never shows the choices
    assert client.get("/receipts?code=AAAAA-BBBBB").status_code == 404


def test_voting_again_replaces_the_ballot(client, forms, create_user, sign_in, knapsack):
    budget, projects = knapsack
    sign_in(create_user("resident"))
    forms.post(f"/budgets/{budget.id}/vote", {"proposal": [str(projects[0].id)]})
    forms.post(f"/budgets/{budget.id}/vote", {"proposal": [str(projects[2].id)]})
    assert ballot_count() == 1
    ballot = db.session.scalar(select(Ballot))
    db.session.refresh(ballot)
    assert [i.proposal_id for i in ballot.items] == [projects[2].id]


def test_knapsack_ballot_over_budget_is_refused_and_changes_nothing(
    forms, create_user, sign_in, knapsack
):
    budget, projects = knapsack
    sign_in(create_user("resident"))
    response = forms.post(f"/budgets/{budget.id}/vote", {"proposal": [str(p.id) for p in projects]})
    assert response.status_code == 422
    assert "cost £12,000, more than the budget of £10,000" in text(response)
    assert ballot_count() == 0


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({}, "Choose at least one project"),
        ({"proposal": ["999999"]}, "not on this ballot"),
        ({"proposal": ["abc"]}, "not on this ballot"),
    ],
)
def test_bad_ballots_are_refused(forms, create_user, sign_in, knapsack, choices, message):
    budget, _ = knapsack
    sign_in(create_user("resident"))
    response = forms.post(f"/budgets/{budget.id}/vote", choices, page=f"/budgets/{budget.id}/vote")
    assert response.status_code == 422
    assert message in text(response)
    assert ballot_count() == 0


def test_unreviewed_proposal_cannot_be_smuggled_onto_a_ballot(
    forms, create_user, sign_in, knapsack
):
    budget, _ = knapsack
    hidden = next(p for p in budget.proposals if p.status == "submitted")
    sign_in(create_user("resident"))
    response = forms.post(f"/budgets/{budget.id}/vote", {"proposal": [str(hidden.id)]})
    assert response.status_code == 422
    assert ballot_count() == 0


def test_approval_ballot_respects_the_maximum(forms, create_user, sign_in, neighbourhoods):
    process = make_process("voting", max_projects=2, neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    ids = [str(make_proposal(budget, f"Project {i}", 1000).id) for i in range(3)]
    sign_in(create_user("resident"))
    response = forms.post(f"/budgets/{budget.id}/vote", {"proposal": ids})
    assert response.status_code == 422
    assert "Choose at most 2 projects (you chose 3)" in text(response)
    assert forms.post(f"/budgets/{budget.id}/vote", {"proposal": ids[:2]}).status_code == 302


def test_points_ballot(forms, create_user, sign_in, neighbourhoods):
    process = make_process(
        "voting", ballot_type="points", points_total=10, neighbourhoods=neighbourhoods[:1]
    )
    budget = process.budgets[0]
    a, b = (make_proposal(budget, name, 2000) for name in ("Allotments", "Bike repair"))
    sign_in(create_user("resident"))
    over = forms.post(f"/budgets/{budget.id}/vote", {f"points-{a.id}": "7", f"points-{b.id}": "4"})
    assert over.status_code == 422
    assert "You have given 11 points; you have 10 to give" in text(over)
    bad = forms.post(f"/budgets/{budget.id}/vote", {f"points-{a.id}": "seven"})
    assert bad.status_code == 422
    assert ballot_count() == 0

    assert (
        forms.post(
            f"/budgets/{budget.id}/vote", {f"points-{a.id}": "7", f"points-{b.id}": "3"}
        ).status_code
        == 302
    )
    ballot = db.session.scalar(select(Ballot))
    assert {i.proposal_id: i.points for i in ballot.items} == {a.id: 7, b.id: 3}


def test_resident_votes_only_in_home_and_citywide_budgets(
    client, forms, create_user, sign_in, neighbourhoods
):
    process = make_process("voting", neighbourhoods=neighbourhoods[:2], citywide=50_000)
    home, away, citywide = sorted(
        process.budgets, key=lambda b: (b.neighbourhood_id is None, b.neighbourhood_id)
    )
    for budget in (home, away, citywide):
        make_proposal(budget, "Something good", 1000)
    sign_in(create_user("resident"))  # lives in neighbourhoods[0]
    assert client.get(f"/budgets/{home.id}/vote").status_code == 200
    assert client.get(f"/budgets/{citywide.id}/vote").status_code == 200
    response = client.get(f"/budgets/{away.id}/vote")
    assert response.status_code == 403
    assert "your own neighbourhood's budget" in text(response)


@pytest.mark.parametrize("phase", ["proposals", "review", "results"])
def test_no_voting_outside_the_voting_phase(client, create_user, sign_in, neighbourhoods, phase):
    process = make_process(phase, neighbourhoods=neighbourhoods[:1])
    sign_in(create_user("resident"))
    assert client.get(f"/budgets/{process.budgets[0].id}/vote").status_code == 403


def test_non_residents_cannot_vote(client, create_user, sign_in, knapsack):
    budget, _ = knapsack
    sign_in(create_user("funder"))
    assert client.get(f"/budgets/{budget.id}/vote").status_code == 403


def test_paper_ballot_blocks_online_voting_in_that_budget(
    client, forms, create_user, sign_in, knapsack
):
    budget, projects = knapsack
    officer = create_user("officer")
    voter = create_user("resident")
    ballots.cast_ballot(
        voter, budget, {projects[0].id: 1}, today=date.today(), source="paper", entered_by=officer
    )
    db.session.commit()

    sign_in(voter)
    response = forms.post(
        f"/budgets/{budget.id}/vote",
        {"proposal": [str(projects[1].id)]},
        page=f"/budgets/{budget.id}",
    )
    assert response.status_code == 422
    assert "A paper ballot has already been counted for you" in text(response)
    ballot = db.session.scalar(select(Ballot))
    db.session.refresh(ballot)
    assert [i.proposal_id for i in ballot.items] == [projects[0].id]


def test_online_voter_cannot_also_be_entered_on_paper(create_user, knapsack):
    budget, projects = knapsack
    officer = create_user("officer")
    voter = create_user("resident")
    ballots.cast_ballot(voter, budget, {projects[0].id: 1}, today=date.today())
    db.session.commit()
    with pytest.raises(FieldError, match="already voted online"):
        ballots.cast_ballot(
            voter,
            budget,
            {projects[1].id: 1},
            today=date.today(),
            source="paper",
            entered_by=officer,
        )


def test_the_database_itself_refuses_a_second_ballot(create_user, knapsack):
    from sqlalchemy.exc import IntegrityError

    budget, _ = knapsack
    voter = create_user("resident")
    db.session.add_all(
        [Ballot(budget_id=budget.id, voter_id=voter.id, receipt_hash=f"h{i}") for i in range(2)]
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_submissions_from_one_voter_make_one_ballot(app, create_user, knapsack):
    budget, projects = knapsack
    voter = create_user("resident")
    budget_id, voter_id = budget.id, voter.id
    choice_sets = [{projects[i % 3].id: 1} for i in range(8)]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    barrier = threading.Barrier(len(choice_sets))
    outcomes: list[str] = []

    # The apps are built here, one after another: building Flask apps on several threads at once
    # trips a CPython 3.11 bug in ast.parse (werkzeug compiles URL rules with it).
    workers = [create_app(TestConfig(url)) for _ in choice_sets]

    def submit(worker, choices):
        with worker.app_context():
            try:
                barrier.wait(timeout=30)
                cast = ballots.cast_ballot(
                    db.session.get(User, voter_id),
                    db.session.get(Budget, budget_id),
                    choices,
                    today=date.today(),
                )
                db.session.commit()
                outcomes.append("new" if cast.receipt else "replaced")
            except Exception as error:  # noqa: BLE001  (any refusal is fine; a second ballot is not)
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()
                db.engine.dispose()

    # Daemon threads with a barrier timeout: a thread that fails early can never hang the run.
    threads = [
        threading.Thread(target=submit, args=(w, c), daemon=True)
        for w, c in zip(workers, choice_sets, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), outcomes

    db.session.expire_all()
    assert ballot_count() == 1
    assert outcomes.count("new") == 1
    assert db.session.scalar(select(func.count()).select_from(BallotItem)) == 1


def test_officer_enters_paper_ballots_counted_like_online_ones(
    client, forms, create_user, sign_in, knapsack
):
    budget, projects = knapsack
    resident = create_user("resident")
    sign_in(create_user("officer"))
    url = f"/budgets/{budget.id}/paper"

    saved = forms.post(
        url,
        {
            "voter_name": "Jo Bloggs",
            "voter_postcode": "s4 7ab",
            "receipt_code": "ABCDE-23456",
            "proposal": [str(projects[0].id)],
        },
    )
    assert saved.status_code == 200
    assert "Paper ballot saved" in text(saved)
    generated = forms.post(
        url, {"voter_email": resident.email.upper(), "proposal": [str(projects[1].id)]}
    )
    code = text(generated).split('<p class="receipt-code">')[1].split("</p>")[0]

    assert ballot_count() == 2
    assert {b.source for b in db.session.scalars(select(Ballot))} == {"paper"}
    assert "is counted" in text(client.get("/receipts?code=abcde23456"))
    assert "is counted" in text(client.get(f"/receipts?code={code}"))

    again = forms.post(url, {"voter_email": resident.email, "proposal": [str(projects[2].id)]})
    assert again.status_code == 422
    assert "A paper ballot has already been counted" in text(again)
    reused = forms.post(
        url,
        {
            "voter_name": "Sam",
            "voter_postcode": "S3 8AA",
            "receipt_code": "ABCDE-23456",
            "proposal": [str(projects[2].id)],
        },
    )
    assert reused.status_code == 422
    assert "already been used" in text(reused)
    nobody = forms.post(url, {"proposal": [str(projects[2].id)]})
    assert nobody.status_code == 422
    assert "Give the voter's name" in text(nobody)
    assert ballot_count() == 2


def test_paper_only_voter_cannot_sign_in(forms, create_user, sign_in, knapsack):
    budget, projects = knapsack
    sign_in(create_user("officer"))
    forms.post(
        f"/budgets/{budget.id}/paper",
        {"voter_name": "Jo Bloggs", "voter_postcode": "S4 7AB", "proposal": [str(projects[0].id)]},
    )
    paper_voter = db.session.scalar(select(User).where(User.name == "Jo Bloggs"))
    assert not paper_voter.is_active
    assert not paper_voter.check_password("")
    assert not paper_voter.check_password("!")


# --- Issue 16: paper ballots are listed, can be voided, and a second paper is noticed -----------


def test_a_name_only_paper_voter_gives_a_postcode(forms, create_user, sign_in, knapsack):
    budget, projects = knapsack
    sign_in(create_user("officer"))
    url = f"/budgets/{budget.id}/paper"
    for postcode in ("", "not a postcode"):
        response = forms.post(
            url,
            {
                "voter_name": "Jo Bloggs",
                "voter_postcode": postcode,
                "proposal": [str(projects[0].id)],
            },
        )
        assert response.status_code == 422
        assert "Give the voter's postcode" in text(response)
    assert ballot_count() == 0


def test_a_second_paper_with_the_same_name_and_postcode_needs_confirmation(
    forms, create_user, sign_in, knapsack
):
    budget, projects = knapsack
    sign_in(create_user("officer"))
    url = f"/budgets/{budget.id}/paper"
    paper = {
        "voter_name": "Jo Bloggs",
        "voter_postcode": "S4 7AB",
        "proposal": [str(projects[0].id)],
    }
    assert forms.post(url, paper).status_code == 200
    twin = forms.post(url, paper | {"voter_name": "jo bloggs", "voter_postcode": "s47ab"})
    assert twin.status_code == 422
    page = text(twin)
    assert "already entered in this budget" in page
    assert 'name="confirm_duplicate"' in page
    assert ballot_count() == 1
    confirmed = forms.post(url, paper | {"confirm_duplicate": "y"})
    assert confirmed.status_code == 200
    assert ballot_count() == 2


def test_officer_lists_and_voids_a_paper_ballot_with_a_reason(
    client, forms, create_user, sign_in, knapsack
):
    budget, projects = knapsack
    officer = create_user("officer")
    sign_in(officer)
    forms.post(
        f"/budgets/{budget.id}/paper",
        {"voter_name": "Jo Bloggs", "voter_postcode": "S4 7AB", "proposal": [str(projects[0].id)]},
    )
    listing = text(client.get(f"/budgets/{budget.id}/paper-ballots"))
    assert "Jo Bloggs" in listing and "S4 7AB" in listing
    ballot = db.session.scalar(select(Ballot))
    url = f"/paper-ballots/{ballot.id}/void"
    refused = forms.post(url, {"reason": "  "})
    assert refused.status_code == 422
    assert ballot_count() == 1
    response = forms.post(url, {"reason": "Entered twice by mistake."})
    assert response.status_code == 302
    assert ballot_count() == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ballot.void"))
    assert event.actor_id == officer.id and event.after == {"reason": "Entered twice by mistake."}
    forms.post("/account/sign-out", {}, page="/account/")
    assert "1 paper ballot was voided" in text(client.get(f"/budgets/{budget.id}"))
    assert client.get(f"/budgets/{budget.id}/paper-ballots").status_code == 302  # officers only


def test_a_paper_ballot_of_a_published_budget_cannot_be_voided(
    forms, create_user, sign_in, neighbourhoods
):
    from pbapp.services.participation.results import publish_result

    area = neighbourhoods[0]
    process = make_process("results", neighbourhoods=[area])
    budget = process.budgets[0]
    project = make_proposal(budget, "Benches", 2000)
    officer = create_user("officer")
    ballots.enter_paper_ballot(
        officer,
        budget,
        {project.id: 1},
        today=date.today(),
        voter_email=None,
        voter_name="Jo Bloggs",
        receipt=None,
        voter_postcode="S4 7AB",
    )
    publish_result(officer, budget, date.today())
    db.session.commit()
    sign_in(officer)
    ballot = db.session.scalar(select(Ballot))
    page = text(forms.client.get(f"/budgets/{budget.id}/paper-ballots"))
    assert "can no longer change" in page and "/void" not in page
    response = forms.post(f"/paper-ballots/{ballot.id}/void", {"reason": "Late change."})
    assert response.status_code == 422
    assert ballot_count() == 1
