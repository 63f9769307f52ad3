"""The read-only public JSON API (documented by ``openapi.json`` beside this file)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response, abort, jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp import clock
from pbapp.access import public
from pbapp.api import bp
from pbapp.extensions import db
from pbapp.models import Budget, Process, Result
from pbapp.services.participation import disclosure
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
        .where(Process.is_draft.is_(False))  # drafts are for officers' eyes only
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
    policy = disclosure.for_result(result)
    return jsonify(
        budget=budget.id,
        rule=result.rule,
        selected=result.selected,
        spend=result.spend,
        budget_amount=budget.amount,
        voters=policy.voters,
        ballots_file_published=policy.ballots_file,
        withheld=policy.reason,
        fingerprint=result.fingerprint,
        published_at=result.published_at.isoformat(),
    )


@bp.route("/budgets/<int:budget_id>/ballots.pb")
@public
def budget_ballots(budget_id: int):
    budget, result = _published(budget_id)
    policy = disclosure.for_result(result)
    if not policy.ballots_file:
        return jsonify(
            error={"status": 404, "title": "Not published", "detail": policy.reason}
        ), 404
    return Response(anonymised_pb(budget), mimetype="text/plain")


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(json.loads(OPENAPI.read_text()))
