"""Getting verified (residents), letter codes (officers), revoking verifications (admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from pbapp import clock
from pbapp.access import roles_required
from pbapp.extensions import db, limiter
from pbapp.formatting import number
from pbapp.forms import form_status, show_field_error
from pbapp.models import Neighbourhood, Process, User, UserRole
from pbapp.models.verification import LetterBatch, Verification
from pbapp.services.errors import FieldError
from pbapp.services.verification import eligibility, identity, letters, register
from pbapp.verification import bp
from pbapp.verification.forms import (
    PROOFS,
    InPersonForm,
    LetterBatchForm,
    LetterCodeForm,
    LetterCsvForm,
    RegisterCheckForm,
    RegisterUploadForm,
    RevokeForm,
    SearchForm,
    WithdrawBatchForm,
)


@bp.app_template_global()
def who_may_vote(process: Process) -> str:
    return eligibility.describe(process)


@bp.app_template_global()
def processes_needing_verification() -> list[Process]:
    """Processes not yet past voting that only verified residents can vote in (sign-up page)."""
    today = clock.today()
    return list(
        db.session.scalars(
            select(Process)
            .where(Process.eligibility == "verified", Process.results_start > today)
            .order_by(Process.voting_start, Process.id)
        )
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (the ballot the resident came from)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return None


def _account_key() -> str:
    return f"letter-code:{getattr(current_user, 'id', None)}"


# --- Residents ---------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@roles_required("resident")
@limiter.limit(lambda: current_app.config["LETTER_CODE_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LETTER_CODE_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
)
def start():
    """The resident's verification: what they have, and entering a letter code."""
    form = LetterCodeForm()
    if identity.current_verification(current_user) is None and form.validate_on_submit():
        try:
            person = identity.identity_of(
                form.name.data, form.date_of_birth.data, form.postcode.data, clock.today()
            )
            letters.redeem(current_user, form.code.data, person, _now())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            return _verified()
    return _start_page(form, RegisterCheckForm(prefix="register", formdata=None))


@bp.route("/register-check", methods=["POST"])
@roles_required("resident")
@limiter.limit(lambda: current_app.config["LETTER_CODE_LIMIT_PER_ADDRESS"])
@limiter.limit(lambda: current_app.config["LETTER_CODE_LIMIT_PER_ACCOUNT"], key_func=_account_key)
def register_check():
    """A resident checks their details against the residents' register."""
    form = RegisterCheckForm(prefix="register")
    if identity.current_verification(current_user) is not None:
        return _start_page(LetterCodeForm(formdata=None), form)  # says: verified already
    if form.validate_on_submit():
        try:
            if register.current_upload() is None:
                raise FieldError("name", _("There is no residents' register to check against."))
            person = identity.identity_of(
                form.name.data, form.date_of_birth.data, form.postcode.data, clock.today()
            )
            register.match(current_user, person)
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            return _verified()
    return _start_page(LetterCodeForm(formdata=None), form)


def _verified():
    db.session.commit()
    flash(_("You are verified. Thank you."), "success")
    return redirect(_safe_next(request.args.get("next")) or url_for("verification.start"))


def _start_page(letter_form: LetterCodeForm, register_form: RegisterCheckForm):
    current = identity.current_verification(current_user)
    if current is not None and request.method == "POST":
        letter_form.form_errors.append(_("Your account is verified already."))
    return render_template(
        "verification/start.html",
        form=letter_form,
        register_form=register_form,
        register_open=register.current_upload() is not None,
        current=current,
        history=identity.verifications_of(current_user),
        next_url=_safe_next(request.args.get("next")),
    ), form_status(letter_form, register_form)


@bp.route("/register", methods=["GET", "POST"])
@roles_required("officer")
def register_upload():
    """Officers replace the residents' register extract."""
    form = RegisterUploadForm()
    if form.validate_on_submit():
        try:
            loaded = register.load_register(current_user, form.file.data.read(), clock.today())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The register now holds %(rows)s person (only their keyed hashes).",
                    "The register now holds %(rows)s people (only their keyed hashes).",
                    loaded.rows,
                    rows=number(loaded.rows),
                ),
                "success",
            )
            return redirect(url_for("verification.register_upload"))
    return render_template(
        "verification/register.html", form=form, upload=register.current_upload()
    ), form_status(form)


# --- Officers: letter codes ----------------------------------------------------------------------


def _batch_form() -> LetterBatchForm:
    form = LetterBatchForm()
    form.neighbourhood.choices = [SelectChoice("", _("Choose a neighbourhood"))] + [
        SelectChoice(n.id, n.name) for n in Neighbourhood.all_by_name()
    ]
    return form


@bp.route("/letters", methods=["GET", "POST"])
@roles_required("officer")
def letter_batches():
    form = _batch_form()
    if form.validate_on_submit():
        area = (
            db.session.get(Neighbourhood, form.neighbourhood.data)
            if form.neighbourhood.data
            else None
        )
        try:
            if area is None:
                raise FieldError("neighbourhood", _("Choose the neighbourhood."))
            batch, codes = letters.make_batch(current_user, area, form.size.data)
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            # The codes are shown this once: only their hashes are kept.
            return render_template(
                "verification/letter_sheet.html",
                batch=batch,
                codes=codes,
                csv_form=LetterCsvForm(codes=" ".join(codes)),
                verify_url=url_for("verification.start", _external=True),
            )
    batches = db.session.scalars(
        select(LetterBatch).order_by(LetterBatch.created_at.desc(), LetterBatch.id.desc())
    ).all()
    return render_template(
        "verification/letters.html",
        form=form,
        batches=batches,
        used=letters.batch_counts([b.id for b in batches]),
        withdraw_form=WithdrawBatchForm(),
    ), form_status(form)


@bp.route("/letters/<int:batch_id>/csv", methods=["POST"])
@roles_required("officer")
def letter_csv(batch_id: int):
    batch = db.get_or_404(LetterBatch, batch_id)
    form = LetterCsvForm()
    if form.validate_on_submit():
        try:
            codes = letters.codes_of_batch(batch, (form.codes.data or "").split())
        except FieldError as error:
            flash(error.message, "error")
        else:
            body = letters.csv_of(batch, codes, url_for("verification.start", _external=True))
            return Response(
                body,
                mimetype="text/csv",
                headers={
                    "Content-Disposition": f"attachment; filename=letter-codes-{batch.id}.csv"
                },
            )
    else:
        flash(_("This page had expired: nothing was downloaded."), "error")
    return redirect(url_for("verification.letter_batches"))


@bp.route("/letters/<int:batch_id>/withdraw", methods=["POST"])
@roles_required("officer")
def letter_withdraw(batch_id: int):
    batch = db.get_or_404(LetterBatch, batch_id)
    form = WithdrawBatchForm()
    if form.validate_on_submit():
        try:
            unused = letters.revoke_batch(current_user, batch, _now())
        except FieldError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Batch %(batch)s withdrawn: its %(unused)s unused code no longer works.",
                    "Batch %(batch)s withdrawn: its %(unused)s unused codes no longer work.",
                    unused,
                    batch=batch.id,
                    unused=number(unused),
                ),
                "success",
            )
    else:
        flash(_("This page had expired: nothing was withdrawn."), "error")
    return redirect(url_for("verification.letter_batches"))


# --- Admins: verifications ------------------------------------------------------------------------


@bp.route("/people")
@roles_required("admin")
def people():
    query = (request.args.get("q") or "").strip()[:120]
    statement = (
        select(Verification)
        .join(User, Verification.user_id == User.id)
        .order_by(Verification.verified_at.desc(), Verification.id.desc())
        .limit(200)
    )
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(or_(db.func.lower(User.name).like(like), User.email.like(like)))
    return render_template(
        "verification/people.html", verifications=db.session.scalars(statement).all(), query=query
    )


@bp.route("/people/<int:verification_id>/revoke", methods=["GET", "POST"])
@roles_required("admin")
def revoke(verification_id: int):
    item = db.get_or_404(Verification, verification_id)
    form = RevokeForm()
    if item.revoked_at is None and form.validate_on_submit():
        try:
            identity.revoke(current_user, item, form.reason.data, _now())
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("The verification of %(name)s is revoked.", name=item.user.name), "success")
            return redirect(url_for("verification.people"))
    elif item.revoked_at is not None and request.method == "POST":
        form.form_errors.append(_("This verification was revoked already."))
    return render_template("verification/revoke.html", form=form, item=item), form_status(form)


# --- Verifiers: in person -----------------------------------------------------------------------


@bp.route("/in-person")
@roles_required("verifier", "officer")
def in_person_search():
    form = SearchForm(request.args)
    query = (form.q.data or "").strip()[:120] if form.validate() else ""
    found: list[User] = []
    if len(query) >= 2:
        like = f"%{query.lower()}%"
        found = list(
            db.session.scalars(
                select(User)
                .join(UserRole)
                .where(
                    UserRole.role == "resident",
                    User.is_active_account.is_(True),
                    or_(db.func.lower(User.name).like(like), User.email.like(like)),
                )
                .order_by(User.name, User.id)
                .limit(20)
            )
        )
    verified = (
        {
            v.user_id
            for v in db.session.scalars(
                select(Verification).where(
                    Verification.user_id.in_([u.id for u in found]),
                    Verification.revoked_at.is_(None),
                )
            )
        }
        if found
        else set()
    )
    return render_template(
        "verification/in_person_search.html",
        form=form,
        query=query,
        found=found,
        verified=verified,
    )


@bp.route("/in-person/<int:user_id>", methods=["GET", "POST"])
@roles_required("verifier", "officer")
def in_person(user_id: int):
    person = db.get_or_404(User, user_id)
    if not person.has_role("resident") or not person.is_active_account:
        abort(404)
    current = identity.current_verification(person)
    form = InPersonForm(
        data={"name": person.name, "neighbourhood": person.neighbourhood_id}
        if request.method == "GET"
        else None
    )
    form.neighbourhood.choices = [SelectChoice("", _("Choose a neighbourhood"))] + [
        SelectChoice(n.id, n.name) for n in Neighbourhood.all_by_name()
    ]
    if current is None and form.validate_on_submit():
        try:
            area = (
                db.session.get(Neighbourhood, form.neighbourhood.data)
                if form.neighbourhood.data
                else None
            )
            if area is None:
                raise FieldError("neighbourhood", _("Choose the neighbourhood."))
            note = (form.proof_note.data or "").strip()
            if form.proof.data == "other" and not note:
                raise FieldError("proof_note", _("Say what the proof of address was."))
            # The record keeps its detail in English, whatever the officer's language.
            with force_locale("en"):
                detail = str(PROOFS[form.proof.data]) + (f": {note}" if note else "")
            if form.age_seen.data:
                detail += "; proof of age seen"
            found = identity.identity_of(
                form.name.data, form.date_of_birth.data, form.postcode.data, clock.today()
            )
            identity.record_verification(
                person,
                found,
                area,
                method="in_person",
                verified_by=current_user,
                detail=detail,
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is verified as a resident of %(neighbourhood)s.",
                    name=person.name,
                    neighbourhood=area.name,
                ),
                "success",
            )
            return redirect(url_for("verification.in_person_search"))
    elif current is not None and request.method == "POST":
        form.form_errors.append(_("This resident is verified already."))
    return render_template(
        "verification/in_person.html", form=form, person=person, current=current
    ), form_status(form)
