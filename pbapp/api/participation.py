"""Participatory budgeting in the API: processes, budgets, proposals, results and ballots.

Only what the public pages show: no draft proposal, and results only once published.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Response, abort, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pbapp import clock
from pbapp.access import public
from pbapp.api import bp
from pbapp.api.conventions import (
    DIGITS,
    Page,
    Problem,
    href,
    iso_date,
    last_modified,
    link,
    pounds,
    query_choice,
    query_id,
    rfc3339,
)
from pbapp.extensions import db
from pbapp.models import Budget, Process, Proposal, Result
from pbapp.models.neighbourhood import Neighbourhood
from pbapp.models.process import PHASES, THEMES
from pbapp.services.participation import disclosure, explanations
from pbapp.services.participation.results import anonymised_pb

ALL_PHASES = ("upcoming", *PHASES)
AREA_PATTERN = "citywide|[A-Z][0-9]{8}"  # an ONS code such as E05010861, or the city
AREA = re.compile(AREA_PATTERN)
# What a resident reads on a proposal: its review, then (once counted) its outcome.
PROPOSAL_STATUSES = ("submitted", "feasible", "not_feasible", "funded", "not_funded")


def _area(area: Neighbourhood | None) -> dict | None:
    if area is None:
        return None
    return {"code": area.code, "name": area.name, "href": link("neighbourhoods", area.code)}


def budget_json(budget: Budget, today, counted: set[int]) -> dict:
    return {
        "id": budget.id,
        "href": href("budget", budget_id=budget.id),
        "process": {"id": budget.process_id, "href": href("process", process_id=budget.process_id)},
        "name": budget.name,
        "neighbourhood": _area(budget.neighbourhood),
        "amount": budget.amount,
        "phase": budget.process.phase_on(today),
        "result": href("budget_result", budget_id=budget.id) if budget.id in counted else None,
        "proposals": href("proposals", budget=budget.id),
    }


def _counted(budget_ids: list[int]) -> set[int]:
    """Which of these budgets have a published result."""
    if not budget_ids:
        return set()
    return set(db.session.scalars(select(Result.budget_id).where(Result.budget_id.in_(budget_ids))))


def process_json(process: Process, today, counted: set[int]) -> dict:
    return {
        "id": process.id,
        "href": href("process", process_id=process.id),
        "title": process.title,
        "description": process.description,
        "phase": process.phase_on(today),
        "ballot_type": process.ballot_type,
        "rule": process.rule,
        "themes": [{"id": t, "name": THEMES[t]} for t in process.themes if t in THEMES],
        "dates": {phase: iso_date(getattr(process, f"{phase}_start")) for phase in PHASES},
        "budgets": [budget_json(b, today, counted) for b in process.budgets],
        "proposals": href("proposals", process=process.id),
    }


def _processes_query():
    """Published processes: a draft is for officers' eyes only, on the pages and here."""
    return (
        select(Process)
        .options(selectinload(Process.budgets).selectinload(Budget.neighbourhood))
        .where(Process.is_draft.is_(False))
    )


@bp.route("/processes")
@public
def processes():
    page = Page()
    phase = query_choice("phase", ALL_PHASES)
    today = clock.today()
    found = db.session.scalars(
        _processes_query().where(Process.id > page.after).order_by(Process.id)
    ).all()
    if phase:
        found = [p for p in found if p.phase_on(today) == phase]
    found = found[: page.limit + 1]
    counted = _counted([b.id for p in found for b in p.budgets])
    return page.answer(
        [process_json(p, today, counted) for p in found], [p.id for p in found], "processes"
    )


@bp.route("/processes/<int:process_id>")
@public
def process(process_id: int):
    item = db.session.scalar(_processes_query().where(Process.id == process_id)) or abort(404)
    return process_json(item, clock.today(), _counted([b.id for b in item.budgets]))


@bp.route("/budgets/<int:budget_id>")
@public
def budget(budget_id: int):
    item = db.session.get(Budget, budget_id)
    if item is None or item.process.is_draft:
        abort(404)
    return budget_json(item, clock.today(), _counted([item.id]))


@lru_cache(maxsize=256)
def _outcome_lines(result_id: int, fingerprint: str) -> dict[int, dict]:
    """A published result's outcome of each proposal, by proposal id, as the disclosure policy
    lets it be said (docs/disclosure.md). A published result does not change (its fingerprint
    is part of the key all the same), so each is read and decoded once per process, not on
    every page of a list."""
    result = db.session.get(Result, result_id)
    policy = disclosure.for_result(result)
    vote_word = "points" if result.budget.process.ballot_type == "points" else "votes"
    outcomes = {}
    for line in result.explanation["projects"]:
        if not DIGITS.fullmatch(str(line["id"])):  # a proposal's id (the file's own are text)
            continue
        shown = policy.people(line["supporters"]) is not None
        outcomes[int(line["id"])] = {
            "funded": line["funded"],
            "code": line["outcome"],
            "explanation": explanations.sentence(line, vote_word)
            if shown
            else explanations.sentence_without_counts(line, vote_word),
        }
    return outcomes


def _outcomes(budget_ids: list[int]) -> dict[int, dict]:
    """Each counted proposal's outcome line, by proposal id, for these budgets."""
    if not budget_ids:
        return {}
    lines: dict[int, dict] = {}
    for result_id, fingerprint in db.session.execute(
        select(Result.id, Result.fingerprint).where(Result.budget_id.in_(budget_ids))
    ):
        lines.update(_outcome_lines(result_id, fingerprint))
    return lines


def proposal_json(proposal: Proposal, outcome: dict | None) -> dict:
    budget = proposal.budget
    return {
        "id": proposal.id,
        "href": link("proposals", proposal.id),
        "title": proposal.title,
        "summary": proposal.summary,
        "cost": pounds(proposal.ballot_cost),
        "theme": {"id": proposal.theme, "name": THEMES.get(proposal.theme, proposal.theme)},
        "location": proposal.location or None,
        "budget": {
            "id": budget.id,
            "name": budget.name,
            "href": href("budget", budget_id=budget.id),
        },
        "neighbourhood": _area(budget.neighbourhood),
        "status": _status(proposal, outcome),
        "review_note": proposal.review_note if proposal.status == "not_feasible" else None,
        "outcome": outcome,
    }


def _status(proposal: Proposal, outcome: dict | None) -> str:
    if outcome is not None:
        return "funded" if outcome["funded"] else "not_funded"
    return proposal.status


@bp.route("/proposals")
@public
def proposals():
    page = Page()
    process_id = query_id("process")
    budget_id = query_id("budget")
    theme = query_choice("theme", list(THEMES))
    status = query_choice("status", PROPOSAL_STATUSES)
    area = query_choice_area()
    query = (
        select(Proposal)
        .join(Budget)
        .options(
            joinedload(Proposal.budget).joinedload(Budget.neighbourhood),
            joinedload(Proposal.budget).joinedload(Budget.process),
        )
        .join(Process, Budget.process_id == Process.id)
        .where(Proposal.status != "draft", Process.is_draft.is_(False), Proposal.id > page.after)
        .order_by(Proposal.id)
    )
    if process_id:
        query = query.where(Budget.process_id == process_id)
    if budget_id:
        query = query.where(Budget.id == budget_id)
    if theme:
        query = query.where(Proposal.theme == theme)
    if area == "citywide":
        query = query.where(Budget.neighbourhood_id.is_(None))
    elif area:
        query = query.join(Neighbourhood, Budget.neighbourhood_id == Neighbourhood.id).where(
            Neighbourhood.code == area
        )
    counted = select(Result.budget_id)
    if status in ("submitted", "feasible", "not_feasible"):
        # Its review is its status until its budget is counted (then: funded or not).
        query = query.where(Proposal.status == status)
        if status == "feasible":
            query = query.where(Proposal.budget_id.not_in(counted))
    elif status in ("funded", "not_funded"):
        funded = [
            pid for selected in db.session.scalars(select(Result.selected)) for pid in selected
        ]
        query = query.where(Proposal.budget_id.in_(counted), Proposal.status == "feasible")
        if status == "funded":
            query = query.where(Proposal.id.in_(funded))
        else:
            query = query.where(Proposal.id.not_in(funded))
    found = db.session.scalars(query.limit(page.limit + 1)).unique().all()
    outcomes = _outcomes(sorted({p.budget_id for p in found}))
    return page.answer(
        [proposal_json(p, outcomes.get(p.id)) for p in found],
        [p.id for p in found],
        "proposals",
    )


def query_choice_area() -> str | None:
    """``neighbourhood``: an ONS code (a code that names no neighbourhood finds nothing) or
    ``citywide``; anything else is refused."""
    value = request.args.get("neighbourhood")
    if value is None:
        return None
    if not AREA.fullmatch(value):
        raise Problem(
            400,
            "Bad parameter",
            "“neighbourhood” must be a neighbourhood's ONS code or “citywide”.",
        )
    return value


@bp.route("/proposals/<int:proposal_id>")
@public
def proposal(proposal_id: int):
    item = db.session.get(Proposal, proposal_id)
    if item is None or item.status == "draft" or item.budget.process.is_draft:
        abort(404)
    outcome = _outcomes([item.budget_id]).get(item.id)
    return proposal_json(item, outcome)


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
    view = explanations.result_view(budget, result)  # the disclosure policy applied
    policy = view.disclosure
    last_modified(result.published_at)
    return {
        "budget": budget.id,
        "href": href("budget_result", budget_id=budget.id),
        "rule": result.rule,
        "selected": result.selected,
        "spend": pounds(result.spend),
        "budget_amount": budget.amount,
        "voters": policy.voters,
        "withheld": policy.reason,
        "fingerprint": result.fingerprint,
        "published_at": rfc3339(result.published_at),
        "ballots": href("budget_ballots", budget_id=budget.id) if policy.ballots_file else None,
        "proposals": [
            {
                "id": line.proposal.id if line.proposal else None,
                "href": href("proposal", proposal_id=line.proposal.id) if line.proposal else None,
                "title": line.title,
                "cost": pounds(line.cost),
                "funded": line.funded,
                "supporters": line.supporters,
                "score": line.score,
                "explanation": line.sentence,
            }
            for line in view.lines
        ],
    }


@bp.route("/budgets/<int:budget_id>/ballots.pb")
@public
def budget_ballots(budget_id: int):
    budget, result = _published(budget_id)
    policy = disclosure.for_result(result)
    if not policy.ballots_file:
        raise Problem(404, "Not published", policy.reason)
    return Response(anonymised_pb(budget), mimetype="text/plain")
