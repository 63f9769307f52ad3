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
