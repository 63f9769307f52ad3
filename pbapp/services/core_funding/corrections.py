"""Correction requests: a group reports a mistake in its data; an officer decides."""

from __future__ import annotations

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.core_funding import (
    CORRECTION_SUBJECTS,
    CoreFundingRound,
    CorrectionRequest,
    Organisation,
)
from pbapp.services import audit
from pbapp.services.core_funding.common import actor_id, now
from pbapp.services.core_funding.rounds import draft_rounds
from pbapp.services.errors import FieldError

DETAILS_MAX = 2000
REASON_MAX = 2000


# ----------------------------------------------------------------------------- corrections


def raise_correction(
    actor: User,
    org: Organisation,
    funding_round: CoreFundingRound | None,
    subject: str,
    details: str,
) -> CorrectionRequest:
    """A group reports a mistake in its data. Raises ``FieldError`` for a missing subject or text."""
    if subject not in CORRECTION_SUBJECTS:
        raise FieldError("subject", "Choose what is wrong.")
    details = details.strip()
    if not details:
        raise FieldError("details", "Say what is wrong and what the right figure is.")
    if len(details) > DETAILS_MAX:
        raise FieldError("details", f"Use at most {DETAILS_MAX:,} characters.")
    request = CorrectionRequest(
        organisation_id=org.id,
        round_id=funding_round.id if funding_round is not None else None,
        subject=subject,
        details=details,
        status="open",
        raised_by_id=actor_id(actor),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        actor,
        "correction.raise",
        "correction_request",
        request.id,
        after={"organisation": org.id, "subject": subject, "round": request.round_id},
    )
    return request


def decide_correction(
    actor: User, request: CorrectionRequest, *, accept: bool, reason: str
) -> None:
    """An officer accepts or declines a correction request, with a reason shown to the group.

    An accepted correction changes nothing already published: the officer corrects the profile,
    draft rounds compute from the profile, so they use it when published, and a published
    round's award stays as published (the next round uses the corrected figures).
    Raises ``FieldError`` when the request is already decided or the reason is missing.
    """
    if request.status != "open":
        raise FieldError("decision", "This request has already been decided.")
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", "Give the group a reason for your decision.")
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"Use at most {REASON_MAX:,} characters.")
    request.status = "accepted" if accept else "declined"
    request.reason = reason
    request.decided_by_id = actor.id
    request.decided_at = now()
    if accept:
        request.takes_effect = _where_it_takes_effect(request)
    audit.record(
        actor,
        f"correction.{request.status}",
        "correction_request",
        request.id,
        before={"status": "open"},
        after={"status": request.status, "reason": reason, "takes_effect": request.takes_effect},
    )


def _where_it_takes_effect(request: CorrectionRequest) -> str:
    drafts = draft_rounds()
    parts = []
    if request.funding_round is not None and request.funding_round.is_published:
        parts.append(
            f"The award in “{request.funding_round.title}” stays as published; "
            "the corrected figures are used from the next round."
        )
    if drafts:
        titles = ", ".join(f"“{r.title}”" for r in drafts)
        parts.append(f"The corrected figures are used when {titles} is published.")
    elif not parts:
        parts.append("The corrected figures are used in the next round.")
    return " ".join(parts)


def open_corrections() -> list[CorrectionRequest]:
    """Correction requests waiting for an officer, oldest first."""
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.status == "open")
            .order_by(CorrectionRequest.raised_at, CorrectionRequest.id)
        )
    )


def corrections_of(org: Organisation) -> list[CorrectionRequest]:
    """A group's correction requests, newest first."""
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.organisation_id == org.id)
            .order_by(CorrectionRequest.id.desc())
        )
    )
