"""Journeys by keyboard alone: Tab to move, Space to tick, arrow keys for radio buttons, Enter
to follow a link or send a form. No clicks, no filling fields by locator. Every element Tab
reaches must show where the focus is (WCAG 2.4.7)."""

from __future__ import annotations

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import Ballot, Proposal
from tests.conftest import PASSWORD
from tests.pb_factories import make_process, make_proposal

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || '',
    name: (label || el.getAttribute('aria-label') || el.innerText || el.value || '').trim(),
    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
             || style.boxShadow !== 'none',
  };
}"""


def tab_to(page, wanted: str, *, limit: int = 150) -> dict:
    """Press Tab until the focused element's name contains ``wanted``; every stop on the way
    must show a focus indicator."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"no visible focus on {focused}"
        seen.append(focused["name"][:40])
        if wanted.lower() in focused["name"].lower():
            return focused
    raise AssertionError(f"Tab never reached {wanted!r}; it went through {seen}")


def sign_in_by_keyboard(page, base: str, user) -> None:
    page.goto(base + "/")
    tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/sign-in**")
    tab_to(page, "Email address")
    page.keyboard.type(user.email)
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()


def test_resident_votes_by_keyboard_alone(page, live_server, create_user, neighbourhoods):
    process = make_process("voting", ballot_type="knapsack", neighbourhoods=neighbourhoods[:1])
    budget = process.budgets[0]
    trees, walks, _lunch = (
        make_proposal(budget, name, cost)
        for name, cost in (("Tree planting", 4000), ("Walking group", 3000), ("Lunch club", 5000))
    )
    sign_in_by_keyboard(page, live_server, create_user("resident"))

    page.goto(f"{live_server}/budgets/{budget.id}")
    focused = tab_to(page, "Vote")
    assert focused["tag"] == "a"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/budgets/{budget.id}/vote")
    for title in ("Tree planting", "Walking group"):
        focused = tab_to(page, title)
        assert focused["type"] == "checkbox"
        page.keyboard.press("Space")
    assert "£7,000 of £10,000" in page.locator(".running-total").inner_text()
    tab_to(page, "Cast my vote")
    page.keyboard.press("Enter")
    page.locator(".receipt-code").wait_for()

    ballot = db.session.scalar(select(Ballot))
    assert {i.proposal_id for i in ballot.items} == {trees.id, walks.id}


def test_officer_reviews_a_proposal_by_keyboard_alone(
    page, live_server, create_user, neighbourhoods
):
    reviewing = make_process("review", neighbourhoods=neighbourhoods[:1])
    waiting = make_proposal(reviewing.budgets[0], "Pocket park", 6000, status="submitted")
    sign_in_by_keyboard(page, live_server, create_user("officer"))

    page.goto(f"{live_server}/proposals/{waiting.id}/review")
    focused = tab_to(page, "Feasible")  # the first radio button of the decision
    assert focused["type"] == "radio"
    page.keyboard.press("ArrowDown")  # to "Not feasible", which also selects it
    assert "not feasible" in page.evaluate(FOCUSED)["name"].lower()
    tab_to(page, "Note for the author and the public")
    page.keyboard.type("The land belongs to the railway.")
    tab_to(page, "Save review")
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()

    db.session.expire_all()
    proposal = db.session.get(Proposal, waiting.id)
    assert proposal.status == "not_feasible"
    assert proposal.review_note == "The land belongs to the railway."


DATE_ORDER = """() => new Intl.DateTimeFormat(navigator.language)
  .formatToParts(new Date(2000, 11, 31)).map(p => p.type).filter(t => t !== 'literal')"""


def type_date(page, day: str, month: str, year: str) -> None:
    """Type a date into a focused date box in the order the browser's locale shows it."""
    parts = {"day": day, "month": month, "year": year}
    for part in page.evaluate(DATE_ORDER):
        page.keyboard.type(parts[part])


def test_resident_gets_verified_and_votes_by_keyboard_alone(
    page, live_server, create_user, neighbourhoods
):
    from pbapp.services.verification import letters

    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    process.eligibility = "verified"
    db.session.commit()
    budget = process.budgets[0]
    make_proposal(budget, "Tree planting", 4000)
    make_proposal(budget, "Walking group", 3000)
    _, codes = letters.make_batch(create_user("officer"), neighbourhoods[0], 1)
    db.session.commit()
    resident = create_user("resident", name="Kay Board")
    sign_in_by_keyboard(page, live_server, resident)

    page.goto(f"{live_server}/budgets/{budget.id}/vote")
    tab_to(page, "Walking group")
    page.keyboard.press("Space")
    tab_to(page, "Cast my vote")
    page.keyboard.press("Enter")
    page.get_by_text("your account is not verified yet").first.wait_for()
    # The page moves focus to its error summary once its script runs: tabbing before that
    # raced it (the focus jumped back to the summary between two presses).
    page.wait_for_function("document.activeElement?.classList.contains('error-summary')")

    focused = tab_to(page, "Get verified")  # first the error summary's link to the notice...
    if focused["name"] != "Get verified":
        focused = tab_to(page, "Get verified")  # ...then the notice's own link
    assert (focused["tag"], focused["name"]) == ("a", "Get verified")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/verification/?next=" in url)
    tab_to(page, "Code from your letter")
    page.keyboard.type(codes[0])
    tab_to(page, "Full name")
    page.keyboard.type("Kay Board")
    focused = tab_to(page, "Date of birth")
    assert focused["type"] == "date"
    type_date(page, "17", "05", "1980")
    tab_to(page, "Postcode")
    page.keyboard.type("S4 7AB")
    tab_to(page, "Verify me")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.split("?")[0].endswith(f"/budgets/{budget.id}/vote"))
    page.get_by_text("You are verified").wait_for()

    # Back on the ballot, the choice made before is still ticked.
    assert page.locator("input[type=checkbox]:checked").count() == 1
    tab_to(page, "Cast my vote")
    page.keyboard.press("Enter")
    page.locator(".receipt-code").wait_for()
    db.session.expire_all()
    ballot = db.session.scalar(select(Ballot))
    assert ballot is not None and ballot.voter_id == resident.id
    assert [db.session.get(Proposal, i.proposal_id).title for i in ballot.items] == [
        "Walking group"
    ]
