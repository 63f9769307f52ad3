"""Core funding for VCS groups: profiles, eligibility, rounds (preview and publish), corrections.

The formula itself is ``allocation.core_funding``; this module gathers its inputs from the
database, keeps them as a document in the command line's JSON format (so that anyone can rerun
``python -m allocation core-funding`` on a published round's inputs and get the same awards),
and stores the awards of a published round with the inputs' SHA-256 fingerprint.

Services validate, change the session and record audit events; they never commit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update

from allocation.core_funding import Award as FormulaAward
from allocation.core_funding import (
    CoreFundingError,
    CoreFundingResult,
    Group,
    Round,
    RoundParameters,
    SizeBand,
    compute_core_awards,
)
from allocation.core_funding import (
    Neighbourhood as NeedArea,
)
from pbapp.extensions import db
from pbapp.models import Neighbourhood, User
from pbapp.models.core_funding import (
    CORRECTION_SUBJECTS,
    ELIGIBILITY_CHECKS,
    Award,
    CoreFundingRound,
    CorrectionRequest,
    Organisation,
    OrganisationKeeper,
    OrganisationReach,
)
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.neighbourhoods import need_profiles

NAME_MAX = 200
REGISTRATION_MAX = 20
DETAILS_MAX = 2000
REASON_MAX = 2000
MAX_BANDS = 4
# Sanity limits that also keep every figure inside the database's integer columns.
MAX_INCOME = 1_000_000_000
MAX_POT = 100_000_000
_REGISTRATION = re.compile(r"^[A-Za-z0-9 -]*$")


def _id(actor: User | None) -> int | None:
    """The acting user's id; None for the demo loader and other system actions."""
    return actor.id if actor is not None else None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ----------------------------------------------------------------------------- profiles


@dataclass
class Profile:
    """What a group says about itself: incomes latest first, people reached by neighbourhood id."""

    name: str
    registration_number: str
    income_year: int | None
    income_latest: int | None
    income_previous: int | None = None
    income_earlier: int | None = None
    reach: dict[int, int] = field(default_factory=dict)


def organisation_of(user: User) -> Organisation | None:
    """The group ``user`` keeps, or None."""
    return db.session.scalar(
        select(Organisation)
        .join(OrganisationKeeper)
        .where(OrganisationKeeper.user_id == user.id)
        .order_by(Organisation.id)
    )


def _check_profile(profile: Profile, organisation: Organisation | None) -> None:
    profile.name = profile.name.strip()
    profile.registration_number = profile.registration_number.strip().upper()
    if not profile.name:
        raise FieldError("name", "Enter your group's name.")
    if len(profile.name) > NAME_MAX:
        raise FieldError("name", f"Use at most {NAME_MAX} characters.")
    clash = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == profile.name.lower())
    )
    if clash is not None and (organisation is None or clash != organisation.id):
        raise FieldError(
            "name", "A group with this name already has a profile. Ask an officer if it is yours."
        )
    if len(profile.registration_number) > REGISTRATION_MAX or not _REGISTRATION.match(
        profile.registration_number
    ):
        raise FieldError(
            "registration_number",
            "Enter a charity or company number in letters and digits, like 1123456 or SC012345.",
        )
    if profile.income_year is None or not 2000 <= profile.income_year <= 2100:
        raise FieldError("income_year", "Enter the year your latest accounts ended, like 2025.")
    if profile.income_latest is None:
        raise FieldError("income_latest", "Enter your income in your latest year.")
    for name in ("income_latest", "income_previous", "income_earlier"):
        value = getattr(profile, name)
        if value is not None and value < 0:
            raise FieldError(name, "An income cannot be negative. Enter £0 if you had none.")
        if value is not None and value > MAX_INCOME:
            raise FieldError(name, f"Enter an income of at most £{MAX_INCOME:,}.")
    if profile.income_earlier is not None and profile.income_previous is None:
        raise FieldError(
            "income_previous", "Enter the income of the year before your latest year first."
        )
    areas = {n.id: n for n in db.session.scalars(select(Neighbourhood))}
    for area_id, people in profile.reach.items():
        area = areas.get(area_id)
        if area is None:
            raise FieldError("reach", "One of the neighbourhoods is not known.")
        if people < 0:
            raise FieldError(f"reach_{area_id}", "Enter 0 or more people.")
        if people > area.population:
            raise FieldError(
                f"reach_{area_id}",
                f"That is more people than live in {area.name} ({area.population:,}).",
            )


def _profile_record(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "registration_number": org.registration_number,
        "income_year": org.income_year,
        "incomes": org.incomes,
        "reach": {str(r.neighbourhood_id): r.people for r in org.reach},
    }


def _apply_profile(org: Organisation, profile: Profile) -> None:
    org.name = profile.name
    org.registration_number = profile.registration_number
    org.income_year = profile.income_year  # type: ignore[assignment]
    org.income_latest = profile.income_latest  # type: ignore[assignment]
    org.income_previous = profile.income_previous
    org.income_earlier = profile.income_earlier
    current = {r.neighbourhood_id: r for r in org.reach}
    for area_id, people in profile.reach.items():
        row = current.get(area_id)
        if people == 0 and row is not None:
            org.reach.remove(row)
        elif people > 0 and row is None:
            org.reach.append(OrganisationReach(neighbourhood_id=area_id, people=people))
        elif people > 0 and row is not None:
            row.people = people


def create_organisation(actor: User, profile: Profile) -> Organisation:
    """Create a group's profile kept by ``actor``. Raises ``FieldError`` naming the field at fault."""
    if organisation_of(actor) is not None:
        raise FieldError("name", "Your account already keeps a group's profile.")
    _check_profile(profile, None)
    org = Organisation(name=profile.name, income_year=0, income_latest=0)
    _apply_profile(org, profile)
    org.keepers.append(OrganisationKeeper(user_id=actor.id))
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.create", "organisation", org.id, after=_profile_record(org))
    return org


def update_organisation(actor: User, org: Organisation, profile: Profile) -> None:
    """Change a group's profile (by a keeper or an officer). Raises ``FieldError``."""
    _check_profile(profile, org)
    before = _profile_record(org)
    _apply_profile(org, profile)
    db.session.flush()
    after = _profile_record(org)
    audit.record_changes(actor, "organisation.update", "organisation", org.id, before, after)


def add_keeper(actor: User, org: Organisation, email: str) -> User:
    """Let the account with ``email`` (which must hold the vcs role) keep ``org``'s profile.

    Raises ``FieldError("email", ...)`` for an unknown account, one without the vcs role, or one
    that already keeps a group. Returns the new keeper.
    """
    address = User.normalise_email(email or "")
    if not address:
        raise FieldError("email", "Enter the email address of the group's account.")
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        raise FieldError("email", "No account has this email address. Ask them to create one.")
    if not user.has_role("vcs"):
        raise FieldError(
            "email",
            "This account is not a community group's account. An admin can give it "
            "the vcs role first.",
        )
    current = organisation_of(user)
    if current is not None:
        raise FieldError(
            "email",
            "This account already keeps a group's profile"
            + (": this one." if current.id == org.id else f": {current.name}."),
        )
    org.keepers.append(OrganisationKeeper(user_id=user.id))
    db.session.flush()
    audit.record(
        actor, "organisation.keeper", "organisation", org.id, after={"keeper_added": user.id}
    )
    return user


def set_eligibility(actor: User, org: Organisation, checks: dict[str, bool]) -> None:
    """Record an officer's eligibility check: every item of ``ELIGIBILITY_CHECKS``, true or false."""
    unknown = set(checks) - ELIGIBILITY_CHECKS.keys()
    if unknown:
        raise FieldError("checks", "One of the checklist items is not known.")
    before = {k: getattr(org, k) for k in ELIGIBILITY_CHECKS} | {"eligible": org.eligible}
    for name in ELIGIBILITY_CHECKS:
        setattr(org, name, bool(checks.get(name)))
    org.eligibility_checked_by_id = actor.id
    org.eligibility_checked_at = _now()
    after = {k: getattr(org, k) for k in ELIGIBILITY_CHECKS} | {"eligible": org.eligible}
    audit.record(
        actor, "organisation.eligibility", "organisation", org.id, before=before, after=after
    )


# ----------------------------------------------------------------------------- round settings


@dataclass
class RoundSettings:
    """A round as an officer sets it. Percentages as typed (50 means 50%)."""

    title: str
    pot: int | None
    years: int | None
    first_year: int | None
    bands: list[tuple[int | None, int | None]]  # (top income or None for the last, base)
    alpha: Decimal | None
    cap: int | None
    cap_income_percent: Decimal | None
    delta_percent: Decimal | None


DEFAULT_SETTINGS = RoundSettings(
    title="",
    pot=None,
    years=3,
    first_year=None,
    bands=[(10_000, 1_000), (100_000, 3_000), (1_000_000, 5_000), (None, 8_000)],
    alpha=Decimal(1),
    cap=25_000,
    cap_income_percent=Decimal(50),
    delta_percent=Decimal(10),
)


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def check_settings(settings: RoundSettings) -> None:
    """Raise ``FieldError`` naming the first setting that is missing or out of range."""
    settings.title = settings.title.strip()
    if not settings.title:
        raise FieldError("title", "Give the round a title.")
    if len(settings.title) > 200:
        raise FieldError("title", "Use at most 200 characters.")
    if settings.pot is None or settings.pot <= 0:
        raise FieldError("pot", "Enter the pot per year in whole pounds, more than £0.")
    if settings.pot > MAX_POT:
        raise FieldError("pot", f"Enter a pot of at most £{MAX_POT:,} a year.")
    if settings.years is None or not 1 <= settings.years <= 10:
        raise FieldError("years", "Enter between 1 and 10 years.")
    if settings.first_year is None or not 2000 <= settings.first_year <= 2100:
        raise FieldError("first_year", "Enter the year the round starts, like 2027.")
    bands = settings.bands
    if not bands or len(bands) > MAX_BANDS:
        raise FieldError("band1_base", "Set between 1 and 4 size bands.")
    previous_top = -1
    for i, (top, base) in enumerate(bands, start=1):
        last = i == len(bands)
        if not last and top is None and base is None:
            continue  # an unused band
        if base is None or base < 0:
            raise FieldError(f"band{i}_base", "Enter the base amount in whole pounds, £0 or more.")
        if base > MAX_POT:
            raise FieldError(f"band{i}_base", f"Enter a base amount of at most £{MAX_POT:,}.")
        if last:
            continue
        if top is None:
            raise FieldError(f"band{i}_max", "Enter the top income of this band.")
        if top > MAX_INCOME:
            raise FieldError(f"band{i}_max", f"Enter a top income of at most £{MAX_INCOME:,}.")
        if top <= previous_top:
            raise FieldError(f"band{i}_max", "Each band's top income must be above the one before.")
        previous_top = top
    if settings.alpha is None or not Decimal(0) <= settings.alpha <= Decimal(3):
        raise FieldError("alpha", "Enter a need weighting between 0 and 3, like 1 or 0.5.")
    if settings.cap is not None and not 0 < settings.cap <= MAX_POT:
        raise FieldError("cap", "Enter a cap above £0, or leave it empty for no cap.")
    if settings.cap_income_percent is not None and not (
        Decimal(0) < settings.cap_income_percent <= Decimal(1000)
    ):
        raise FieldError(
            "cap_income_percent",
            "Enter a percentage above 0 and at most 1000, or leave it empty for no limit.",
        )
    if settings.delta_percent is None or not Decimal(0) <= settings.delta_percent <= Decimal(100):
        raise FieldError("delta_percent", "Enter a stability band between 0% and 100%.")


def parameters_of(settings: RoundSettings) -> dict[str, Any]:
    """The formula's parameters as stored on a round (fractions as exact decimal strings)."""
    used = [
        (top, base)
        for i, (top, base) in enumerate(settings.bands)
        if i == len(settings.bands) - 1 or top is not None or base is not None
    ]
    bands = [
        {"max_income": top if i < len(used) - 1 else None, "base": base}
        for i, (top, base) in enumerate(used)
    ]
    return {
        "bands": bands,
        "alpha": _decimal_text(settings.alpha),  # type: ignore[arg-type]
        "cap": settings.cap,
        "cap_income_fraction": (
            None
            if settings.cap_income_percent is None
            else _decimal_text(settings.cap_income_percent / 100)
        ),
        "delta": _decimal_text(settings.delta_percent / 100),  # type: ignore[operator]
    }


def settings_of(funding_round: CoreFundingRound) -> RoundSettings:
    """The settings a round was saved with, ready to fill a form or compute."""
    p = funding_round.parameters
    fraction = p.get("cap_income_fraction")
    return RoundSettings(
        title=funding_round.title,
        pot=funding_round.pot,
        years=funding_round.years,
        first_year=funding_round.first_year,
        bands=_form_bands(p["bands"]),
        alpha=Decimal(p["alpha"]),
        cap=p.get("cap"),
        cap_income_percent=None if fraction is None else Decimal(fraction) * 100,
        delta_percent=Decimal(p["delta"]) * 100,
    )


def _form_bands(bands: list[dict[str, Any]]) -> list[tuple[int | None, int | None]]:
    """Stored bands as the form's four rows: unused rows empty, the open-ended band last."""
    rows: list[tuple[int | None, int | None]] = [(b["max_income"], b["base"]) for b in bands]
    padding: list[tuple[int | None, int | None]] = [(None, None)] * (MAX_BANDS - len(rows))
    return rows[:-1] + padding + rows[-1:]


def band_labels(bands: list[dict[str, Any]]) -> list[str]:
    """Plain labels of the size bands: 'Up to £10,000', '£10,001 to £100,000', 'Over £100,000'."""
    labels = []
    floor = None
    for band in bands:
        top = band["max_income"]
        if floor is None:
            labels.append(f"Up to £{top:,}" if top is not None else "Any income")
        elif top is None:
            labels.append(f"Over £{floor:,}")
        else:
            labels.append(f"£{floor + 1:,} to £{top:,}")
        floor = top
    return labels


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
        created_by_id=_id(actor),
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
        raise FieldError("title", "This round is published, so it can no longer change.")
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


# ----------------------------------------------------------------------------- computing


class RoundProblem(Exception):
    """A round that cannot be computed with these settings and data, said plainly."""

    def __init__(self, message: str, numbers: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.numbers = numbers or {}


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


def _number(value: Decimal | int | float) -> int | float:
    """A figure for the JSON document: an int when whole, else the float that prints as it."""
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def _json_number(text: str | None) -> int | float | None:
    return None if text is None else _number(Decimal(text))


def build_document(
    settings: RoundSettings, previous_round: CoreFundingRound | None
) -> tuple[dict[str, Any], list[Organisation], dict[int, Award]]:
    """The inputs of a round in the command line's JSON format, with names under ``about``.

    Every eligible group takes part; a group's previous award is its award per year in
    ``previous_round`` (the latest published round). Raises ``RoundProblem`` when a group
    reaches people in a neighbourhood that has no need figure.
    """
    params = parameters_of(settings)
    organisations = [
        o
        for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
        if o.eligible
    ]
    previous_awards: dict[int, Award] = {}
    if previous_round is not None:
        previous_awards = {a.organisation_id: a for a in previous_round.awards}
    profiles = [p for p in need_profiles() if p.need_score is not None]
    scored = {p.neighbourhood.id: p for p in profiles}
    groups = []
    about_groups = {}
    for org in organisations:
        reach = {}
        for row in sorted(org.reach, key=lambda r: r.neighbourhood_id):
            profile = scored.get(row.neighbourhood_id)
            if profile is None:
                raise RoundProblem(
                    f"{org.name} reaches people in {row.neighbourhood.name}, which has no need "
                    "figure yet, so the round cannot weight them by need. Add the figure, or "
                    "correct the group's profile."
                )
            reach[profile.neighbourhood.code] = row.people
        previous = previous_awards.get(org.id)
        groups.append(
            {
                "id": str(org.id),
                "income": list(reversed(org.incomes)),  # oldest first
                "reach": reach,
                "previous": previous.amount if previous is not None else None,
            }
        )
        about_groups[str(org.id)] = {
            "name": org.name,
            "registration_number": org.registration_number,
            "income_year": org.income_year,
        }
    document = {
        "pot": settings.pot,
        "years": settings.years,
        "bands": params["bands"],
        "alpha": _json_number(params["alpha"]),
        "cap": params["cap"],
        "cap_income_fraction": _json_number(params["cap_income_fraction"]),
        "delta": _json_number(params["delta"]),
        "neighbourhoods": [{"id": p.neighbourhood.code, "need": p.need_score} for p in profiles],
        "groups": groups,
        "about": {
            "title": settings.title,
            "first_year": settings.first_year,
            "previous_round": previous_round.id if previous_round is not None else None,
            "groups": about_groups,
            "neighbourhoods": {
                p.neighbourhood.code: {"name": p.neighbourhood.name, "need_year": p.need_year}
                for p in profiles
            },
        },
    }
    return document, organisations, previous_awards


def fingerprint_of(document: dict[str, Any]) -> str:
    """SHA-256 of the document in canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute_document(document: dict[str, Any]) -> CoreFundingResult:
    """Run the formula on a document. Raises ``CoreFundingError``."""
    params = RoundParameters(
        bands=[SizeBand(b["max_income"], b["base"]) for b in document["bands"]],
        alpha=document["alpha"],
        cap=document["cap"],
        cap_income_fraction=document["cap_income_fraction"],
        delta=document["delta"],
    )
    funding_round = Round(
        pot=document["pot"],
        parameters=params,
        years=document["years"],
        neighbourhoods=[NeedArea(n["id"], n["need"]) for n in document["neighbourhoods"]],
    )
    groups = [
        Group(g["id"], g["income"], g["reach"], previous=g["previous"]) for g in document["groups"]
    ]
    return compute_core_awards(funding_round, groups)


def explain_refusal(error: CoreFundingError, document: dict[str, Any]) -> RoundProblem:
    """Turn the formula's refusal into plain words with the totals that show why."""
    n = error.numbers
    pot = n.get("pot")
    if "floors_total" in n:
        floors = n["floors_total"]
        return RoundProblem(
            f"The stability floors alone come to £{floors:,} a year, £{floors - pot:,} more than "
            f"the pot of £{pot:,}. Each group that had an award in the last round is promised at "
            f"least its old award less the stability band. Raise the pot to at least £{floors:,}, "
            "or widen the stability band.",
            n,
        )
    if "base_total" in n:
        bases = _whole(n["base_total"])
        return RoundProblem(
            f"The base amounts alone come to £{bases:,} a year, more than the pot of £{pot:,}, "
            "leaving nothing to share by the people groups reach. Lower the base amounts, or "
            f"raise the pot above £{bases:,}.",
            n,
        )
    if "ceiling_total" in n:
        ceiling = _whole(n["ceiling_total"])
        return RoundProblem(
            f"The caps let the groups receive at most £{ceiling:,} a year in total, "
            f"£{pot - ceiling:,} less than the pot of £{pot:,}. Raise the cap or the income "
            f"limit, or lower the pot to £{ceiling:,} or less.",
            n,
        )
    message = str(error)
    if error.group is not None:
        name = document["about"]["groups"].get(error.group, {}).get("name", error.group)
        message = message.replace(f"group {error.group!r}", name)
    return RoundProblem(f"The round cannot be computed: {message}.", n)


def _whole(value: Any) -> int:
    return math.ceil(value)


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
            "No group is eligible yet. An officer checks each group's eligibility first."
        )
        return computation
    try:
        result = compute_document(document)
    except CoreFundingError as error:
        computation.problem = explain_refusal(error, document)
        return computation
    computation.result = result
    for org, award, group in zip(organisations, result.awards, document["groups"], strict=True):
        computation.rows.append(
            AwardRow(
                organisation=org,
                amount=award.amount,
                breakdown=_breakdown(award, result, group),
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
        raise FieldError("publish", "This round is already published.")
    computation = preview_round(funding_round, settings_of(funding_round))
    if computation.problem is not None or computation.result is None:
        message = computation.problem.message if computation.problem else "No awards."
        raise FieldError("publish", f"The round cannot be published. {message}")
    result = computation.result
    now = _now()
    changed = db.session.execute(
        update(CoreFundingRound)
        .where(CoreFundingRound.id == funding_round.id, CoreFundingRound.status == "draft")
        .values(
            status="published",
            published_at=now,
            published_by_id=_id(actor),
            inputs=computation.document,
            fingerprint=computation.fingerprint,
            total=result.total,
            unallocated=result.unallocated,
            reach_price=str(round(float(result.reach_price), 4)),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise FieldError("publish", "This round was published by someone else a moment ago.")
    for row in computation.rows:
        previous = computation.previous_awards.get(row.organisation.id)
        db.session.add(
            Award(
                round_id=funding_round.id,
                organisation_id=row.organisation.id,
                amount=row.amount,
                breakdown=row.breakdown,
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


def awards_by_band(rows: list[tuple[int, int]], bands: list[dict[str, Any]]) -> list[dict]:
    """Groups and pounds per year by size band, from (band index, amount) pairs."""
    labels = band_labels(bands)
    out = [{"label": label, "groups": 0, "pounds": 0} for label in labels]
    for band, amount in rows:
        out[band]["groups"] += 1
        out[band]["pounds"] += amount
    return out


def awards_by_need(document: dict[str, Any], amounts: dict[str, int]) -> list[dict]:
    """Pounds per year following the people groups reach, by neighbourhood, highest need first.

    A group's award is shared between the neighbourhoods it reaches in proportion to the people
    it reaches there; awards of groups that reach nobody are listed as 'Not tied to a place'.
    Figures are rounded to whole pounds for display.
    """
    names = document["about"]["neighbourhoods"]
    needs = {n["id"]: n["need"] for n in document["neighbourhoods"]}
    pounds: dict[str, float] = {code: 0.0 for code in needs}
    unplaced = 0
    for group in document["groups"]:
        amount = amounts.get(group["id"], 0)
        reach = sum(group["reach"].values())
        if not reach:
            unplaced += amount
            continue
        for code, people in group["reach"].items():
            pounds[code] += amount * people / reach
    rows = [
        {"code": code, "label": names[code]["name"], "need": needs[code], "pounds": round(v)}
        for code, v in pounds.items()
    ]
    rows.sort(key=lambda r: (-r["need"], r["label"]))
    if unplaced:
        rows.append(
            {"code": None, "label": "Not tied to a place", "need": None, "pounds": unplaced}
        )
    return rows


CSV_HEADER = [
    "round",
    "group",
    "charity_or_company_number",
    "size_band",
    "average_income",
    "people_reached",
    "need_multiplier",
    "base",
    "reach_part",
    "formula_amount",
    "limit_applied",
    "previous_award_per_year",
    "award_per_year",
    "years",
    "award_over_round",
]

BOUND_NAMES = {
    "cap": "the round's cap",
    "income": "the share of income limit",
    "stability-up": "the stability band (most it may rise)",
    "stability-down": "the stability band (least it may fall to)",
    None: "",
}


def _cell(text: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def awards_csv(funding_round: CoreFundingRound) -> str:
    """The published awards of a round as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    labels = band_labels(funding_round.parameters["bands"])
    names = funding_round.inputs["about"]["groups"] if funding_round.inputs else {}
    for award in sorted(funding_round.awards, key=lambda a: names[str(a.organisation_id)]["name"]):
        b = award.breakdown
        about = names[str(award.organisation_id)]
        writer.writerow(
            [
                _cell(funding_round.title),
                _cell(about["name"]),
                _cell(about["registration_number"]),
                labels[b["band"]],
                b["income"],
                b["reach"],
                "" if b["need_multiplier"] is None else b["need_multiplier"],
                b["base"],
                b["reach_part"],
                b["formula_amount"],
                BOUND_NAMES.get(b["bound"], b["bound"]),
                "" if b["previous"] is None else b["previous"],
                award.amount,
                funding_round.years,
                award.amount * funding_round.years,
            ]
        )
    return out.getvalue()


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
        raised_by_id=_id(actor),
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
    request.decided_at = _now()
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


def parse_decimal(text: str | None) -> Decimal | None:
    """A typed number as an exact decimal ('0.5', '1', '12.5%'); None when empty.

    Raises ``ValueError`` for text that is not a number.
    """
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().rstrip("%").replace(",", ""))
    except InvalidOperation:
        raise ValueError("Enter a number, like 0.5.") from None
    if not value.is_finite():
        raise ValueError("Enter a number, like 0.5.")
    return value
