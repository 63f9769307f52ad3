"""A finished process looks finished (issue 17): statuses from one place, links to results."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

from pbapp.extensions import db
from pbapp.models import Proposal, User, UserRole
from pbapp.services.accountability import delivery
from pbapp.services.participation.proposals import BALLOT_LABELS, status_labels
from pbapp.services.participation.results import publish_result
from tests.pb_factories import make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_label_follows_the_process_from_ballot_to_result(app, counted):
    budget, (a, b, c, d) = counted  # a process in its results phase, nothing published yet
    process = budget.process
    labels = status_labels([a, c], process.voting_start)
    assert set(labels.values()) == {BALLOT_LABELS["voting"]}
    labels = status_labels([a, c], process.voting_start - timedelta(days=1))
    assert set(labels.values()) == {BALLOT_LABELS["before"]}
    assert set(status_labels([a, c], date.today()).values()) == {BALLOT_LABELS["counting"]}
    officer = User(name="O", email="o@example.org", role_rows=[UserRole(role="officer")])
    officer.set_password("a long enough password 2026")
    db.session.add(officer)
    result = publish_result(officer, budget, date.today())
    db.session.commit()
    labels = status_labels([a, b, c, d], date.today())
    for p in (a, b, c, d):
        expected = "funded" if p.id in result.selected else "not_funded"
        assert labels[p.id] == BALLOT_LABELS[expected]


def test_every_page_of_a_finished_process_says_funded_or_not(client, counted):
    budget, (a, b, c, d) = counted
    officer = User(name="O", email="o@example.org", role_rows=[UserRole(role="officer")])
    officer.set_password("a long enough password 2026")
    db.session.add(officer)
    result = publish_result(officer, budget, date.today())
    db.session.commit()
    funded = next(p for p in (a, b, c, d) if p.id in result.selected)
    unfunded = next(p for p in (a, b, c, d) if p.id not in result.selected)

    for url in (
        f"/budgets/{budget.id}",
        f"/processes/{budget.process_id}/proposals",
    ):
        page = text(client.get(url))
        assert "On the ballot" not in page, url
        assert "Funded" in page and "Not funded" in page, url

    page = text(client.get(f"/proposals/{funded.id}"))
    assert "On the ballot" not in page
    assert "<dd>Funded</dd>" in page
    assert f'href="/budgets/{budget.id}/results"' in page
    page = text(client.get(f"/proposals/{unfunded.id}"))
    assert "<dd>Not funded</dd>" in page
    assert f'href="/budgets/{budget.id}/results"' in page

    page = text(client.get(f"/processes/{budget.process_id}"))
    assert f'href="/budgets/{budget.id}/results"' in page
    assert "See the results" in page


def test_a_funded_project_links_to_its_delivery(client, counted):
    budget, _ = counted
    officer = User(name="O", email="o@example.org", role_rows=[UserRole(role="officer")])
    officer.set_password("a long enough password 2026")
    db.session.add(officer)
    result = publish_result(officer, budget, date.today())
    db.session.commit()
    proposal = db.session.get(Proposal, result.selected[0])
    target = delivery.subject("project", proposal.id)
    delivery.update_delivery(
        officer, target, delivery.DeliveryInput(status="in_progress", spend=10)
    )
    db.session.commit()
    status = "In progress"
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'href="/delivery/project/{proposal.id}"' in page
    assert f"Delivery: {status}" in page


def test_a_process_open_for_voting_says_on_the_ballot(client, neighbourhoods):
    process = make_process("voting", neighbourhoods=[neighbourhoods[0]])
    proposal = make_proposal(process.budgets[0], "Benches", 3000)
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert "<dd>On the ballot</dd>" in page
    assert "results" not in page.split("<h2>Description</h2>")[0].split("</dl>")[1]


def test_the_home_page_cards_are_links(client):
    page = text(client.get("/"))
    cards = page.split('<div class="cards">')[1].split("</div>")[0]
    for href in ("/processes/", "/funding/", "/core-funding/", "/commitments/"):
        assert f'href="{href}"' in cards, href
    assert cards.count('class="card-link"') == 4
