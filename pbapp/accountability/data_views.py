"""The fairness dashboard, open data downloads, the commitments API and the public changes."""

from __future__ import annotations

from flask import Response, abort, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp.access import public
from pbapp.accountability import bp
from pbapp.extensions import db
from pbapp.forms import row_id
from pbapp.i18n import words
from pbapp.models import Budget, Result
from pbapp.services.accountability import dashboard, open_data
from pbapp.services.accountability.changes import public_changes
from pbapp.services.participation import disclosure


@bp.route("/dashboard")
@public
def dashboard_page():
    process_id = request.args.get("process", type=row_id)
    board = dashboard.build(process_id)
    return render_template(
        "accountability/dashboard.html",
        board=board,
        hidden_text=words(dashboard.HIDDEN_TEXT),
        threshold=dashboard.SUPPRESS_BELOW,
    )


@bp.route("/open-data/")
@public
def open_data_index():
    published = db.session.execute(
        select(Budget, Result)
        .join(Result, Result.budget_id == Budget.id)
        .options(selectinload(Budget.process), selectinload(Budget.neighbourhood))
        .order_by(Budget.process_id, Budget.id)
    ).all()
    # Only the ballots files the disclosure policy publishes; the others are counted.
    budgets = [b for b, r in published if disclosure.for_result(r).ballots_file]
    withheld = len(published) - len(budgets)
    return render_template(
        "accountability/open_data.html",
        datasets=open_data.DATASETS,
        budgets=budgets,
        withheld=withheld,
        hidden_text=words(dashboard.HIDDEN_TEXT),
        threshold=dashboard.SUPPRESS_BELOW,
    )


def _dataset(name: str) -> open_data.Dataset:
    found = open_data.DATASETS.get(name)
    if found is None:
        abort(404)
    return found


@bp.route("/open-data/<name>.csv")
@public
def open_data_csv(name: str):
    dataset = _dataset(name)
    return Response(
        open_data.as_csv(dataset),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={dataset.name}.csv"},
    )


@bp.route("/open-data/<name>.json")
@public
def open_data_json(name: str):
    return jsonify(open_data.as_json(_dataset(name)))


@bp.route("/changes")
@public
def changes():
    return render_template("accountability/changes.html", changes=public_changes())
