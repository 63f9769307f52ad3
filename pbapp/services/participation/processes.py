"""Running participatory-budgeting processes: create, change settings, set budgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import BALLOT_TYPES, COUNTING_RULES, THEMES, Budget, Neighbourhood, Process, User
from pbapp.models.funding import MAX_POUNDS
from pbapp.models.process import ELIGIBILITY, MIN_AGE_LIMITS
from pbapp.services import audit
from pbapp.services.errors import FieldError

# Settings that change what a ballot means: frozen once voting opens.
BALLOT_SETTINGS = (
    "ballot_type",
    "max_projects",
    "points_total",
    "rule",
    "voting_start",
    "eligibility",
    "min_age",
)


@dataclass
class ProcessSettings:
    title: str
    description: str
    themes: list[str]
    ballot_type: str
    max_projects: int | None
    points_total: int | None
    rule: str
    proposals_start: date
    review_start: date
    voting_start: date
    results_start: date
    delivery_start: date
    eligibility: str = "signed_in"  # who may vote: ELIGIBILITY
    min_age: int | None = None  # voters' minimum age on the day they vote


def _check(settings: ProcessSettings) -> None:
    if not settings.title.strip():
        raise FieldError("title", "Give the process a title.")
    if not settings.themes or set(settings.themes) - THEMES.keys():
        raise FieldError("themes", "Choose at least one of the prevention themes.")
    if settings.ballot_type not in BALLOT_TYPES:
        raise FieldError("ballot_type", "Choose a ballot type.")
    if settings.rule not in COUNTING_RULES:
        raise FieldError("rule", "Choose a counting rule.")
    if settings.eligibility not in ELIGIBILITY:
        raise FieldError("eligibility", "Choose who may vote.")
    low, high = MIN_AGE_LIMITS
    if settings.min_age is not None and not low <= settings.min_age <= high:
        raise FieldError(
            "min_age", f"Enter a minimum age from {low} to {high}, or leave it empty for none."
        )
    if settings.ballot_type == "points" and not settings.points_total:
        raise FieldError("points_total", "Say how many points each voter spreads.")
    if settings.ballot_type != "points":
        settings.points_total = None
    if settings.ballot_type != "approval":
        settings.max_projects = None
    order = [
        ("review_start", "Review must start on or after the day proposals open."),
        ("voting_start", "Voting must start on or after the day review starts."),
        ("results_start", "Results must come after voting starts."),
        ("delivery_start", "Delivery must start on or after the day results are published."),
    ]
    previous = settings.proposals_start
    for name, message in order:
        value = getattr(settings, name)
        if value < previous or (name == "results_start" and value == previous):
            raise FieldError(name, message)
        previous = value


def create_process(actor: User, settings: ProcessSettings) -> Process:
    """Create a process. Raises ``FieldError`` naming the setting at fault."""
    _check(settings)
    process = Process(**vars(settings), created_by_id=actor.id)
    db.session.add(process)
    db.session.flush()
    audit.record(actor, "process.create", "process", process.id, after={"title": process.title})
    return process


def update_process(actor: User, process: Process, settings: ProcessSettings, today: date) -> None:
    """Change a process's settings. Once voting has opened, settings that affect ballots are
    frozen; raises ``FieldError`` naming the first one that would change."""
    _check(settings)
    if process.voting_has_opened(today):
        for name in BALLOT_SETTINGS:
            if getattr(process, name) != getattr(settings, name):
                raise FieldError(
                    name,
                    "Voting has opened, so this can no longer change: ballots already cast depend on it.",
                )
    before = {k: _plain(getattr(process, k)) for k in vars(settings)}
    for key, value in vars(settings).items():
        setattr(process, key, value)
    after = {k: _plain(getattr(process, k)) for k in vars(settings)}
    audit.record_changes(actor, "process.update", "process", process.id, before, after)


def set_budgets(actor: User, process: Process, amounts: dict[int | None, int], today: date) -> None:
    """Set the budget of each neighbourhood (key None: city-wide) in whole pounds; 0 removes it.

    Raises ``FieldError`` once voting has opened, or for a negative amount or unknown neighbourhood.
    """
    if process.voting_has_opened(today):
        raise FieldError("budgets", "Voting has opened, so the budgets can no longer change.")
    known = set(db.session.scalars(select(Neighbourhood.id)))
    for key, amount in amounts.items():
        if key is not None and key not in known:
            raise FieldError("budgets", "One of the neighbourhoods is not known.")
        if amount < 0:
            raise FieldError("budgets", "A budget cannot be negative.")
        if amount > MAX_POUNDS:
            raise FieldError("budgets", f"A budget can be at most £{MAX_POUNDS:,}.")
    current = {b.neighbourhood_id: b for b in process.budgets}
    before = {str(k): b.amount for k, b in current.items()}
    for key, amount in amounts.items():
        budget = current.get(key)
        if amount == 0 and budget is not None:
            if budget.proposals:
                raise FieldError(
                    "budgets",
                    f"The {budget.name} budget already has proposals, so it cannot be removed.",
                )
            process.budgets.remove(budget)
        elif amount > 0 and budget is None:
            process.budgets.append(Budget(neighbourhood_id=key, amount=amount))
        elif amount > 0:
            budget.amount = amount
    db.session.flush()
    after = {str(b.neighbourhood_id): b.amount for b in process.budgets}
    if before != after:
        audit.record(actor, "process.budgets", "process", process.id, before=before, after=after)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value
