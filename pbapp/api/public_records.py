"""Neighbourhoods, published allocations, core-funding rounds, commitments and delivery in the
API: what the public pages show of each, and nothing more (drafts and funders' working pages are
not public, so they are not here)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp.access import public
from pbapp.api import bp
from pbapp.api.conventions import (
    Page,
    href,
    iso_date,
    last_modified,
    pounds,
    query_choice,
    rfc3339,
)
from pbapp.extensions import db
from pbapp.models.accountability import COMMITMENT_STATUSES, Commitment, Story
from pbapp.models.core_funding import CoreFundingRound
from pbapp.models.funding import Scenario
from pbapp.services import neighbourhoods as places
from pbapp.services.accountability import commitments as accountability
from pbapp.services.accountability import delivery, open_data
from pbapp.services.accountability.changes import public_changes
from pbapp.services.funding import scenarios as funding

# --- Neighbourhoods -----------------------------------------------------------------------------


def _profile_json(profile: places.NeedProfile) -> dict:
    area = profile.neighbourhood
    return {
        "code": area.code,
        "href": href("neighbourhood", code=area.code),
        "name": area.name,
        "population": area.population,
        "need": {
            "measure": "Index of Multiple Deprivation score (population-weighted)",
            "score": profile.need_score,
            "year": profile.need_year,
            "rank_in_city": profile.need_rank,
            "share_in_englands_most_deprived_tenth": profile.most_deprived_share,
            "previous_score": profile.previous_score,
            "previous_year": profile.previous_year,
        },
        "proposals": href("proposals", neighbourhood=area.code),
    }


@bp.route("/neighbourhoods")
@public
def neighbourhoods():
    profiles = sorted(places.need_profiles(), key=lambda p: p.neighbourhood.code)
    return {"items": [_profile_json(p) for p in profiles]}


@bp.route("/neighbourhoods/<code>")
@public
def neighbourhood(code: str):
    found = next((p for p in places.need_profiles() if p.neighbourhood.code == code), None)
    return _profile_json(found) if found else abort(404)


# --- Published allocations (needs-weighted scenarios) -------------------------------------------


def _allocation_json(item: Scenario, *, lines: bool) -> dict:
    data = {
        "id": item.id,
        "href": href("allocation", allocation_id=item.id),
        "name": item.name,
        "description": item.description,
        "budget": item.budget,
        "published_at": rfc3339(item.published_at),
        "fingerprint": item.fingerprint,
        "inputs": f"/funding/allocations/{item.id}/inputs.json",
    }
    if lines:
        rows = funding.computation_of(item).rows
        data["neighbourhoods"] = [
            {
                "code": r.code,
                "name": r.name,
                "href": href("neighbourhood", code=r.code),
                "population": r.population,
                "need": r.need,
                "need_rank": r.need_rank,
                "amount": pounds(r.amount),
                "previous_amount": pounds(r.previous),
                "explanation": r.explanation,
            }
            for r in rows
        ]
    return data


def _published_scenarios():
    return select(Scenario).where(Scenario.status == "published")


@bp.route("/allocations")
@public
def allocations():
    page = Page()
    found = db.session.scalars(
        _published_scenarios()
        .where(Scenario.id > page.after)
        .order_by(Scenario.id)
        .limit(page.limit + 1)
    ).all()
    return page.answer(
        [_allocation_json(s, lines=False) for s in found], [s.id for s in found], "allocations"
    )


@bp.route("/allocations/<int:allocation_id>")
@public
def allocation(allocation_id: int):
    item = db.session.scalar(_published_scenarios().where(Scenario.id == allocation_id))
    if item is None:
        abort(404)
    last_modified(item.published_at)
    return _allocation_json(item, lines=True)


# --- Core-funding rounds (published only) -------------------------------------------------------


def _published_rounds():
    return select(CoreFundingRound).where(CoreFundingRound.status == "published")


def _round_json(item: CoreFundingRound, *, awards: bool) -> dict:
    data = {
        "id": item.id,
        "href": href("core_funding_round", round_id=item.id),
        "title": item.title,
        "pot": item.pot,
        "years": item.years,
        "first_year": item.first_year,
        "total": pounds(item.total),
        "unallocated": pounds(item.unallocated),
        "published_at": rfc3339(item.published_at),
        "fingerprint": item.fingerprint,
        "inputs": f"/core-funding/rounds/{item.id}/inputs.json",
    }
    if awards:
        names = item.inputs["about"]["groups"]
        data["awards"] = sorted(
            (
                {
                    "id": a.id,
                    "organisation": names[str(a.organisation_id)]["name"],
                    "amount_per_year": pounds(a.amount),
                    "statement": f"/core-funding/groups/{a.organisation_id}/awards/{item.id}",
                }
                for a in item.awards
            ),
            key=lambda award: (award["organisation"], award["id"]),
        )
    return data


@bp.route("/core-funding/rounds")
@public
def core_funding_rounds():
    page = Page()
    found = db.session.scalars(
        _published_rounds()
        .where(CoreFundingRound.id > page.after)
        .order_by(CoreFundingRound.id)
        .limit(page.limit + 1)
    ).all()
    return page.answer(
        [_round_json(r, awards=False) for r in found], [r.id for r in found], "core_funding_rounds"
    )


@bp.route("/core-funding/rounds/<int:round_id>")
@public
def core_funding_round(round_id: int):
    item = db.session.scalar(
        _published_rounds()
        .where(CoreFundingRound.id == round_id)
        .options(selectinload(CoreFundingRound.awards))
    )
    if item is None:
        abort(404)
    last_modified(item.published_at)
    return _round_json(item, awards=True)


# --- Commitments and delivery -------------------------------------------------------------------


def _story_json(story: Story) -> dict:
    return {
        "teller": story.teller_name,
        "text": story.text,
        "told_at": rfc3339(story.consent_given_at),
    }


def _update_json(update) -> dict:
    return {
        "id": update.id,
        "posted_at": rfc3339(update.posted_at),
        "figure": update.figure,
        "summary": update.summary,
        "status": update.status,
        "status_reason": update.status_reason,
        "stories": [_story_json(s) for s in accountability.visible_stories(update)],
    }


def _commitment_json(c: Commitment, *, updates: bool) -> dict:
    data = {
        "id": c.id,
        "href": href("commitment", commitment_id=c.id),
        "shift": c.shift,
        "text": c.text,
        "owner": c.owner,
        "measure": c.measure,
        "due_date": iso_date(c.due_date),
        "status": c.status,
        "status_reason": c.status_reason,
        "latest_update": _update_json(c.updates[-1]) if c.updates else None,
    }
    if updates:
        data["updates"] = [_update_json(u) for u in c.updates]
    return data


@bp.route("/commitments")
@public
def commitments():
    page = Page()
    status = query_choice("status", list(COMMITMENT_STATUSES))
    query = (
        select(Commitment)
        .options(selectinload(Commitment.updates))
        .where(Commitment.id > page.after)
        .order_by(Commitment.id)
        .limit(page.limit + 1)
    )
    if status:
        query = query.where(Commitment.status == status)
    found = db.session.scalars(query).all()
    return page.answer(
        [_commitment_json(c, updates=False) for c in found], [c.id for c in found], "commitments"
    )


@bp.route("/commitments/<int:commitment_id>")
@public
def commitment(commitment_id: int):
    item = db.session.get(Commitment, commitment_id) or abort(404)
    return _commitment_json(item, updates=True)


def _delivery_json(subject: delivery.Subject, *, updates: bool) -> dict:
    record = subject.record
    data = {
        "kind": subject.kind,
        "id": subject.id,
        "href": href("delivery_item", kind=subject.kind, subject_id=subject.id),
        "title": subject.title,
        "neighbourhood": subject.neighbourhood or None,
        "amount": pounds(subject.amount),
        "status": record.status if record else "not_started",
        "spend": pounds(record.spend) if record else 0,
        "subject": href("proposal", proposal_id=subject.id) if subject.kind == "project" else None,
    }
    if updates:
        data["updates"] = [
            {
                "posted_at": rfc3339(u.posted_at),
                "status": u.status,
                "spend": pounds(u.spend),
                "milestone": u.milestone,
                "outcome_measure": u.outcome_measure,
                "outcome_figure": u.outcome_figure,
                "note": u.note,
            }
            for u in (record.updates if record else [])
        ]
        data["stories"] = [
            _story_json(s) for s in (record.stories if record else []) if not s.is_withdrawn
        ]
    return data


DELIVERY_KINDS = ("project", "award")


@bp.route("/delivery")
@public
def delivery_list():
    kind = query_choice("kind", DELIVERY_KINDS)
    subjects = [s for s in delivery.funded_subjects() if kind in (None, s.kind)]
    return {"items": [_delivery_json(s, updates=False) for s in subjects]}


@bp.route("/delivery/<any(project, award):kind>/<int:subject_id>")
@public
def delivery_item(kind: str, subject_id: int):
    found = delivery.subject(kind, subject_id)
    return _delivery_json(found, updates=True) if found else abort(404)


# --- Open data (the fairness dashboard's tables and more) and the public change log ---------------


def _dataset_json(dataset: open_data.Dataset, *, records: bool) -> dict:
    data = {
        "name": dataset.name,
        "href": href("dataset", name=dataset.name),
        "title": dataset.title,
        "csv": f"/open-data/{dataset.name}.csv",
    }
    if records:
        data.update(open_data.as_json(dataset))
        data["name"] = data.pop("dataset")
    return data


@bp.route("/datasets")
@public
def datasets():
    return {"items": [_dataset_json(d, records=False) for d in open_data.DATASETS.values()]}


@bp.route("/datasets/<name>")
@public
def dataset(name: str):
    found = open_data.DATASETS.get(name)
    return _dataset_json(found, records=True) if found else abort(404)


@bp.route("/changes")
@public
def changes():
    return {
        "items": [
            {
                "at": rfc3339(c.at),
                "description": c.description,
                "record": c.record,
                "details": [{"field": f, "value": v} for f, v in c.details],
                "before": [{"field": f, "value": v} for f, v in c.before],
            }
            for c in public_changes()
        ]
    }
