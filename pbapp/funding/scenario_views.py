"""The funding blueprint's scenarios (needs-weighted allocations) and the pooled budget."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pbapp import clock
from pbapp.access import roles_required
from pbapp.extensions import db
from pbapp.formatting import in_words
from pbapp.forms import MAX_ID, form_status, row_id, show_field_error
from pbapp.funding import bp
from pbapp.funding.forms import (
    THEME_FIELDS,
    PoolForm,
    PublishForm,
    ScenarioForm,
    UndoBudgetsForm,
)
from pbapp.funding.routes import (
    FUNDER_OR_OFFICER,
    download,
    refused,
)
from pbapp.models import THEMES, Neighbourhood, Process
from pbapp.models.funding import Scenario
from pbapp.services.errors import FieldError
from pbapp.services.funding import need as funding_need
from pbapp.services.funding import ownership, publication
from pbapp.services.funding import pool as funding_pool
from pbapp.services.funding import scenarios as funding

# --- Scenarios -----------------------------------------------------------------------------------


@bp.route("/scenarios/")
@roles_required(*FUNDER_OR_OFFICER)
def scenarios():
    return render_template("funders/scenarios.html", scenarios=funding.scenarios())


def _scenario_form(item: Scenario | None) -> ScenarioForm:
    """The scenario form, filled from ``item`` (or the scenario named by ``?from=``) on GET."""
    previous = [
        s for s in funding.scenarios(published_only=True) if item is None or s.id != item.id
    ]
    if request.method == "GET":
        source = item
        if item is None and request.args.get("from", type=row_id):
            source = db.session.get(Scenario, request.args.get("from", type=row_id))
        if source is None:
            stored = funding_need.stored_indicators()
            default = next(
                (s for s in stored if s.indicator == "income_deprived_people"),
                next((s for s in stored if s.indicator == "imd_score"), None),
            )
            data = {
                "universal": Decimal("0.5"),
                "alpha": Decimal(1),
                "floor": Decimal("0.8"),
                "indicators": {(default.indicator, default.year): Decimal(1)} if default else {},
                "population_source": funding_need.default_population_source(),
                "convergence": "furthest",
            }
        else:
            settings = funding.settings_of(source)
            data = {
                "name": settings.name
                if item is not None
                else _("Copy of %(name)s", name=settings.name)[:200],
                "description": settings.description,
                "budget": settings.budget,
                "previous_scenario_id": settings.previous_scenario_id,
                "indicators": {(c.indicator, c.year): c.weight for c in settings.indicators},
                "population_source": settings.population_source or "",
                "convergence": settings.convergence,
                **{name: getattr(settings, name) for name in funding.PARAMETERS},
            }
        form = ScenarioForm(data=data)
    else:
        form = ScenarioForm()
    form.previous_scenario_id.choices = [("", _("None: no pace of change"))] + [
        (s.id, s.name) for s in previous
    ]
    form.population_source.choices = [(p.key, p.label) for p in funding_need.population_sources()]
    return form


def _scenario_page_form(form: ScenarioForm, item: Scenario | None):
    return render_template(
        "funders/scenario_form.html",
        form=form,
        scenario=item,
        stored=[s for s in funding_need.stored_indicators() if s.for_money],
    ), form_status(form)


def _settings(form: ScenarioForm) -> funding.ScenarioSettings:
    return funding.ScenarioSettings(
        name=form.name.data or "",
        description=form.description.data or "",
        budget=form.budget.data,
        indicators=[
            funding.IndicatorChoice(indicator, year, weight)
            for (indicator, year), weight in sorted(form.indicators.data.items())
        ],
        universal=form.universal.data,
        alpha=form.alpha.data,
        floor=form.floor.data,
        ceiling=form.ceiling.data,
        previous_scenario_id=form.previous_scenario_id.data,
        max_decrease=form.max_decrease.data,
        minimum_growth=form.minimum_growth.data,
        max_below_target=form.max_below_target.data,
        convergence=form.convergence.data or "",
        pace="nhs",
        population_source=form.population_source.data or "",
    )


@bp.route("/scenarios/new", methods=["GET", "POST"])
@roles_required(*FUNDER_OR_OFFICER)
def scenario_new():
    form = _scenario_form(None)
    if form.validate_on_submit():
        try:
            item = funding.create_scenario(current_user, _settings(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Scenario saved."), "success")
            return redirect(url_for("funding.scenario", scenario_id=item.id))
    return _scenario_page_form(form, None)


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
@roles_required(*FUNDER_OR_OFFICER)
def scenario_edit(scenario_id: int):
    item = db.get_or_404(Scenario, scenario_id)
    reason = ownership.why_not_change_scenario(current_user, item)
    if reason:
        return refused(reason)
    if item.is_published:
        flash(
            _(
                "This scenario is published, so it can no longer change. Start a new scenario "
                "from it instead."
            ),
            "info",
        )
        return redirect(url_for("funding.scenario", scenario_id=item.id))
    form = _scenario_form(item)
    if form.validate_on_submit():
        try:
            funding.update_scenario(current_user, item, _settings(form))
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Scenario saved."), "success")
            return redirect(url_for("funding.scenario", scenario_id=item.id))
    return _scenario_page_form(form, item)


def _publish_form(today: date) -> PublishForm:
    form = PublishForm()
    form.process_id.choices = [("", _("No process: publish the amounts only"))] + [
        (
            p.id,
            _(
                "%(process)s (voting opens %(day)s)",
                process=p.title,
                day=in_words(p.voting_start, "long_date"),
            ),
        )
        for p in funding.open_processes(today)
    ]
    return form


def _scenario_page(item: Scenario, publish_form: PublishForm):
    computation = funding.computation_of(item)
    others = [s for s in funding.scenarios() if s.id != item.id]
    compare_id = request.args.get("compare", type=row_id)
    if compare_id is None and item.previous_scenario_id:
        compare_id = item.previous_scenario_id
    other = next((s for s in others if s.id == compare_id), None)
    comparison = warning = None
    if other is not None and not computation.problem:
        theirs = funding.computation_of(other)
        if not theirs.problem:
            comparison = funding.compare(computation.rows, theirs.rows)
            warning = funding.editions_warning(computation.document, theirs.document)
    return render_template(
        "funders/scenario.html",
        scenario=item,
        computation=computation,
        rows=computation.rows,
        others=others,
        other=other,
        comparison=comparison,
        editions_warning=warning,
        publish_form=publish_form,
        checked=funding.check_published(item) if item.is_published else None,
        undo_form=UndoBudgetsForm()
        if item.is_published and publication.why_not_undo(item, clock.today()) is None
        else None,
    ), form_status(publish_form)


@bp.route("/scenarios/<int:scenario_id>")
@roles_required(*FUNDER_OR_OFFICER)
def scenario(scenario_id: int):
    item = db.get_or_404(Scenario, scenario_id)
    return _scenario_page(item, _publish_form(clock.today()))


@bp.route("/scenarios/<int:scenario_id>/publish", methods=["POST"])
@roles_required(*FUNDER_OR_OFFICER)
def scenario_publish(scenario_id: int):
    item = db.get_or_404(Scenario, scenario_id)
    reason = ownership.why_not_change_scenario(current_user, item)
    if reason:
        return refused(reason)
    today = clock.today()
    form = _publish_form(today)
    if form.validate_on_submit():
        process = None
        if form.process_id.data is not None:
            process = (
                db.session.get(Process, form.process_id.data)
                if 0 < form.process_id.data <= MAX_ID
                else None
            )
            if process is None:
                form.process_id.errors.append(_("Choose a process from the list."))
                return _scenario_page(item, form)
        if process is not None and form.confirm.data != "yes":
            if process.voting_has_opened(today):
                form.process_id.errors.append(
                    _("Voting has opened, so the budgets can no longer change.")
                )
                return _scenario_page(item, form)
            return render_template(
                "funders/publish_confirm.html",
                scenario=item,
                process=process,
                changes=publication.preview(item, process),
                form=form,
            )
        try:
            if process is not None:
                publication.publish_to_process(current_user, item, process, today)
            else:
                funding.publish_scenario(current_user, item, None, today)
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            message = _("Scenario published.")
            if process is not None:
                message = _(
                    "Scenario published. The neighbourhood budgets of %(process)s are set; you "
                    "can put back the budgets they replaced until voting opens.",
                    process=process.title,
                )
            flash(message, "success")
            return redirect(url_for("funding.scenario", scenario_id=item.id))
    return _scenario_page(item, form)


@bp.route("/scenarios/<int:scenario_id>/undo-budgets", methods=["POST"])
@roles_required(*FUNDER_OR_OFFICER)
def scenario_undo_budgets(scenario_id: int):
    item = db.get_or_404(Scenario, scenario_id)
    reason = ownership.why_not_change_scenario(current_user, item)
    if reason:
        return refused(reason)
    form = UndoBudgetsForm()
    if not form.validate_on_submit():
        flash(_("This page had expired, so nothing changed. Please try again."), "error")
        return redirect(url_for("funding.scenario", scenario_id=item.id))
    try:
        process = publication.undo(current_user, item, clock.today())
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("The budgets of %(process)s are back as they were.", process=process.title),
            "success",
        )
    return redirect(url_for("funding.scenario", scenario_id=item.id))


@bp.route("/scenarios/<int:scenario_id>/amounts.<any(csv, xlsx):kind>")
@roles_required(*FUNDER_OR_OFFICER)
def scenario_download(scenario_id: int, kind: str):
    item = db.get_or_404(Scenario, scenario_id)
    computation = funding.computation_of(item)
    if computation.problem:
        flash(computation.problem, "error")
        return redirect(url_for("funding.scenario", scenario_id=item.id))
    return download(item, computation, kind)


# --- Pooled budget -------------------------------------------------------------------------------


def _pool_view():
    """The pool form read from the query string, the pool it shows (or None), and the
    contributions."""
    form = PoolForm(request.args if request.args else None)
    choices = funding.scenarios()
    items = funding.contributions()
    form.scenario.choices = [(s.id, f"{s.name} ({s.status})") for s in choices]
    view = None
    scenario = None
    if form.validate():
        scenario = next((s for s in choices if s.id == form.scenario.data), None)
        if scenario is None and choices:
            scenario = choices[0]
            form.scenario.data = scenario.id
    if scenario is not None and not form.errors:
        try:
            raw = {key: getattr(form, name).data for key, name in THEME_FIELDS}
            weights = funding_pool.check_weights(raw)
        except FieldError as error:
            form.form_errors.append(error.message)
        else:
            computation = funding.computation_of(scenario)
            day = form.day.data or clock.today()
            form.day.data = day
            if computation.problem:
                form.form_errors.append(computation.problem)
            else:
                form.weighting.data = form.weighting.data or "even"
                view = funding_pool.pool_view(
                    computation.rows,
                    items,
                    weights,
                    day,
                    Neighbourhood.all_by_name(),
                    weighting=form.weighting.data,
                    source=funding_pool.need_source(computation.document),
                )
    return form, scenario, view, items


@bp.route("/pool")
@roles_required(*FUNDER_OR_OFFICER)
def pool():
    form, scenario, view, items = _pool_view()
    return render_template(
        "funders/pool.html",
        form=form,
        theme_fields=[(THEMES[key], getattr(form, name)) for key, name in THEME_FIELDS],
        scenario=scenario,
        view=view,
        contributions=items,
        query=request.query_string.decode(),
    ), form_status(form)


@bp.route("/pool/inputs.json")
@roles_required(*FUNDER_OR_OFFICER)
def pool_inputs():
    """The pool's input in the ``python -m allocation pooled`` format, to recompute it."""
    _form, _scenario, view, _items = _pool_view()
    if view is None or view.input_document is None:
        abort(404)
    return Response(
        json.dumps(view.input_document, indent=1, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="pooled-budget-inputs.json"'},
    )
