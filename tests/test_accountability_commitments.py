"""The commitments register: owners post updates, residents comment and challenge, challenges
get public answers, nothing is edited away, and every change is audited."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent
from pbapp.models.accountability import Commitment, CommitmentComment, CommitmentUpdate


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture()
def commitment(app):
    item = Commitment(
        shift="Monitoring and Accountability",
        position=1,
        text="We will publish our commitments.",
        owner="Health and Wellbeing Board",
        measure="Commitments published",
        due_date=date(2027, 3, 31),
        status="not_started",
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_anyone_reads_the_register_with_owner_due_date_and_status(client, commitment):
    page = text(client.get("/commitments/"))
    assert "We will publish our commitments." in page
    assert "Health and Wellbeing Board" in page
    assert "Not started" in page
    detail = text(client.get(f"/commitments/{commitment.id}"))
    assert "Due 31 March 2027" in detail or "Overdue since 31 March 2027" in detail


@pytest.mark.parametrize("role", ["officer", "funder"])
def test_owner_posts_a_figure_and_words_and_a_status(
    client, forms, create_user, sign_in, commitment, role
):
    sign_in(create_user(role))
    url = f"/commitments/{commitment.id}/update"
    response = forms.post(
        url, {"figure": "12", "summary": "Twelve published so far.", "status": "on_track"}
    )
    assert response.status_code == 302
    page = text(client.get(f"/commitments/{commitment.id}"))
    assert "Twelve published so far." in page
    assert "12" in page
    db.session.refresh(commitment)
    assert commitment.status == "on_track"


@pytest.mark.parametrize("role", ["resident", "vcs", "admin"])
def test_other_roles_cannot_post_updates(client, forms, create_user, sign_in, commitment, role):
    sign_in(create_user(role))
    token = forms.token("/account/")
    response = client.post(
        f"/commitments/{commitment.id}/update", data={"csrf_token": token, "summary": "Hi"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CommitmentUpdate)) == 0


def test_anonymous_visitor_is_sent_to_sign_in_to_update(client, commitment):
    response = client.get(f"/commitments/{commitment.id}/update")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "An update needs a figure, a few words or a new status."),
        ({"status": "dropped"}, "Say why the commitment is dropped."),
        ({"figure": "-3"}, "Enter a whole number of 0 or more."),
        ({"figure": "lots"}, "Enter a whole number, like 3."),
        ({"summary": "x" * 2001}, "Use at most 2,000 characters."),
        (
            {"story": "It helped me."},
            "Confirm that the teller agreed to their story being published.",
        ),
        (
            {"story": "It helped me.", "consent": "y"},
            "Say how the teller gave their consent.",
        ),
    ],
)
def test_a_bad_update_is_refused_with_a_message_and_changes_nothing(
    forms, create_user, sign_in, commitment, data, message
):
    sign_in(create_user("officer"))
    response = forms.post(f"/commitments/{commitment.id}/update", data)
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(CommitmentUpdate)) == 0
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type.in_(["commitment", "story"]))
    ).all()
    db.session.refresh(commitment)
    assert commitment.status == "not_started"


def test_history_is_kept_when_a_later_update_changes_the_status(
    client, forms, create_user, sign_in, commitment
):
    sign_in(create_user("officer"))
    url = f"/commitments/{commitment.id}/update"
    forms.post(url, {"summary": "Started.", "status": "on_track"})
    forms.post(
        url,
        {"summary": "Funding fell through.", "status": "dropped", "status_reason": "No budget."},
    )
    page = text(client.get(f"/commitments/{commitment.id}"))
    assert "Started." in page and "Funding fell through." in page
    assert "No budget." in page
    updates = db.session.scalars(select(CommitmentUpdate).order_by(CommitmentUpdate.id)).all()
    assert [(u.status, u.summary) for u in updates] == [
        ("on_track", "Started."),
        ("dropped", "Funding fell through."),
    ]


def test_status_changes_and_updates_are_audited_with_before_and_after(
    forms, create_user, sign_in, commitment
):
    officer = create_user("officer")
    sign_in(officer)
    forms.post(
        f"/commitments/{commitment.id}/update",
        {"figure": "3", "status": "at_risk", "status_reason": "Slow."},
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "commitment").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("commitment.status", officer.id, str(commitment.id)),
        ("commitment.update", officer.id, str(commitment.id)),
    ]
    assert events[0].before == {"status": "not_started", "status_reason": None}
    assert events[0].after == {"status": "at_risk", "status_reason": "Slow."}
    assert events[1].after["figure"] == 3


def test_resident_challenges_and_officer_answers_in_public(
    client, forms, create_user, sign_in, commitment
):
    resident = create_user("resident", name="Rosa Resident")
    sign_in(resident)
    page_url = f"/commitments/{commitment.id}"
    response = forms.post(
        f"/commitments/{commitment.id}/comments",
        {"kind": "challenge", "text": "Where is the list?"},
        page=page_url,
    )
    assert response.status_code == 302
    challenge = db.session.scalar(select(CommitmentComment))
    assert challenge.kind == "challenge"
    assert "Waiting for an answer." in text(client.get(page_url))

    client.post("/account/sign-out", data={"csrf_token": forms.token(page_url)})
    officer = create_user("officer")
    sign_in(officer)
    assert "Where is the list?" in text(client.get("/commitments/challenges"))
    response = forms.post(
        f"/commitments/challenges/{challenge.id}/answer", {"text": "On this page."}
    )
    assert response.status_code == 302
    page = text(client.get(page_url))
    assert "On this page." in page and "Rosa Resident" in page
    assert "Every challenge has an answer." in text(client.get("/commitments/challenges"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "challenge.answer"))
    assert event.actor_id == officer.id and event.after["text"] == "On this page."


def test_empty_comment_is_refused_next_to_the_field(
    client, forms, create_user, sign_in, commitment
):
    sign_in(create_user("resident"))
    page_url = f"/commitments/{commitment.id}"
    response = forms.post(
        f"/commitments/{commitment.id}/comments", {"kind": "comment", "text": " "}, page=page_url
    )
    assert response.status_code == 422
    assert "Write your comment." in text(response)
    assert db.session.scalar(select(func.count()).select_from(CommitmentComment)) == 0


def test_officers_cannot_comment_as_residents(client, forms, create_user, sign_in, commitment):
    sign_in(create_user("officer"))
    token = forms.token(f"/commitments/{commitment.id}/update")
    response = client.post(
        f"/commitments/{commitment.id}/comments",
        data={"csrf_token": token, "kind": "comment", "text": "x"},
    )
    assert response.status_code == 403


def test_api_lists_commitments_with_their_latest_update(
    client, forms, create_user, sign_in, commitment
):
    sign_in(create_user("officer"))
    url = f"/commitments/{commitment.id}/update"
    forms.post(url, {"figure": "1"})
    forms.post(url, {"figure": "2", "summary": "Two now."})
    body = client.get("/api/v1/commitments").get_json()
    [item] = body["items"]
    assert item["text"] == "We will publish our commitments."
    assert item["status"] == "not_started"
    assert item["latest_update"]["figure"] == 2
    assert item["latest_update"]["summary"] == "Two now."


def test_public_changes_page_summarises_without_names(
    client, forms, create_user, sign_in, commitment
):
    sign_in(create_user("officer", name="Olive Officer"))
    forms.post(
        f"/commitments/{commitment.id}/update", {"status": "at_risk", "status_reason": "Late data."}
    )
    client.post("/account/sign-out", data={"csrf_token": forms.token("/account/")})
    page = text(client.get("/changes"))
    assert "A commitment's status changed" in page
    assert "Late data." in page and "At risk" in page
    assert "Olive Officer" not in page


def test_api_answers_as_the_openapi_description_says(
    client, forms, create_user, sign_in, commitment
):
    from jsonschema import Draft202012Validator

    from pbapp.api.spec import document

    spec = document()
    schema = {
        **spec["paths"]["/commitments"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ],
        "components": spec["components"],
    }
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(client.get("/api/v1/commitments").get_json())  # no update yet
    sign_in(create_user("officer"))
    forms.post(
        f"/commitments/{commitment.id}/update",
        {
            "figure": "4",
            "status": "on_track",
            "story": "Good.",
            "consent": "y",
            "consent_how": "Form",
        },
    )
    validator.validate(client.get("/api/v1/commitments").get_json())


def test_officer_publishes_a_new_commitment_at_the_end_of_its_shift(
    client, forms, create_user, sign_in, commitment
):
    officer = create_user("officer")
    sign_in(officer)
    response = forms.post(
        "/commitments/new",
        {
            "shift": "Monitoring and Accountability",
            "text": "We will publish a yearly report.",
            "owner": "Sheffield City Council",
            "due_date": "2027-06-30",
        },
    )
    assert response.status_code == 302
    item = db.session.scalar(select(Commitment).where(Commitment.text.like("%yearly%")))
    assert (item.position, item.status, item.measure) == (2, "not_started", None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "commitment.create"))
    assert event.actor_id == officer.id and event.after["owner"] == "Sheffield City Council"
    assert "We will publish a yearly report." in text(client.get("/commitments/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"shift": "Resources", "owner": "Council", "due_date": "2027-06-30"},
            "Write the commitment.",
        ),
        (
            {"shift": "Resources", "text": "We will.", "owner": "Council", "due_date": "soon"},
            "Not a valid date value.",
        ),
        (
            {"shift": "Resources", "text": "We will.", "due_date": "2027-06-30"},
            "Name the organisation answerable for it.",
        ),
    ],
)
def test_a_commitment_with_a_missing_part_is_refused(forms, create_user, sign_in, data, message):
    sign_in(create_user("officer"))
    response = forms.post("/commitments/new", data)
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0


@pytest.mark.parametrize("role", ["resident", "funder", "admin"])
def test_only_officers_publish_commitments(client, create_user, sign_in, role):
    sign_in(create_user(role))
    assert client.get("/commitments/new").status_code == 403
