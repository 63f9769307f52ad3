"""Publishing results: counted by the engine, explained, fingerprinted, recountable from open data."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from allocation import pb
from pbapp.extensions import db
from pbapp.models import Result, User
from tests.pb_factories import add_voters, make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_officer_publishes_and_the_result_matches_the_engine(
    client, forms, create_user, sign_in, counted
):
    budget, projects = counted
    sign_in(create_user("officer"))
    response = forms.post(f"/budgets/{budget.id}/publish", {})
    assert response.status_code == 302

    result = db.session.scalar(select(Result))
    a, b, c, d = projects
    election = pb.Election(
        budget=10_000,
        projects=[pb.Project(str(p.id), p.cost, p.title) for p in projects],
        ballots=[(str(a.id), str(b.id))] * 6 + [(str(c.id), str(d.id))] * 5,
    )
    expected = pb.count(election, "mes-add1")
    assert result.selected == [int(x) for x in expected.selected]
    assert result.spend == expected.cost
    assert result.voters == 11
    assert len(result.fingerprint) == 64

    page = text(client.get(f"/budgets/{budget.id}/results"))
    for project in projects:
        assert project.title in page
    assert "Rejected idea" not in page  # not feasible: never on the ballot
    assert "11 people voted" in page
    assert "Most votes first (greedy) against Equal Shares" in page


def test_every_proposal_gets_a_plain_reason(client, forms, create_user, sign_in, counted):
    budget, projects = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    page = text(client.get(f"/budgets/{budget.id}/results"))
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 4
    for row in rows:
        assert "Funded" in row or "Not funded" in row


def test_equal_shares_page_says_the_share_and_its_add1_raise(
    client, forms, create_user, sign_in, counted
):
    """£10,000 between 11 voters is £909.09 each; add1 raised the shares to £1,200.09 (the
    engine's own figure), and the page says so in words; no bare "between £x and £y" range."""
    budget, projects = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    result = db.session.scalar(select(Result))
    per_voter = result.explanation["budget_per_voter"]
    assert round(per_voter, 2) == 1200.09  # raised above 10,000 / 11 by the add1 completion
    page = " ".join(text(client.get(f"/budgets/{budget.id}/results")).split())
    assert (
        "Each voter's share of the budget began as £909.09: £10,000 divided between the 11 "
        "people who voted. That left money unspent, so the count raised everyone's share by "
        "the same amount, £1 at a time, for as long as the projects chosen still fitted in the "
        "budget, and each share ended at £1,200.09" in page
    )
    assert "between £" not in page
    # Allotment (£4,000, 6 supporters) is paid in equal parts from the raised shares.
    assert "paid its cost of £4,000 from their equal shares of the budget: £666.67 each" in page


def test_a_tie_that_decided_funding_is_said_on_the_results_page(
    client, forms, create_user, sign_in, counted
):
    """Allotment and Benches (both £4,000) tie at 6 votes under Equal Shares; the tie-break
    (proposal number read as text) funds Allotment. Both rows say so; the others say nothing."""
    budget, (a, b, c, d) = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    projects = {p["id"]: p for p in db.session.scalar(select(Result)).explanation["projects"]}
    assert projects[str(a.id)]["decided_by_tie"] and projects[str(b.id)]["decided_by_tie"]
    page = text(client.get(f"/budgets/{budget.id}/results"))
    rows = {
        row.split("</a>")[0].rsplit(">", 1)[-1]: " ".join(row.split())
        for row in page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    }
    assert "A tie decided this: it tied with Benches at 6 votes." in rows["Allotment"]
    assert "so this project was funded" in rows["Allotment"]
    assert "A tie decided this: it tied with Allotment at 6 votes." in rows["Benches"]
    assert "which left this project out" in rows["Benches"]
    assert "(so 10 comes before 9)" in rows["Benches"]
    assert "tie" not in rows["Cooking club"] and "tie" not in rows["Dance class"]


def test_a_tie_under_withheld_counts_is_said_without_the_counts(neighbourhoods):
    """With 4 supporters each (below the policy's 5), the tie is said, the score is not."""
    from pbapp.services.participation.disclosure import Disclosure
    from pbapp.services.participation.explanations import tie_sentences

    data = {
        "projects": [
            {
                "id": "1",
                "name": "Swings",
                "funded": True,
                "score": 4,
                "supporters": 4,
                "decided_by_tie": True,
            },
            {
                "id": "2",
                "name": "Slide",
                "funded": False,
                "score": 4,
                "supporters": 4,
                "decided_by_tie": True,
            },
            {
                "id": "3",
                "name": "Bins",
                "funded": True,
                "score": 9,
                "supporters": 9,
                "decided_by_tie": False,
            },
        ],
        "tie_break": "cheaper-first",
    }
    policy = Disclosure(ballots=20, supporters={"1": 4, "2": 4, "3": 9})
    ties = tie_sentences(data, policy, "votes")
    assert set(ties) == {"1", "2"}
    assert ties["2"].startswith("A tie decided this: it tied with Swings.")
    assert "in favour of the cheaper project" in ties["2"]
    assert "4" not in ties["1"] + ties["2"]


def test_result_cannot_be_published_twice_or_before_voting_closes(
    forms, create_user, sign_in, counted, neighbourhoods
):
    budget, _ = counted
    sign_in(create_user("officer"))
    assert forms.post(f"/budgets/{budget.id}/publish", {}).status_code == 302
    again = forms.post(f"/budgets/{budget.id}/publish", {})
    assert again.status_code == 422
    assert "already published" in text(again)

    still_voting = make_process("voting", neighbourhoods=neighbourhoods[1:2]).budgets[0]
    early = forms.post(f"/budgets/{still_voting.id}/publish", {})
    assert early.status_code == 422
    assert "only after voting has closed" in text(early)
    assert db.session.query(Result).count() == 1


def test_result_page_before_publication_says_so(client, counted):
    budget, _ = counted
    response = client.get(f"/budgets/{budget.id}/results")
    assert response.status_code == 404
    assert "has not been published yet" in text(response)
    assert client.get(f"/budgets/{budget.id}/ballots.pb").status_code == 404


def test_anonymised_ballots_recount_to_the_published_result(
    client, forms, create_user, sign_in, counted
):
    budget, _ = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    result = db.session.scalar(select(Result))

    response = client.get(f"/budgets/{budget.id}/ballots.pb")
    assert response.status_code == 200
    content = response.get_data(as_text=True)
    for user in db.session.scalars(select(User)):
        assert user.email not in content
        assert user.name not in content
    election = pb.read_pb(content)
    recount = pb.count(election, "official")
    assert [int(x) for x in recount.selected] == result.selected
    assert recount.cost == result.spend


def test_points_ballots_are_counted_by_points(forms, create_user, sign_in, neighbourhoods):
    area = neighbourhoods[0]
    process = make_process(
        "results", ballot_type="points", points_total=10, rule="greedy", neighbourhoods=[area]
    )
    budget = process.budgets[0]
    big, small = make_proposal(budget, "Big", 6000), make_proposal(budget, "Small", 6000)
    # 3 voters give Small 1 point each (3 supporters, 3 points); 1 voter gives Big 10 points.
    add_voters(budget, area, [{small.id: 1}] * 3 + [{big.id: 10}])
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    assert db.session.scalar(select(Result)).selected == [big.id]


def test_pabutools_recounts_the_anonymised_ballots_to_the_published_result(
    client, forms, create_user, sign_in, counted, tmp_path
):
    parse_pabulib = pytest.importorskip("pabutools.election").parse_pabulib
    from tests.allocation.pb.pabutools_reference import reference

    budget, _ = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    result = db.session.scalar(select(Result))
    path = tmp_path / "ballots.pb"
    path.write_text(client.get(f"/budgets/{budget.id}/ballots.pb").get_data(as_text=True))

    instance, profile = parse_pabulib(str(path))
    assert [int(x) for x in reference(result.rule, instance, profile, {})] == result.selected


def test_neighbourhood_page_lists_its_budgets_and_funded_projects(
    client, forms, create_user, sign_in, counted, neighbourhoods
):
    budget, projects = counted
    sign_in(create_user("officer"))
    forms.post(f"/budgets/{budget.id}/publish", {})
    result = db.session.scalar(select(Result))
    page = text(client.get(f"/neighbourhoods/{neighbourhoods[0].code}"))
    assert budget.process.title in page
    assert "No projects have been funded" not in page
    for project in projects:
        assert page.count(project.title) == (1 if project.id in result.selected else 0)
    # Regression: a botched edit had repeated both sections 2,132 times (a 1.4 MB page that
    # took 16 s to serve and 5 minutes for axe-core to read).
    assert page.count("Participatory budgeting here") == 1
    assert page.count("Funded projects") == 1


def test_uneven_payments_are_explained_not_given_as_a_bare_range(app):
    """Supporters who had already paid for other projects pay all they had left: the sentence
    says that, with the amount the others paid, instead of "between £0.67 and £2,999.33"."""
    from pbapp.services.participation.explanations import sentence

    line = {
        "outcome": "funded",
        "cost": 6000,
        "supporters": 12,
        "cost_shares": [{"amount": 2996.65, "voters": 2}, {"amount": 0.67, "voters": 10}],
    }
    with app.test_request_context():
        said = sentence(line, "votes")
    assert said == (
        "Funded. The 12 people who voted for it paid its cost of £6,000 from their shares of "
        "the budget: £2,996.65 each, or all they had left if that was less, because they had "
        "already paid for other projects they voted for (the least anyone paid was £0.67)."
    )
