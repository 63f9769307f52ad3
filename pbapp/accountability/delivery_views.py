"""Delivery of funded projects and core-funding awards: read, update one, import many."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from pbapp.access import public, roles_required
from pbapp.accountability import bp
from pbapp.accountability.common import form_error, status_code, story_input
from pbapp.accountability.forms import DeliveryForm, ImportForm
from pbapp.extensions import db
from pbapp.limits import UPLOAD_FORM_BYTES, accepts_uploads
from pbapp.models.accountability import DELIVERY_KINDS, DELIVERY_STATUSES
from pbapp.services.accountability import delivery
from pbapp.services.csv_safety import safe_cell
from pbapp.services.errors import FieldError


@bp.route("/delivery/")
@public
def delivery_list():
    subjects = delivery.funded_subjects()
    return render_template(
        "accountability/delivery.html",
        projects=[s for s in subjects if s.kind == "project"],
        awards=[s for s in subjects if s.kind == "award"],
        statuses=DELIVERY_STATUSES,
    )


def _subject(kind: str, subject_id: int) -> delivery.Subject:
    if kind not in DELIVERY_KINDS:
        abort(404)
    found = delivery.subject(kind, subject_id)
    if found is None:
        abort(404)
    return found


@bp.route("/delivery/<kind>/<int:subject_id>")
@public
def delivery_item(kind: str, subject_id: int):
    item = _subject(kind, subject_id)
    stories = [s for s in item.record.stories if not s.is_withdrawn] if item.record else []
    return render_template("accountability/delivery_item.html", item=item, stories=stories)


@bp.route("/delivery/<kind>/<int:subject_id>/update", methods=["GET", "POST"])
@roles_required("officer")
def delivery_update(kind: str, subject_id: int):
    item = _subject(kind, subject_id)
    data = {"status": item.record.status, "spend": item.record.spend} if item.record else None
    form = DeliveryForm(data=data) if data else DeliveryForm()
    if form.validate_on_submit():
        update = delivery.DeliveryInput(
            status=form.status.data,
            spend=form.spend.data,
            milestone=form.milestone.data or "",
            outcome_measure=form.outcome_measure.data or "",
            outcome_figure=form.outcome_figure.data,
            note=form.note.data or "",
        )
        try:
            delivery.update_delivery(current_user, item, update, story_input(form))
        except FieldError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Delivery updated."), "success")
            return redirect(
                url_for("accountability.delivery_item", kind=kind, subject_id=subject_id)
            )
    return render_template("accountability/delivery_form.html", form=form, item=item), status_code(
        form
    )


@bp.route("/delivery/import", methods=["GET", "POST"])
@accepts_uploads(2 * delivery.CSV_MAX_BYTES + UPLOAD_FORM_BYTES)  # its own message below
@roles_required("officer")
def delivery_import():
    form = ImportForm()
    problems: list[delivery.ImportProblem] = []
    if form.validate_on_submit():
        upload = form.file.data
        raw = b""
        if upload:
            try:
                raw = upload.read(delivery.CSV_MAX_BYTES + 1)
            finally:
                upload.close()  # a big upload is a temporary file: close it now
        try:
            report = delivery.import_csv(current_user, raw)
        except delivery.ImportRefused as refused:
            db.session.rollback()
            problems = refused.problems
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Imported %(num)s delivery update (%(started)s started being tracked).",
                    "Imported %(num)s delivery updates (%(started)s started being tracked).",
                    report.updated,
                    started=report.started,
                ),
                "success",
            )
            return redirect(url_for("accountability.delivery_list"))
    code = 422 if problems or form.errors else 200
    return render_template(
        "accountability/delivery_import.html",
        form=form,
        problems=problems,
        columns=delivery.CSV_REQUIRED + delivery.CSV_OPTIONAL,
        statuses=DELIVERY_STATUSES,
    ), code


@bp.route("/delivery/import/template.csv")
@roles_required("officer")
def delivery_template():
    """Every funded project and award with its current status and spend, ready to edit."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(delivery.CSV_REQUIRED + delivery.CSV_OPTIONAL + ("title", "amount"))
    for s in delivery.funded_subjects():
        record = s.record
        writer.writerow(
            [
                s.kind,
                s.id,
                record.status if record else "not_started",
                record.spend if record else 0,
                "",
                "",
                "",
                "",
                safe_cell(s.title),
                s.amount,
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=delivery-template.csv"},
    )
