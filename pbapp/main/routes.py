from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import func, or_, select

from pbapp import clock
from pbapp.access import public
from pbapp.extensions import db
from pbapp.main import bp
from pbapp.models import PHASE_NAMES, Budget, Neighbourhood, Process, Result
from pbapp.services import neighbourhoods


@bp.route("/")
@public
def index():
    summary = db.session.execute(
        select(func.count(Neighbourhood.id), func.coalesce(func.sum(Neighbourhood.population), 0))
    ).one()
    return render_template("main/index.html", neighbourhood_count=summary[0], population=summary[1])


@bp.route("/neighbourhoods/")
@public
def neighbourhoods_list():
    profiles = neighbourhoods.need_profiles()
    chart_rows = [
        (
            p.neighbourhood.name,
            p.need_score,
            url_for("main.neighbourhood", code=p.neighbourhood.code),
            False,
        )
        for p in profiles
    ]
    return render_template("main/neighbourhoods.html", profiles=profiles, chart_rows=chart_rows)


@bp.route("/neighbourhoods/<code>")
@public
def neighbourhood(code: str):
    area = db.first_or_404(select(Neighbourhood).where(Neighbourhood.code == code))
    profiles = neighbourhoods.need_profiles()
    profile = next(p for p in profiles if p.neighbourhood.id == area.id)
    chart_rows = [
        (
            p.neighbourhood.name,
            p.need_score,
            url_for("main.neighbourhood", code=p.neighbourhood.code),
            p.neighbourhood.id == area.id,
        )
        for p in profiles
    ]
    # The budgets its residents may propose and vote in: its own and every city-wide one.
    budgets = db.session.scalars(
        select(Budget)
        .join(Process)
        .where(
            or_(Budget.neighbourhood_id == area.id, Budget.neighbourhood_id.is_(None)),
            Process.is_draft.is_(False),
        )
        .order_by(Process.voting_start.desc(), Budget.neighbourhood_id.is_(None), Budget.id)
    ).all()
    results = {
        r.budget_id: r
        for r in db.session.scalars(
            select(Result).where(Result.budget_id.in_([b.id for b in budgets]))
        )
    }
    funded = [
        (budget, proposal)
        for budget in budgets
        if budget.id in results and budget.neighbourhood_id == area.id
        for proposal in budget.proposals
        if proposal.id in results[budget.id].selected
    ]
    return render_template(
        "main/neighbourhood.html",
        area=area,
        profile=profile,
        profiles=profiles,
        chart_rows=chart_rows,
        budgets=budgets,
        funded=funded,
        today=clock.today(),
        phase_names=PHASE_NAMES,
    )


@bp.route("/about/data")
@public
def data_sources():
    return render_template("main/data_sources.html")


@bp.route("/about/disclosure")
@public
def disclosure():
    from pbapp.services.participation import disclosure as policy

    return render_template("main/disclosure.html", policy=policy)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """The language picker (base.html, every page): keep the choice in a cookie for a year, and
    with the account when someone is signed in, then return the reader to the page they were on
    (a path on this site only)."""
    from flask import flash, redirect, request
    from flask_login import current_user

    from pbapp import i18n
    from pbapp.services.accounts import language as languages
    from pbapp.services.errors import FieldError

    back = i18n.local_path(request.form.get("next")) or url_for("main.index")
    code = request.form.get("language", "")
    if i18n.offered_language(code) is None:
        flash(languages.unknown_language_message(), "error")
        return redirect(back, 303)
    if current_user.is_authenticated:
        try:
            languages.set_language(current_user, code)
        except FieldError as error:  # offered a moment ago: a catalogue removed since
            flash(error.message, "error")
            return redirect(back, 303)
        db.session.commit()
    response = redirect(back, 303)
    i18n.remember(response, code)
    return response
