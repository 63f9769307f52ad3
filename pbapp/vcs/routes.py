"""Core funding for voluntary and community groups: profiles, rounds, statements, corrections."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pbapp.access import public, roles_required
from pbapp.extensions import db
from pbapp.forms import form_status, row_id, show_field_error
from pbapp.models import Neighbourhood
from pbapp.models.core_funding import (
    CORRECTION_STATUSES,
    ELIGIBILITY_CHECKS,
    CoreFundingRound,
    CorrectionRequest,
    Organisation,
)
from pbapp.services import core_funding as cf
from pbapp.services.errors import FieldError
from pbapp.services.funding.indicators import multiplier_source
from pbapp.vcs import bp
from pbapp.vcs.forms import (
    CorrectionForm,
    DecisionForm,
    EligibilityForm,
    KeeperForm,
    PublishForm,
    ReachCheckForm,
    RoundForm,
    profile_form,
    profile_from,
    round_form_data,
    settings_from,
)


def _is_officer() -> bool:
    return current_user.is_authenticated and current_user.has_role("officer")


def _organisation_for_user(org_id: int) -> Organisation:
    """The group, if the signed-in user keeps it or is an officer; 403 otherwise."""
    org = db.get_or_404(Organisation, org_id)
    if not (_is_officer() or org.kept_by(current_user)):
        abort(403)
    return org


def published_or_404(round_id: int) -> CoreFundingRound:
    item = db.get_or_404(CoreFundingRound, round_id)
    if not item.is_published:
        abort(404)  # a draft round is not public
    return item


# --- Public -----------------------------------------------------------------------------------


@bp.route("/")
@public
def index():
    return render_template(
        "vcs/index.html",
        rounds=cf.published_rounds(),
        drafts=cf.draft_rounds() if _is_officer() else [],
        my_group=cf.organisation_of(current_user)
        if current_user.is_authenticated and current_user.has_role("vcs")
        else None,
        open_corrections=len(cf.open_corrections()) if _is_officer() else 0,
    )


@bp.route("/formula")
@public
def formula():
    latest = cf.latest_published_round()
    return render_template(
        "vcs/formula.html",
        latest=latest,
        labels=cf.band_labels(latest.parameters["bands"]) if latest else [],
    )


def _chart_data(funding_round_params: dict, document: dict, rows: list) -> tuple[list, list]:
    by_band = cf.awards_by_band(
        [(r.breakdown["band"], r.amount) for r in rows], funding_round_params["bands"]
    )
    by_need = cf.awards_by_need(document, {r.group_id: r.amount for r in rows})
    return by_band, by_need


class _StoredRow:
    """A published award shaped like a preview row, for the shared tables and charts."""

    def __init__(self, award, name: str) -> None:
        self.group_id = str(award.organisation_id)
        self.name = name
        self.amount = award.amount
        self.breakdown = award.breakdown
        self.previous = award.breakdown.get("previous")
        self.award = award


@bp.route("/rounds/<int:round_id>")
@public
def round_page(round_id: int):
    item = published_or_404(round_id)
    names = item.inputs["about"]["groups"]
    rows = sorted(
        (_StoredRow(a, names[str(a.organisation_id)]["name"]) for a in item.awards),
        key=lambda r: r.name,
    )
    by_band, by_need = _chart_data(item.parameters, item.inputs, rows)
    return render_template(
        "vcs/round.html",
        fair="reach_exponent" in item.inputs,
        **cf.equality_and_checks(item),
        round=item,
        rows=rows,
        by_band=by_band,
        by_need=by_need,
        labels=cf.band_labels(item.parameters["bands"]),
        bound_names=cf.BOUND_NAMES,
        checked=cf.check_published(item),
    )


@bp.route("/rounds/<int:round_id>/awards.csv")
@public
def round_csv(round_id: int):
    item = published_or_404(round_id)
    return Response(
        cf.awards_csv(item),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="core-funding-round-{item.id}.csv"'},
    )


@bp.route("/rounds/<int:round_id>/inputs.json")
@public
def round_inputs(round_id: int):
    item = published_or_404(round_id)
    return Response(
        json.dumps(item.inputs, indent=1, sort_keys=True, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="core-funding-round-{item.id}-inputs.json"'
        },
    )


# --- Groups -----------------------------------------------------------------------------------


@bp.route("/my-group")
@roles_required("vcs")
def my_group():
    org = cf.organisation_of(current_user)
    if org is None:
        return redirect(url_for("vcs.group_new"))
    return redirect(url_for("vcs.group", org_id=org.id))


@bp.route("/groups/new", methods=["GET", "POST"])
@roles_required("vcs")
def group_new():
    existing = cf.organisation_of(current_user)
    if existing is not None:
        return redirect(url_for("vcs.group_edit", org_id=existing.id))
    areas = Neighbourhood.all_by_name()
    form = profile_form(areas)
    if form.validate_on_submit():
        try:
            org = cf.create_organisation(current_user, profile_from(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Your group's profile is saved. An officer will check its eligibility."),
                "success",
            )
            return redirect(url_for("vcs.group", org_id=org.id))
    return render_template("vcs/group_form.html", form=form, org=None), form_status(form)


@bp.route("/groups")
@roles_required("officer")
def groups():
    items = list(db.session.scalars(db.select(Organisation).order_by(Organisation.name)))
    return render_template("vcs/groups.html", groups=items)


@bp.route("/groups/<int:org_id>")
@roles_required("vcs", "officer")
def group(org_id: int):
    org = _organisation_for_user(org_id)
    awards = sorted(
        (a for r in cf.published_rounds() if (a := cf.award_of(r, org)) is not None),
        key=lambda a: a.funding_round.published_at,
        reverse=True,
    )
    return render_template(
        "vcs/group.html",
        org=org,
        checks=ELIGIBILITY_CHECKS,
        awards=awards,
        corrections=cf.corrections_of(org),
        statuses=CORRECTION_STATUSES,
        is_keeper=org.kept_by(current_user),
        is_officer=_is_officer(),
        keeper_form=KeeperForm() if _is_officer() else None,
    )


@bp.route("/groups/<int:org_id>/keepers", methods=["POST"])
@roles_required("officer")
def keepers(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = KeeperForm()
    if form.validate_on_submit():
        try:
            user = cf.add_keeper(current_user, org, form.email.data or "")
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(person)s now keeps the profile of %(group)s.",
                    person=user.name,
                    group=org.name,
                ),
                "success",
            )
            return redirect(url_for("vcs.group", org_id=org.id))
    return render_template("vcs/keeper_form.html", form=form, org=org), 422


@bp.route("/groups/<int:org_id>/edit", methods=["GET", "POST"])
@roles_required("vcs", "officer")
def group_edit(org_id: int):
    org = _organisation_for_user(org_id)
    areas = Neighbourhood.all_by_name()
    form = profile_form(areas, org)
    if form.validate_on_submit():
        try:
            cf.update_organisation(current_user, org, profile_from(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("vcs.group", org_id=org.id))
    return render_template("vcs/group_form.html", form=form, org=org), form_status(form)


@bp.route("/groups/<int:org_id>/eligibility", methods=["GET", "POST"])
@roles_required("officer")
def eligibility(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = EligibilityForm(obj=org)
    if form.validate_on_submit():
        try:
            cf.set_eligibility(
                current_user,
                org,
                {name: bool(getattr(form, name).data) for name in ELIGIBILITY_CHECKS},
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("%(group)s is eligible for core funding.", group=org.name)
                if org.eligible
                else _("%(group)s is not eligible yet: not every item is met.", group=org.name),
                "success",
            )
            return redirect(url_for("vcs.group", org_id=org.id))
    return render_template("vcs/eligibility.html", form=form, org=org), form_status(form)


@bp.route("/groups/<int:org_id>/reach-check", methods=["GET", "POST"])
@roles_required("officer")
def reach_check(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = ReachCheckForm()
    if form.validate_on_submit():
        try:
            cf.record_reach_check(current_user, org, form.result.data, form.method.data or "")
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("The check of %(group)s's reach figures is recorded.", group=org.name), "success"
            )
            return redirect(url_for("vcs.group", org_id=org.id))
    return render_template("vcs/reach_check.html", form=form, org=org), form_status(form)


@bp.route("/groups/<int:org_id>/awards/<int:round_id>")
@roles_required("vcs", "officer")
def statement(org_id: int, round_id: int):
    org = _organisation_for_user(org_id)
    item = published_or_404(round_id)
    award = cf.award_of(item, org)
    if award is None:
        abort(404)
    about = item.inputs["about"]
    b = award.breakdown
    weight = float(item.inputs.get("intensive_weight", 1))
    reach_rows = sorted(
        (
            {
                "name": about["neighbourhoods"][code]["name"],
                "people": cf.people_of(value),
                "intensive": cf.intensive_of(value),
                "counted": cf.people_of(value) + (weight - 1) * cf.intensive_of(value),
                "need": next(n["need"] for n in item.inputs["neighbourhoods"] if n["id"] == code),
                "multiplier": b["need_multipliers"][code],
            }
            for code, value in b["reach_by_neighbourhood"].items()
        ),
        key=lambda r: r["name"],
    )
    need_year = next(iter(about["neighbourhoods"].values()), {}).get("need_year")
    return render_template(
        "vcs/statement.html",
        org=org,
        round=item,
        award=award,
        b=b,
        about=about["groups"][str(org.id)],
        reach_rows=reach_rows,
        labels=cf.band_labels(item.parameters["bands"]),
        need_year=need_year,
        # The same ward has another multiplier on pages that use another indicator, year,
        # average or α: this one names its own (issue 21).
        multiplier=multiplier_source(
            "imd_score", need_year, item.inputs["alpha"], average="neighbourhoods"
        ),
        checked=cf.check_published(item),
        is_keeper=org.kept_by(current_user),
        stability_up=cf.stability_ceiling(item, b.get("previous")),
        fair="reach_exponent" in item.inputs,
        inputs=item.inputs,
        group=next(g for g in item.inputs["groups"] if g["id"] == str(org.id)),
        corrections=[c for c in cf.corrections_of(org) if c.round_id == item.id and c.corrected],
    )


# --- Corrections ------------------------------------------------------------------------------


@bp.route("/groups/<int:org_id>/corrections/new", methods=["GET", "POST"])
@roles_required("vcs")
def correction_new(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    if not org.kept_by(current_user):
        abort(403)
    round_id = request.args.get("round", type=row_id)
    about_round = None
    if round_id is not None:
        about_round = db.session.get(CoreFundingRound, round_id)
        if about_round is None or not about_round.is_published:
            about_round = None
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            cf.raise_correction(
                current_user, org, about_round, form.subject.data or "", form.details.data or ""
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Thank you. An officer will look at it and tell you what they decide."), "success"
            )
            return redirect(url_for("vcs.group", org_id=org.id))
    return render_template(
        "vcs/correction_form.html", form=form, org=org, about_round=about_round
    ), form_status(form)


@bp.route("/corrections")
@roles_required("officer")
def corrections():
    decided = db.session.scalars(
        db.select(CorrectionRequest)
        .where(CorrectionRequest.status != "open")
        .order_by(CorrectionRequest.decided_at.desc())
        .limit(50)
    ).all()
    return render_template("vcs/corrections.html", open=cf.open_corrections(), decided=decided)


@bp.route("/corrections/<int:request_id>", methods=["GET", "POST"])
@roles_required("officer")
def correction(request_id: int):
    item = db.get_or_404(CorrectionRequest, request_id)
    # Accepting carries the profile's figures (applied in the same step); declining does not.
    declining = request.method == "POST" and request.form.get("decision") == "decline"
    form = (
        DecisionForm()
        if declining
        else profile_form(
            Neighbourhood.all_by_name(),
            item.organisation,
            formdata=request.form if request.method == "POST" else None,
            base=DecisionForm,
        )
    )
    if item.status == "open" and form.validate_on_submit():
        try:
            cf.decide_correction(
                current_user,
                item,
                accept=form.decision.data == "accept",
                reason=form.reason.data or "",
                profile=None if declining else profile_from(form),
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Decision saved and shown to %(group)s.", group=item.organisation.name), "success"
            )
            return redirect(url_for("vcs.corrections"))
    elif item.status != "open" and request.method == "POST":
        form.form_errors.append(_("This request has already been decided."))
    return render_template("vcs/correction.html", item=item, form=form), form_status(form)


# --- Rounds (officers) ------------------------------------------------------------------------


@bp.route("/rounds/new", methods=["GET", "POST"])
@roles_required("officer")
def round_new():
    form = RoundForm(data=round_form_data(cf.DEFAULT_SETTINGS) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            item = cf.create_round(current_user, settings_from(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Draft round saved. Preview its awards below; it is not public yet."), "success"
            )
            return redirect(url_for("vcs.round_preview", round_id=item.id))
    return render_template("vcs/round_form.html", form=form, round=None), form_status(form)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required("officer")
def round_edit(round_id: int):
    item = db.get_or_404(CoreFundingRound, round_id)
    if item.is_published:
        flash(_("This round is published, so it can no longer change."), "info")
        return redirect(url_for("vcs.round_page", round_id=item.id))
    form = RoundForm(
        data=round_form_data(cf.settings_of(item)) if request.method == "GET" else None
    )
    if form.validate_on_submit():
        try:
            cf.update_round(current_user, item, settings_from(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("vcs.round_preview", round_id=item.id))
    return render_template("vcs/round_form.html", form=form, round=item), form_status(form)


def _render_preview(item: CoreFundingRound, publish_form: PublishForm, status: int = 200):
    trying = bool(request.args)
    if trying:
        form = RoundForm(formdata=request.args, meta={"csrf": False})
        valid = form.validate()
        settings = settings_from(form)
        if valid:
            try:
                cf.check_settings(settings)
            except FieldError as error:
                show_field_error(form, error)
                valid = False
    else:
        settings = cf.settings_of(item)
        form = RoundForm(data=round_form_data(settings), meta={"csrf": False})
        valid = True
    computation = cf.preview_round(item, settings) if valid else None
    by_band = by_need = []
    if computation is not None and computation.result is not None:
        by_band, by_need = _chart_data(
            cf.parameters_of(settings), computation.document, computation.rows
        )
    return render_template(
        "vcs/preview.html",
        round=item,
        form=form,
        trying=trying,
        computation=computation,
        by_band=by_band,
        by_need=by_need,
        labels=cf.band_labels(cf.parameters_of(settings)["bands"]) if valid else [],
        bound_names=cf.BOUND_NAMES,
        save_form=RoundForm(meta={"csrf": True}) if trying and valid else None,
        publish_form=publish_form,
    ), (422 if (not valid or status == 422) else status)


@bp.route("/rounds/<int:round_id>/preview")
@roles_required("officer")
def round_preview(round_id: int):
    item = db.get_or_404(CoreFundingRound, round_id)
    if item.is_published:
        return redirect(url_for("vcs.round_page", round_id=item.id))
    return _render_preview(item, PublishForm(formdata=None))


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@roles_required("officer")
def round_publish(round_id: int):
    item = db.get_or_404(CoreFundingRound, round_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            cf.publish_round(current_user, item)
        except FieldError as error:
            db.session.rollback()
            item = db.get_or_404(CoreFundingRound, round_id)
            if item.is_published:
                flash(error.message, "info")
                return redirect(url_for("vcs.round_page", round_id=item.id))
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _("The round is published: its awards are public and can no longer change."),
                "success",
            )
            return redirect(url_for("vcs.round_page", round_id=item.id))
    if item.is_published:
        return redirect(url_for("vcs.round_page", round_id=item.id))
    return _render_preview(item, form, 422)
