"""The read-only public JSON API (documented by ``openapi.json`` beside this file)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response, abort, jsonify, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp import clock
from pbapp.access import public
from pbapp.api import bp, docs
from pbapp.extensions import db
from pbapp.models import Budget, Process, Result
from pbapp.services.participation.results import anonymised_pb

OPENAPI = Path(__file__).with_name("openapi.json")


def _budget_json(budget: Budget, today) -> dict:
    area = budget.neighbourhood
    return {
        "id": budget.id,
        "neighbourhood": {"code": area.code, "name": area.name} if area else None,
        "amount": budget.amount,
        "phase": budget.process.phase_on(today),
    }


@bp.route("/processes")
@public
def processes():
    today = clock.today()
    items = db.session.scalars(
        select(Process)
        .options(selectinload(Process.budgets).selectinload(Budget.neighbourhood))
        .order_by(Process.id)
    ).all()
    return jsonify(
        processes=[
            {
                "id": p.id,
                "title": p.title,
                "phase": p.phase_on(today),
                "ballot_type": p.ballot_type,
                "rule": p.rule,
                "dates": {
                    phase: getattr(p, f"{phase}_start").isoformat()
                    for phase in ("proposals", "review", "voting", "results", "delivery")
                },
                "budgets": [_budget_json(b, today) for b in p.budgets],
            }
            for p in items
        ]
    )


def _published(budget_id: int) -> tuple[Budget, Result]:
    budget = db.session.get(Budget, budget_id)
    result = (
        db.session.scalar(select(Result).where(Result.budget_id == budget_id)) if budget else None
    )
    if result is None:
        abort(404)
    return budget, result


@bp.route("/budgets/<int:budget_id>/result")
@public
def budget_result(budget_id: int):
    budget, result = _published(budget_id)
    order = {pid: n for n, pid in enumerate(result.selected)}
    counted = [p for p in budget.proposals if p.status == "feasible" or p.id in order]
    counted.sort(key=lambda p: (p.id not in order, order.get(p.id, 0), p.id))
    return jsonify(
        budget=budget.id,
        rule=result.rule,
        selected=result.selected,
        projects=[
            {
                "id": p.id,
                "title": p.title,
                "cost": p.ballot_cost,
                "selected": p.id in order,
            }
            for p in counted
        ],
        spend=result.spend,
        budget_amount=budget.amount,
        voters=result.voters,
        fingerprint=result.fingerprint,
        published_at=result.published_at.isoformat(),
    )


@bp.route("/budgets/<int:budget_id>/ballots.pb")
@public
def budget_ballots(budget_id: int):
    budget, _ = _published(budget_id)
    return Response(anonymised_pb(budget), mimetype="text/plain")


@bp.route("/")
@public
def index():
    """What the API offers: each path, what it gives, and where the reference page is."""
    return jsonify(
        title="Sheffield Healthier Together: public API",
        documentation=url_for("api.docs_page", _external=False),
        openapi=url_for("api.openapi"),
        paths=[
            {"method": op.method, "path": op.url, "summary": op.summary} for op in docs.operations()
        ],
    )


@bp.route("/docs")
@public
def docs_page():
    """The reference page, generated from ``openapi.json`` on the server (works offline)."""
    spec = docs.load()
    return render_template("api/docs.html", spec=spec, operations=docs.operations(spec))


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(json.loads(OPENAPI.read_text()))
