"""Stories are published only with consent, and a withdrawn story disappears from every page
and download, its words erased; the times of consent and withdrawal are kept."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import AuditEvent
from pbapp.models.accountability import Commitment, Story

STORY = "The cooking club got me out of the house every Thursday."


@pytest.fixture()
def told(client, forms, create_user, sign_in):
    """A commitment with an update carrying a story by a resident with an account."""
    teller = create_user("resident", email="teller@example.org")
    officer = create_user("officer")
    item = Commitment(
        shift="Monitoring and Accountability",
        position=9,
        text="We will value people's stories as well as data in numbers.",
        owner="Health and Wellbeing Board",
        due_date=date(2027, 9, 30),
    )
    db.session.add(item)
    db.session.commit()
    sign_in(officer)
    response = forms.post(
        f"/commitments/{item.id}/update",
        {
            "summary": "Stories gathered at the library.",
            "story": STORY,
            "teller_name": "Sam, Hillside",
            "teller_email": "TELLER@example.org",
            "consent_how": "Signed consent form",
            "consent": "y",
        },
    )
    assert response.status_code == 302, unescape(response.get_data(as_text=True))
    client.post("/account/sign-out", data={"csrf_token": forms.token("/account/")})
    return item, teller, db.session.scalar(select(Story))


def everywhere(client, item) -> dict[str, str]:
    urls = [f"/commitments/{item.id}", "/api/v1/commitments"]
    for name in ("updates", "stories", "commitments"):
        urls += [f"/open-data/{name}.csv", f"/open-data/{name}.json"]
    return {url: unescape(client.get(url).get_data(as_text=True)) for url in urls}


def test_a_story_told_with_consent_is_on_the_page_and_in_the_open_data(client, told):
    item, teller, story = told
    seen = everywhere(client, item)
    for url in (f"/commitments/{item.id}", "/open-data/stories.csv", "/open-data/updates.csv"):
        assert STORY in seen[url], url
    assert "Sam, Hillside" in seen[f"/commitments/{item.id}"]
    records = json.loads(seen["/open-data/stories.json"])["records"]
    assert [r["story"] for r in records] == [STORY]
    assert story.teller_id == teller.id and story.consent_how == "Signed consent form"


def test_teller_withdraws_and_the_story_is_gone_from_pages_csv_json_and_api(
    client, forms, sign_in, told
):
    item, teller, story = told
    sign_in(teller)
    assert STORY in unescape(client.get("/stories/mine").get_data(as_text=True))
    response = forms.post(f"/stories/{story.id}/withdraw", {})
    assert response.status_code == 302

    for url, body in everywhere(client, item).items():
        assert STORY not in body, url
        assert "Sam, Hillside" not in body, url
    csv_rows = list(
        csv.DictReader(io.StringIO(client.get("/open-data/stories.csv").get_data(as_text=True)))
    )
    assert csv_rows == []
    updates = client.get("/open-data/updates.json").get_json()["records"]
    assert updates[0]["summary"] == "Stories gathered at the library."  # the update itself stays
    assert updates[0]["stories"] == ""

    db.session.expire_all()
    kept = db.session.get(Story, story.id)
    assert kept.text is None and kept.teller_name is None  # erased, not hidden
    assert kept.consent_given_at is not None and kept.withdrawn_at is not None
    assert kept.withdrawn_by_id == teller.id


def test_the_audit_trail_never_holds_the_words_of_a_story(client, forms, sign_in, told):
    item, teller, story = told
    sign_in(teller)
    forms.post(f"/stories/{story.id}/withdraw", {})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "story")).all()
    assert [e.action for e in events] == ["story.add", "story.withdraw"]
    for event in db.session.scalars(select(AuditEvent)):
        assert STORY not in json.dumps([event.before, event.after])
        assert "Sam, Hillside" not in json.dumps([event.before, event.after])


def test_someone_else_cannot_withdraw_a_story(client, forms, create_user, sign_in, told):
    item, teller, story = told
    sign_in(create_user("resident"))
    assert client.get(f"/stories/{story.id}/withdraw").status_code == 403
    token = forms.token("/account/")
    response = client.post(f"/stories/{story.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Story, story.id).text == STORY


def test_an_officer_withdraws_at_the_tellers_request(client, forms, create_user, sign_in, told):
    item, teller, story = told
    sign_in(create_user("officer"))
    assert forms.post(f"/stories/{story.id}/withdraw", {}).status_code == 302
    assert STORY not in unescape(client.get(f"/commitments/{item.id}").get_data(as_text=True))


def test_a_story_for_an_unknown_account_is_refused_and_nothing_is_saved(
    forms, create_user, sign_in, told
):
    item, teller, story = told
    sign_in(create_user("officer"))
    response = forms.post(
        f"/commitments/{item.id}/update",
        {
            "story": "Another",
            "consent": "y",
            "consent_how": "Phone",
            "teller_email": "nobody@example.org",
        },
    )
    assert response.status_code == 422
    assert "No account has that email address" in unescape(response.get_data(as_text=True))
    assert len(db.session.scalars(select(Story)).all()) == 1


def test_a_story_on_its_own_is_refused_and_nothing_is_saved(forms, create_user, sign_in, told):
    """Found by fuzzing: an update of only a story broke the table's rule (a 500)."""
    item, teller, story = told
    sign_in(create_user("officer"))
    response = forms.post(
        f"/commitments/{item.id}/update",
        {"story": "Another", "consent": "y", "consent_how": "Phone", "teller_name": "Jo"},
    )
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert "Add a few words about the update: a story cannot be posted on its own." in page
    assert len(db.session.scalars(select(Story)).all()) == 1
