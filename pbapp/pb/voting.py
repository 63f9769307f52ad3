"""Participatory budgeting: ballots online and on paper, and receipts."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pbapp import clock
from pbapp.access import public, roles_required
from pbapp.extensions import db, limiter
from pbapp.forms import SendCheckAgainForm, form_status, show_field_error
from pbapp.models import Ballot, Budget
from pbapp.pb import bp
from pbapp.pb.forms import BallotForm, PaperBallotForm, VoidPaperBallotForm
from pbapp.services.errors import FieldError
from pbapp.services.participation import ballots
from pbapp.services.verification import eligibility, identity


def _choices_from(form_data, budget: Budget) -> tuple[dict[int, int], str | None]:
    """Read the ballot's inputs: ticked ``proposal`` boxes, or ``points-<id>`` numbers."""
    if budget.process.ballot_type == "points":
        choices: dict[int, int] = {}
        for key, value in form_data.items():
            if key.startswith("points-") and value.strip():
                try:
                    choices[int(key.removeprefix("points-"))] = int(value)
                except ValueError:
                    return {}, _("Enter points as whole numbers, like %(example)s.", example=3)
        return choices, None
    try:
        return {int(v): 1 for v in form_data.getlist("proposal")}, None
    except ValueError:
        return {}, _("One of the projects you chose is not on this ballot.")


def _birth_date_from(form_data) -> date | None:
    try:
        return date.fromisoformat((form_data.get("date_of_birth") or "").strip())
    except ValueError:
        return None


# Choices kept while a resident gets verified: {budget id: {proposal id: points}} in the session.
PENDING = "pending_ballots"


def _keep_pending(budget_id: int, chosen: dict[int, int]) -> None:
    pending = dict(session.get(PENDING) or {})
    pending[str(budget_id)] = {str(k): v for k, v in chosen.items()}
    session[PENDING] = pending


def _pending(budget_id: int) -> dict[int, int] | None:
    kept = (session.get(PENDING) or {}).get(str(budget_id))
    try:
        return {int(k): int(v) for k, v in kept.items()} if kept else None
    except (AttributeError, TypeError, ValueError):
        return None


def _drop_pending(budget_id: int) -> None:
    pending = dict(session.get(PENDING) or {})
    if pending.pop(str(budget_id), None) is not None:
        session[PENDING] = pending


@bp.route("/budgets/<int:budget_id>/vote", methods=["GET", "POST"])
@roles_required("resident")
def vote(budget_id: int):
    # The process and the proposals come with the budget in one query: the busiest page there is.
    item = db.session.get(
        Budget, budget_id, options=[joinedload(Budget.process), joinedload(Budget.proposals)]
    ) or abort(404)
    today = clock.today()
    reason = ballots.open_reason(current_user, item, today)
    blocked = None if reason else eligibility.problem(current_user, item, today)
    if reason or (blocked and not blocked.fixable):
        return render_template(
            "pb/not_now.html", budget=item, reason=reason or blocked.message
        ), 403
    form = BallotForm()
    chosen: dict[int, int] | None = None
    error = None
    error_field = "ballot"
    if form.validate_on_submit():
        chosen, error = _choices_from(request.form, item)
        if error is None and blocked is not None and blocked.keeps_choices:
            # Not verified yet, or the email address not checked: keep the (valid) choices for
            # when they come back.
            try:
                chosen = ballots.check_choices(item, chosen)
            except FieldError as failure:
                error = failure.message
            else:
                _keep_pending(item.id, chosen)
                error, error_field = blocked.message, blocked.kind
        elif error is None:
            try:
                if blocked is not None and blocked.kind == "birth_date":
                    identity.declare_birth_date(current_user, _birth_date_from(request.form), today)
                # cast_ballot refuses a voter whose paper ballot has been counted, and checks
                # the process's eligibility again with the date of birth just given.
                cast = ballots.cast_ballot(current_user, item, chosen, today=today)
            except FieldError as failure:
                db.session.rollback()
                error = failure.message
                error_field = "date_of_birth" if failure.field == "date_of_birth" else "ballot"
            else:
                db.session.commit()
                _drop_pending(item.id)
                if cast.receipt:
                    session["receipt"] = {"budget": budget_id, "code": cast.receipt}
                return redirect(url_for("pb.voted", budget_id=budget_id))
    elif form.errors:
        error = _("This page had expired, so your vote was not saved. Please try again.")
    existing = ballots.ballot_of(current_user, item)
    if existing is not None and existing.source == "paper":
        error = _(
            "A paper ballot has already been counted for you in this budget, "
            "so you cannot vote online."
        )
        chosen = None
    if chosen is None:
        chosen = _pending(item.id) if existing is None else None
    if chosen is None:
        chosen = {i.proposal_id: i.points for i in existing.items} if existing else {}
    return render_template(
        "pb/vote.html",
        budget=item,
        form=form,
        proposals=ballots.ballot_proposals(item),
        chosen=chosen,
        error=error,
        error_field=error_field,
        blocked=blocked,
        check_again=SendCheckAgainForm() if blocked and blocked.kind == "email" else None,
        replacing=existing is not None,
    ), (422 if error else 200)


@bp.route("/budgets/<int:budget_id>/voted")
@roles_required("resident")
def voted(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    ballot = ballots.ballot_of(current_user, item)
    if ballot is None:
        return redirect(url_for("pb.vote", budget_id=item.id))
    receipt = session.pop("receipt", None)
    code = receipt["code"] if receipt and receipt.get("budget") == item.id else None
    return render_template("pb/voted.html", budget=item, ballot=ballot, code=code)


@bp.route("/receipts")
@public
@limiter.limit("60 per minute")  # checking codes by the thousand is guessing, not checking
def receipt_check():
    code = (request.args.get("code") or "").strip()
    found = ballots.find_receipt(code) if code else None
    return render_template("pb/receipt.html", code=code, found=found), (
        404 if code and not found else 200
    )


@bp.route("/budgets/<int:budget_id>/paper", methods=["GET", "POST"])
@roles_required("officer")
def paper_ballot(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    today = clock.today()
    form = PaperBallotForm()
    chosen: dict[int, int] = {}
    error = error_field = None
    if form.validate_on_submit():
        chosen, error = _choices_from(request.form, item)
        error_field = "ballot" if error else None
        if error is None:
            try:
                cast = ballots.enter_paper_ballot(
                    current_user,
                    item,
                    chosen,
                    today=today,
                    voter_email=form.voter_email.data,
                    voter_name=form.voter_name.data,
                    receipt=form.receipt_code.data or None,
                    voter_date_of_birth=form.voter_date_of_birth.data,
                    voter_postcode=form.voter_postcode.data,
                    confirm_duplicate=bool(form.confirm_duplicate.data),
                )
            except FieldError as failure:
                db.session.rollback()
                error, error_field = (
                    failure.message,
                    ("ballot" if failure.field == "choices" else failure.field),
                )
            else:
                db.session.commit()
                typed = (form.receipt_code.data or "").strip()
                return render_template(
                    "pb/paper_saved.html", budget_id=item.id, code=None if typed else cast.receipt
                )
    elif form.errors:
        error, error_field = _("Please check the fields marked below."), next(iter(form.errors))
    paper_count = db.session.scalar(
        select(func.count())
        .select_from(Ballot)
        .where(Ballot.budget_id == item.id, Ballot.source == "paper")
    )
    return render_template(
        "pb/paper.html",
        budget=item,
        form=form,
        proposals=ballots.ballot_proposals(item),
        chosen=chosen,
        error=error,
        error_field=error_field,
        paper_count=paper_count,
        ask_confirm=error_field == "confirm_duplicate" or bool(form.confirm_duplicate.data),
    ), (422 if error else 200)


@bp.route("/budgets/<int:budget_id>/paper-ballots")
@roles_required("officer")
def paper_ballots(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    return render_template(
        "pb/paper_ballots.html",
        budget=item,
        papers=ballots.paper_ballots(item),
        voided=ballots.voided_count(item),
        not_now=ballots.why_not_void(item, clock.today()),
    )


@bp.route("/paper-ballots/<int:ballot_id>/void", methods=["GET", "POST"])
@roles_required("officer")
def paper_void(ballot_id: int):
    ballot = db.get_or_404(Ballot, ballot_id)
    if ballot.source != "paper":
        abort(404)
    budget_id = ballot.budget_id
    form = VoidPaperBallotForm()
    if form.validate_on_submit():
        try:
            ballots.void_paper_ballot(current_user, ballot, form.reason.data, today=clock.today())
        except FieldError as failure:
            db.session.rollback()
            show_field_error(form, failure)
        else:
            db.session.commit()
            flash(_("The paper ballot is void: it will not be counted."), "success")
            return redirect(url_for("pb.paper_ballots", budget_id=budget_id))
    return render_template(
        "pb/paper_void.html", form=form, ballot=ballot, budget=ballot.budget
    ), form_status(form)
