"""Every route decides who may use it; roles are given and taken by admins only."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from pbapp.access import ACCESS_ATTRIBUTE
from pbapp.extensions import db
from pbapp.models import ROLES, AuditEvent
from tests.access_accountability import ACCOUNTABILITY_ACCESS
from tests.access_funders import FUNDERS_ACCESS
from tests.access_vcs import VCS_ACCESS
from tests.access_verification import VERIFICATION_ACCESS

# The access decision of every route. A new route must be added here, on purpose.
EXPECTED_ACCESS = (
    {
        "main.index": "public",
        "main.neighbourhoods_list": "public",
        "main.neighbourhood": "public",
        "main.data_sources": "public",
        "main.disclosure": "public",
        "main.set_language": "public",  # the language picker on every page
        "auth.register": "public",
        "auth.login": "public",
        "auth.logout": "signed-in",
        "auth.change_password": "signed-in",
        "auth.account": "signed-in",
        "auth.notices": "signed-in",
        "auth.send_check_again": "signed-in",
        "auth.data_download": "signed-in",
        "auth.delete_account": "signed-in",
        "admin.user_active": frozenset({"admin"}),
        "admin.user_force_reset": frozenset({"admin"}),
        "auth.registered": "public",
        "auth.check_email": "public",
        "auth.forgot_password": "public",
        "auth.reset_password": "public",
        "auth.unsubscribe": "public",
        "dev.outbox": "public",  # development only: not found in any other configuration
        "dev.outbox_message": "public",
        "admin.outbox": frozenset({"admin"}),
        "admin.outbox_retry": frozenset({"admin"}),
        "admin.users": frozenset({"admin"}),
        "admin.user": frozenset({"admin"}),
        "admin.audit_log": frozenset({"admin"}),
        "admin.audit_csv": frozenset({"admin"}),
        "pb.processes_list": "public",
        "pb.process": "public",
        "pb.process_new": frozenset({"officer"}),
        "pb.process_edit": frozenset({"officer"}),
        "pb.process_budgets": frozenset({"officer"}),
        "pb.process_publish": frozenset({"officer"}),
        "pb.paper_ballots": frozenset({"officer"}),
        "pb.paper_void": frozenset({"officer"}),
        "pb.budget": "public",
        "pb.propose": frozenset({"resident"}),
        "pb.proposal": "public",
        "pb.proposal_edit": frozenset({"resident"}),
        "pb.proposal_follow": "signed-in",
        "pb.proposal_unfollow": "signed-in",
        "pb.proposal_review": frozenset({"officer"}),
        "pb.proposal_translate": frozenset({"officer"}),
        "pb.vote": frozenset({"resident"}),
        "pb.voted": frozenset({"resident"}),
        "pb.receipt_check": "public",
        "pb.paper_ballot": frozenset({"officer"}),
        "pb.publish": frozenset({"officer"}),
        "pb.results": "public",
        "pb.ballots_file": "public",
        "pb.process_proposals": "public",
        "api.index": "public",
        "api.docs": "public",
        "api.processes": "public",
        "api.process": "public",
        "api.budget": "public",
        "api.budget_result": "public",
        "api.budget_ballots": "public",
        "api.proposals": "public",
        "api.proposal": "public",
        "api.neighbourhoods": "public",
        "api.neighbourhood": "public",
        "api.allocations": "public",
        "api.allocation": "public",
        "api.core_funding_rounds": "public",
        "api.core_funding_round": "public",
        "api.commitments": "public",
        "api.commitment": "public",
        "api.delivery_list": "public",
        "api.delivery_item": "public",
        "api.datasets": "public",
        "api.dataset": "public",
        "api.changes": "public",
        "api.openapi": "public",
    }
    | VCS_ACCESS
    | FUNDERS_ACCESS
    | ACCOUNTABILITY_ACCESS
    | VERIFICATION_ACCESS
)


def test_every_route_has_the_expected_access_decision(app):
    decisions = {
        endpoint: getattr(view, ACCESS_ATTRIBUTE, None)
        for endpoint, view in app.view_functions.items()
        if endpoint != "static"
    }
    assert decisions == EXPECTED_ACCESS


ADMIN_PAGES = ["/admin/users", "/admin/audit", "/admin/audit.csv"]


@pytest.mark.parametrize("url", ADMIN_PAGES + ["/account/", "/account/password"])
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_are_forbidden_to_other_roles(client, create_user, sign_in, role, url):
    sign_in(create_user(role))
    response = client.get(url)
    assert response.status_code == 403
    assert "You cannot see this page" in response.get_data(as_text=True)


def test_admin_gives_and_takes_roles_and_the_change_is_audited(forms, create_user, sign_in):
    admin = create_user("admin")
    person = create_user("resident")
    sign_in(admin)

    url = f"/admin/users/{person.id}"
    response = forms.post(url, {"roles": ["resident", "officer"]})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {"resident", "officer"}

    forms.post(url, {"roles": ["officer"]})
    db.session.refresh(person)
    assert person.roles == {"officer"}

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.roles").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.before, e.after) for e in events] == [
        (admin.id, {"roles": ["resident"]}, {"roles": ["officer", "resident"]}),
        (admin.id, {"roles": ["officer", "resident"]}, {"roles": ["officer"]}),
    ]


def test_unknown_role_is_refused(forms, create_user, sign_in):
    admin = create_user("admin")
    person = create_user("resident")
    sign_in(admin)
    response = forms.post(f"/admin/users/{person.id}", {"roles": ["resident", "king"]})
    assert response.status_code == 422
    db.session.refresh(person)
    assert person.roles == {"resident"}


def test_admin_cannot_remove_their_own_admin_role(forms, create_user, sign_in):
    admin = create_user("admin")
    sign_in(admin)
    response = forms.post(f"/admin/users/{admin.id}", {"roles": ["resident"]})
    assert response.status_code == 422
    assert "You cannot remove your own admin role" in unescape(response.get_data(as_text=True))
    db.session.refresh(admin)
    assert admin.roles == {"admin"}


def test_admin_finds_people_by_name_or_email(client, create_user, sign_in):
    sign_in(create_user("admin"))
    create_user("resident", name="Zainab Ali", email="zainab@example.org")
    create_user("resident", name="Tom Brown", email="tom@example.org")
    page = client.get("/admin/users?q=ZAINAB").get_data(as_text=True)
    assert "Zainab Ali" in page
    assert "Tom Brown" not in page


def test_role_change_by_non_admin_is_refused_before_anything_changes(
    client, forms, create_user, sign_in
):
    officer = create_user("officer")
    person = create_user("resident")
    sign_in(officer)
    token = forms.token("/account/")
    response = client.post(
        f"/admin/users/{person.id}", data={"csrf_token": token, "roles": ["admin"]}
    )
    assert response.status_code == 403
    db.session.refresh(person)
    assert person.roles == {"resident"}
