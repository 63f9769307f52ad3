"""Rounds: create and change drafts, compute and preview, publish, recheck, and read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from allocation.core_funding import Award as FormulaAward
from allocation.core_funding import (
    CoreFundingError,
    CoreFundingResult,
)
from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.core_funding import (
    Award,
    CoreFundingRound,
    Organisation,
)
from pbapp.services import audit
from pbapp.services.core_funding.common import actor_id, now
from pbapp.services.core_funding.document import (
    RoundProblem,
    build_document,
    compute_document,
    fingerprint_of,
    more_reach_amounts,
)
from pbapp.services.core_funding.refusals import explain_refusal
from pbapp.services.core_funding.settings import (
    RoundSettings,
    check_settings,
    parameters_of,
    settings_of,
)
from pbapp.services.errors import FieldError


def create_round(actor: User, settings: RoundSettings) -> CoreFundingRound:
    """Create a draft round. Raises ``FieldError`` naming the setting at fault."""
    check_settings(settings)
    funding_round = CoreFundingRound(
        title=settings.title,
        pot=settings.pot,
        years=settings.years,
        first_year=settings.first_year,
        parameters=parameters_of(settings),
        status="draft",
        created_by_id=actor_id(actor),
    )
    db.session.add(funding_round)
    db.session.flush()
    audit.record(
        actor,
        "core_funding_round.create",
        "core_funding_round",
        funding_round.id,
        after=_round_record(funding_round),
    )
    return funding_round


def update_round(actor: User, funding_round: CoreFundingRound, settings: RoundSettings) -> None:
    """Change a draft round's settings; a published round never changes (``FieldError``)."""
    if funding_round.is_published:
        raise FieldError("title", _("This round is published, so it can no longer change."))
    check_settings(settings)
    before = _round_record(funding_round)
    funding_round.title = settings.title
    funding_round.pot = settings.pot  # type: ignore[assignment]
    funding_round.years = settings.years  # type: ignore[assignment]
    funding_round.first_year = settings.first_year  # type: ignore[assignment]
    funding_round.parameters = parameters_of(settings)
    after = _round_record(funding_round)
    audit.record_changes(
        actor, "core_funding_round.update", "core_funding_round", funding_round.id, before, after
    )


def _round_record(funding_round: CoreFundingRound) -> dict[str, Any]:
    return {
        "title": funding_round.title,
        "pot": funding_round.pot,
        "years": funding_round.years,
        "first_year": funding_round.first_year,
        "parameters": funding_round.parameters,
    }


@dataclass
class AwardRow:
    """One group's line in a preview or a published round."""

    organisation: Organisation
    amount: int
    breakdown: dict[str, Any]
    previous: int | None

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def group_id(self) -> str:
        """The group's id in the formula's inputs."""
        return str(self.organisation.id)


@dataclass
class Computation:
    """A round's awards computed from settings and the current data (or a problem)."""

    document: dict[str, Any]
    fingerprint: str
    result: CoreFundingResult | None = None
    rows: list[AwardRow] = field(default_factory=list)
    problem: RoundProblem | None = None
    previous_round: CoreFundingRound | None = None
    previous_awards: dict[int, Award] = field(default_factory=dict)


def latest_published_round(before: CoreFundingRound | None = None) -> CoreFundingRound | None:
    """The latest published round (published before ``before``, when it is published)."""
    query = select(CoreFundingRound).where(CoreFundingRound.status == "published")
    if before is not None:
        query = query.where(CoreFundingRound.id != before.id)
        if before.published_at is not None:
            query = query.where(CoreFundingRound.published_at <= before.published_at)
    return db.session.scalar(
        query.order_by(CoreFundingRound.published_at.desc(), CoreFundingRound.id.desc())
    )


def compute_round(
    settings: RoundSettings, *, previous_round: CoreFundingRound | None = None
) -> Computation:
    """Compute a round from settings and today's profiles without saving anything.

    Never raises for a round that cannot be computed: ``problem`` says why, in plain words.
    """
    try:
        document, organisations, previous_awards = build_document(settings, previous_round)
    except RoundProblem as problem:
        return Computation(document={}, fingerprint="", problem=problem)
    computation = Computation(
        document=document,
        fingerprint=fingerprint_of(document),
        previous_round=previous_round,
        previous_awards=previous_awards,
    )
    if not organisations:
        computation.problem = RoundProblem(
            _("No group is eligible yet. An officer checks each group's eligibility first.")
        )
        return computation
    try:
        result = compute_document(document)
    except CoreFundingError as error:
        computation.problem = explain_refusal(error, document)
        return computation
    computation.result = result
    more = more_reach_amounts(document) if "reach_exponent" in document else {}
    for org, award, group in zip(organisations, result.awards, document["groups"], strict=True):
        breakdown = _breakdown(award, result, group)
        if award.group in more:
            breakdown["amount_with_more_reach"] = more[award.group]
        computation.rows.append(
            AwardRow(
                organisation=org,
                amount=award.amount,
                breakdown=breakdown,
                previous=group["previous"],
            )
        )
    return computation


def _breakdown(
    award: FormulaAward, result: CoreFundingResult, group: dict[str, Any]
) -> dict[str, Any]:
    data = award.to_dict()
    data["previous"] = group["previous"]
    data["reach_price"] = round(float(result.reach_price), 4)
    data["equality_pot"] = result.to_dict()["equality_pot"]
    data["equality_price"] = round(float(result.equality_price), 4)
    data["incomes"] = group["income"]
    data["reach_by_neighbourhood"] = group["reach"]
    data["need_multipliers"] = {
        code: round(float(result.need_multipliers[code]), 6) for code in group["reach"]
    }
    return data


def preview_round(funding_round: CoreFundingRound, settings: RoundSettings) -> Computation:
    """A draft round computed with ``settings`` (which may differ from the saved ones)."""
    return compute_round(settings, previous_round=latest_published_round())


def publish_round(actor: User, funding_round: CoreFundingRound) -> None:
    """Compute a draft round from today's data, store its inputs and awards, and publish it.

    Raises ``FieldError("publish", ...)`` when the round is already published or cannot be
    computed. Two officers publishing at once cannot both succeed: the status changes only
    where it is still draft.
    """
    if funding_round.is_published:
        raise FieldError("publish", _("This round is already published."))
    computation = preview_round(funding_round, settings_of(funding_round))
    if computation.problem is not None or computation.result is None:
        message = computation.problem.message if computation.problem else _("No awards.")
        raise FieldError(
            "publish", _("The round cannot be published. %(problem)s", problem=message)
        )
    result = computation.result
    published_at = now()
    changed = db.session.execute(
        update(CoreFundingRound)
        .where(CoreFundingRound.id == funding_round.id, CoreFundingRound.status == "draft")
        .values(
            status="published",
            published_at=published_at,
            published_by_id=actor_id(actor),
            inputs=computation.document,
            fingerprint=computation.fingerprint,
            total=result.total,
            unallocated=result.unallocated,
            reach_price=str(round(float(result.reach_price), 4)),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise FieldError("publish", _("This round was published by someone else a moment ago."))
    for row in computation.rows:
        previous = computation.previous_awards.get(row.organisation.id)
        db.session.add(
            Award(
                round_id=funding_round.id,
                organisation_id=row.organisation.id,
                amount=row.amount,
                breakdown=row.breakdown,
                trades=bool(row.breakdown.get("trades", False)),
                previous_award_id=previous.id if previous is not None else None,
            )
        )
    db.session.flush()
    db.session.refresh(funding_round)
    audit.record(
        actor,
        "core_funding_round.publish",
        "core_funding_round",
        funding_round.id,
        after={
            "fingerprint": computation.fingerprint,
            "pot": funding_round.pot,
            "total": result.total,
            "unallocated": result.unallocated,
            "awards": {str(r.organisation.id): r.amount for r in computation.rows},
        },
    )


def stability_ceiling(funding_round: CoreFundingRound, previous: int | None) -> int | None:
    """The most a group's award could rise to by the stability band, in whole pounds."""
    if not previous:
        return None
    return math.floor((1 + Decimal(funding_round.parameters["delta"])) * previous)


def check_published(funding_round: CoreFundingRound) -> bool:
    """Recompute a published round from its stored inputs: True when the fingerprint and every
    award agree with what was published."""
    if not funding_round.is_published or funding_round.inputs is None:
        return False
    if fingerprint_of(funding_round.inputs) != funding_round.fingerprint:
        return False
    try:
        result = compute_document(funding_round.inputs)
    except CoreFundingError:
        return False
    stored = {str(a.organisation_id): a.amount for a in funding_round.awards}
    return stored == {a.group: a.amount for a in result.awards} and (
        result.unallocated == funding_round.unallocated
    )


# ----------------------------------------------------------------------------- reading


def published_rounds() -> list[CoreFundingRound]:
    """Published rounds, latest first."""
    return list(
        db.session.scalars(
            select(CoreFundingRound)
            .where(CoreFundingRound.status == "published")
            .order_by(CoreFundingRound.published_at.desc(), CoreFundingRound.id.desc())
        )
    )


def draft_rounds() -> list[CoreFundingRound]:
    """Draft rounds (officers only), newest first."""
    return list(
        db.session.scalars(
            select(CoreFundingRound)
            .where(CoreFundingRound.status == "draft")
            .order_by(CoreFundingRound.id.desc())
        )
    )


def award_of(funding_round: CoreFundingRound, org: Organisation) -> Award | None:
    """The group's award in a published round, or None."""
    return db.session.scalar(
        select(Award).where(Award.round_id == funding_round.id, Award.organisation_id == org.id)
    )
