"""Casting ballots (online or from paper), receipts a voter can check, and the counting view of
the ballots of a budget.

One ballot per voter per budget is enforced by the database (unique budget + voter); casting
again replaces the ballot's choices, and two submissions racing each other end as one ballot.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from pbapp.extensions import db
from pbapp.formatting import money, number
from pbapp.models import Ballot, BallotItem, Budget, Proposal, Result, User, UserRole
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.verification import eligibility, identity

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
RECEIPT_PATTERN = re.compile(r"[A-Z0-9]{5}-?[A-Z0-9]{5}")


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def receipt_hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def ballot_proposals(budget: Budget) -> list[Proposal]:
    """The proposals on the ballot paper of ``budget``: those reviewed as feasible, by title."""
    return sorted(
        (p for p in budget.proposals if p.status == "feasible"),
        key=lambda p: (p.title.lower(), p.id),
    )


def check_choices(budget: Budget, choices: dict[int, int]) -> dict[int, int]:
    """Validate a ballot's choices ``{proposal id: points}`` against the ballot's rules.

    Returns the cleaned choices. Raises ``FieldError`` with a message a voter understands.
    """
    process = budget.process
    on_ballot = {p.id: p for p in ballot_proposals(budget)}
    choices = {pid: pts for pid, pts in choices.items() if pts}
    if not choices:
        raise FieldError("choices", _("Choose at least one project."))
    unknown = set(choices) - on_ballot.keys()
    if unknown:
        raise FieldError("choices", _("One of the projects you chose is not on this ballot."))
    if any(p < 0 for p in choices.values()):
        raise FieldError("choices", _("Points cannot be negative."))
    if process.ballot_type == "points":
        total = sum(choices.values())
        if total > process.points_total:
            raise FieldError(
                "choices",
                ngettext(
                    "You have given %(count)s point; you have %(limit)s to give.",
                    "You have given %(count)s points; you have %(limit)s to give.",
                    total,
                    count=number(total),
                    limit=process.points_total,
                ),
            )
    else:
        if any(p != 1 for p in choices.values()):
            raise FieldError("choices", _("Tick the projects you support."))
        if (
            process.ballot_type == "approval"
            and process.max_projects
            and len(choices) > process.max_projects
        ):
            raise FieldError(
                "choices",
                ngettext(
                    "Choose at most %(count)s project (you chose %(chosen)s).",
                    "Choose at most %(count)s projects (you chose %(chosen)s).",
                    process.max_projects,
                    count=number(process.max_projects),
                    chosen=len(choices),
                ),
            )
        if process.ballot_type == "knapsack":
            cost = sum(on_ballot[pid].ballot_cost for pid in choices)
            if cost > budget.amount:
                raise FieldError(
                    "choices",
                    _(
                        "The projects you chose cost %(cost)s, more than the budget of "
                        "%(budget)s. Remove one or more.",
                        cost=money(cost),
                        budget=money(budget.amount),
                    ),
                )
    return choices


def can_vote(user: User, budget: Budget, today: date, *, source: str = "online") -> str | None:
    """Why ``user`` cannot vote in ``budget`` today, or None when they can.

    Paper ballots cast while voting was open may still be entered after it closes, until the
    result is published. Online, the process's eligibility rules apply too (verified residents
    only, a minimum age: ``pbapp.services.verification.eligibility``).
    """
    reason = open_reason(user, budget, today, source=source)
    if reason is None and source == "online":
        blocked = eligibility.problem(user, budget, today)
        reason = blocked.message if blocked else None
    return reason


def open_reason(user: User, budget: Budget, today: date, *, source: str = "online") -> str | None:
    """Why ``budget`` is not open to ``user`` today (phase, neighbourhood), eligibility aside."""
    if budget.process.is_draft:
        return _("This process is not published yet.")
    phase = budget.process.phase_on(today)
    if source == "paper":
        if phase not in ("voting", "results") or _published(budget):
            return _(
                "Paper ballots can be entered from the day voting opens until the result is published."
            )
    elif phase != "voting":
        return _("Voting is not open for this budget.")
    elif _published(budget):  # nothing reopens voting on a budget whose result is public
        return _("The result of this budget is published, so its ballots can no longer change.")
    if not budget.open_to(user):
        return _("You can vote in your own neighbourhood's budget and in city-wide budgets.")
    return None


@dataclass
class CastResult:
    ballot_id: int
    receipt: str | None  # the code, only when this ballot is new (only its hash is kept)
    replaced: bool


def cast_ballot(
    voter: User,
    budget: Budget,
    choices: dict[int, int],
    *,
    today: date,
    source: str = "online",
    entered_by: User | None = None,
    receipt: str | None = None,
    paper_postcode: str | None = None,
    identity_hash: str | None = None,
) -> CastResult:
    """Record ``voter``'s ballot in ``budget``, replacing their earlier one.

    A paper ballot can be entered once for a voter; after that, neither paper nor online can
    change it. Raises ``FieldError`` when voting is closed or the choices break the rules.
    """
    if source == "paper":
        # Shares the lock that publishing a result takes on the budget's row (PostgreSQL), so a
        # paper ballot is either in the count or refused as too late, never added after it.
        db.session.execute(
            select(Budget.id).where(Budget.id == budget.id).with_for_update(read=True)
        )
    reason = can_vote(voter, budget, today, source=source)
    if reason:
        raise FieldError("choices", reason)
    choices = check_choices(budget, choices)
    if receipt is not None and not RECEIPT_PATTERN.fullmatch(receipt.strip().upper()):
        raise FieldError(
            "receipt_code",
            _(
                "A receipt code is ten letters and numbers, like %(example)s.",
                example="ABCDE-23456",
            ),
        )
    if source == "online" and identity_hash is None:
        verification = identity.current_verification(voter)
        identity_hash = verification.identity_hash if verification else None
    existing = _existing(budget, voter)
    if identity_hash is not None and existing is None and _person_voted(budget, identity_hash):
        raise FieldError("choices", _same_person())
    if existing is not None and existing.source == "paper":
        raise FieldError(
            "choices", _("A paper ballot has already been counted for this voter in this budget.")
        )
    if existing is not None and source == "paper":
        raise FieldError("choices", _("This voter has already voted online in this budget."))
    if existing is None:
        if receipt:  # typed from a paper ballot: say so if it is taken
            receipt = receipt.strip().upper()
            if find_receipt(receipt) is not None:
                raise FieldError(
                    "receipt_code", _("This receipt code has already been used for another ballot.")
                )
        else:  # 32**10 codes: a clash is left to the unique index (and reported as a retry)
            receipt = new_receipt_code()
        ballot_id = _insert_unless_twin(
            budget_id=budget.id,
            voter_id=voter.id,
            receipt_hash=receipt_hash(receipt),
            source=source,
            entered_by_id=entered_by.id if entered_by else None,
            paper_postcode=paper_postcode,
            identity_hash=identity_hash,
        )
        if ballot_id is None:
            # A twin request created the ballot a moment ago: update that one instead.
            existing = _existing(budget, voter)
            if existing is None or existing.source == "paper":
                raise FieldError("choices", _("Your ballot could not be saved. Please try again."))
            receipt = None
    if existing is not None:
        ballot_id, receipt = existing.id, None
        db.session.execute(
            update(Ballot).where(Ballot.id == ballot_id).values(updated_at=func.now())
        )
        # Replace the choices with plain SQL statements (no loaded collection): whichever of
        # two racing submissions writes last wins whole, and the two never merge.
        db.session.execute(delete(BallotItem).where(BallotItem.ballot_id == ballot_id))
        db.session.expire(existing)
    db.session.execute(
        insert(BallotItem),
        [
            {"ballot_id": ballot_id, "proposal_id": pid, "points": pts}
            for pid, pts in sorted(choices.items())
        ],
    )
    if source == "paper":
        audit.record(entered_by, "ballot.paper", "budget", budget.id, after={"ballot": ballot_id})
    return CastResult(ballot_id=ballot_id, receipt=receipt, replaced=existing is not None)


def _insert_unless_twin(**values) -> int | None:
    """Insert a ballot; its id, or None when this voter's ballot in that budget exists already.

    ``INSERT ... ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite): a twin submission that has
    not committed yet makes this wait for it, then do nothing. Any other clash (a receipt
    code drawn twice) is a FieldError asking to try again; the caller rolls back.
    """
    dialect = db.session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(Ballot)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["budget_id", "voter_id"])
        .returning(Ballot.id)
    )
    try:
        return db.session.scalar(statement)
    except IntegrityError:
        raise FieldError(
            "choices", _("Your ballot could not be saved. Please try again.")
        ) from None


def _same_person() -> str:
    return _(
        "A ballot has already been counted for this person in this budget (on paper or online), "
        "so they cannot vote again."
    )


def _person_voted(budget: Budget, identity_hash: str) -> bool:
    """Whether a ballot of the person with ``identity_hash`` is in ``budget`` already."""
    return (
        db.session.scalar(
            select(Ballot.id).where(
                Ballot.budget_id == budget.id, Ballot.identity_hash == identity_hash
            )
        )
        is not None
    )


def _existing(budget: Budget, voter: User) -> Ballot | None:
    return db.session.scalar(
        select(Ballot)
        .where(Ballot.budget_id == budget.id, Ballot.voter_id == voter.id)
        .with_for_update()
        .options(lazyload(Ballot.items))  # the choices are replaced by SQL, never read here
    )


def find_receipt(code: str) -> Ballot | None:
    """The ballot a receipt code belongs to, or None. Reveals nothing of the choices."""
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Ballot).where(Ballot.receipt_hash == receipt_hash(code)))


def ballot_of(voter: User, budget: Budget) -> Ballot | None:
    return db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget.id, Ballot.voter_id == voter.id)
    )


def _published(budget: Budget) -> bool:
    return db.session.scalar(select(Result.id).where(Result.budget_id == budget.id)) is not None


def enter_paper_ballot(
    officer: User,
    budget: Budget,
    choices: dict[int, int],
    *,
    today: date,
    voter_email: str | None,
    voter_name: str | None,
    receipt: str | None,
    voter_date_of_birth: date | None = None,
    voter_postcode: str | None = None,
    confirm_duplicate: bool = False,
) -> CastResult:
    """Record a paper ballot entered by ``officer``.

    The voter is the resident with ``voter_email`` when they have an account (so they cannot also
    vote online in this budget). Otherwise, with their name, date of birth and postcode, the
    voter is matched against verified accounts: the verified account of the same person is the
    voter, so nobody votes on paper and online; with no match, a record of a paper-only voter
    is made (it cannot sign in) with their name, postcode and identity hash. A process open to
    verified residents only needs the date of birth and postcode (or a verified account's
    email). A second paper ballot with the same name and postcode in the budget is refused
    unless ``confirm_duplicate`` (the officer says it is another person). Raises ``FieldError``
    naming the field at fault.
    """
    email = (voter_email or "").strip().lower()
    name = (voter_name or "").strip()
    postcode = None
    verified_only = budget.process.eligibility == "verified"
    person_hash = None
    if not email and voter_date_of_birth is not None:  # with the postcode: who this is
        try:
            person_hash = identity.identity_of(
                name, voter_date_of_birth, voter_postcode or "", today
            ).hash
        except FieldError as error:
            raise FieldError(f"voter_{error.field}", error.message) from None
    if email:
        voter = db.session.scalar(select(User).where(User.email == email))
        if voter is None:
            raise FieldError(
                "voter_email",
                _(
                    "No resident has an account with this email address. Leave it empty and "
                    "give their name instead."
                ),
            )
        if not budget.open_to(voter):
            raise FieldError(
                "voter_email",
                _("This resident lives in another neighbourhood, so cannot vote in this budget."),
            )
        verification = identity.current_verification(voter)
        if verified_only and verification is None:
            raise FieldError(
                "voter_email",
                _(
                    "This process is for verified residents and this account is not verified. "
                    "Give the voter's name, date of birth and postcode instead."
                ),
            )
        person_hash = verification.identity_hash if verification else None
    elif name and person_hash is not None and (matched := _verified_account(person_hash)):
        voter = matched
        if not budget.open_to(voter):
            raise FieldError(
                "voter_name",
                _(
                    "This person is verified as living in another neighbourhood, so cannot vote "
                    "in this budget."
                ),
            )
    elif name and verified_only and person_hash is None:
        raise FieldError(
            "voter_date_of_birth",
            _(
                "This process is for verified residents: give the voter's date of birth and "
                "postcode too, so they are checked against verified accounts."
            ),
        )
    elif name:
        postcode = normal_postcode(voter_postcode)
        if postcode is None:
            raise FieldError(
                "voter_postcode",
                _(
                    "Give the voter's postcode as written on the paper, like %(example)s: it "
                    "tells apart two voters with the same name.",
                    example="S4 7AB",
                ),
            )
        # With a date of birth the identity hash tells one person from another (and refuses the
        # same person twice); without one, a second paper for the same name and postcode asks.
        twin = paper_twin(budget, name, postcode) if person_hash is None else None
        if twin is not None and not confirm_duplicate:
            raise FieldError(
                "confirm_duplicate",
                _(
                    "A paper ballot for %(name)s at %(postcode)s is already entered in this "
                    "budget. If this is a different person with the same name, tick the box to "
                    "say so and save again; if it is the same person, do not enter it: one "
                    "person has one vote.",
                    name=name,
                    postcode=postcode,
                ),
            )
        voter = User(
            name=name,
            email=f"paper-{uuid.uuid4().hex}@paper.invalid",  # not an address: cannot sign in
            password_hash="!",  # matches no password
            neighbourhood_id=budget.neighbourhood_id,
            is_active_account=False,
            role_rows=[UserRole(role="resident")],
        )
        db.session.add(voter)
        db.session.flush()
    else:
        raise FieldError(
            "voter_name", _("Give the voter's name, or the email address of their account.")
        )
    return cast_ballot(
        voter,
        budget,
        choices,
        today=today,
        source="paper",
        entered_by=officer,
        receipt=receipt,
        paper_postcode=postcode,
        identity_hash=person_hash,
    )


POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})")


def normal_postcode(text: str | None) -> str | None:
    """A UK postcode in capitals with one space (``S4 7AB``), or None when it is not one."""
    found = POSTCODE.fullmatch(re.sub(r"\s+", " ", (text or "").strip().upper()))
    return f"{found.group(1)} {found.group(2)}" if found else None


def paper_twin(budget: Budget, name: str, postcode: str) -> Ballot | None:
    """A paper ballot in ``budget`` already entered for the same name and postcode."""
    return db.session.scalar(
        select(Ballot)
        .join(User, User.id == Ballot.voter_id)
        .where(
            Ballot.budget_id == budget.id,
            Ballot.source == "paper",
            Ballot.paper_postcode == postcode,
            func.lower(User.name) == name.lower(),
        )
        .limit(1)
    )


def paper_ballots(budget: Budget) -> list[Ballot]:
    """The paper ballots of ``budget``, oldest first (who and when; never the choices)."""
    return list(
        db.session.scalars(
            select(Ballot)
            .where(Ballot.budget_id == budget.id, Ballot.source == "paper")
            .options(lazyload(Ballot.items))
            .order_by(Ballot.id)
        )
    )


VOID_REASON_MAX = 500


def why_not_void(budget: Budget, today: date) -> str | None:
    """Why paper ballots of ``budget`` cannot be voided today, or None when they can."""
    if _published(budget):
        return _("The result of this budget is published, so its ballots can no longer change.")
    return None


def void_paper_ballot(officer: User, ballot: Ballot, reason: str, *, today: date) -> None:
    """Void a paper ballot: it is removed from the count, with the officer's reason in the audit
    trail (the number of voided papers of each budget is public; the reason is not, as it may
    name the voter). Refused once the budget's result is published: its ballots cannot change.
    """
    if ballot.source != "paper":
        raise FieldError(
            "reason", _("Only paper ballots can be voided; an online voter changes their own.")
        )
    budget = ballot.budget
    db.session.execute(select(Budget.id).where(Budget.id == budget.id).with_for_update(read=True))
    if _published(budget):
        raise FieldError(
            "reason",
            _("The result of this budget is published, so its ballots can no longer change."),
        )
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", _("Say why this paper ballot is void, for the audit trail."))
    if len(reason) > VOID_REASON_MAX:
        raise FieldError(
            "reason", _("Keep the reason under %(count)s characters.", count=VOID_REASON_MAX)
        )
    audit.record(
        officer,
        "ballot.void",
        "budget",
        budget.id,
        before={"ballot": ballot.id, "voter": ballot.voter_id, "entered_by": ballot.entered_by_id},
        after={"reason": reason},
    )
    db.session.delete(ballot)
    db.session.flush()


def voided_count(budget: Budget) -> int:
    """How many paper ballots of ``budget`` were voided (public)."""
    from pbapp.models import AuditEvent

    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "ballot.void",
            AuditEvent.object_type == "budget",
            AuditEvent.object_id == str(budget.id),
        )
    )


def _verified_account(person_hash: str) -> User | None:
    from pbapp.models.verification import Verification

    return db.session.scalar(
        select(User)
        .join(Verification, Verification.user_id == User.id)
        .where(Verification.identity_hash == person_hash, Verification.revoked_at.is_(None))
    )
