from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pbapp.access import public, signed_in
from pbapp.auth import bp
from pbapp.auth.forms import ChangePasswordForm, LoginForm, RegisterForm, SignOutForm
from pbapp.extensions import db, limiter
from pbapp.models import ROLES, User
from pbapp.services import audit
from pbapp.services.accounts import users as accounts
from pbapp.services.errors import FieldError


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host. A ``next`` that
    cannot be used (another host, a control character a header cannot carry, a backslash some
    browsers read as a slash, too long) is ignored: the sign-in still completes."""
    usable = (
        target
        and len(target) <= 2000
        and target.isprintable()  # no line break or other character a header cannot carry
        and "\\" not in target
    )
    if usable:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("main.index")


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_ADDRESS"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_resident(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                neighbourhood_id=form.neighbourhood.data,
            )
        except FieldError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            try:
                db.session.commit()
            except IntegrityError:  # the same address registered a moment ago, by a twin request
                db.session.rollback()
                form.email.errors.append(accounts.EMAIL_TAKEN)
                return render_template("auth/register.html", form=form), 422
            login_user(user)
            flash(f"Welcome, {user.name}. Your account is ready.", "success")
            return redirect(url_for("main.neighbourhood", code=user.neighbourhood.code))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


def _login_account_key() -> str:
    return "sign-in:" + User.normalise_email(request.form.get("email", ""))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            select(User).where(User.email == User.normalise_email(form.email.data))
        )
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            # One message for both cases, so the form does not reveal who has an account.
            form.password.errors.append("The email address or password is not right.")
        else:
            login_user(user)
            audit.record(user, "user.sign_in", "user", user.id)
            db.session.commit()
            flash(f"Signed in as {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/sign-out", methods=["POST"])
@signed_in
def logout():
    form = SignOutForm()
    if form.validate_on_submit():
        logout_user()
        flash("You have signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, current=form.current_password.data, new=form.new_password.data
            )
        except FieldError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash("Your password has been changed.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.route("/")
@signed_in
def account():
    return render_template("auth/account.html", roles=ROLES)
