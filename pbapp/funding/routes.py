"""Funders: need data, contributions, and the public pages that explain how the money was
divided (scenarios and the pooled budget are in scenario_views.py)."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from pbapp import clock
from pbapp.access import public, roles_required
from pbapp.extensions import db
from pbapp.formatting import number
from pbapp.forms import form_status, show_field_error
from pbapp.funding import bp
from pbapp.funding.forms import (
    ContributionForm,
    DeprivationImportForm,
    IndicatorImportForm,
    contribution_form,
)
from pbapp.limits import UPLOAD_FORM_BYTES, accepts_uploads
from pbapp.models import THEMES, Neighbourhood
from pbapp.models.funding import Contribution, Scenario
from pbapp.services.errors import FieldError
from pbapp.services.funding import exports as funding_exports
from pbapp.services.funding import need as funding_need
from pbapp.services.funding import ownership
from pbapp.services.funding import scenarios as funding

FUNDER = "funder"
FUNDER_OR_OFFICER = ("funder", "officer")  # officers may change any funder's records
NEED_DATA_ROLES = ("funder", "officer")


def is_funder() -> bool:
    return current_user.is_authenticated and current_user.has_role(FUNDER)


@bp.app_template_filter("indicator_label")
def indicator_label(name: str) -> str:
    return funding_need.indicator_name(name)


def published_or_404(scenario_id: int) -> Scenario:
    item = db.get_or_404(Scenario, scenario_id)
    if not item.is_published:
        abort(404)  # drafts are not public
    return item


# --- Public -----------------------------------------------------------------------------------


@bp.route("/")
@public
def index():
    return render_template(
        "funders/index.html",
        published=funding.scenarios(published_only=True),
        is_funder=is_funder(),
    )


@bp.route("/allocations/<int:scenario_id>")
@public
def allocation(scenario_id: int):
    item = published_or_404(scenario_id)
    computation = funding.computation_of(item)
    return render_template(
        "funders/allocation.html",
        scenario=item,
        computation=computation,
        rows=computation.rows,
        checked=funding.check_published(item),
        themes=THEMES,
    )


def download(item: Scenario, computation, kind: str) -> Response:
    stem = f"neighbourhood-allocation-{item.id}"
    if kind == "csv":
        return Response(
            funding_exports.scenario_csv(computation),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )
    return Response(
        funding_exports.scenario_xlsx(item, computation),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
    )


@bp.route("/allocations/<int:scenario_id>.<any(csv, xlsx):kind>")
@public
def allocation_download(scenario_id: int, kind: str):
    item = published_or_404(scenario_id)
    return download(item, funding.computation_of(item), kind)


@bp.route("/allocations/<int:scenario_id>/inputs.json")
@public
def allocation_inputs(scenario_id: int):
    item = published_or_404(scenario_id)
    return Response(
        json.dumps(item.inputs, indent=1, sort_keys=True, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="allocation-{item.id}-inputs.json"'},
    )


# --- Need data (funders and officers) -----------------------------------------------------------


def _upload(form_field, name: str, limit: int) -> tuple[str, str]:
    storage = form_field.data
    if storage is None or not getattr(storage, "filename", ""):
        raise FieldError(name, _("Choose a CSV file to upload."))
    data = storage.stream.read(limit + 1)
    return storage.filename, funding_need.decode_upload(data, name, limit)


_CONCURRENT_IMPORT = _l(
    "Someone else imported figures for the same year at the same moment, so nothing was "
    "imported. Please upload the files again."
)


def _need_page(deprivation_form, indicator_form):
    return render_template(
        "funders/need_data.html",
        deprivation_form=deprivation_form,
        indicator_form=indicator_form,
        stored=funding_need.stored_indicators(),
    ), form_status(deprivation_form, indicator_form)


def _flash_report(report: funding_need.ImportReport) -> None:
    names = ", ".join(funding_need.indicator_name(i) for i in report.indicators)
    neighbourhoods = ngettext(
        "%(count)s neighbourhood",
        "%(count)s neighbourhoods",
        report.neighbourhoods,
        count=number(report.neighbourhoods),
    )
    flash(
        # Translators: %(neighbourhoods)s is "28 neighbourhoods", translated on its own.
        ngettext(
            "Imported %(count)s indicator for %(neighbourhoods)s (%(year)s): %(added)s new "
            "and %(replaced)s replaced figures of %(names)s.",
            "Imported %(count)s indicators for %(neighbourhoods)s (%(year)s): %(added)s new "
            "and %(replaced)s replaced figures of %(names)s.",
            len(report.indicators),
            count=number(len(report.indicators)),
            neighbourhoods=neighbourhoods,
            year=report.year,
            added=report.values_added,
            replaced=report.values_replaced,
            names=names,
        ),
        "success",
    )
    if report.population:
        flash(_("Residents stored with it: %(population)s.", population=report.population), "info")
    if report.without_figures:
        flash(
            _(
                "No figures for %(indicators)s: scenarios using these indicators need a figure "
                "for every neighbourhood.",
                indicators=", ".join(report.without_figures),
            ),
            "info",
        )


def _imported(form, run: Callable[[], funding_need.ImportReport]) -> bool:
    """Run one import and commit it, saying what was stored; or roll it back, put what is wrong
    on ``form`` and return False."""
    try:
        report = run()
    except FieldError as error:
        db.session.rollback()
        show_field_error(form, error)
        return False
    except IntegrityError:  # someone imported the same figures at the same moment
        db.session.rollback()
        form.form_errors.append(str(_CONCURRENT_IMPORT))
        return False
    db.session.commit()
    _flash_report(report)
    return True


@bp.route("/need-data")
@roles_required(*NEED_DATA_ROLES)
def need_data():
    return _need_page(DeprivationImportForm(), IndicatorImportForm())


@bp.route("/need-data/deprivation", methods=["POST"])
@accepts_uploads(
    funding_need.DEPRIVATION_MAX_BYTES + funding_need.LOOKUP_MAX_BYTES + UPLOAD_FORM_BYTES
)
@roles_required(*NEED_DATA_ROLES)
def need_import_deprivation():
    form = DeprivationImportForm()
    if form.validate_on_submit() and _imported(
        form,
        lambda: funding_need.import_deprivation(
            current_user,
            _upload(form.deprivation_file, "deprivation_file", funding_need.DEPRIVATION_MAX_BYTES),
            _upload(form.lookup_file, "lookup_file", funding_need.LOOKUP_MAX_BYTES),
            year=form.year.data,
            source=form.source.data or "",
        ),
    ):
        return redirect(url_for("funding.need_data"))
    return _need_page(form, IndicatorImportForm(formdata=None))


@bp.route("/need-data/indicators", methods=["POST"])
@accepts_uploads(funding_need.INDICATOR_MAX_BYTES + UPLOAD_FORM_BYTES)
@roles_required(*NEED_DATA_ROLES)
def need_import_indicators():
    form = IndicatorImportForm()
    if form.validate_on_submit() and _imported(
        form,
        lambda: funding_need.import_indicators(
            current_user,
            _upload(form.indicator_file, "indicator_file", funding_need.INDICATOR_MAX_BYTES),
            year=form.year.data,
            source=form.source.data or "",
            direction=form.direction.data,
            kind=form.kind.data or "other",
        ),
    ):
        return redirect(url_for("funding.need_data"))
    return _need_page(DeprivationImportForm(formdata=None), form)


# --- Contributions --------------------------------------------------------------------------------


@bp.route("/contributions/")
@roles_required(*FUNDER_OR_OFFICER)
def contributions():
    areas = {a.id: a.name for a in Neighbourhood.all_by_name()}
    items = funding.contributions()
    return render_template(
        "funders/contributions.html",
        contributions=items,
        areas=areas,
        today=clock.today(),
        changeable={
            c.id for c in items if ownership.why_not_change_contribution(current_user, c) is None
        },
    )


def refused(reason: str):
    return render_template(
        "errors/error.html", code=403, title=_("You cannot change this"), text=reason
    ), 403


def _details(form: ContributionForm) -> funding.ContributionDetails:
    return funding.ContributionDetails(
        funder_name=form.funder_name.data or "",
        amount=form.amount.data,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        neighbourhood_ids=list(form.neighbourhood_ids.data or []) or None,
        themes=list(form.themes.data or []) or None,
        note=form.note.data or "",
    )


@bp.route("/contributions/new", methods=["GET", "POST"])
@roles_required(*FUNDER_OR_OFFICER)
def contribution_new():
    form = contribution_form(Neighbourhood.all_by_name())
    if request.method == "GET" and current_user.funding_organisation:
        form.funder_name.data = current_user.funding_organisation
    if form.validate_on_submit():
        try:
            ownership.check_funder_name(current_user, form.funder_name.data or "")
            funding.create_contribution(current_user, _details(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Contribution saved."), "success")
            return redirect(url_for("funding.contributions"))
    return render_template(
        "funders/contribution_form.html", form=form, contribution=None
    ), form_status(form)


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
@roles_required(*FUNDER_OR_OFFICER)
def contribution_edit(contribution_id: int):
    item = db.get_or_404(Contribution, contribution_id)
    reason = ownership.why_not_change_contribution(current_user, item)
    if reason:
        return refused(reason)
    form = contribution_form(Neighbourhood.all_by_name(), obj=item)
    if request.method == "GET":
        form.neighbourhood_ids.data = item.neighbourhood_ids or []
        form.themes.data = item.themes or []
    if form.validate_on_submit():
        try:
            ownership.check_funder_name(current_user, form.funder_name.data or "")
            funding.update_contribution(current_user, item, _details(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Contribution saved."), "success")
            return redirect(url_for("funding.contributions"))
    return render_template(
        "funders/contribution_form.html", form=form, contribution=item
    ), form_status(form)
