"""Participatory budgeting: counting, publishing and reading results, and the open ballots."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from pbapp import clock
from pbapp.access import public, roles_required
from pbapp.extensions import db
from pbapp.models import COUNTING_RULES, Ballot, Budget, Result
from pbapp.pb import bp
from pbapp.pb.forms import PublishForm
from pbapp.services.errors import FieldError
from pbapp.services.participation import ballots, disclosure, explanations
from pbapp.services.participation.results import anonymised_pb, publish_result, why_not_publish


@bp.route("/budgets/<int:budget_id>/publish", methods=["GET", "POST"])
@roles_required("officer")
def publish(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    form = PublishForm()
    error = None
    if form.validate_on_submit():
        try:
            publish_result(current_user, item, clock.today())
        except FieldError as failure:
            db.session.rollback()
            error = failure.message
        else:
            db.session.commit()
            flash(_("The result is published."), "success")
            return redirect(url_for("pb.results", budget_id=item.id))
    voters = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.budget_id == item.id)
    )
    return render_template(
        "pb/publish.html",
        budget=item,
        form=form,
        error=error,
        voters=voters,
        rules=COUNTING_RULES,
        not_now=why_not_publish(item, clock.today()),
    ), (422 if error else 200)


@bp.route("/budgets/<int:budget_id>/results")
@public
def results(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    result = db.session.scalar(select(Result).where(Result.budget_id == item.id))
    if result is None:
        return render_template("pb/no_result.html", budget=item), 404
    view = explanations.result_view(item, result)
    return render_template(
        "pb/results.html",
        budget=item,
        result=result,
        view=view,
        voided=ballots.voided_count(item),
    )


@bp.route("/budgets/<int:budget_id>/ballots.pb")
@public
def ballots_file(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    result = db.session.scalar(select(Result).where(Result.budget_id == item.id))
    if result is None:
        abort(404)
    policy = disclosure.for_result(result)
    if not policy.ballots_file:
        return render_template(
            "errors/error.html",
            code=404,
            title=_("These ballots are not published"),
            text=policy.reason_in_words,
        ), 404
    return Response(
        anonymised_pb(item),
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="budget-{item.id}-ballots.pb"'},
    )
