from __future__ import annotations

import csv
import io
import re

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from pbapp.access import roles_required
from pbapp.admin import bp
from pbapp.admin.forms import (
    AccountActionForm,
    AuditFilterForm,
    RetryForm,
    RolesForm,
    UserSearchForm,
)
from pbapp.extensions import db
from pbapp.forms import query_int
from pbapp.models import AuditEvent, User
from pbapp.models.mail import MAIL_STATUSES, OutboxMessage
from pbapp.services import audit, audit_words
from pbapp.services.accounts import closing
from pbapp.services.accounts import users as accounts
from pbapp.services.errors import FieldError
from pbapp.services.mail.delivery import retry_now


def _page_number() -> int:
    """The page asked for, capped: SQLite cannot bind an offset beyond 64 bits (a 500)."""
    return query_int("page", minimum=1) or 1


def natural_key(text: str) -> tuple:
    """Sorts names as people read them: numbers inside by their value, letters ignoring case."""
    return tuple(
        (0, int(part), "") if part.isdecimal() else (1, 0, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    )


class IdPage:
    """A page of a list sorted in Python, with what the pager of a ``db.paginate`` page has."""

    def __init__(self, ids: list[int], page: int, per_page: int) -> None:
        self.total = len(ids)
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(page, self.pages)
        start = (self.page - 1) * per_page
        self.ids = ids[start : start + per_page]
        self.items: list = []
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1


@bp.route("/users")
@roles_required("admin")
def users():
    form = UserSearchForm(request.args)
    query = select(User.id, User.name)
    if form.validate() and form.q.data:
        needle = f"%{form.q.data.strip().lower()}%"
        query = query.where(or_(User.email.like(needle), User.name.ilike(needle)))
    # Natural order ("Voter 2" before "Voter 10"), which SQL cannot give on both databases:
    # the ids and names are sorted here, and only the page's people are read in full.
    ordered = [
        i for i, _name in sorted(db.session.execute(query), key=lambda r: (natural_key(r[1]), r[0]))
    ]
    page = IdPage(ordered, _page_number(), per_page=50)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(page.ids)))}
    page.items = [people[i] for i in page.ids]
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    form = RolesForm(
        data={"roles": sorted(person.roles), "funding_organisation": person.funding_organisation}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            accounts.set_roles(current_user, person, set(form.roles.data or []))
            accounts.set_funding_organisation(current_user, person, form.funding_organisation.data)
        except FieldError as error:
            db.session.rollback()
            form.roles.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Roles of %(name)s saved.", name=person.name), "success")
            return redirect(url_for("admin.user", user_id=person.id))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(person.id))
        .order_by(AuditEvent.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "admin/user.html", person=person, form=form, events=events, action=AccountActionForm()
    ), (422 if form.errors else 200)


def _audit_filter() -> tuple[AuditFilterForm, audit_words.AuditFilter]:
    """The filter of the audit trail from the query string (a bad value filters by nothing,
    with its message next to the field)."""
    form = AuditFilterForm(request.args)
    form.who.choices = [("", _("Anyone"))] + [(str(i), n) for i, n in audit_words.actors()]
    form.action.choices = [("", _("Any action"))] + [
        (a, audit_words.action_words(a)) for a in audit_words.actions()
    ]
    valid = form.validate() if request.args else True
    if not valid:
        return form, audit_words.AuditFilter()
    return form, audit_words.AuditFilter(
        actor_id=int(form.who.data) if form.who.data else None,
        action=form.action.data or None,
        since=form.since.data,
        until=form.until.data,
    )


@bp.route("/audit")
@roles_required("admin")
def audit_log():
    form, chosen = _audit_filter()
    page = db.paginate(
        audit_words.filtered(chosen), page=_page_number(), per_page=100, error_out=False
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html",
        page=page,
        events=audit_words.describe(list(page.items)),
        form=form,
        args=args,
    ), (422 if form.errors else 200)


@bp.route("/audit.csv")
@roles_required("admin")
def audit_csv():
    """The filtered trail as CSV, in the same words as the page."""
    _form, chosen = _audit_filter()
    events = list(db.session.scalars(audit_words.filtered(chosen)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        audit_words.as_csv_rows(audit_words.describe(events))
    )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )


@bp.route("/outbox")
@roles_required("admin")
def outbox():
    counts = dict.fromkeys(MAIL_STATUSES, 0) | dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    failed = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(200)
    ).all()
    oldest_pending = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
    )
    return render_template(
        "admin/outbox.html",
        counts=counts,
        failed=failed,
        oldest_pending=oldest_pending,
        form=RetryForm(),
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@roles_required("admin")
def outbox_retry(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    form = RetryForm()
    if not form.validate_on_submit():
        flash(_("That form had expired. Please try again."), "error")
    elif message.status != "failed":
        flash(_("That message has not failed, so there is nothing to try again."), "info")
    else:
        retry_now(message)
        audit.record(current_user, "mail.retry", "outbox_message", message.id)
        db.session.commit()
        flash(_("The message will be sent again by the next round of the mail worker."), "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def user_active(user_id: int):
    person = db.get_or_404(User, user_id)
    form = AccountActionForm()
    if not form.validate_on_submit():
        flash(_("That form had expired. Please try again."), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    active = not person.is_active_account
    try:
        closing.set_active(current_user, person, active)
    except FieldError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s's account is active again.", name=person.name)
            if active
            else _(
                "%(name)s's account is deactivated: they are signed out everywhere.",
                name=person.name,
            ),
            "success",
        )
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/force-reset", methods=["POST"])
@roles_required("admin")
def user_force_reset(user_id: int):
    person = db.get_or_404(User, user_id)
    form = AccountActionForm()
    if not form.validate_on_submit():
        flash(_("That form had expired. Please try again."), "error")
        return redirect(url_for("admin.user", user_id=person.id))
    try:
        closing.force_reset(current_user, person)
    except FieldError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s's password no longer works; they are signed out and have been "
                "emailed a link to choose a new one.",
                name=person.name,
            ),
            "success",
        )
    return redirect(url_for("admin.user", user_id=person.id))
