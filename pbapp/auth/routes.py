from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from pbapp.access import public, signed_in
from pbapp.auth import bp
from pbapp.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    NoticesForm,
    RegisterForm,
    ResetPasswordForm,
    SignOutForm,
    UnsubscribeForm,
)
from pbapp.clock import today
from pbapp.extensions import csrf, db, limiter
from pbapp.forms import SendCheckAgainForm
from pbapp.models import PROPOSAL_STATUSES, ROLES, User
from pbapp.services import audit
from pbapp.services.accounts import closing, links, personal
from pbapp.services.accounts import users as accounts
from pbapp.services.errors import FieldError
from pbapp.services.mail.outbox import read_unsubscribe_token
from pbapp.services.notifications import preferences


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
            accounts.register_resident(
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
                db.session.rollback()  # that request's email went out: answer as it did
            # The same answer whether or not the address had an account (its owner is emailed).
            return redirect(url_for("auth.registered"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/register/check-your-email")
@public
def registered():
    return render_template("auth/registered.html")


@bp.route("/check/<token>")
@public
def check_email(token: str):
    try:
        user, first = accounts.check_email(token)
    except FieldError as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    db.session.commit()
    if first and user.is_active and not current_user.is_authenticated:
        login_user(user)
        flash(
            _(
                "Thank you, %(name)s: your address is checked and you are signed in.",
                name=user.name,
            ),
            "success",
        )
        if user.neighbourhood is not None:
            return redirect(url_for("main.neighbourhood", code=user.neighbourhood.code))
        return redirect(url_for("auth.account"))
    flash(_("Thank you: your email address is checked."), "success")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


def _check_again_key() -> str:
    return f"check-again:{current_user.get_id()}"


@bp.route("/check-again", methods=["POST"])
@signed_in
@limiter.limit("5 per hour", key_func=_check_again_key)
def send_check_again():
    """Email the address-check link again (from the account page or a ballot that needs it)."""
    form = SendCheckAgainForm()
    back = _safe_next(request.form.get("next") or url_for("auth.account"))
    if not form.validate_on_submit():
        flash(_("This page had expired, so no link was sent. Please try again."), "error")
        return redirect(back)
    if current_user.email_checked_at is not None:
        flash(_("Your email address is checked already."), "info")
        return redirect(back)
    accounts.send_email_check(current_user)
    db.session.commit()
    flash(
        _(
            "We have emailed a new link to %(email)s. Open it to check your address, then come "
            "back here.",
            email=current_user.email,
        ),
        "success",
    )
    return redirect(back)


def _login_account_key() -> str:
    return "sign-in:" + User.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    """Only failed attempts count towards the sign-in limits (a success redirects)."""
    return response.status_code != 302


def lift_sign_in_lock(email: str) -> None:
    """Forget the failed sign-ins counted against ``email`` (after a successful reset)."""
    from limits import parse

    key = "sign-in:" + User.normalise_email(email)
    args = [key, "auth.login"]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    if prefix:
        args = [prefix, *args]
    try:
        limiter.limiter.clear(parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]), *args)
    except Exception:  # the limit store being away must not stop a reset
        current_app.logger.exception("Could not lift the sign-in lock")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # a new address-check link, if one was due
            # One message for every case, so the form does not reveal who has an account.
            form.password.errors.append(
                _(
                    "The email address or password is not right. If you have just created your "
                    "account, open the link we emailed you first."
                )
            )
        else:
            login_user(user)
            audit.record(user, "user.sign_in", "user", user.id)
            db.session.commit()
            flash(_("Signed in as %(name)s.", name=user.name), "success")
            target = request.args.get("next")
            # Without a page to go back to, a person lands on their own page.
            return redirect(_safe_next(target) if target else url_for("auth.account"))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/sign-out", methods=["POST"])
@signed_in
def logout():
    form = SignOutForm()
    if form.validate_on_submit():
        accounts.sign_out_everywhere(current_user)
        db.session.commit()
        logout_user()
        flash(_("You have signed out, here and on any other device."), "info")
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
            login_user(current_user._get_current_object())  # this session, on the new version
            flash(
                _(
                    "Your password has been changed. Anywhere else you were signed in, you are "
                    "now signed out."
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


def _reset_limit_key() -> str:
    return "reset:" + User.normalise_email(request.form.get("email", ""))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RESET_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_reset_limit_key,
)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with answered_no_sooner_than(current_app.config["FORGOT_PASSWORD_ANSWER_SECONDS"]):
            accounts.ask_for_reset(form.email.data)
            db.session.commit()
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        links.read_reset_token(token)
    except FieldError as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(token, form.new_password.data)
        except FieldError as error:
            if error.field == "token":
                return render_template("auth/link_problem.html", message=error.message), 400
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            lift_sign_in_lock(user.email)
            logout_user()
            login_user(user)
            flash(
                _(
                    "Your password is set and you are signed in. Anywhere else you were signed "
                    "in, you are now signed out."
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # mail programs' one-click unsubscribe (RFC 8058) posts without a form token
def unsubscribe(token: str):
    data = read_unsubscribe_token(token)
    person = db.session.get(User, data["u"]) if data else None
    digest = data is not None and data["t"] == preferences.DIGEST
    if person is None or (data["t"] not in preferences.TOPICS and not digest):
        return render_template(
            "auth/link_problem.html",
            message=_(
                "This unsubscribe link is not right. You can choose your emails on your account page."
            ),
        ), 400
    label = preferences.DIGEST_LABEL if digest else preferences.TOPICS[data["t"]][0]
    if request.method == "POST":
        if digest:  # the digest gathers every kind: stopping it stops them all
            preferences.stop_all(person)
        else:
            preferences.set_wanted(person, data["t"], False)
        db.session.commit()
        return render_template("auth/unsubscribed.html", label=label)
    return render_template("auth/unsubscribe.html", label=label, form=UnsubscribeForm())


def _topics_for(user: User) -> dict[str, str]:
    return {
        topic: label
        for topic, (label, _default) in preferences.TOPICS.items()
        if not topic.startswith("officer.") or user.has_role("officer")
        if not topic.startswith("owner.") or user.has_role("officer", "funder", "vcs")
    }


@bp.route("/notices", methods=["GET", "POST"])
@signed_in
def notices():
    topics = _topics_for(current_user)
    chosen = preferences.choices(current_user)
    form = NoticesForm(
        topics=topics,
        data={
            "topics": [t for t in topics if chosen[t]],
            "how": "daily" if preferences.wants_digest(current_user) else "each",
        }
        if request.method == "GET"
        else None,
    )
    if form.validate_on_submit():
        wanted = set(form.topics.data or [])
        for topic in topics:
            preferences.set_wanted(current_user, topic, topic in wanted)
        preferences.set_digest(current_user, form.how.data == "daily")
        db.session.commit()
        flash(_("Your email choices are saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/notices.html", form=form), 422 if form.errors else 200


@bp.route("/data.json")
@signed_in
def data_download():
    response = jsonify(closing.data_of(current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@signed_in
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            closing.delete_account(
                current_user,
                password=form.password.data,
                remove_contributions=form.contributions.data == "remove",
            )
        except FieldError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            flash(
                _("Your account is deleted. Your ballots still count, with no link to you."), "info"
            )
            return redirect(url_for("main.index"))
    return render_template("auth/delete.html", form=form), 422 if form.errors else 200


@bp.route("/")
@signed_in
def account():
    return render_template(
        "auth/account.html",
        check_again=SendCheckAgainForm(),
        roles=ROLES,
        statuses=PROPOSAL_STATUSES,
        you=personal.overview(current_user, today()),
    )


@contextmanager
def answered_no_sooner_than(seconds: float) -> Iterator[None]:
    """Wait out the rest of ``seconds`` after the work inside, so the answer's timing does not
    tell which way the work went (an address with an account or without)."""
    started = time.monotonic()
    try:
        yield
    finally:
        rest = seconds - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)
