"""Notices: each written to the outbox in the transaction of the event that causes it (a review,
a submission, a published result, an answered challenge), or by the scheduled command for
dates (voting opens; voting closes in two days), which records what it wrote so that running it
twice writes nothing twice. Only active accounts that want the topic are written to.

Each notice's words (subject, paragraphs, link text) are made by one function per notice (the
``*_text`` functions), called once for each recipient, so that they can be put in the
recipient's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from pbapp.extensions import db
from pbapp.formatting import money
from pbapp.i18n import in_language_of
from pbapp.models import Ballot, BallotItem, Budget, Process, Proposal, Result, User, UserRole
from pbapp.models.core_funding import Organisation, OrganisationKeeper
from pbapp.models.mail import NoticeDigestItem, NoticePreference, NoticeSent, ProposalFollow
from pbapp.services.mail.outbox import enqueue, external_url
from pbapp.services.notifications.preferences import digest_ids, wants, wants_digest
from pbapp.services.participation.processes import last_voting_day_in_words

CLOSING_NOTICE_DAYS = 2


def _write(
    user: User,
    topic: str,
    subject: str,
    paragraphs: list[str],
    link_text: str,
    link_url: str,
    *,
    turned_off: set[int] | None = None,
    digest: set[int] | None = None,
):
    """``turned_off``: the ids of people who turned ``topic`` off, and ``digest`` of those who
    chose the daily digest, when the caller looked them up at once for many people (else each
    person's choice is read). A digest reader's notice waits for their next digest."""
    if not user.is_active:
        return None
    if turned_off is not None:
        if user.id in turned_off:
            return None
    elif not wants(user, topic):
        return None
    if (user.id in digest) if digest is not None else wants_digest(user):
        item = NoticeDigestItem(
            user_id=user.id,
            topic=topic,
            subject=subject,
            paragraphs=[str(p) for p in paragraphs],
            link_text=str(link_text),
            link_url=link_url,
        )
        db.session.add(item)
        return item
    return enqueue(
        to=user.email,
        template="notice",
        subject=subject,
        topic=topic,
        user=user,
        name=user.name,
        paragraphs=paragraphs,
        link_text=link_text,
        link_url=link_url,
    )


@dataclass
class NoticeText:
    subject: str
    paragraphs: list[str]
    link_text: str


def _send(user: User, topic: str, text_of: Callable[[], NoticeText], link_url: str, **kwargs):
    """A notice to ``user``, its words made by ``text_of()`` in their own language (whoever's
    action or command sends it); ``kwargs`` as for ``_write``."""
    with in_language_of(user):
        text = text_of()
        return _write(
            user, topic, text.subject, text.paragraphs, text.link_text, link_url, **kwargs
        )


def proposal_reviewed_text(proposal: Proposal) -> NoticeText:
    if proposal.status == "feasible":
        first = _(
            "Your proposal “%(title)s” has been reviewed. It has been found feasible and will be "
            "on the ballot when voting opens.",
            title=proposal.title,
        )
    else:
        first = _(
            "Your proposal “%(title)s” has been reviewed. It has been found not feasible, so it "
            "will not be on the ballot.",
            title=proposal.title,
        )
    paragraphs = [first]
    if proposal.review_note:
        paragraphs.append(_("The reviewer's reason: %(reason)s", reason=proposal.review_note))
    return NoticeText(_("Your proposal has been reviewed"), paragraphs, _("Read your proposal"))


def proposal_reviewed(proposal: Proposal) -> None:
    author = db.session.get(User, proposal.author_id) if proposal.author_id else None
    if author is None:
        return
    _send(
        author,
        "proposal.reviewed",
        lambda: proposal_reviewed_text(proposal),
        external_url("pb.proposal", proposal_id=proposal.id),
    )


def proposal_submitted_text(proposal: Proposal) -> NoticeText:
    neighbourhood = proposal.budget.neighbourhood
    area = neighbourhood.name if neighbourhood else _("city-wide")
    return NoticeText(
        _("A new proposal is waiting for review"),
        [
            # Translators: area is a neighbourhood's name or "city-wide"; cost is in pounds
            _(
                "“%(title)s” (%(area)s, %(cost)s) has been submitted for review.",
                title=proposal.title,
                area=area,
                cost=money(proposal.cost),
            )
        ],
        _("Review it"),
    )


def proposal_submitted(proposal: Proposal) -> None:
    """Officers hear of a new proposal waiting for review."""
    officers = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == "officer").order_by(User.id)
    ).all()
    for officer in officers:
        _send(
            officer,
            "officer.new_proposal",
            lambda: proposal_submitted_text(proposal),
            external_url("pb.proposal_review", proposal_id=proposal.id),
        )


def results_published_text(budget: Budget) -> NoticeText:
    title = budget.process.title
    if budget.neighbourhood:
        paragraph = _(
            "The result of %(process)s (%(neighbourhood)s), in which you voted, is published, "
            "with why each project won or lost.",
            process=title,
            neighbourhood=budget.neighbourhood.name,
        )
    else:
        paragraph = _(
            "The result of %(process)s (the city-wide budget), in which you voted, is published, "
            "with why each project won or lost.",
            process=title,
        )
    return NoticeText(
        _("Results are out: %(process)s", process=title), [paragraph], _("See the result")
    )


def results_published(result: Result) -> None:
    """Everyone who voted online in the budget hears that its result is out."""
    budget = db.session.get(Budget, result.budget_id)
    voters = db.session.scalars(
        select(User)
        .join(Ballot, Ballot.voter_id == User.id)
        .where(Ballot.budget_id == budget.id, Ballot.source == "online")
        .order_by(User.id)
    ).all()
    for voter in voters:
        _send(
            voter,
            "results.published",
            lambda: results_published_text(budget),
            external_url("pb.results", budget_id=budget.id),
        )


def challenge_answered_text(answer) -> NoticeText:
    return NoticeText(
        _("Your challenge has been answered"),
        [_("Your challenge to a Board commitment has a public answer:"), answer.text],
        _("Read the answer"),
    )


def challenge_answered(challenge, answer) -> None:
    author = db.session.get(User, challenge.author_id) if challenge.author_id else None
    if author is None:
        return
    _send(
        author,
        "challenge.answered",
        lambda: challenge_answered_text(answer),
        external_url("accountability.commitment", commitment_id=challenge.commitment_id),
    )


def delivery_updated_text(proposal: Proposal, update) -> NoticeText:
    """``update``: the DeliveryUpdate just published for the funded ``proposal``."""
    title = proposal.title
    if update.status == "delivered":
        first = _(
            "“%(title)s”, a project you voted for or follow, has been delivered.", title=title
        )
    elif update.status == "stopped":
        first = _("“%(title)s”, a project you voted for or follow, has been stopped.", title=title)
    elif update.status == "in_progress":
        first = _(
            "There is news of “%(title)s”, a project you voted for or follow: it is in progress.",
            title=title,
        )
    else:
        first = _(
            "There is news of “%(title)s”, a project you voted for or follow: it has not "
            "started yet.",
            title=title,
        )
    paragraphs = [first]
    if update.milestone:
        paragraphs.append(_("Milestone: %(milestone)s", milestone=update.milestone))
    paragraphs.append(
        # Translators: spend and amount are sums of money
        _(
            "Spent so far: %(spend)s of the %(amount)s awarded.",
            spend=money(update.spend),
            amount=money(update.record.amount),
        )
    )
    if update.note:
        paragraphs.append(update.note)
    return NoticeText(
        _("Delivery update: %(title)s", title=title), paragraphs, _("See how it is going")
    )


def delivery_updated(proposal: Proposal, update) -> int:
    """Everyone who voted for ``proposal`` online or follows it hears of a delivery update:
    one message each, even to someone who did both. Only for a proposal everyone may see.
    Returns how many messages were written."""
    if proposal.status == "draft" or proposal.budget.process.is_draft:
        return 0
    voters = (
        select(Ballot.voter_id)
        .join(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(BallotItem.proposal_id == proposal.id, Ballot.source == "online")
    )
    followers = select(ProposalFollow.user_id).where(ProposalFollow.proposal_id == proposal.id)
    people = db.session.scalars(
        select(User)
        .where(or_(User.id.in_(voters), User.id.in_(followers)))
        .where(User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    off = _turned_off("delivery.updated")
    daily = digest_ids()
    url = external_url("accountability.delivery_item", kind="project", subject_id=proposal.id)
    written = 0
    for person in people:
        if _send(
            person,
            "delivery.updated",
            lambda: delivery_updated_text(proposal, update),
            url,
            turned_off=off,
            digest=daily,
        ):
            written += 1
    return written


def _officers() -> list[User]:
    return db.session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role == "officer", User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()


def correction_raised_text(request) -> NoticeText:
    """``request``: a CorrectionRequest just raised by a group."""
    org = request.organisation.name
    if request.funding_round is not None:
        first = _(
            "%(group)s asks for a correction to its figures in %(round)s, a core-funding round "
            "you run.",
            group=org,
            round=request.funding_round.title,
        )
    else:
        first = _("%(group)s asks for a correction to its figures.", group=org)
    return NoticeText(
        _("A correction request from %(group)s", group=org),
        [first, _("What they say is wrong: %(details)s", details=request.details)],
        _("Decide the request"),
    )


def correction_raised(request) -> int:
    """The officers of the request's round (who made or published it, and still are officers)
    hear of it; with no round, or none of them left, every officer does. Returns how many
    messages were written."""
    officers = _officers()
    people = officers
    funding_round = request.funding_round
    if funding_round is not None:
        ids = {funding_round.created_by_id, funding_round.published_by_id}
        people = [o for o in officers if o.id in ids] or officers
    url = external_url("vcs.correction", request_id=request.id)
    written = 0
    for person in people:
        if person.id == request.raised_by_id:
            continue
        if _send(person, "officer.correction", lambda: correction_raised_text(request), url):
            written += 1
    return written


def commitment_challenged_text(challenge) -> NoticeText:
    """``challenge``: a CommitmentComment of kind "challenge", just posted."""
    commitment = challenge.commitment
    return NoticeText(
        _("A commitment you answer for is challenged"),
        [
            _(
                "A resident challenges the commitment “%(commitment)s” (owned by %(owner)s):",
                commitment=commitment.text,
                owner=commitment.owner,
            ),
            challenge.text,
        ],
        _("See the challenge"),
    )


def commitment_owners(commitment) -> list[User]:
    """The people who answer for ``commitment``: those acting for the organisation it names
    (funders of that organisation, keepers of the community group of that name). When nobody
    on the platform acts for it, the officers (who answer challenges)."""
    owner = commitment.owner.strip().lower()
    funders = select(User.id).where(func.lower(User.funding_organisation) == owner)
    keepers = (
        select(OrganisationKeeper.user_id)
        .join(Organisation, Organisation.id == OrganisationKeeper.organisation_id)
        .where(func.lower(Organisation.name) == owner)
    )
    people = db.session.scalars(
        select(User)
        .where(or_(User.id.in_(funders), User.id.in_(keepers)))
        .where(User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    return list(people) or _officers()


def commitment_challenged(challenge) -> int:
    """The commitment's owners hear of a challenge to it (not its author). Returns how many
    messages were written."""
    url = external_url("accountability.commitment", commitment_id=challenge.commitment_id)
    written = 0
    for person in commitment_owners(challenge.commitment):
        if person.id == challenge.author_id:
            continue
        if _send(person, "owner.challenge", lambda: commitment_challenged_text(challenge), url):
            written += 1
    return written


def voting_opens_text(process: Process) -> NoticeText:
    return NoticeText(
        _("Voting is open: %(process)s", process=process.title),
        [
            _(
                "Voting is open in %(process)s until %(day)s. You can vote on how your "
                "neighbourhood's budget, and the city-wide one, are spent.",
                process=process.title,
                day=last_voting_day_in_words(process),
            )
        ],
        _("Vote now"),
    )


def voting_closing_text(budget: Budget) -> NoticeText:
    area = budget.neighbourhood.name if budget.neighbourhood else _("city-wide")
    return NoticeText(
        _("Voting closes soon: %(process)s", process=budget.process.title),
        [
            # Translators: area is a neighbourhood's name or "city-wide"
            _(
                "You can vote in %(process)s (%(area)s) until %(day)s, and you have not voted yet.",
                process=budget.process.title,
                area=area,
                day=last_voting_day_in_words(budget.process),
            )
        ],
        _("Vote now"),
    )


# --- scheduled -------------------------------------------------------------------------------


@dataclass
class ScheduledReport:
    opens: int = 0
    closing: int = 0


def _eligible_residents(budget: Budget):
    query = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == "resident", User.is_active_account.is_(True))
        .order_by(User.id)
    )
    if budget.neighbourhood_id is not None:
        query = query.where(User.neighbourhood_id == budget.neighbourhood_id)
    return db.session.scalars(query).all()


def _already(topic: str, key: str) -> set[int]:
    return set(
        db.session.scalars(
            select(NoticeSent.user_id).where(
                NoticeSent.topic == topic, NoticeSent.subject_key == key
            )
        )
    )


def _turned_off(topic: str) -> set[int]:
    return set(
        db.session.scalars(
            select(NoticePreference.user_id).where(
                NoticePreference.topic == topic, NoticePreference.wanted.is_(False)
            )
        )
    )


def scheduled(today: date) -> ScheduledReport:
    """See ``_scheduled``; in one request context (links and templates) when run by a command."""
    if has_request_context():
        return _scheduled(today)
    with current_app.test_request_context("/"):
        return _scheduled(today)


def _scheduled(today: date) -> ScheduledReport:
    """Write the date-driven notices due on ``today``; idempotent (see module docstring).

    Voting opens: every process in its voting phase today, once per resident it concerns.
    Closes soon: every budget whose last voting day is within ``CLOSING_NOTICE_DAYS`` days,
    once per resident who may vote in it and has not.
    """
    report = ScheduledReport()
    off = {topic: _turned_off(topic) for topic in ("voting.opens", "voting.closing")}
    daily = digest_ids()
    processes = db.session.scalars(
        select(Process).where(Process.voting_start <= today, Process.results_start > today)
    ).all()
    for process in processes:
        key = f"process:{process.id}"
        done = _already("voting.opens", key)
        people: dict[int, User] = {}
        for budget in process.budgets:
            for user in _eligible_residents(budget):
                people.setdefault(user.id, user)
        last_day = process.last_voting_day
        process_url = external_url("pb.process", process_id=process.id)
        for user in people.values():
            if user.id in done:
                continue
            db.session.add(NoticeSent(topic="voting.opens", subject_key=key, user_id=user.id))
            sent = _send(
                user,
                "voting.opens",
                lambda process=process: voting_opens_text(process),
                process_url,
                turned_off=off["voting.opens"],
                digest=daily,
            )
            if sent:
                report.opens += 1
        if (last_day - today).days > CLOSING_NOTICE_DAYS:
            continue
        for budget in process.budgets:
            key = f"budget:{budget.id}"
            done = _already("voting.closing", key)
            voted = set(
                db.session.scalars(select(Ballot.voter_id).where(Ballot.budget_id == budget.id))
            )
            vote_url = external_url("pb.vote", budget_id=budget.id)
            for user in _eligible_residents(budget):
                if user.id in done or user.id in voted:
                    continue
                db.session.add(NoticeSent(topic="voting.closing", subject_key=key, user_id=user.id))
                sent = _send(
                    user,
                    "voting.closing",
                    lambda budget=budget: voting_closing_text(budget),
                    vote_url,
                    turned_off=off["voting.closing"],
                    digest=daily,
                )
                if sent:
                    report.closing += 1
        db.session.flush()
    return report
