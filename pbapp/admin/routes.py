from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from pbapp.access import roles_required
from pbapp.admin import bp
from pbapp.admin.forms import AccountActionForm, RetryForm, RolesForm, UserSearchForm
from pbapp.extensions import db
from pbapp.forms import MAX_ID
from pbapp.models import AuditEvent, User
from pbapp.models.mail import MAIL_STATUSES, OutboxMessage
from pbapp.services import audit
from pbapp.services.accounts import closing
from pbapp.services.accounts import users as accounts
from pbapp.services.errors import FieldError
from pbapp.services.mail.delivery import retry_now


def _page_number() -> int:
    """The page asked for, capped: SQLite cannot bind an offset beyond 64 bits (a 500)."""
    return min(request.args.get("page", 1, type=int), MAX_ID)


@bp.route("/users")
@roles_required("admin")
def users():
    form = UserSearchForm(request.args)
    query = select(User).order_by(User.name, User.id)
    if form.validate() and form.q.data:
        needle = f"%{form.q.data.strip().lower()}%"
        query = query.where(or_(User.email.like(needle), User.name.ilike(needle)))
    page = db.paginate(query, page=_page_number(), per_page=50, error_out=False)
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    form = RolesForm(data={"roles": sorted(person.roles)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.set_roles(current_user, person, set(form.roles.data or []))
        except FieldError as error:
            form.roles.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Roles of {person.name} saved.", "success")
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


@bp.route("/audit")
@roles_required("admin")
def audit_log():
    page = db.paginate(
        select(AuditEvent).order_by(AuditEvent.id.desc()),
        page=_page_number(),
        per_page=100,
        error_out=False,
    )
    actors = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({e.actor_id for e in page.items if e.actor_id}))
        )
    }
    return render_template("admin/audit.html", page=page, actors=actors)


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
        flash("That form had expired. Please try again.", "error")
    elif message.status != "failed":
        flash("That message has not failed, so there is nothing to try again.", "info")
    else:
        retry_now(message)
        audit.record(current_user, "mail.retry", "outbox_message", message.id)
        db.session.commit()
        flash("The message will be sent again by the next round of the mail worker.", "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def user_active(user_id: int):
    person = db.get_or_404(User, user_id)
    form = AccountActionForm()
    if not form.validate_on_submit():
        flash("That form had expired. Please try again.", "error")
        return redirect(url_for("admin.user", user_id=person.id))
    active = not person.is_active_account
    try:
        closing.set_active(current_user, person, active)
    except FieldError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            f"{person.name}'s account is {'active again' if active else 'deactivated: they are signed out everywhere'}.",
            "success",
        )
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/users/<int:user_id>/force-reset", methods=["POST"])
@roles_required("admin")
def user_force_reset(user_id: int):
    person = db.get_or_404(User, user_id)
    form = AccountActionForm()
    if not form.validate_on_submit():
        flash("That form had expired. Please try again.", "error")
        return redirect(url_for("admin.user", user_id=person.id))
    try:
        closing.force_reset(current_user, person)
    except FieldError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            f"{person.name}'s password no longer works; they are signed out and have been "
            "emailed a link to choose a new one.",
            "success",
        )
    return redirect(url_for("admin.user", user_id=person.id))
