"""Participatory budgeting: processes, budgets and proposals (voting and results have their own modules)."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from pbapp import clock
from pbapp.access import public, roles_required, signed_in
from pbapp.extensions import db
from pbapp.forms import form_status, query_int, show_field_error
from pbapp.i18n import current_language
from pbapp.models import (
    BALLOT_TYPES,
    COUNTING_RULES,
    PHASE_NAMES,
    THEMES,
    Budget,
    Neighbourhood,
    Process,
    Proposal,
    Result,
)
from pbapp.models.accountability import DELIVERY_STATUSES, DeliveryRecord
from pbapp.pb import bp
from pbapp.pb.forms import (
    FollowForm,
    ProcessForm,
    ProposalForm,
    PublishProcessForm,
    ReviewForm,
    TranslationForm,
    budgets_form,
)
from pbapp.services.errors import FieldError
from pbapp.services.participation import (
    ballots,
    follows,
    processes,
    proposal_languages,
    proposals,
)

# --- Processes --------------------------------------------------------------------------------


@bp.app_template_filter("last_voting_day")
def last_voting_day(process) -> str:
    """``{{ process|last_voting_day }}``: the last day one can vote, as every page says it."""
    return processes.last_voting_day_in_words(process)


@bp.route("/processes/")
@public
def processes_list():
    query = select(Process).order_by(Process.voting_start.desc(), Process.id.desc())
    if not _is_officer():
        query = query.where(Process.is_draft.is_(False))
    items = db.session.scalars(query).all()
    today = clock.today()
    return render_template(
        "pb/processes.html", processes=items, today=today, phase_names=PHASE_NAMES
    )


def _is_officer() -> bool:
    return current_user.is_authenticated and current_user.has_role("officer")


def _visible(process: Process) -> Process:
    """``process``, or a 404 for a draft that the visitor (not an officer) may not see."""
    if not process.visible_to(current_user):
        abort(404)
    return process


@bp.route("/processes/<int:process_id>")
@public
def process(process_id: int):
    item = _visible(db.get_or_404(Process, process_id))
    today = clock.today()
    return render_template(
        "pb/process.html",
        process=item,
        results=proposals.results_of({b.id for b in item.budgets}),
        phase=item.phase_on(today),
        phase_names=PHASE_NAMES,
        ballot_types=BALLOT_TYPES,
        rules=COUNTING_RULES,
        today=today,
        changes=processes.changes_after_publication(item),
        steps=processes.officer_steps(item, today) if _is_officer() else [],
        publish_form=PublishProcessForm() if item.is_draft and _is_officer() else None,
    )


@bp.route("/processes/<int:process_id>/publish", methods=["POST"])
@roles_required("officer")
def process_publish(process_id: int):
    item = db.get_or_404(Process, process_id)
    form = PublishProcessForm()
    if not form.validate_on_submit():
        flash(
            _("This page had expired, so the process was not published. Please try again."),
            "error",
        )
        return redirect(url_for("pb.process", process_id=item.id))
    try:
        processes.publish_process(current_user, item)
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("pb.process", process_id=item.id))
    db.session.commit()
    flash(_("The process is published: everyone can see it now."), "success")
    return redirect(url_for("pb.process", process_id=item.id))


def _settings(form: ProcessForm) -> processes.ProcessSettings:
    return processes.ProcessSettings(
        title=form.title.data,
        description=form.description.data,
        themes=list(form.themes.data or []),
        ballot_type=form.ballot_type.data,
        max_projects=form.max_projects.data,
        points_total=form.points_total.data,
        rule=form.rule.data,
        proposals_start=form.proposals_start.data,
        review_start=form.review_start.data,
        voting_start=form.voting_start.data,
        results_start=form.results_start.data,
        delivery_start=form.delivery_start.data,
        eligibility=form.eligibility.data or "",
        min_age=form.min_age.data,
        checked_email_only=bool(form.checked_email_only.data),
    )


@bp.route("/processes/new", methods=["GET", "POST"])
@roles_required("officer")
def process_new():
    form = ProcessForm()
    if form.validate_on_submit():
        try:
            item = processes.create_process(current_user, _settings(form))
        except FieldError as error:
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Process created as a draft: only officers can see it until you publish it. "
                    "Now set its budgets."
                ),
                "success",
            )
            return redirect(url_for("pb.process_budgets", process_id=item.id))
    return render_template("pb/process_form.html", form=form, process=None), form_status(form)


@bp.route("/processes/<int:process_id>/edit", methods=["GET", "POST"])
@roles_required("officer")
def process_edit(process_id: int):
    item = db.get_or_404(Process, process_id)
    form = ProcessForm(obj=item)
    today = clock.today()
    if form.validate_on_submit():
        try:
            processes.update_process(
                current_user, item, _settings(form), today, reason=form.reason.data or ""
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Process saved."), "success")
            return redirect(url_for("pb.process", process_id=item.id))
    return render_template(
        "pb/process_form.html",
        form=form,
        process=item,
        locked=not item.is_draft and item.voting_has_opened(today),
        result_published=processes.has_published_result(item),
    ), form_status(form)


@bp.route("/processes/<int:process_id>/budgets", methods=["GET", "POST"])
@roles_required("officer")
def process_budgets(process_id: int):
    item = db.get_or_404(Process, process_id)
    areas = Neighbourhood.all_by_name()
    form = budgets_form(areas, {b.neighbourhood_id: b.amount for b in item.budgets})
    today = clock.today()
    if form.validate_on_submit():
        amounts = {area_id: field.data or 0 for area_id, field in form.area_fields}
        try:
            processes.set_budgets(current_user, item, amounts, today)
        except FieldError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Budgets saved."), "success")
            return redirect(url_for("pb.process", process_id=item.id))
    return render_template(
        "pb/budgets_form.html", form=form, process=item, locked=item.voting_has_opened(today)
    ), form_status(form)


# --- Budgets and proposals ----------------------------------------------------------------------


@bp.route("/budgets/<int:budget_id>")
@public
def budget(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    _visible(item.process)
    theme = request.args.get("theme")
    visible = [p for p in item.proposals if p.status != "draft"]
    if theme in THEMES:
        visible = [p for p in visible if p.theme == theme]
    today = clock.today()
    mine = []
    if current_user.is_authenticated:
        mine = [p for p in item.proposals if p.author_id == current_user.id and p.status == "draft"]
    ballot = ballots.ballot_of(current_user, item) if current_user.is_authenticated else None
    result = db.session.scalar(select(Result).where(Result.budget_id == item.id))
    return render_template(
        "pb/budget.html",
        budget=item,
        proposals=visible,
        drafts=mine,
        theme=theme,
        themes=THEMES,
        phase=item.process.phase_on(today),
        phase_names=PHASE_NAMES,
        statuses=proposals.status_labels(visible + mine, today),
        can_propose=current_user.is_authenticated
        and not proposals.can_propose(current_user, item, today),
        # Eligibility aside: the ballot page itself tells a resident how to become eligible.
        can_vote=current_user.is_authenticated
        and not ballots.open_reason(current_user, item, today),
        ballot=ballot,
        result=result,
        voided=ballots.voided_count(item),
    )


def _proposal_form(item: Budget, proposal: Proposal | None = None) -> ProposalForm:
    form = ProposalForm(obj=proposal)
    form.theme.choices = [SelectChoice(t, _l(THEMES.get(t, t))) for t in item.process.themes]
    form.language.choices = _language_choices(proposal_languages.writing_languages())
    if request.method == "GET":
        if proposal is None:
            form.language.data = current_language().code  # the reader's language
        english = proposal_languages.english_version(proposal) if proposal else None
        if english is not None:
            form.english_title.data, form.english_summary.data = english.title, english.summary
    return form


def _language_choices(languages) -> list[SelectChoice]:
    """Each language named in its own words (and marked as such for screen readers)."""
    return [SelectChoice(lang.code, lang.name, render_kw={"lang": lang.tag}) for lang in languages]


@bp.app_template_global()
def proposal_text(proposal: Proposal) -> proposal_languages.ShownText:
    """The title and summary of ``proposal`` this reader sees (templates/macros/proposal_text.html);
    ``?original=1`` on any page shows the originals."""
    original = has_request_context() and request.args.get("original") == "1"
    return proposal_languages.shown(proposal, original=original)


def _proposal_text(form: ProposalForm, proposal: Proposal | None = None) -> proposals.ProposalText:
    # Not sent (an old page, a script): the language it had, else the reader's.
    unsaid = proposal.language if proposal is not None else current_language().code
    return proposals.ProposalText(
        title=form.title.data or "",
        summary=form.summary.data or "",
        description=form.description.data or "",
        cost=form.cost.data,
        theme=form.theme.data or "",
        location=form.location.data or "",
        language=form.language.data or unsaid,
        english_title=form.english_title.data or "",
        english_summary=form.english_summary.data or "",
    )


@bp.route("/budgets/<int:budget_id>/propose", methods=["GET", "POST"])
@roles_required("resident")
def propose(budget_id: int):
    item = db.get_or_404(Budget, budget_id)
    today = clock.today()
    reason = proposals.can_propose(current_user, item, today)
    if reason:
        return render_template("pb/not_now.html", budget=item, reason=reason), 403
    form = _proposal_form(item)
    if form.validate_on_submit():
        try:
            made = proposals.save_proposal(
                current_user, item, _proposal_text(form), submit=bool(form.submit.data), today=today
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Your proposal was submitted for review.")
                if made.status == "submitted"
                else _("Your draft is saved. Only you can see it until you submit it."),
                "success",
            )
            return redirect(url_for("pb.proposal", proposal_id=made.id))
    return render_template(
        "pb/proposal_form.html", form=form, budget=item, proposal=None
    ), form_status(form)


@bp.route("/proposals/<int:proposal_id>")
@public
def proposal(proposal_id: int):
    item = db.get_or_404(Proposal, proposal_id)
    _visible(item.budget.process)
    is_author = current_user.is_authenticated and item.author_id == current_user.id
    if item.status == "draft" and not is_author:
        abort(404)
    today = clock.today()
    result = proposals.results_of({item.budget_id}).get(item.budget_id)
    delivery = db.session.scalar(
        select(DeliveryRecord).where(DeliveryRecord.proposal_id == item.id)
    )
    return render_template(
        "pb/proposal.html",
        proposal=item,
        status=proposals.status_label(item, today, result),
        result=result,
        delivery=delivery,
        delivery_statuses=DELIVERY_STATUSES,
        is_author=is_author,
        follow_form=FollowForm() if follows.followable(item) else None,
        following=follows.is_following(current_user, item),
        can_edit=is_author and not proposals.can_propose(current_user, item.budget, today),
        can_review=current_user.is_authenticated
        and current_user.has_role("officer")
        and item.budget.process.phase_on(today) == "review"
        and item.status != "draft",
        can_translate=_is_officer() and item.status != "draft",
    )


@bp.route("/proposals/<int:proposal_id>/translate", methods=["GET", "POST"])
@roles_required("officer")
def proposal_translate(proposal_id: int):
    item = db.get_or_404(Proposal, proposal_id)
    _visible(item.budget.process)
    if item.status == "draft":
        abort(404)  # nobody but its author sees a draft
    languages = proposal_languages.translation_languages(item)
    form = TranslationForm()
    form.language.choices = _language_choices(languages)
    if request.method == "GET":
        wanted = request.args.get("language")
        codes = [lang.code for lang in languages]
        form.language.data = wanted if wanted in codes else (codes[0] if codes else None)
        existing = next((t for t in item.translations if t.language == form.language.data), None)
        if existing is not None:
            form.title.data, form.summary.data = existing.title, existing.summary
    if form.validate_on_submit():
        try:
            proposal_languages.save_translation(
                current_user,
                item,
                form.language.data or "",
                form.title.data or "",
                form.summary.data or "",
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Translation saved."), "success")
            return redirect(url_for("pb.proposal", proposal_id=item.id))
    return render_template(
        "pb/translate.html",
        form=form,
        proposal=item,
        languages=languages,
        names={lang.code: lang for lang in languages},
        original_name=proposal_languages.language_name(item.language),
    ), form_status(form)


def _follow_change(proposal_id: int, want: bool):
    item = db.get_or_404(Proposal, proposal_id)
    _visible(item.budget.process)
    if item.status == "draft" and item.author_id != current_user.id:
        abort(404)
    back = url_for("pb.proposal", proposal_id=item.id)
    if not FollowForm().validate_on_submit():
        flash(_("This page had expired, so nothing changed. Please try again."), "error")
        return redirect(back)
    try:
        changed = (
            follows.follow(current_user, item) if want else follows.unfollow(current_user, item)
        )
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    if changed and want:
        flash(
            _(
                "You follow this project: we will email you when its delivery is updated "
                "(if you have those emails on)."
            ),
            "success",
        )
    elif changed:
        flash(_("You no longer follow this project."), "success")
    return redirect(back)


@bp.route("/proposals/<int:proposal_id>/follow", methods=["POST"])
@signed_in
def proposal_follow(proposal_id: int):
    return _follow_change(proposal_id, True)


@bp.route("/proposals/<int:proposal_id>/unfollow", methods=["POST"])
@signed_in
def proposal_unfollow(proposal_id: int):
    return _follow_change(proposal_id, False)


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@roles_required("resident")
def proposal_edit(proposal_id: int):
    item = db.get_or_404(Proposal, proposal_id)
    if item.author_id != current_user.id:
        abort(403)
    today = clock.today()
    reason = proposals.can_propose(current_user, item.budget, today)
    if reason:
        return render_template(
            "pb/not_now.html",
            budget=item.budget,
            reason=_("Proposals can be changed only until review starts."),
        ), 403
    form = _proposal_form(item.budget, item)
    if form.validate_on_submit():
        try:
            proposals.save_proposal(
                current_user,
                item.budget,
                _proposal_text(form, item),
                submit=bool(form.submit.data),
                today=today,
                proposal=item,
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Your proposal is saved."), "success")
            return redirect(url_for("pb.proposal", proposal_id=item.id))
    return render_template(
        "pb/proposal_form.html", form=form, budget=item.budget, proposal=item
    ), form_status(form)


@bp.route("/proposals/<int:proposal_id>/review", methods=["GET", "POST"])
@roles_required("officer")
def proposal_review(proposal_id: int):
    item = db.get_or_404(Proposal, proposal_id)
    form = ReviewForm(
        data={
            "decision": item.status if item.status in ("feasible", "not_feasible") else None,
            "reviewed_cost": item.reviewed_cost,
            "note": item.review_note,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            proposals.review_proposal(
                current_user,
                item,
                feasible=form.decision.data == "feasible",
                note=form.note.data or "",
                reviewed_cost=form.reviewed_cost.data,
                today=clock.today(),
            )
        except FieldError as error:
            db.session.rollback()
            show_field_error(form, error)
        else:
            db.session.commit()
            flash(_("Review of “%(title)s” saved.", title=item.title), "success")
            return redirect(url_for("pb.budget", budget_id=item.budget_id))
    return render_template(
        "pb/review.html",
        form=form,
        proposal=item,
        not_now=proposals.why_not_review(item, clock.today()),
    ), form_status(form)


@bp.route("/processes/<int:process_id>/proposals")
@public
def process_proposals(process_id: int):
    item = _visible(db.get_or_404(Process, process_id))
    theme = request.args.get("theme", "")
    area = request.args.get("neighbourhood", "")
    area_id = query_int("neighbourhood", column=Budget.neighbourhood_id, minimum=1)
    query = (
        select(Proposal)
        .join(Budget)
        .where(Budget.process_id == item.id, Proposal.status != "draft")
        .order_by(Proposal.title, Proposal.id)
    )
    if theme in THEMES:
        query = query.where(Proposal.theme == theme)
    if area == "citywide":
        query = query.where(Budget.neighbourhood_id.is_(None))
    elif area_id is not None:
        query = query.where(Budget.neighbourhood_id == area_id)
    found = db.session.scalars(query).all()
    return render_template(
        "pb/process_proposals.html",
        process=item,
        proposals=found,
        theme=theme,
        area=area,
        themes=THEMES,
        statuses=proposals.status_labels(found, clock.today()),
    )
