"""The commitments register: read, update, comment, challenge, answer; stories and withdrawal."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pbapp import clock
from pbapp.access import public, roles_required, signed_in
from pbapp.accountability import bp
from pbapp.accountability.common import form_error, status_code, story_input
from pbapp.accountability.forms import (
    AnswerForm,
    CommentForm,
    CommitmentForm,
    CommitmentUpdateForm,
    WithdrawForm,
)
from pbapp.extensions import db
from pbapp.models.accountability import (
    COMMITMENT_STATUSES,
    Commitment,
    CommitmentComment,
    Story,
)
from pbapp.services.accountability import commitments as accountability
from pbapp.services.accountability.commitments import CommitmentInput, UpdateInput
from pbapp.services.errors import FieldError


@bp.route("/commitments/")
@public
def commitments():
    status = request.args.get("status")
    items = accountability.commitments(status)
    shifts: dict[str, list[Commitment]] = {}
    for item in items:
        shifts.setdefault(item.shift, []).append(item)
    counts = {k: 0 for k in COMMITMENT_STATUSES}
    for item in accountability.commitments():
        counts[item.status] += 1
    return render_template(
        "accountability/commitments.html",
        shifts=shifts,
        status=status if status in COMMITMENT_STATUSES else None,
        statuses=COMMITMENT_STATUSES,
        counts=counts,
        today=clock.today(),
        due_label=accountability.due_label,
    )


@bp.route("/commitments/new", methods=["GET", "POST"])
@roles_required("officer")
def commitment_new():
    form = CommitmentForm()
    if form.validate_on_submit():
        data = CommitmentInput(
            shift=form.shift.data or "",
            text=form.text.data or "",
            owner=form.owner.data or "",
            measure=form.measure.data or "",
            due_date=form.due_date.data,
        )
        try:
            item = accountability.create_commitment(current_user, data)
        except FieldError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Commitment published."), "success")
            return redirect(url_for("accountability.commitment", commitment_id=item.id))
    return render_template(
        "accountability/commitment_form.html", form=form, shifts=accountability.shifts()
    ), status_code(form)


def _commitment_page(item: Commitment, comment_form: CommentForm | None = None, code: int = 200):
    can_comment = current_user.is_authenticated and current_user.has_role("resident")
    if comment_form is None and can_comment:
        comment_form = CommentForm()
    return render_template(
        "accountability/commitment.html",
        commitment=item,
        comment_form=comment_form if can_comment else None,
        can_update=current_user.is_authenticated
        and current_user.has_role(*accountability.UPDATERS),
        can_answer=current_user.is_authenticated and current_user.has_role("officer"),
        visible_stories=accountability.visible_stories,
        due=accountability.due_label(item, clock.today()),
    ), code


@bp.route("/commitments/<int:commitment_id>")
@public
def commitment(commitment_id: int):
    return _commitment_page(db.get_or_404(Commitment, commitment_id))


@bp.route("/commitments/<int:commitment_id>/update", methods=["GET", "POST"])
@roles_required(*accountability.UPDATERS)
def commitment_update(commitment_id: int):
    item = db.get_or_404(Commitment, commitment_id)
    form = CommitmentUpdateForm()
    if form.validate_on_submit():
        data = UpdateInput(
            figure=form.figure.data,
            summary=form.summary.data or "",
            status=form.status.data or "",
            status_reason=form.status_reason.data or "",
            story=story_input(form),
        )
        try:
            accountability.post_update(current_user, item, data)
        except FieldError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Update published."), "success")
            return redirect(url_for("accountability.commitment", commitment_id=item.id))
    return render_template(
        "accountability/update_form.html", form=form, commitment=item
    ), status_code(form)


@bp.route("/commitments/<int:commitment_id>/comments", methods=["POST"])
@roles_required("resident")
def commitment_comment(commitment_id: int):
    item = db.get_or_404(Commitment, commitment_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            accountability.add_comment(current_user, item, form.kind.data, form.text.data)
        except FieldError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Your challenge is published. The owner will answer it in public.")
                if form.kind.data == "challenge"
                else _("Your comment is published."),
                "success",
            )
            return redirect(url_for("accountability.commitment", commitment_id=item.id))
    return _commitment_page(item, form, 422)


@bp.route("/commitments/challenges")
@roles_required("officer")
def challenges():
    return render_template(
        "accountability/challenges.html", challenges=accountability.open_challenges()
    )


@bp.route("/commitments/challenges/<int:comment_id>/answer", methods=["GET", "POST"])
@roles_required("officer")
def challenge_answer(comment_id: int):
    challenge = db.get_or_404(CommitmentComment, comment_id)
    if not challenge.is_challenge:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            accountability.answer_challenge(current_user, challenge, form.text.data)
        except FieldError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(_("Answer published."), "success")
            return redirect(
                url_for("accountability.commitment", commitment_id=challenge.commitment_id)
                + f"#comment-{challenge.id}"
            )
    return render_template(
        "accountability/answer_form.html", form=form, challenge=challenge
    ), status_code(form)


@bp.route("/stories/mine")
@signed_in
def my_stories():
    return render_template(
        "accountability/my_stories.html", stories=accountability.stories_of(current_user)
    )


@bp.route("/stories/<int:story_id>/withdraw", methods=["GET", "POST"])
@signed_in
def story_withdraw(story_id: int):
    story = db.get_or_404(Story, story_id)
    if story.is_withdrawn:
        flash(_("This story has already been withdrawn."), "info")
        return redirect(url_for("accountability.my_stories"))
    if not accountability.can_withdraw(current_user, story):
        abort(403)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            accountability.withdraw_story(current_user, story)
        except FieldError as error:
            db.session.rollback()
            form_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "The story is withdrawn: its words are erased and it no longer appears on any "
                    "page or download."
                ),
                "success",
            )
            return redirect(url_for("accountability.my_stories"))
    return render_template("accountability/withdraw.html", form=form, story=story), status_code(
        form
    )
