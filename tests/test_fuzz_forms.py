"""Property-based fuzzing of every form: never a 500, never a partial write, never live markup.

Every state-changing endpoint of the URL map (POST, PUT, PATCH or DELETE) must have a recipe
here, or an exclusion saying why: a new form fails this suite until someone decides how to fuzz
it. A recipe names who may use the form (as in test_access.py's expected-access tables), where
the form is shown, and builds whatever the demo lacks for it to be usable.

Each endpoint starts from the same demo state. The fuzzer reads the form from the page (its
fields, choices and CSRF token: CSRF protection stays on), then posts hypothesis-drawn
submissions. For every response: the status is below 500; markup that was posted never comes
back live; and a refused submission (anything but a redirect after success) leaves every
table's rows as they were.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from pbapp.demo import DEMO_PASSWORD
from pbapp.extensions import db
from pbapp.models import Budget, Neighbourhood, User, UserRole
from pbapp.models.accountability import Commitment, CommitmentComment, Story
from pbapp.models.core_funding import CoreFundingRound, CorrectionRequest, Organisation
from pbapp.models.funding import Contribution, Scenario
from pbapp.services.participation import ballots, follows
from tests.fuzz_support import (
    DEMO_EMAILS,
    SCRIPT,
    PageForms,
    changed_tables,
    check_response,
    demo_fixture,
    encode,
    fuzz_settings,
    sign_in,
    submission,
)
from tests.pb_factories import add_voters, make_process, make_proposal
from tests.test_access import EXPECTED_ACCESS

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_SUMMARY = 'class="error-summary"'
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "20"))

demo = pytest.fixture(scope="module", name="demo")(demo_fixture)


def _first_id(model, *where) -> int:
    found = db.session.scalar(select(model.id).where(*where).order_by(model.id))
    assert found is not None, f"the demo has no {model.__name__} {where}"
    return found


def _ward(name: str) -> Neighbourhood:
    return db.session.scalar(select(Neighbourhood).where(Neighbourhood.name == name))


# --- Recipes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipe:
    """How to fuzz one endpoint.

    ``setup`` runs on the restored demo and returns the URL to post to (a path, perhaps with a
    query string), or a pair (URL, page showing the form) when the form is on another page.
    ``role`` is the demo account to sign in as (None: not signed in); ``setup`` may instead
    return a third item, the email of an account it made.
    """

    role: str | None
    setup: Callable[[], str | tuple]
    # Tables that may change although the submission was refused, each with its reason.
    changes_on_refusal: frozenset[str] = frozenset()


def _proposals_budget() -> Budget:
    """A budget in the resident's ward whose process takes proposals today."""
    process = make_process("proposals", neighbourhoods=[_ward("Burngreave")])
    return process.budgets[0]


def _propose() -> str:
    return f"/budgets/{_proposals_budget().id}/propose"


def _proposal_edit() -> str:
    resident = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["resident"]))
    draft = make_proposal(_proposals_budget(), "My draft", 1500, status="draft", author=resident)
    return f"/proposals/{draft.id}/edit"


def _followable(*, following: bool) -> tuple[str, str]:
    """A submitted proposal, which the resident follows already (to stop) or not (to start)."""
    proposal = make_proposal(_proposals_budget(), "Worth following", 2500, status="submitted")
    if following:
        follows.follow(_demo_user("resident"), proposal)
        db.session.commit()
    action = "unfollow" if following else "follow"
    return f"/proposals/{proposal.id}/{action}", f"/proposals/{proposal.id}"


def _proposal_review() -> str:
    process = make_process("review", neighbourhoods=[_ward("Burngreave")])
    proposal = make_proposal(process.budgets[0], "Under review", 2500, status="submitted")
    return f"/proposals/{proposal.id}/review"


def _proposal_translate() -> str:
    """A proposal written in Polish: English is the language offered for a translation here."""
    process = make_process("review", neighbourhoods=[_ward("Burngreave")])
    proposal = make_proposal(
        process.budgets[0], "Ławki w parku", 2500, status="submitted", language="pl"
    )
    return f"/proposals/{proposal.id}/translate"


def _publish() -> str:
    area = _ward("Burngreave")
    process = make_process("results", neighbourhoods=[area])
    budget = process.budgets[0]
    a = make_proposal(budget, "Allotment", 4000)
    b = make_proposal(budget, "Benches", 3000)
    add_voters(budget, area, [{a.id: 1}, {a.id: 1, b.id: 1}, {b.id: 1}])
    return f"/budgets/{budget.id}/publish"


def _unchecked_resident_account() -> tuple[str, str]:
    """The resident's address not checked yet: the account page offers the link again. A
    refused submission (an expired page) adds no message; an accepted one redirects."""
    _demo_user("resident").email_checked_at = None
    db.session.flush()
    return "/account/check-again", "/account/"


def _open_demo_budget() -> int:
    today = date.today()
    for budget in db.session.scalars(select(Budget).order_by(Budget.id)):
        if budget.process.phase_on(today) == "voting" and budget.neighbourhood is not None:
            return budget.id
    raise AssertionError("the demo has no budget open for voting")


def _editable_process() -> int:
    return make_process("proposals", neighbourhoods=[_ward("Burngreave")]).id


def _paper_to_void() -> tuple[str, str]:
    budget = db.session.get(Budget, _open_demo_budget())
    officer = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["officer"]))
    on_ballot = ballots.ballot_proposals(budget)
    cast = ballots.enter_paper_ballot(
        officer,
        budget,
        {on_ballot[0].id: 1},
        today=date.today(),
        voter_email=None,
        voter_name="Paper Voter",
        receipt=None,
        voter_postcode="S4 7AB",
        voter_date_of_birth=date(1980, 5, 6),  # the demo process is for verified residents
    )
    db.session.commit()
    url = f"/paper-ballots/{cast.ballot_id}/void"
    return url, url


def _scenario_with_budgets() -> tuple[str, str]:
    """A scenario published as the budgets of a process still taking proposals."""
    from pbapp.services.funding import publication

    funder = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["funder"]))
    scenario = db.session.get(Scenario, _draft_scenario())
    process = make_process("proposals", neighbourhoods=[_ward("Burngreave")])
    publication.publish_to_process(funder, scenario, process, date.today())
    db.session.commit()
    return f"/funding/scenarios/{scenario.id}/undo-budgets", f"/funding/scenarios/{scenario.id}"


def _draft_process() -> int:
    process = make_process("proposals", neighbourhoods=[_ward("Burngreave")])
    process.is_draft = True
    db.session.commit()
    return process.id


def _new_vcs_account() -> tuple[str, str, str]:
    user = User(
        name="New Group Keeper", email="new-keeper@example.org", role_rows=[UserRole(role="vcs")]
    )
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return "/core-funding/groups/new", "/core-funding/groups/new", user.email


def _kept_org() -> int:
    vcs = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["vcs"]))
    return next(o.id for o in db.session.scalars(select(Organisation)) if o.kept_by(vcs))


def _draft_round() -> int:
    return _first_id(CoreFundingRound, CoreFundingRound.published_at.is_(None))


def _published_round() -> int:
    return _first_id(CoreFundingRound, CoreFundingRound.published_at.is_not(None))


def _draft_scenario() -> int:
    """A draft copy of the demo's published scenario (a published one can no longer change)."""
    from dataclasses import replace

    from pbapp.services.funding import scenarios as funding

    funder = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["funder"]))
    published = db.session.get(Scenario, _first_id(Scenario))
    settings = replace(funding.settings_of(published), name="Draft for fuzzing")
    return funding.create_scenario(funder, settings).id


def _challenge() -> int:
    return _first_id(CommitmentComment, CommitmentComment.kind == "challenge")


def _delivered_project() -> str:
    from pbapp.models.accountability import DeliveryRecord

    record = db.session.scalar(
        select(DeliveryRecord).where(DeliveryRecord.kind == "project").order_by(DeliveryRecord.id)
    )
    return f"/delivery/project/{record.proposal_id}/update"


def _new_resident_account() -> tuple[str, str, str]:
    """An unverified resident of Burngreave (the demo resident is verified)."""
    user = User(
        name="New Resident",
        email="new-resident@example.org",
        neighbourhood=_ward("Burngreave"),
        role_rows=[UserRole(role="resident")],
    )
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return "/verification/", "/verification/", user.email


def _letter_batch() -> int:
    from pbapp.services.verification import letters

    officer = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["officer"]))
    return letters.make_batch(officer, _ward("Burngreave"), 3)[0].id


def _verification() -> int:
    """A verification in force (of a new resident, so the demo's stays as it is)."""
    from pbapp.services.verification import identity

    _new_resident_account()
    user = db.session.scalar(select(User).where(User.email == "new-resident@example.org"))
    person = identity.identity_of("New Resident", date(1990, 1, 2), "S4 7AB", date.today())
    return identity.record_verification(
        user, person, _ward("Burngreave"), method="in_person", verified_by=None
    ).id


def _register_check() -> tuple[str, str, str]:
    """A register is loaded (the demo's) and a new, unverified resident checks against it."""
    from pbapp.demo.verification import load_register_demo

    officer = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["officer"]))
    load_register_demo(officer)
    _, page, email = _new_resident_account()
    return "/verification/register-check", page, email


def _demo_user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == DEMO_EMAILS[role]))


def _reset_link() -> str:
    from pbapp.services.accounts import links

    return f"/account/reset/{links.reset_token(_demo_user('resident'))}"


def _unsubscribe_link() -> str:
    from pbapp.services.mail.outbox import unsubscribe_token

    return f"/account/unsubscribe/{unsubscribe_token(_demo_user('resident'), 'voting.opens')}"


def _failed_message() -> tuple[str, str]:
    from pbapp.services.mail.outbox import enqueue

    message = enqueue(
        to="someone@example.org",
        template="password_reset",
        subject="Reset",
        topic="t",
        kind="security",
        name="Someone",
        reset_url="http://x/",
        minutes=60,
    )
    message.status = "failed"
    db.session.flush()
    return f"/admin/outbox/{message.id}/retry", "/admin/outbox"


RECIPES: dict[str, Recipe] = {
    # Accounts
    "auth.register": Recipe(None, lambda: "/account/register"),
    "auth.login": Recipe(None, lambda: "/account/sign-in"),
    "auth.logout": Recipe("resident", lambda: ("/account/sign-out", "/account/")),
    "auth.change_password": Recipe("resident", lambda: "/account/password"),
    "auth.forgot_password": Recipe(None, lambda: "/account/forgot-password"),
    "auth.notices": Recipe("resident", lambda: "/account/notices"),
    "auth.delete_account": Recipe("resident", lambda: "/account/delete"),
    "admin.user_active": Recipe(
        "admin",
        lambda: (f"/admin/users/{(u := _demo_user('resident').id)}/active", f"/admin/users/{u}"),
    ),
    "admin.user_force_reset": Recipe(
        "admin",
        lambda: (
            f"/admin/users/{(u := _demo_user('resident').id)}/force-reset",
            f"/admin/users/{u}",
        ),
    ),
    "auth.send_check_again": Recipe("resident", _unchecked_resident_account),
    "auth.reset_password": Recipe(None, _reset_link),
    "auth.unsubscribe": Recipe(None, _unsubscribe_link),
    # The language picker, on every page (its `next` must stay on the site: test_i18n.py).
    "main.set_language": Recipe(None, lambda: ("/language", "/")),
    "admin.outbox_retry": Recipe("admin", _failed_message),
    "admin.user": Recipe(
        "admin", lambda: f"/admin/users/{_first_id(User, User.email == DEMO_EMAILS['resident'])}"
    ),
    # Participatory budgeting
    "pb.process_new": Recipe("officer", lambda: "/processes/new"),
    "pb.process_edit": Recipe("officer", lambda: f"/processes/{_editable_process()}/edit"),
    "pb.process_budgets": Recipe("officer", lambda: f"/processes/{_editable_process()}/budgets"),
    "pb.process_publish": Recipe(
        "officer",
        lambda: (f"/processes/{(p := _draft_process())}/publish", f"/processes/{p}"),
    ),
    "pb.propose": Recipe("resident", _propose),
    "pb.proposal_edit": Recipe("resident", _proposal_edit),
    "pb.proposal_follow": Recipe("resident", lambda: _followable(following=False)),
    "pb.proposal_unfollow": Recipe("resident", lambda: _followable(following=True)),
    "pb.proposal_review": Recipe("officer", _proposal_review),
    "pb.proposal_translate": Recipe("officer", _proposal_translate),
    "pb.vote": Recipe("resident", lambda: f"/budgets/{_open_demo_budget()}/vote"),
    "pb.paper_ballot": Recipe("officer", lambda: f"/budgets/{_open_demo_budget()}/paper"),
    "pb.publish": Recipe("officer", _publish),
    "pb.paper_void": Recipe("officer", _paper_to_void),
    # Core funding for community groups
    "vcs.group_new": Recipe(None, _new_vcs_account),
    "vcs.keepers": Recipe(
        "officer",
        lambda: (
            f"/core-funding/groups/{(o := _first_id(Organisation))}/keepers",
            f"/core-funding/groups/{o}",
        ),
    ),
    "vcs.group_edit": Recipe("officer", lambda: f"/core-funding/groups/{_kept_org()}/edit"),
    "vcs.eligibility": Recipe(
        "officer", lambda: f"/core-funding/groups/{_first_id(Organisation)}/eligibility"
    ),
    "vcs.reach_check": Recipe(
        "officer", lambda: f"/core-funding/groups/{_first_id(Organisation)}/reach-check"
    ),
    "vcs.correction_new": Recipe(
        "vcs",
        lambda: f"/core-funding/groups/{_kept_org()}/corrections/new?round={_published_round()}",
    ),
    "vcs.correction": Recipe(
        "officer", lambda: f"/core-funding/corrections/{_first_id(CorrectionRequest)}"
    ),
    "vcs.round_new": Recipe("officer", lambda: "/core-funding/rounds/new"),
    "vcs.round_edit": Recipe("officer", lambda: f"/core-funding/rounds/{_draft_round()}/edit"),
    "vcs.round_publish": Recipe(
        "officer",
        lambda: (
            f"/core-funding/rounds/{(r := _draft_round())}/publish",
            f"/core-funding/rounds/{r}/preview",
        ),
    ),
    # Funders
    "funding.need_import_deprivation": Recipe(
        "funder", lambda: ("/funding/need-data/deprivation", "/funding/need-data")
    ),
    "funding.need_import_indicators": Recipe(
        "funder", lambda: ("/funding/need-data/indicators", "/funding/need-data")
    ),
    "funding.contribution_new": Recipe("funder", lambda: "/funding/contributions/new"),
    "funding.contribution_edit": Recipe(
        "funder", lambda: f"/funding/contributions/{_first_id(Contribution)}/edit"
    ),
    "funding.scenario_new": Recipe("funder", lambda: "/funding/scenarios/new"),
    "funding.scenario_edit": Recipe(
        "funder", lambda: f"/funding/scenarios/{_draft_scenario()}/edit"
    ),
    "funding.scenario_undo_budgets": Recipe("funder", _scenario_with_budgets),
    "funding.scenario_publish": Recipe(
        "funder",
        lambda: (
            f"/funding/scenarios/{(s := _draft_scenario())}/publish",
            f"/funding/scenarios/{s}",
        ),
    ),
    # Accountability
    "accountability.commitment_new": Recipe("officer", lambda: "/commitments/new"),
    "accountability.commitment_update": Recipe(
        "officer", lambda: f"/commitments/{_first_id(Commitment)}/update"
    ),
    "accountability.commitment_comment": Recipe(
        "resident",
        lambda: (
            f"/commitments/{(c := _first_id(Commitment))}/comments",
            f"/commitments/{c}",
        ),
    ),
    "accountability.challenge_answer": Recipe(
        "officer", lambda: f"/commitments/challenges/{_challenge()}/answer"
    ),
    "accountability.story_withdraw": Recipe(
        "officer", lambda: f"/stories/{_first_id(Story)}/withdraw"
    ),
    "accountability.delivery_update": Recipe("officer", _delivered_project),
    "accountability.delivery_import": Recipe("officer", lambda: "/delivery/import"),
    # Verification
    "verification.start": Recipe("resident", _new_resident_account),
    "verification.letter_batches": Recipe("officer", lambda: "/verification/letters"),
    "verification.register_check": Recipe("resident", _register_check),
    "verification.register_upload": Recipe("officer", lambda: "/verification/register"),
    "verification.letter_withdraw": Recipe(
        "officer",
        lambda: (f"/verification/letters/{_letter_batch()}/withdraw", "/verification/letters"),
    ),
    "verification.in_person": Recipe(
        "officer",
        lambda: (
            f"/verification/in-person/{_first_id(User, User.email == _new_resident_account()[2])}"
        ),
    ),
    "verification.revoke": Recipe(
        "admin", lambda: f"/verification/people/{_verification()}/revoke"
    ),
}

# State-changing endpoints that are not fuzzed here, each with the reason.
EXCLUDED: dict[str, str] = {
    "verification.letter_csv": (
        "its form is only on the page a POST making a batch answers with (the codes are shown "
        "once); test_verification.py posts it with the batch's codes, with forged codes and "
        "without a token"
    ),
}


def _state_changing_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING}


def test_every_state_changing_endpoint_is_fuzzed_or_excluded(demo):
    endpoints = _state_changing_endpoints(demo.app)
    missing = endpoints - RECIPES.keys() - EXCLUDED.keys()
    assert not missing, f"add a fuzz recipe (or a justified exclusion) for {sorted(missing)}"
    assert not (RECIPES.keys() | EXCLUDED.keys()) - endpoints, "recipes for endpoints now gone"
    assert not RECIPES.keys() & EXCLUDED.keys()


def test_recipes_sign_in_as_a_role_the_endpoint_allows():
    for endpoint, recipe in RECIPES.items():
        allowed = EXPECTED_ACCESS[endpoint]
        if allowed == "public" or recipe.role is None:
            continue
        assert allowed == "signed-in" or recipe.role in allowed, endpoint


# --- The fuzzing --------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", sorted(RECIPES))
def test_fuzz_form(demo, endpoint):
    recipe = RECIPES[endpoint]
    demo.restore()
    with demo.app.app_context():
        made = recipe.setup()
        db.session.commit()
    url, page, email = (made, made, None) if isinstance(made, str) else (*made, None)[:3]
    if email is None and recipe.role is not None:
        email = DEMO_EMAILS[recipe.role]
    client = demo.app.test_client()
    if email is not None:
        sign_in(client, email)

    shown = client.get(page)
    body = check_response(shown, f"GET {page}")
    assert shown.status_code == 200, f"GET {page}: {shown.status_code}"
    path = url.split("?", 1)[0]
    candidates = PageForms(body, page).posting_to(path)
    assert candidates, f"no form posting to {path} on {page}"

    @fuzz_settings(MAX_EXAMPLES)
    @given(data=st.data())
    def fuzz(data):
        form = data.draw(st.sampled_from(candidates), label="form")
        pairs, mode = data.draw(submission(form), label="submission")
        before = demo.snapshot()
        response = client.post(url, **encode(pairs, form.multipart))
        what = f"POST {url} ({mode})"
        body = check_response(response, what)
        outcomes[response.status_code] += 1
        if 300 <= response.status_code < 400:
            location = response.headers["Location"]
            check_response(client.get(location), f"GET {location} after {what}")
            return
        if response.status_code == 200 and ERROR_SUMMARY not in body:
            return  # accepted, and the next page shown at once (a paper ballot's receipt)
        if response.status_code == 422:
            assert ERROR_SUMMARY in body or "error-message" in body, f"{what}: 422, no message"
        changed = changed_tables(before, demo.snapshot(), recipe.changes_on_refusal)
        assert not changed, f"{what} was refused ({response.status_code}) but changed {changed}"

    outcomes: Counter[int] = Counter()
    fuzz()
    if os.environ.get("FUZZ_STATS"):
        print(f"\n{endpoint}: {dict(sorted(outcomes.items()))}")


# --- The fuzzer's own checks --------------------------------------------------------------------


def test_the_checks_see_a_server_error_and_live_markup():
    from flask import Response

    with pytest.raises(AssertionError, match="status 500"):
        check_response(Response("oops", status=500), "boom")
    with pytest.raises(AssertionError, match="unescaped"):
        check_response(Response(f"<p>{SCRIPT}</p>", mimetype="text/html"), "echo")
    escaped = SCRIPT.replace("<", "&lt;").replace(">", "&gt;")
    check_response(Response(f"<p>{escaped}</p>", mimetype="text/html"), "escaped")


def test_page_forms_reads_fields_choices_and_buttons():
    html = """
    <form method="post" action="/x" enctype="multipart/form-data">
      <input type="hidden" name="csrf_token" value="T">
      <input name="title" value="Hello"><input type="number" name="n">
      <select name="area"><option value="">Choose</option><option value="7" selected>Park</option>
      </select>
      <input type="checkbox" name="themes" value="a" checked><input type="checkbox" name="themes"
      value="b"><textarea name="note">Hi</textarea><input type="file" name="f">
      <button type="submit" name="save" value="1">Save</button>
    </form>
    <form method="get" action="/search"><input name="q"></form>
    """
    (form,) = PageForms(html, "/page").posting_to("/x")
    assert form.csrf_token == "T" and form.multipart
    fields = form.fields
    assert (fields["title"].default, fields["n"].numeric) == (["Hello"], True)
    assert (fields["area"].values, fields["area"].default) == (["", "7"], ["7"])
    assert (fields["themes"].values, fields["themes"].default) == (["a", "b"], ["a"])
    assert (fields["note"].default, fields["f"].kind) == (["Hi"], "file")
    assert form.submits == [("save", "1")]
