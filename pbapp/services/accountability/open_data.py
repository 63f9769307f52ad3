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
from pbapp.i18n import words as in_words
from pbapp.models import Budget, Proposal, Result
from pbapp.models.accountability import (
    Commitment,
    CommitmentUpdate,
    DeliveryRecord,
    Story,
)
from pbapp.models.core_funding import Award, CoreFundingRound
from pbapp.models.funding import Scenario
from pbapp.models.vocabulary import N_
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

    # The page shows the words in the reader's language; the files and the API keep English.
    @property
    def meaning_in_words(self) -> str:
        return in_words(self.meaning)

    @property
    def unit_in_words(self) -> str:
        return in_words(self.unit) if self.unit else ""


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    records: Callable[[], list[Record]]

    @property
    def title_in_words(self) -> str:
        return in_words(self.title)

    @property
    def description_in_words(self) -> str:
        return in_words(self.description)


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
            N_("Participatory-budgeting results"),
            N_("Every project on the ballot of every published result, and whether it was funded."),
            (
                C("process_id", N_("The process (budgeting round)")),
                C("process", N_("Its title")),
                C("budget_id", N_("The budget residents voted on")),
                C(
                    "neighbourhood_code",
                    N_("ONS code of the budget's neighbourhood; empty for city-wide"),
                ),
                C("budget_name", N_("The neighbourhood's name, or City-wide")),
                C("budget_pounds", N_("Money in the budget"), N_("whole pounds")),
                C("rule", N_("The counting rule (see the counting method page)")),
                C(
                    "voters",
                    N_("People who voted in this budget"),
                    N_("people; 'fewer than 10' below 10 (see the disclosure policy)"),
                ),
                C("proposal_id", N_("The project")),
                C("title", N_("Its title")),
                C("theme", N_("Its prevention theme")),
                C("cost_pounds", N_("Its cost as reviewed"), N_("whole pounds")),
                C(
                    "supporters",
                    N_("Voters who supported it"),
                    N_(
                        "people; 'fewer than 5' below 5; 'not published (fewer than 10 ballots)' "
                        "for budgets with fewer than 10 ballots"
                    ),
                ),
                C("funded", N_("Whether the count funded it"), N_("true/false")),
                C("published_at", N_("When the result was published"), N_("UTC, ISO 8601")),
            ),
            results_records,
        ),
        Dataset(
            "allocations",
            N_("Funders' allocations by neighbourhood"),
            N_("The amount each neighbourhood gets in every published needs-weighted scenario."),
            (
                C("scenario_id", N_("The scenario")),
                C("scenario", N_("Its name")),
                C("process_id", N_("The process it set the budgets of, if any")),
                C("neighbourhood_code", N_("ONS code of the neighbourhood")),
                C("amount_pounds", N_("Amount allocated"), N_("whole pounds")),
                C("need", N_("The need figure the formula used")),
                C("fingerprint", N_("SHA-256 of the scenario's published inputs")),
            ),
            allocations_records,
        ),
        Dataset(
            "awards",
            N_("Core-funding awards"),
            N_("Every award to a voluntary or community group in a published core-funding round."),
            (
                C("round_id", N_("The round")),
                C("round", N_("Its title")),
                C("first_year", N_("First financial year (2027 means April 2027 to March 2028)")),
                C("years", N_("Years the round covers")),
                C("award_id", N_("The award")),
                C("organisation", N_("The group")),
                C("registration_number", N_("Charity or company number, if registered")),
                C("amount_pounds_per_year", N_("Award per year"), N_("whole pounds")),
                C("amount_pounds_total", N_("Award over the round"), N_("whole pounds")),
                C("fingerprint", N_("SHA-256 of the round's published inputs")),
            ),
            awards_records,
        ),
        Dataset(
            "commitments",
            N_("Commitments register"),
            N_("The Health and Wellbeing Board's commitments, their owners, due dates and status."),
            (
                C("commitment_id", N_("The commitment")),
                C("shift", N_("The strategy's shift it belongs to")),
                C("commitment", N_("What the Board committed to")),
                C("owner", N_("The organisation answerable for it")),
                C("due_date", N_("When it is due"), N_("ISO 8601 date")),
                C("status", N_("not_started, on_track, at_risk, done or dropped")),
                C("status_reason", N_("Why, when dropped (or the latest reason given)")),
                C("measure", N_("What the update figures count, if it has a measure")),
                C("latest_figure", N_("The latest figure posted against the measure")),
                C("latest_figure_at", N_("When it was posted"), N_("UTC, ISO 8601")),
                C("latest_update_at", N_("When the latest update was posted"), N_("UTC, ISO 8601")),
            ),
            commitments_records,
        ),
        Dataset(
            "updates",
            N_("Commitment updates"),
            N_("Every update the owners posted, never edited, with the stories still published."),
            (
                C("update_id", N_("The update")),
                C("commitment_id", N_("The commitment it is about")),
                C("posted_at", N_("When it was posted"), N_("UTC, ISO 8601")),
                C("measure", N_("What the figure counts")),
                C("figure", N_("The figure, if one was given")),
                C("summary", N_("The owner's words on progress")),
                C("status_set", N_("The status it set, if it changed the status")),
                C("status_reason", N_("The reason given with that status")),
                C("stories", N_("Stories told with consent, separated by ' | '")),
            ),
            updates_records,
        ),
        Dataset(
            "delivery",
            N_("Delivery of funded projects and awards"),
            N_("Status, spend against the amount awarded, milestones and outcome figures."),
            (
                C("kind", N_("project (participatory budgeting) or award (core funding)")),
                C("id", N_("The proposal id or award id")),
                C("title", N_("What was funded")),
                C("status", N_("not_started, in_progress, delivered or stopped")),
                C(
                    "amount_pounds",
                    N_("Amount awarded (an award: over its whole round)"),
                    N_("whole pounds"),
                ),
                C("spend_pounds", N_("Spent so far"), N_("whole pounds")),
                C("latest_milestone", N_("The latest milestone reported")),
                C("outcome_measure", N_("What the latest outcome figure counts")),
                C("outcome_figure", N_("The latest outcome figure")),
                C("updated_at", N_("When it was last updated"), N_("UTC, ISO 8601")),
            ),
            delivery_records,
        ),
        Dataset(
            "stories",
            N_("Stories"),
            N_(
                "Stories people told with their consent. A withdrawn story is removed from here too."
            ),
            (
                C("story_id", N_("The story")),
                C("about", N_("commitment or delivery")),
                C("commitment_update_id", N_("The commitment update it came with")),
                C("delivery_kind", N_("project or award, for a delivery story")),
                C("delivery_id", N_("The proposal id or award id, for a delivery story")),
                C("teller", N_("The name the teller chose to be known by (may be empty)")),
                C("story", N_("The story in the teller's words")),
                C("consent_given_at", N_("When consent was recorded"), N_("UTC, ISO 8601")),
            ),
            stories_records,
        ),
        Dataset(
            "fairness",
            N_("Fairness by neighbourhood"),
            N_("The fairness dashboard's table for the newest process with published results."),
            (
                C("process_id", N_("The process the voting figures are about")),
                C("neighbourhood_code", N_("ONS code; 'total' for the whole city")),
                C("neighbourhood", N_("Its name")),
                C("population", N_("Residents (Census 2021)"), N_("people")),
                C("need_score", N_("Index of Multiple Deprivation score (higher: more need)")),
                C("need_rank", N_("Rank in the city by need (1: greatest need)")),
                C("proposals", N_("Proposals made to the neighbourhood's budget")),
                C("funded_projects", N_("Of them, funded")),
                C("pb_funded_pounds", N_("Cost of the funded projects"), N_("whole pounds")),
                C("pb_pounds_per_head", N_("Funded pounds per resident"), N_("pounds")),
                C(
                    "allocation_pounds",
                    N_("The published funders' scenario amount, if any"),
                    N_("whole pounds"),
                ),
                C(
                    "voters",
                    N_("Residents who voted"),
                    N_("people; hidden with the reason in words (see the suppression note)"),
                ),
                C(
                    "turnout",
                    N_("Voters as a share of residents; empty when voters is hidden"),
                    N_("0 to 1"),
                ),
                C(
                    "voters_with_funded_project",
                    N_("Voters who backed at least one funded project"),
                    N_("people; suppressed"),
                ),
                C(
                    "voters_without_funded_project",
                    N_("Voters who backed none that was funded"),
                    N_("people; suppressed"),
                ),
                C(
                    "share_with_funded_project",
                    N_("Share of voters with a funded project; empty when hidden"),
                    N_("0 to 1"),
                ),
                C(
                    "vcs_people_reached",
                    N_("People core-funded groups reach here"),
                    N_("people; suppressed"),
                ),
                C(
                    "vcs_award_pounds_per_year",
                    N_("Core funding shared by people reached; empty when hidden"),
                    N_("whole pounds"),
                ),
                C("vcs_pounds_per_head", N_("Core funding per resident"), N_("pounds")),
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
