"""The commitments register: owners' updates, residents' comments and challenges, answers, and
stories told with consent. Services validate, change the session and record audit events; they
never commit (the view does, once).

Who may do what (the decorators on the views enforce the roles; these functions check the rest):

- an update (figure, words, new status, a story) is posted by an ``officer`` or a ``funder``:
  the Board's member organisations (council, NHS, businesses) act through those accounts, and
  every update records who posted it;
- residents comment or challenge; an ``officer`` answers a challenge in public;
- a story is withdrawn by its teller (when it was linked to their account) or, at the teller's
  request, by an officer or admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pbapp.extensions import db
from pbapp.formatting import in_words
from pbapp.formatting import number as figure
from pbapp.models import User
from pbapp.models.accountability import (
    COMMENT_KINDS,
    COMMITMENT_STATUSES,
    ChallengeAnswer,
    Commitment,
    CommitmentComment,
    CommitmentUpdate,
    Story,
)
from pbapp.services import audit
from pbapp.services.errors import FieldError
from pbapp.services.notifications import notices

TEXT_MAX = 2000
STORY_MAX = 3000
FIGURE_MAX = 1_000_000_000
UPDATERS = ("officer", "funder")


@dataclass
class StoryInput:
    """A story as an officer records it: the words, who told it and how they consented."""

    text: str
    teller_name: str
    consent_how: str
    consent_confirmed: bool
    teller_email: str = ""


@dataclass
class UpdateInput:
    figure: int | None
    summary: str
    status: str
    status_reason: str
    story: StoryInput | None = None


def now() -> datetime:
    """The current time as the database's ``server_default=func.now()`` stores it (naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def commitments(status: str | None = None) -> list[Commitment]:
    """Every commitment in the order of the strategy, optionally only those with ``status``."""
    query = (
        select(Commitment)
        .options(selectinload(Commitment.updates).selectinload(CommitmentUpdate.stories))
        .order_by(Commitment.shift, Commitment.position, Commitment.id)
    )
    if status in COMMITMENT_STATUSES:
        query = query.where(Commitment.status == status)
    return list(db.session.scalars(query))


def visible_stories(update: CommitmentUpdate) -> list[Story]:
    """Stories of an update that have not been withdrawn."""
    return [s for s in update.stories if not s.is_withdrawn]


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _check_length(field: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise FieldError(
            field,
            _(
                "Use at most %(count)s characters (you used %(used)s).",
                count=figure(limit),
                used=figure(len(text)),
            ),
        )


def build_story(actor: User, story: StoryInput) -> Story:
    """Build a story (not yet added, no subject yet) after checking consent; raises
    ``FieldError`` naming the field at fault."""
    text = _clean(story.text)
    _check_length("story", text, STORY_MAX)
    if not story.consent_confirmed:
        raise FieldError(
            "consent", _("Confirm that the teller agreed to their story being published.")
        )
    how = _clean(story.consent_how)
    if not how:
        raise FieldError("consent_how", _("Say how the teller gave their consent."))
    _check_length("consent_how", how, 200)
    name = _clean(story.teller_name)
    _check_length("teller_name", name, 120)
    teller = None
    email = User.normalise_email(story.teller_email or "")
    if email:
        teller = db.session.scalar(select(User).where(User.email == email))
        if teller is None:
            raise FieldError(
                "teller_email", _("No account has that email address. Leave it empty if unsure.")
            )
    return Story(
        text=text,
        teller_name=name or None,
        teller_id=teller.id if teller else None,
        consent_given_at=now(),
        consent_how=how,
        recorded_by_id=actor.id,
    )


@dataclass
class CommitmentInput:
    shift: str
    text: str
    owner: str
    measure: str
    due_date: date | None


def create_commitment(actor: User, data: CommitmentInput) -> Commitment:
    """Publish a new commitment at the end of its shift's list. Raises ``FieldError``.

    Officers publish what the Board has agreed; the commitment starts "not started".
    """
    shift = _clean(data.shift)
    text = _clean(data.text)
    owner = _clean(data.owner)
    measure = _clean(data.measure)
    for field, value, limit, missing in (
        ("shift", shift, 120, _("Say which part of the strategy it belongs to.")),
        ("text", text, TEXT_MAX, _("Write the commitment.")),
        ("owner", owner, 200, _("Name the organisation answerable for it.")),
        ("measure", measure, 200, ""),
    ):
        if not value and missing:
            raise FieldError(field, missing)
        _check_length(field, value, limit)
    if data.due_date is None:
        raise FieldError("due_date", _("Enter the date it is due."))
    last = db.session.scalar(select(func.max(Commitment.position)).where(Commitment.shift == shift))
    item = Commitment(
        shift=shift,
        position=(last or 0) + 1,
        text=text,
        owner=owner,
        measure=measure or None,
        due_date=data.due_date,
        status="not_started",
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        actor,
        "commitment.create",
        "commitment",
        item.id,
        after={
            "shift": shift,
            "text": text,
            "owner": owner,
            "measure": item.measure,
            "due_date": data.due_date.isoformat(),
        },
    )
    return item


def shifts() -> list[str]:
    """The shifts commitments are listed under, in the order of the register."""
    return list(db.session.scalars(select(Commitment.shift).distinct().order_by(Commitment.shift)))


def post_update(actor: User, commitment: Commitment, data: UpdateInput) -> CommitmentUpdate:
    """Add an owner's update. It must say something of its own: a figure, words or a new status.

    A story comes with one of those, never alone: a story can be withdrawn (its text erased),
    and the update must still say something then (the table's check refuses an empty one).

    Raises ``FieldError`` naming the field at fault. A status change is kept on the commitment
    and in the update, and audited with the status before and after.
    """
    if not actor.has_role(*UPDATERS):
        raise FieldError("form", _("Only officers and funders can post updates."))
    summary = _clean(data.summary)
    _check_length("summary", summary, TEXT_MAX)
    if data.figure is not None and not (0 <= data.figure <= FIGURE_MAX):
        raise FieldError("figure", _("Enter a whole number of 0 or more."))
    if data.figure is not None and not commitment.measure:
        raise FieldError("figure", _("This commitment has no measure, so it takes no figure."))
    status = data.status or None
    if status is not None and status not in COMMITMENT_STATUSES:
        raise FieldError("status", _("Choose a status from the list."))
    if status == commitment.status:
        status = None
    reason = _clean(data.status_reason)
    _check_length("status_reason", reason, TEXT_MAX)
    if status == "dropped" and not reason:
        raise FieldError("status_reason", _("Say why the commitment is dropped."))
    has_story = data.story is not None and _clean(data.story.text)
    if data.figure is None and not summary and status is None and not has_story:
        raise FieldError("form", _("An update needs a figure, a few words or a new status."))

    story = build_story(actor, data.story) if has_story else None  # checked before any change
    if data.figure is None and not summary and status is None:  # the table needs one of them
        raise FieldError(
            "summary", _("Add a few words about the update: a story cannot be posted on its own.")
        )
    update = CommitmentUpdate(
        commitment=commitment,
        author_id=actor.id,
        figure=data.figure,
        summary=summary or None,
        status=status,
        status_reason=reason or None if status else None,
    )
    db.session.add(update)
    before = {"status": commitment.status, "status_reason": commitment.status_reason}
    if status is not None:
        commitment.status = status
        commitment.status_reason = reason or None
    db.session.flush()
    after = {"update": update.id, "figure": update.figure, "summary": update.summary}
    if status is not None:
        after |= {"status": status, "status_reason": commitment.status_reason}
        audit.record(
            actor,
            "commitment.status",
            "commitment",
            commitment.id,
            before=before,
            after={"status": status, "status_reason": commitment.status_reason},
        )
    audit.record(actor, "commitment.update", "commitment", commitment.id, after=after)
    if story is not None:
        story.commitment_update = update
        db.session.add(story)
        db.session.flush()
        audit_story_added(actor, story)
    return update


def audit_story_added(actor: User, story: Story) -> None:
    # The story's words and teller's name are personal: never copied into the audit trail,
    # which would keep them after a withdrawal.
    audit.record(
        actor,
        "story.add",
        "story",
        story.id,
        after={"consent_how": story.consent_how, "teller_account": story.teller_id is not None},
    )


def add_comment(author: User, commitment: Commitment, kind: str, text: str) -> CommitmentComment:
    """A resident's comment or challenge. Raises ``FieldError``."""
    if kind not in COMMENT_KINDS:
        raise FieldError("kind", _("Choose whether this is a comment or a challenge."))
    text = _clean(text)
    if not text:
        raise FieldError("text", _("Write your comment."))
    _check_length("text", text, TEXT_MAX)
    comment = CommitmentComment(commitment=commitment, author_id=author.id, kind=kind, text=text)
    db.session.add(comment)
    db.session.flush()
    if comment.is_challenge:
        notices.commitment_challenged(comment)  # in this transaction, with the challenge
    return comment


def answer_challenge(actor: User, challenge: CommitmentComment, text: str) -> ChallengeAnswer:
    """An officer's public answer to a challenge. Raises ``FieldError``."""
    if not challenge.is_challenge:
        raise FieldError("form", _("Only challenges get answers; this is a comment."))
    text = _clean(text)
    if not text:
        raise FieldError("text", _("Write the answer."))
    _check_length("text", text, TEXT_MAX)
    answer = ChallengeAnswer(challenge=challenge, author_id=actor.id, text=text)
    db.session.add(answer)
    db.session.flush()
    audit.record(
        actor,
        "challenge.answer",
        "commitment",
        challenge.commitment_id,
        after={"challenge": challenge.id, "answer": answer.id, "text": text},
    )
    notices.challenge_answered(challenge, answer)
    return answer


def open_challenges() -> list[CommitmentComment]:
    """Challenges still waiting for an answer, oldest first."""
    items = db.session.scalars(
        select(CommitmentComment)
        .where(CommitmentComment.kind == "challenge")
        .options(selectinload(CommitmentComment.answers))
        .order_by(CommitmentComment.id)
    )
    return [c for c in items if not c.answers]


def can_withdraw(user: User, story: Story) -> bool:
    """The teller themselves, or an officer or admin acting on the teller's request."""
    if story.is_withdrawn or not user.is_authenticated:
        return False
    return story.teller_id == user.id or user.has_role("officer", "admin")


def withdraw_story(actor: User, story: Story) -> None:
    """Withdraw a story: its words and teller's name are erased, the times are kept.

    Raises ``FieldError`` when ``actor`` may not withdraw it or it is already withdrawn.
    """
    if story.is_withdrawn:
        raise FieldError("form", _("This story has already been withdrawn."))
    if not can_withdraw(actor, story):
        raise FieldError(
            "form", _("Only the teller, or an officer at their request, can withdraw it.")
        )
    story.text = None
    story.teller_name = None
    story.withdrawn_at = now()
    story.withdrawn_by_id = actor.id
    audit.record(
        actor,
        "story.withdraw",
        "story",
        story.id,
        after={"withdrawn_by_teller": story.teller_id == actor.id},
    )


def stories_of(user: User) -> list[Story]:
    """Stories linked to ``user``'s account, withdrawn ones included (shown as withdrawn)."""
    return list(
        db.session.scalars(select(Story).where(Story.teller_id == user.id).order_by(Story.id))
    )


def due_label(commitment: Commitment, today: date) -> str:
    """'Due 31 March 2027', or 'Overdue since ...' when it is past due and not done."""
    when = in_words(commitment.due_date)
    if commitment.due_date < today and commitment.status not in ("done", "dropped"):
        return _("Overdue since %(day)s", day=when)
    return _("Due %(day)s", day=when)
