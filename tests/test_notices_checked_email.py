"""Issue 19: a process may require a checked email address to vote."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.models import Ballot, Process
from pbapp.services.errors import FieldError
from pbapp.services.mail.outbox import utcnow
from pbapp.services.participation import ballots, processes
from tests.conftest import link_in, outbox_rows
from tests.pb_factories import make_process, make_proposal


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def ballot_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


@pytest.fixture()
def checked_only(neighbourhoods):
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    process.checked_email_only = True
    budget = process.budgets[0]
    projects = [make_proposal(budget, name, 1000) for name in ("Allotment", "Benches")]
    db.session.commit()
    return process, budget, projects


def _process_form(**changes) -> dict:
    today = date.today()
    data = {
        "title": "Checked voting 2027",
        "description": "Projects.",
        "themes": ["early-help"],
        "ballot_type": "approval",
        "rule": "mes-add1",
        "eligibility": "signed_in",
        "checked_email_only": "y",
        "proposals_start": (today + timedelta(days=1)).isoformat(),
        "review_start": (today + timedelta(days=2)).isoformat(),
        "voting_start": (today + timedelta(days=3)).isoformat(),
        "results_start": (today + timedelta(days=4)).isoformat(),
        "delivery_start": (today + timedelta(days=5)).isoformat(),
    }
    data.update(changes)
    return data


def test_officer_asks_for_a_checked_address_when_creating_a_process(
    client, forms, create_user, sign_in
):
    sign_in(create_user("officer"))
    assert "Only people who have checked their email address may vote" in text(
        client.get("/processes/new")
    )
    assert forms.post("/processes/new", _process_form()).status_code == 302
    assert db.session.scalar(select(Process)).checked_email_only is True


def test_the_setting_is_locked_once_voting_opens(create_user, checked_only):
    process = checked_only[0]
    settings = processes.ProcessSettings(
        **{k: getattr(process, k) for k in processes.ProcessSettings.__dataclass_fields__}
    )
    settings.checked_email_only = False
    with pytest.raises(FieldError) as refused:
        processes.update_process(create_user("officer"), process, settings, date.today(), "why")
    assert refused.value.field == "checked_email_only"
    db.session.rollback()
    assert db.session.get(Process, process.id).checked_email_only is True


def test_the_ballot_service_refuses_an_unchecked_address(create_user, checked_only):
    _, budget, projects = checked_only
    resident = create_user("resident")
    with pytest.raises(FieldError) as refused:
        ballots.cast_ballot(resident, budget, {projects[0].id: 1}, today=date.today())
    assert "checked their email address" in refused.value.message
    db.session.rollback()
    assert ballot_count() == 0
    resident.email_checked_at = utcnow()
    db.session.commit()
    ballots.cast_ballot(resident, budget, {projects[0].id: 1}, today=date.today())
    db.session.commit()
    assert ballot_count() == 1


def test_unchecked_resident_is_sent_the_link_again_and_keeps_their_choices(
    client, forms, create_user, sign_in, checked_only
):
    _, budget, projects = checked_only
    resident = create_user("resident")
    sign_in(resident)
    url = f"/budgets/{budget.id}/vote"
    page = text(client.get(url))
    assert "Check your email address to vote here" in page
    assert resident.email in page

    refused = forms.post(url, {"proposal": [str(projects[1].id)]})
    assert refused.status_code == 422
    assert "yours is not checked yet" in text(refused)
    assert ballot_count() == 0

    sent = forms.post("/account/check-again", {"next": url}, page=url)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(url)
    (message,) = outbox_rows(topic="account.email_check")
    assert message.to_address == resident.email and message.kind == "security"

    client.get(link_in(message, "/account/check/"))
    again = text(client.get(url))
    assert "Check your email address to vote here" not in again
    assert set(re.findall(r'value="(\d+)"[^>]*\s+checked', again)) == {str(projects[1].id)}
    assert forms.post(url, {"proposal": [str(projects[1].id)]}).status_code == 302
    assert ballot_count() == 1


def test_checked_resident_is_not_sent_another_link(forms, create_user, sign_in):
    resident = create_user("resident")
    resident.email_checked_at = utcnow()
    db.session.commit()
    sign_in(resident)
    assert forms.post("/account/check-again", {}, page="/account/").status_code == 302
    assert outbox_rows(topic="account.email_check") == []


def test_processes_without_the_setting_stay_open_to_unchecked_addresses(
    forms, create_user, sign_in, neighbourhoods
):
    process = make_process("voting", neighbourhoods=neighbourhoods[:1])
    project = make_proposal(process.budgets[0], "Benches", 1000)
    sign_in(create_user("resident"))
    url = f"/budgets/{process.budgets[0].id}/vote"
    assert forms.post(url, {"proposal": [str(project.id)]}).status_code == 302
