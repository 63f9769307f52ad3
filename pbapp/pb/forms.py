from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from pbapp.forms import MultiCheckboxField, PoundsField, WholeNumberField
from pbapp.models import BALLOT_TYPES, COUNTING_RULES, THEMES
from pbapp.models.process import ELIGIBILITY, MIN_AGE_LIMITS
from pbapp.services.participation.proposals import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
)


def _date(label: str, hint: str) -> DateField:
    return DateField(
        label, description=hint, validators=[InputRequired(f"Enter the date {label.lower()}.")]
    )


class ProcessForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the process a title."), Length(max=200)]
    )
    description = TextAreaField(
        "What it is about, in plain English",
        validators=[DataRequired("Describe the process for residents."), Length(max=5000)],
    )
    themes = MultiCheckboxField(
        "Themes",
        choices=[SelectChoice(k, v) for k, v in THEMES.items()],
        validators=[DataRequired("Choose at least one theme.")],
    )
    ballot_type = RadioField(
        "Ballot",
        choices=[SelectChoice(k, v) for k, v in BALLOT_TYPES.items()],
        validators=[InputRequired("Choose a ballot type.")],
    )
    max_projects = WholeNumberField(
        "Most projects a voter may tick (tick ballots only; leave empty for no limit)",
        validators=[Optional(), NumberRange(min=1, message="Enter 1 or more.")],
    )
    points_total = WholeNumberField(
        "Points each voter spreads (points ballots only)",
        validators=[Optional(), NumberRange(min=1, max=1000, message="Enter between 1 and 1,000.")],
    )
    rule = SelectField(
        "Counting rule",
        choices=[SelectChoice(k, v) for k, v in COUNTING_RULES.items()],
        default="mes-add1",
    )
    eligibility = RadioField(
        "Who may vote",
        choices=[SelectChoice(k, v) for k, v in ELIGIBILITY.items()],
        default="signed_in",
        description="Cannot change once voting opens.",
    )
    min_age = WholeNumberField(
        "Minimum age of voters (leave empty for none)",
        description="Many schemes let people from 11 or 16 vote. Voters are asked their date of birth only when there is a minimum age.",
        validators=[
            Optional(),
            NumberRange(
                min=MIN_AGE_LIMITS[0],
                max=MIN_AGE_LIMITS[1],
                message=f"Enter an age from {MIN_AGE_LIMITS[0]} to {MIN_AGE_LIMITS[1]}.",
            ),
        ],
    )
    proposals_start = _date("Proposals open", "Residents can send proposals from this day.")
    review_start = _date("Review starts", "Proposals close; officers check feasibility and cost.")
    voting_start = _date("Voting opens", "Ballot settings cannot change from this day.")
    results_start = _date(
        "Results", "Voting closes the day before; results can be published from this day."
    )
    delivery_start = _date("Delivery starts", "Funded projects begin.")
    reason = TextAreaField(
        "Why it changes (needed once the process is published)",
        description="Residents read this on the process page and the public change log.",
        validators=[
            Optional(),
            Length(max=2000, message="Keep the reason under 2,000 characters."),
        ],
    )
    submit = SubmitField("Save")


class PublishProcessForm(FlaskForm):
    submit = SubmitField("Publish this process")


def budgets_form(neighbourhoods, budgets_by_area: dict) -> FlaskForm:
    """A form with one amount per neighbourhood, and one for the whole city."""

    class BudgetsForm(FlaskForm):
        submit = SubmitField("Save budgets")

    fields = [("citywide", "City-wide budget")] + [(str(n.id), n.name) for n in neighbourhoods]
    for key, label in fields:
        setattr(
            BudgetsForm,
            f"amount_{key}",
            PoundsField(
                label, validators=[Optional(), NumberRange(min=0, message="Enter £0 or more.")]
            ),
        )
    data = {}
    for area_id, amount in budgets_by_area.items():
        data[f"amount_{'citywide' if area_id is None else area_id}"] = amount
    form = BudgetsForm(data=data)
    form.area_fields = [
        (None if key == "citywide" else int(key), getattr(form, f"amount_{key}"))
        for key, _ in fields
    ]
    return form


class RequiredToSubmit:
    """Required when the proposal is submitted for review; "Save as draft" may leave the field
    empty (what is filled in is still checked)."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        data = field.data
        if data is not None and not (isinstance(data, str) and not data.strip()):
            return
        if field.process_errors:  # typed but unreadable ("lots" pounds): that message stands
            raise StopValidation()
        if getattr(form, "save_draft", None) is not None and form.save_draft.data:
            raise StopValidation()  # a draft: nothing more to check on an empty field
        raise StopValidation(self.message)


class ProposalForm(FlaskForm):
    title = StringField(
        "Title",
        description=f"A short name for the project (up to {TITLE_MAX} characters).",
        validators=[
            DataRequired("Enter a title."),
            Length(max=TITLE_MAX, message=f"Use at most {TITLE_MAX} characters."),
        ],
    )
    summary = TextAreaField(
        "Summary",
        description=f"One or two sentences: what it is and who it helps (up to {SUMMARY_MAX} characters).",
        validators=[
            RequiredToSubmit("Enter a summary."),
            Length(max=SUMMARY_MAX, message=f"Use at most {SUMMARY_MAX} characters."),
        ],
    )
    description = TextAreaField(
        "Description",
        description="How it keeps people well, what the money pays for, and who will do it.",
        validators=[
            RequiredToSubmit("Enter a description."),
            Length(max=DESCRIPTION_MAX, message=f"Use at most {DESCRIPTION_MAX:,} characters."),
        ],
    )
    cost = PoundsField(
        "Estimated cost in pounds",
        description="Whole pounds, for example 2500.",
        validators=[RequiredToSubmit("Enter the estimated cost in whole pounds.")],
    )
    theme = SelectField("Theme", validate_choice=False)
    location = StringField(
        "Where (optional)",
        description="A street, park or building, if the project has a place.",
        validators=[Length(max=LOCATION_MAX, message=f"Use at most {LOCATION_MAX} characters.")],
    )
    save_draft = SubmitField("Save as draft")
    submit = SubmitField("Submit for review")


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[
            SelectChoice("feasible", "Feasible: put it on the ballot"),
            SelectChoice("not_feasible", "Not feasible"),
        ],
        validators=[InputRequired("Choose feasible or not feasible.")],
    )
    reviewed_cost = PoundsField(
        "Adjusted cost (optional)",
        description="Only if the estimate needed correcting. Whole pounds.",
        validators=[Optional()],
    )
    note = TextAreaField(
        "Note for the author and the public",
        description="Required when the proposal is not feasible: say why, plainly.",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Save review")


class BallotForm(FlaskForm):
    """CSRF only: the choices are read from the ballot's own inputs."""

    submit = SubmitField("Cast my vote")


class PublishForm(FlaskForm):
    submit = SubmitField("Count and publish the result")


class PaperBallotForm(FlaskForm):
    voter_email = StringField(
        "Voter's email address, if they have an account",
        description="Then they cannot also vote online in this budget.",
        validators=[Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    voter_name = StringField(
        "Voter's name, if they have no account",
        validators=[Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    voter_date_of_birth = DateField(
        "Voter's date of birth (no account)",
        description="With their postcode, checks them against verified accounts, so nobody "
        "votes on paper and online. Needed when the process is for verified residents.",
        validators=[Optional()],
    )
    voter_postcode = StringField(
        "Voter's postcode, if they have no account",
        description="As written on the paper, like S4 7AB.",
        validators=[Length(max=20, message="A postcode is at most 8 letters and numbers.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    confirm_duplicate = BooleanField(
        "This is a different person with the same name and postcode",
    )
    receipt_code = StringField(
        "Receipt code printed on the paper ballot",
        description="Leave empty if the paper has none: a code will be made for you to write on the voter's slip.",
        validators=[Length(max=20)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField("Save this paper ballot")


class VoidPaperBallotForm(FlaskForm):
    reason = TextAreaField(
        "Why this paper ballot is void",
        description="Kept in the audit trail; the public sees only how many papers were voided.",
        validators=[
            DataRequired("Say why this paper ballot is void, for the audit trail."),
            Length(max=500, message="Keep the reason under 500 characters."),
        ],
    )
    submit = SubmitField("Void this paper ballot")
