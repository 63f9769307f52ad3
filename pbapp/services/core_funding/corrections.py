"""Correction requests: a group reports a mistake in its data; an officer decides."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from pbapp.extensions import db
from pbapp.formatting import money
from pbapp.models import User
from pbapp.models.core_funding import (
    CORRECTION_SUBJECTS,
    CoreFundingRound,
    CorrectionRequest,
    Organisation,
)
from pbapp.services import audit
from pbapp.services.core_funding.common import actor_id, now, too_long
from pbapp.services.core_funding.profiles import Profile, update_organisation
from pbapp.services.core_funding.rounds import draft_rounds
from pbapp.services.errors import FieldError
from pbapp.services.notifications import notices

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
        raise FieldError("subject", _("Choose what is wrong."))
    details = details.strip()
    if not details:
        raise FieldError("details", _("Say what is wrong and what the right figure is."))
    if len(details) > DETAILS_MAX:
        raise FieldError("details", too_long(DETAILS_MAX))
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
    notices.correction_raised(request)  # in this transaction: the request and its notices
    return request


def decide_correction(
    actor: User,
    request: CorrectionRequest,
    *,
    accept: bool,
    reason: str,
    profile: Profile | None = None,
) -> None:
    """An officer accepts or declines a correction request, with a reason shown to the group.

    Accepting applies ``profile`` (the figures the officer confirmed in the decision form) to
    the group's profile in the same step and records which figures changed in
    ``request.corrected``; accepting a correction of income, reach or details without changing a
    figure is refused. A published award stays as published (the next round uses the corrected
    figures). Raises ``FieldError`` when the request is already decided, the reason is missing
    or a figure is invalid (nothing is changed: the caller rolls back).
    """
    if request.status != "open":
        raise FieldError("decision", _("This request has already been decided."))
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", _("Give the group a reason for your decision."))
    if len(reason) > REASON_MAX:
        raise FieldError("reason", too_long(REASON_MAX))
    corrected: dict[str, dict[str, Any]] = {}
    if accept and profile is not None:
        org = request.organisation
        before = labelled_figures(org)
        update_organisation(actor, org, profile)
        after = labelled_figures(org)
        corrected = {
            key: {"label": label, "before": before.get(key, ("", "none"))[1], "after": shown}
            for key, (label, shown) in after.items()
            if before.get(key, ("", "none"))[1] != shown
        } | {
            key: {"label": label, "before": shown, "after": "none"}
            for key, (label, shown) in before.items()
            if key not in after
        }
    if accept and not corrected and request.subject in ("income", "reach", "details"):
        raise FieldError(
            "decision",
            _(
                "You chose Accept, but no figure changed. Change the figures the group corrected "
                "below, or decline the request."
            ),
        )
    request.status = "accepted" if accept else "declined"
    request.reason = reason
    request.decided_by_id = actor.id
    request.decided_at = now()
    request.corrected = corrected or None
    if accept:
        request.takes_effect = _where_it_takes_effect(request)
    audit.record(
        actor,
        f"correction.{request.status}",
        "correction_request",
        request.id,
        before={"status": "open"},
        after={
            "status": request.status,
            "reason": reason,
            "takes_effect": request.takes_effect,
            "corrected": corrected,
        },
    )


def labelled_figures(org: Organisation) -> dict[str, tuple[str, str]]:
    """A profile's figures as {key: (label, shown value)}, to say which ones a correction changed."""
    figures: dict[str, tuple[str, str]] = {
        "name": ("Name", org.name),
        "registration_number": ("Charity or company number", org.registration_number or "none"),
        "income_year": ("Year the latest accounts ended", str(org.income_year)),
        "income_latest": ("Income in the latest year", money(org.income_latest)),
        "income_previous": ("Income the year before", money(org.income_previous)),
        "income_earlier": ("Income the year before that", money(org.income_earlier)),
        "reach_period": ("Period the reach figures cover", org.reach_period or "none"),
        "equality_people": (
            "People served across the city",
            "none" if org.equality_people is None else f"{org.equality_people:,}",
        ),
        "trades": ("Trades", "yes" if org.trades else "no"),
        "mfa_declared": ("Minimal Financial Assistance declared", money(org.mfa_declared)),
    }
    for row in org.reach:
        name = row.neighbourhood.name
        figures[f"reach_{row.neighbourhood_id}"] = (f"People reached in {name}", f"{row.people:,}")
        figures[f"intensive_{row.neighbourhood_id}"] = (
            f"Of them, intensive support in {name}",
            f"{row.intensive:,}",
        )
    return figures


def _where_it_takes_effect(request: CorrectionRequest) -> str:
    drafts = draft_rounds()
    parts = []
    if request.funding_round is not None and request.funding_round.is_published:
        parts.append(
            f"The profile is corrected now. The award in “{request.funding_round.title}” "
            "stays as published; the corrected figures are used from the next round."
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
