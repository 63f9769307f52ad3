"""Demo accountability data: the Board's commitments from the strategy, a few updates with
figures and stories, a challenge with its answer, and delivery of the demo's funded projects.

Idempotent, and independent of the order in which the other demo loaders run: what needs
something that is not there yet (the demo officer, published results) is skipped, and added by
a later call. A second call with everything in place adds nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from pbapp.extensions import db
from pbapp.models import User
from pbapp.models.accountability import Commitment
from pbapp.services.accountability import commitments as accountability
from pbapp.services.accountability import delivery as accountability_delivery
from pbapp.services.accountability.commitments import StoryInput, UpdateInput
from pbapp.services.accountability.delivery import DeliveryInput

COMMITMENTS_CSV = Path(__file__).resolve().parent / "commitments.csv"

# (shift, position) -> updates (figure, summary, status, reason, story text, teller name)
DEMO_UPDATES: dict[tuple[str, int], list[tuple]] = {
    ("Monitoring and Accountability", 1): [
        (
            32,
            "All 32 commitments of the strategy are on this register, with an owner and a due "
            "date each.",
            "done",
            "",
            "",
            "",
        ),
    ],
    ("Monitoring and Accountability", 9): [
        (
            1,
            "We asked people who took part in the neighbourhood budgets to tell us what changed "
            "for them.",
            None,
            "",
            "I had never been asked what my street needed. Now there is a "
            "bench outside the surgery and I can rest on the way home.",
            "Rosa, Burngreave",
        ),
    ],
    ("Leadership and Workforce", 6): [
        (
            140,
            "Four listening events in community centres, with interpreters in three languages.",
            None,
            "",
            "",
            "",
        ),
        (
            265,
            "Two more events, one for young carers.",
            None,
            "",
            "It was the first meeting "
            "where someone wrote down what I said and came back to tell me what they did.",
            "A young carer, Darnall",
        ),
    ],
    ("Partnership and Collaboration", 7): [
        (
            None,
            "Turnout in the first neighbourhood budgets was lowest where need is greatest. "
            "We are running paper ballots in libraries next time.",
            "at_risk",
            "Turnout is lowest in the most deprived neighbourhoods.",
            "",
            "",
        ),
    ],
    ("Resources", 1): [
        (
            None,
            "The prevention spending review has been delayed to the autumn.",
            "at_risk",
            "The review needs data from three organisations; one has not yet shared it.",
            "",
            "",
        ),
    ],
}

DEMO_CHALLENGE = (
    ("Resources", 1),
    "The review was due in the spring. Who is holding it up, and what is the new date?",
    "The review now needs spending data from NHS South Yorkshire, promised for July. We will "
    "publish the review by 30 September and report progress at every Board meeting until then.",
)

DEMO_DELIVERY = [
    # status, share of the amount spent, milestone, outcome measure, outcome figure
    ("delivered", 1.0, "Project finished and signed off", "people who took part", 212),
    ("in_progress", 0.6, "Half the sessions held", "people who took part", 85),
    ("in_progress", 0.25, "Supplier contracted", None, None),
    ("not_started", 0.0, None, None, None),
]


@dataclass
class AccountabilityDemoReport:
    commitments_added: int = 0
    updates_added: int = 0
    challenges_added: int = 0
    delivery_started: int = 0


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def load_accountability_demo() -> AccountabilityDemoReport:
    """Add whatever of the accountability demo is missing. Does not commit."""
    report = AccountabilityDemoReport()
    existing = {(c.shift, c.position): c for c in db.session.scalars(select(Commitment))}
    with COMMITMENTS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["shift"], int(row["position"]))
            if key in existing:
                continue
            item = Commitment(
                shift=row["shift"],
                position=int(row["position"]),
                text=row["text"],
                owner=row["owner"],
                measure=row["measure"] or None,
                due_date=date.fromisoformat(row["due_date"]),
                status="not_started",
            )
            db.session.add(item)
            existing[key] = item
            report.commitments_added += 1
    db.session.flush()
    initial = {}
    with COMMITMENTS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            initial[(row["shift"], int(row["position"]))] = row["status"]

    officer = _user("officer@demo.test")
    resident = _user("resident@demo.test")
    if officer is None:
        return report  # updates, challenges and delivery wait for the demo accounts
    for key, item in existing.items():
        if item.updates:
            continue
        planned = DEMO_UPDATES.get(key)
        if planned is None:
            if initial.get(key, "not_started") != "not_started":
                accountability.post_update(officer, item, UpdateInput(None, "", initial[key], ""))
                report.updates_added += 1
            continue
        for figure, summary, status, reason, story, teller in planned:
            accountability.post_update(
                officer,
                item,
                UpdateInput(
                    figure=figure if item.measure else None,
                    summary=summary,
                    status=status or "",
                    status_reason=reason,
                    story=StoryInput(
                        text=story,
                        teller_name=teller,
                        consent_how="Signed consent form (demo)",
                        consent_confirmed=True,
                        teller_email=resident.email
                        if resident and teller.startswith("Rosa")
                        else "",
                    )
                    if story
                    else None,
                ),
            )
            report.updates_added += 1
        if initial.get(key) and item.status == "not_started" and initial[key] != "not_started":
            accountability.post_update(officer, item, UpdateInput(None, "", initial[key], ""))
    challenged = existing.get(DEMO_CHALLENGE[0])
    if challenged is not None and resident is not None and not challenged.comments:
        comment = accountability.add_comment(resident, challenged, "challenge", DEMO_CHALLENGE[1])
        accountability.answer_challenge(officer, comment, DEMO_CHALLENGE[2])
        report.challenges_added += 1

    subjects = [s for s in accountability_delivery.funded_subjects() if s.record is None]
    for n, target in enumerate(subjects):
        status, share, milestone, measure, figure = DEMO_DELIVERY[n % len(DEMO_DELIVERY)]
        accountability_delivery.update_delivery(
            officer,
            target,
            DeliveryInput(
                status=status,
                spend=int(target.amount * share),
                milestone=milestone or "",
                outcome_measure=measure or "",
                outcome_figure=figure,
            ),
        )
        report.delivery_started += 1
    db.session.flush()
    return report
