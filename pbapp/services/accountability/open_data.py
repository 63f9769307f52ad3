"""Open data: every published figure as CSV and JSON, with a data dictionary.

Each dataset is a list of flat records with the columns its dictionary names, so the CSV and the
JSON of a dataset always hold the same figures. Counts of people below 5 are "fewer than 5", as
on the pages. Withdrawn stories are in no dataset; unpublished records (drafts) never are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pbapp.extensions import db
from pbapp.models import Budget, Proposal, Result
from pbapp.models.accountability import (
    Commitment,
    CommitmentUpdate,
    DeliveryRecord,
    Story,
)
from pbapp.models.core_funding import Award, CoreFundingRound
from pbapp.models.funding import Scenario
from pbapp.services import csv_safety
from pbapp.services.accountability import dashboard
from pbapp.services.accountability.dashboard import HIDDEN_TEXT, SECONDARY_TEXT, SUPPRESS_BELOW
from pbapp.services.participation import disclosure

Record = dict[str, object]


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    unit: str = ""


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    records: Callable[[], list[Record]]


def _supporters(policy: disclosure.Disclosure, supporters: object) -> int | str:
    """A project's supporters as published: the number, or why it is not shown."""
    if not isinstance(supporters, int | float):
        return ""
    if not policy.detailed:
        return disclosure.NOT_PUBLISHED
    shown = policy.people(supporters)
    return HIDDEN_TEXT if shown is None else shown


def results_records() -> list[Record]:
    """One row per project on the ballot of every published result."""
    out: list[Record] = []
    results = db.session.scalars(
        select(Result)
        .options(selectinload(Result.budget).selectinload(Budget.process))
        .order_by(Result.id)
    )
    for result in results:
        budget = result.budget
        policy = disclosure.for_result(result)
        explained = (result.explanation or {}).get("projects", [])
        lines = {str(line.get("id")): line for line in explained}
        proposals = db.session.scalars(
            select(Proposal)
            .where(Proposal.budget_id == budget.id, Proposal.status == "feasible")
            .order_by(Proposal.id)
        )
        for p in proposals:
            line = lines.get(str(p.id), {})
            supporters = line.get("supporters")
            out.append(
                {
                    "process_id": budget.process_id,
                    "process": budget.process.title,
                    "budget_id": budget.id,
                    "neighbourhood_code": budget.neighbourhood.code if budget.neighbourhood else "",
                    "budget_name": budget.name,
                    "budget_pounds": budget.amount,
                    "rule": result.rule,
                    "voters": policy.voters_text if policy.voters is None else policy.voters,
                    "proposal_id": p.id,
                    "title": p.title,
                    "theme": p.theme,
                    "cost_pounds": p.ballot_cost,
                    "supporters": _supporters(policy, supporters),
                    "funded": p.id in result.selected,
                    "published_at": result.published_at.isoformat(timespec="seconds"),
                }
            )
    return out


def allocations_records() -> list[Record]:
    """The amount per neighbourhood of every published funders' scenario."""
    out: list[Record] = []
    for s in db.session.scalars(
        select(Scenario).where(Scenario.status == "published").order_by(Scenario.id)
    ):
        for line in s.lines or []:
            out.append(
                {
                    "scenario_id": s.id,
                    "scenario": s.name,
                    "process_id": s.published_to_process_id,
                    "neighbourhood_code": line.get("id"),
                    "amount_pounds": line.get("amount"),
                    "need": line.get("need"),
                    "fingerprint": s.fingerprint,
                }
            )
    return out


def awards_records() -> list[Record]:
    """Every award of every published core-funding round."""
    out: list[Record] = []
    for a in db.session.scalars(
        select(Award)
        .join(CoreFundingRound)
        .where(CoreFundingRound.status == "published")
        .order_by(Award.round_id, Award.id)
    ):
        r = a.funding_round
        out.append(
            {
                "round_id": r.id,
                "round": r.title,
                "first_year": r.first_year,
                "years": r.years,
                "award_id": a.id,
                "organisation": a.organisation.name,
                "registration_number": a.organisation.registration_number,
                "amount_pounds_per_year": a.amount,
                "amount_pounds_total": a.round_total,
                "fingerprint": r.fingerprint,
            }
        )
    return out


def commitments_records() -> list[Record]:
    """Every commitment with its current status and latest figure."""
    out: list[Record] = []
    for c in db.session.scalars(
        select(Commitment)
        .options(selectinload(Commitment.updates))
        .order_by(Commitment.shift, Commitment.position, Commitment.id)
    ):
        figure = c.latest_figure
        latest = c.latest_update
        out.append(
            {
                "commitment_id": c.id,
                "shift": c.shift,
                "commitment": c.text,
                "owner": c.owner,
                "due_date": c.due_date.isoformat(),
                "status": c.status,
                "status_reason": c.status_reason or "",
                "measure": c.measure or "",
                "latest_figure": figure.figure if figure else None,
                "latest_figure_at": figure.posted_at.isoformat(timespec="seconds")
                if figure
                else "",
                "latest_update_at": latest.posted_at.isoformat(timespec="seconds")
                if latest
                else "",
            }
        )
    return out


def updates_records() -> list[Record]:
    """Every commitment update, oldest first, with the stories still published."""
    out: list[Record] = []
    for u in db.session.scalars(
        select(CommitmentUpdate)
        .options(selectinload(CommitmentUpdate.stories), selectinload(CommitmentUpdate.commitment))
        .order_by(CommitmentUpdate.id)
    ):
        stories = [s for s in u.stories if not s.is_withdrawn]
        out.append(
            {
                "update_id": u.id,
                "commitment_id": u.commitment_id,
                "posted_at": u.posted_at.isoformat(timespec="seconds"),
                "measure": u.commitment.measure or "",
                "figure": u.figure,
                "summary": u.summary or "",
                "status_set": u.status or "",
                "status_reason": u.status_reason or "",
                "stories": " | ".join(s.text or "" for s in stories),
            }
        )
    return out


def delivery_records() -> list[Record]:
    """Delivery of every tracked project and award, with its latest milestone and outcome."""
    out: list[Record] = []
    for r in db.session.scalars(
        select(DeliveryRecord)
        .options(selectinload(DeliveryRecord.updates))
        .order_by(DeliveryRecord.id)
    ):
        milestone = next((u for u in reversed(r.updates) if u.milestone), None)
        outcome = next((u for u in reversed(r.updates) if u.outcome_figure is not None), None)
        out.append(
            {
                "kind": r.kind,
                "id": r.subject_id,
                "title": r.title,
                "status": r.status,
                "amount_pounds": r.amount,
                "spend_pounds": r.spend,
                "latest_milestone": milestone.milestone if milestone else "",
                "outcome_measure": outcome.outcome_measure if outcome else "",
                "outcome_figure": outcome.outcome_figure if outcome else None,
                "updated_at": r.updates[-1].posted_at.isoformat(timespec="seconds")
                if r.updates
                else "",
            }
        )
    return out


def stories_records() -> list[Record]:
    """Every story still published (withdrawn stories are left out entirely)."""
    out: list[Record] = []
    for s in db.session.scalars(
        select(Story).where(Story.withdrawn_at.is_(None)).order_by(Story.id)
    ):
        out.append(
            {
                "story_id": s.id,
                "about": "commitment" if s.commitment_update_id else "delivery",
                "commitment_update_id": s.commitment_update_id,
                "delivery_kind": s.delivery_record.kind if s.delivery_record else "",
                "delivery_id": s.delivery_record.subject_id if s.delivery_record else None,
                "teller": s.teller_name or "",
                "story": s.text or "",
                "consent_given_at": s.consent_given_at.isoformat(timespec="seconds"),
            }
        )
    return out


def fairness_records() -> list[Record]:
    """The fairness dashboard's neighbourhood table for the newest process with results."""
    return dashboard.fairness_records(dashboard.build())


C = Column
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "results",
            "Participatory-budgeting results",
            "Every project on the ballot of every published result, and whether it was funded.",
            (
                C("process_id", "The process (budgeting round)"),
                C("process", "Its title"),
                C("budget_id", "The budget residents voted on"),
                C(
                    "neighbourhood_code",
                    "ONS code of the budget's neighbourhood; empty for city-wide",
                ),
                C("budget_name", "The neighbourhood's name, or City-wide"),
                C("budget_pounds", "Money in the budget", "whole pounds"),
                C("rule", "The counting rule (see the counting method page)"),
                C(
                    "voters",
                    "People who voted in this budget",
                    "people; 'fewer than 10' below 10 (see the disclosure policy)",
                ),
                C("proposal_id", "The project"),
                C("title", "Its title"),
                C("theme", "Its prevention theme"),
                C("cost_pounds", "Its cost as reviewed", "whole pounds"),
                C(
                    "supporters",
                    "Voters who supported it",
                    "people; 'fewer than 5' below 5; 'not published (fewer than 10 ballots)' "
                    "for budgets with fewer than 10 ballots",
                ),
                C("funded", "Whether the count funded it", "true/false"),
                C("published_at", "When the result was published", "UTC, ISO 8601"),
            ),
            results_records,
        ),
        Dataset(
            "allocations",
            "Funders' allocations by neighbourhood",
            "The amount each neighbourhood gets in every published needs-weighted scenario.",
            (
                C("scenario_id", "The scenario"),
                C("scenario", "Its name"),
                C("process_id", "The process it set the budgets of, if any"),
                C("neighbourhood_code", "ONS code of the neighbourhood"),
                C("amount_pounds", "Amount allocated", "whole pounds"),
                C("need", "The need figure the formula used"),
                C("fingerprint", "SHA-256 of the scenario's published inputs"),
            ),
            allocations_records,
        ),
        Dataset(
            "awards",
            "Core-funding awards",
            "Every award to a voluntary or community group in a published core-funding round.",
            (
                C("round_id", "The round"),
                C("round", "Its title"),
                C("first_year", "First financial year (2027 means April 2027 to March 2028)"),
                C("years", "Years the round covers"),
                C("award_id", "The award"),
                C("organisation", "The group"),
                C("registration_number", "Charity or company number, if registered"),
                C("amount_pounds_per_year", "Award per year", "whole pounds"),
                C("amount_pounds_total", "Award over the round", "whole pounds"),
                C("fingerprint", "SHA-256 of the round's published inputs"),
            ),
            awards_records,
        ),
        Dataset(
            "commitments",
            "Commitments register",
            "The Health and Wellbeing Board's commitments, their owners, due dates and status.",
            (
                C("commitment_id", "The commitment"),
                C("shift", "The strategy's shift it belongs to"),
                C("commitment", "What the Board committed to"),
                C("owner", "The organisation answerable for it"),
                C("due_date", "When it is due", "ISO 8601 date"),
                C("status", "not_started, on_track, at_risk, done or dropped"),
                C("status_reason", "Why, when dropped (or the latest reason given)"),
                C("measure", "What the update figures count, if it has a measure"),
                C("latest_figure", "The latest figure posted against the measure"),
                C("latest_figure_at", "When it was posted", "UTC, ISO 8601"),
                C("latest_update_at", "When the latest update was posted", "UTC, ISO 8601"),
            ),
            commitments_records,
        ),
        Dataset(
            "updates",
            "Commitment updates",
            "Every update the owners posted, never edited, with the stories still published.",
            (
                C("update_id", "The update"),
                C("commitment_id", "The commitment it is about"),
                C("posted_at", "When it was posted", "UTC, ISO 8601"),
                C("measure", "What the figure counts"),
                C("figure", "The figure, if one was given"),
                C("summary", "The owner's words on progress"),
                C("status_set", "The status it set, if it changed the status"),
                C("status_reason", "The reason given with that status"),
                C("stories", "Stories told with consent, separated by ' | '"),
            ),
            updates_records,
        ),
        Dataset(
            "delivery",
            "Delivery of funded projects and awards",
            "Status, spend against the amount awarded, milestones and outcome figures.",
            (
                C("kind", "project (participatory budgeting) or award (core funding)"),
                C("id", "The proposal id or award id"),
                C("title", "What was funded"),
                C("status", "not_started, in_progress, delivered or stopped"),
                C(
                    "amount_pounds",
                    "Amount awarded (an award: over its whole round)",
                    "whole pounds",
                ),
                C("spend_pounds", "Spent so far", "whole pounds"),
                C("latest_milestone", "The latest milestone reported"),
                C("outcome_measure", "What the latest outcome figure counts"),
                C("outcome_figure", "The latest outcome figure"),
                C("updated_at", "When it was last updated", "UTC, ISO 8601"),
            ),
            delivery_records,
        ),
        Dataset(
            "stories",
            "Stories",
            "Stories people told with their consent. A withdrawn story is removed from here too.",
            (
                C("story_id", "The story"),
                C("about", "commitment or delivery"),
                C("commitment_update_id", "The commitment update it came with"),
                C("delivery_kind", "project or award, for a delivery story"),
                C("delivery_id", "The proposal id or award id, for a delivery story"),
                C("teller", "The name the teller chose to be known by (may be empty)"),
                C("story", "The story in the teller's words"),
                C("consent_given_at", "When consent was recorded", "UTC, ISO 8601"),
            ),
            stories_records,
        ),
        Dataset(
            "fairness",
            "Fairness by neighbourhood",
            "The fairness dashboard's table for the newest process with published results.",
            (
                C("process_id", "The process the voting figures are about"),
                C("neighbourhood_code", "ONS code; 'total' for the whole city"),
                C("neighbourhood", "Its name"),
                C("population", "Residents (Census 2021)", "people"),
                C("need_score", "Index of Multiple Deprivation score (higher: more need)"),
                C("need_rank", "Rank in the city by need (1: greatest need)"),
                C("proposals", "Proposals made to the neighbourhood's budget"),
                C("funded_projects", "Of them, funded"),
                C("pb_funded_pounds", "Cost of the funded projects", "whole pounds"),
                C("pb_pounds_per_head", "Funded pounds per resident", "pounds"),
                C(
                    "allocation_pounds",
                    "The published funders' scenario amount, if any",
                    "whole pounds",
                ),
                C(
                    "voters",
                    "Residents who voted",
                    "people; hidden with the reason in words (see the suppression note)",
                ),
                C(
                    "turnout",
                    "Voters as a share of residents; empty when voters is hidden",
                    "0 to 1",
                ),
                C(
                    "voters_with_funded_project",
                    "Voters who backed at least one funded project",
                    "people; suppressed",
                ),
                C(
                    "voters_without_funded_project",
                    "Voters who backed none that was funded",
                    "people; suppressed",
                ),
                C(
                    "share_with_funded_project",
                    "Share of voters with a funded project; empty when hidden",
                    "0 to 1",
                ),
                C(
                    "vcs_people_reached",
                    "People core-funded groups reach here",
                    "people; suppressed",
                ),
                C(
                    "vcs_award_pounds_per_year",
                    "Core funding shared by people reached; empty when hidden",
                    "whole pounds",
                ),
                C("vcs_pounds_per_head", "Core funding per resident", "pounds"),
            ),
            fairness_records,
        ),
    )
}


def as_csv(dataset: Dataset, records: list[Record] | None = None) -> str:
    """The dataset as CSV text with a header of its column names."""
    rows = dataset.records() if records is None else records
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in dataset.columns])
    for record in rows:
        writer.writerow([csv_safety.safe_cell(record.get(c.name)) for c in dataset.columns])
    return out.getvalue()


def as_json(dataset: Dataset) -> dict[str, object]:
    """The dataset as a JSON-ready document: its description, columns and records."""
    return {
        "dataset": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "suppression": (
            f"Counts of people below {SUPPRESS_BELOW} are '{HIDDEN_TEXT}'; counts hidden so that "
            f"such a count cannot be worked out by subtraction are '{SECONDARY_TEXT}'; budgets "
            f"with fewer than {disclosure.DETAIL_FROM} ballots publish no counts "
            f"('{disclosure.NOT_PUBLISHED}', or voters '{disclosure.FEW_BALLOTS}')."
        ),
        "columns": [
            {"name": c.name, "meaning": c.meaning, "unit": c.unit} for c in dataset.columns
        ],
        "records": dataset.records(),
    }
