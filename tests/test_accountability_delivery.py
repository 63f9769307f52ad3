"""Delivery of funded projects: one update at a time, or a CSV file that is refused whole, with
a message naming the row and column, when any row is wrong."""

from __future__ import annotations

import io
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import AuditEvent, User
from pbapp.models.accountability import DeliveryRecord, DeliveryUpdate
from pbapp.services.participation.results import publish_result


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture()
def funded(counted, create_user):
    """The counted budget's result published: returns the funded and unfunded proposals."""
    budget, projects = counted
    officer = create_user("officer")
    result = publish_result(officer, budget, date.today())
    db.session.commit()
    chosen = [p for p in projects if p.id in result.selected]
    others = [p for p in projects if p.id not in result.selected]
    assert chosen and others
    return chosen, others


@pytest.fixture()
def officer(create_user, sign_in) -> User:
    user = create_user("officer")
    sign_in(user)
    return user


def upload(forms, content: bytes, name: str = "delivery.csv"):
    return forms.post(
        "/delivery/import",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def nothing_changed() -> bool:
    return (
        db.session.scalar(select(func.count()).select_from(DeliveryRecord)) == 0
        and db.session.scalar(select(func.count()).select_from(DeliveryUpdate)) == 0
        and db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "delivery.update")
        )
        == 0
    )


def test_funded_projects_are_listed_for_everyone(client, funded):
    chosen, others = funded
    page = text(client.get("/delivery/"))
    for p in chosen:
        assert p.title in page
    for p in others:
        assert p.title not in page


def test_officer_updates_one_project_and_it_is_audited(client, forms, funded, officer):
    project = funded[0][0]
    url = f"/delivery/project/{project.id}/update"
    response = forms.post(
        url,
        {
            "status": "in_progress",
            "spend": "£1,500",
            "milestone": "Site cleared",
            "outcome_measure": "volunteers",
            "outcome_figure": "12",
        },
    )
    assert response.status_code == 302
    page = text(client.get(f"/delivery/project/{project.id}"))
    assert "In progress" in page and "£1,500 of £4,000" in page and "Site cleared" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery.update"))
    assert event.actor_id == officer.id
    assert event.before is None
    assert event.after["spend"] == 1500 and event.after["status"] == "in_progress"

    forms.post(url, {"status": "delivered", "spend": "4000"})
    later = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "delivery.update").order_by(AuditEvent.id)
    ).all()[-1]
    assert later.before == {"status": "in_progress", "spend": 1500}
    assert [
        u.spend for u in db.session.scalars(select(DeliveryUpdate).order_by(DeliveryUpdate.id))
    ] == [1500, 4000]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"status": "in_progress", "spend": "4001"},
            "Spend of £4,001 is more than the £4,000 awarded.",
        ),
        ({"status": "in_progress", "spend": "-5"}, "Spend cannot be negative."),
        ({"status": "in_progress", "spend": "lots"}, "Enter a whole number of pounds"),
        ({"status": "finished", "spend": "5"}, "Not a valid choice"),
        (
            {"status": "in_progress", "spend": "5", "outcome_figure": "3"},
            "Say what the outcome figure counts.",
        ),
        (  # beyond a database integer: was a 500 on PostgreSQL (found by fuzzing)
            {
                "status": "in_progress",
                "spend": "5",
                "outcome_measure": "People reached",
                "outcome_figure": "2147483647",  # the largest the field takes; the rule says less
            },
            "The outcome figure can be at most 1,000,000,000.",
        ),
    ],
)
def test_a_bad_single_update_is_refused_and_changes_nothing(forms, funded, officer, data, message):
    project = funded[0][0]
    response = forms.post(f"/delivery/project/{project.id}/update", data)
    assert response.status_code == 422
    assert message in text(response)
    assert nothing_changed()


def test_unfunded_projects_cannot_be_tracked(client, funded, officer):
    loser = funded[1][0]
    assert client.get(f"/delivery/project/{loser.id}/update").status_code == 404
    assert client.get(f"/delivery/project/{loser.id}").status_code == 404


def test_residents_cannot_update_delivery(client, forms, funded, create_user, sign_in):
    sign_in(create_user("resident"))
    project = funded[0][0]
    assert client.get(f"/delivery/project/{project.id}/update").status_code == 403
    assert client.get("/delivery/import").status_code == 403


def test_a_good_csv_updates_every_row(client, forms, funded, officer):
    a, b = funded[0][:2]
    content = (
        "kind,id,status,spend,milestone,outcome_measure,outcome_figure,note\n"
        f"project,{a.id},delivered,4000,Opened,visitors,300,\n"
        f'project,{b.id},in progress,"2,000",,,,Halfway\n'
    ).encode()
    response = upload(forms, content)
    assert response.status_code == 302, text(response)
    records = {r.proposal_id: r for r in db.session.scalars(select(DeliveryRecord))}
    assert (records[a.id].status, records[a.id].spend) == ("delivered", 4000)
    assert (records[b.id].status, records[b.id].spend) == ("in_progress", 2000)
    assert {u.source for u in db.session.scalars(select(DeliveryUpdate))} == {"csv"}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "delivery.update").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.object_id, e.after["source"]) for e in events] == [
        (officer.id, str(a.id), "csv"),
        (officer.id, str(b.id), "csv"),
    ]


def test_the_template_download_imports_unchanged(client, forms, funded, officer):
    template = client.get("/delivery/import/template.csv").get_data()
    assert upload(forms, template).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(DeliveryRecord)) == len(funded[0])


BAD_FILES = [
    ("", "Row 1: The file is empty."),
    ("\ufeff", "Row 1: The file is empty."),  # only a byte-order mark (was a 500)
    ("kind,id,state,spend\n", "Missing columns: status."),
    ("kind,id,status,spend,colour\n", "Unknown columns: colour."),
    ("kind,id,status,spend\n", "The file has a header but no rows."),
    (
        "kind,id,status,spend\nproject,99999,in_progress,10\n",
        "Row 2, column id: There is no funded project with id 99999.",
    ),
    (
        "kind,id,status,spend\nproject,{a},in_progress,ten\n",
        "Row 2, column spend: 'ten' is not a whole number.",
    ),
    (
        "kind,id,status,spend\nproject,{a},in_progress,-1\n",
        "Row 2, column spend: Spend cannot be negative.",
    ),
    (
        "kind,id,status,spend\nproject,{a},in_progress,9000\n",
        "Row 2, column spend: Spend of £9,000 is more than the £4,000 awarded.",
    ),
    ("kind,id,status,spend\nproject,{a},done-ish,1\n", "Row 2, column status: Choose a status"),
    (
        "kind,id,status,spend\nthing,{a},in_progress,1\n",
        "Row 2, column kind: Write 'project' or 'award'.",
    ),
    (
        "kind,id,status,spend\nproject,{a},in_progress,1\nproject,{a},delivered,2\n",
        "Row 3, column id: project {a} is already on row 2.",
    ),
    (
        "kind,id,status,spend\nproject,{a},in_progress\n",
        "Row 2: Has 3 cells; the header has 4 columns.",
    ),
    (
        "kind,id,status,spend,outcome_figure\nproject,{a},in_progress,1,7\n",
        "Row 2, column outcome_measure: Say what the outcome figure counts.",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_csv_is_refused_whole_with_row_and_column(forms, funded, officer, content, message):
    a, b = funded[0][:2]
    # a good row first: it must not be applied when a later row is bad
    body = content.format(a=a.id)
    if body.count("\n") >= 2 and "99999" in body:
        body += f"project,{b.id},in_progress,10\n"
    response = upload(forms, body.encode())
    assert response.status_code == 422
    page = text(response)
    assert "The file was not imported" in page and "Nothing has changed" in page
    assert message.format(a=a.id) in page
    assert nothing_changed()


def test_one_bad_row_among_good_ones_refuses_the_whole_file(forms, funded, officer):
    a, b = funded[0][:2]
    content = (
        f"kind,id,status,spend\nproject,{a.id},delivered,4000\nproject,{b.id},in_progress,99999\n"
    )
    response = upload(forms, content.encode())
    assert response.status_code == 422
    assert "Row 3, column spend" in text(response)
    assert nothing_changed()


def test_a_file_in_the_wrong_encoding_is_refused(forms, funded, officer):
    a = funded[0][0]
    content = f"kind,id,status,spend,note\nproject,{a.id},in_progress,1,caf\u00e9\n".encode(
        "utf-16"
    )
    response = upload(forms, content)
    assert response.status_code == 422
    assert "not UTF-8 text" in text(response)
    assert nothing_changed()


def test_a_huge_file_is_refused(forms, funded, officer):
    a = funded[0][0]
    content = (
        b"kind,id,status,spend,note\n"
        + (f"project,{a.id},in_progress,1,".encode() + b"x" * 1000 + b"\n") * 1100
    )
    # The body is built here, so that the test client keeps it in memory (its own temporary
    # file for big bodies is never closed, which the suite's warnings-as-errors would report).
    boundary = "accountability-test-boundary"
    token = forms.token("/delivery/import")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = forms.client.post(
        "/delivery/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422
    assert "larger than 1,000 kB" in text(response)
    assert nothing_changed()


def test_a_delivery_story_is_shown_until_its_teller_withdraws_it(
    client, forms, funded, create_user, sign_in
):
    teller = create_user("resident", email="teller@example.org")
    project = funded[0][0]
    sign_in(create_user("officer"))
    story = "My kids learned to grow beans here."
    response = forms.post(
        f"/delivery/project/{project.id}/update",
        {
            "status": "in_progress",
            "spend": "100",
            "story": story,
            "teller_name": "Jo",
            "teller_email": teller.email,
            "consent_how": "Consent form",
            "consent": "y",
        },
    )
    assert response.status_code == 302
    urls = [f"/delivery/project/{project.id}", "/open-data/stories.csv", "/open-data/stories.json"]
    for url in urls:
        assert story in text(client.get(url)), url

    client.post("/account/sign-out", data={"csrf_token": forms.token("/account/")})
    sign_in(teller)
    from pbapp.models.accountability import Story

    story_id = db.session.scalar(select(Story.id))
    assert forms.post(f"/stories/{story_id}/withdraw", {}).status_code == 302
    for url in urls:
        assert story not in text(client.get(url)), url
    record = db.session.scalar(select(DeliveryRecord))
    assert record.status == "in_progress"  # the delivery update itself stays
