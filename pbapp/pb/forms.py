from __future__ import annotations

from flask_babel import lazy_gettext as _l
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

from pbapp.formatting import number
from pbapp.forms import MultiCheckboxField, PoundsField, WholeNumberField
from pbapp.models import BALLOT_TYPES, COUNTING_RULES, THEMES
from pbapp.models.process import ELIGIBILITY, MIN_AGE_LIMITS
from pbapp.services.participation.proposals import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
)


def _date(label, hint, message) -> DateField:
    return DateField(label, description=hint, validators=[InputRequired(message)])


class ProcessForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the process a title.")), Length(max=200)]
    )
    description = TextAreaField(
        _l("What it is about, in plain English"),
        validators=[DataRequired(_l("Describe the process for residents.")), Length(max=5000)],
    )
    themes = MultiCheckboxField(
        _l("Themes"),
        choices=[SelectChoice(k, _l(v)) for k, v in THEMES.items()],
        validators=[DataRequired(_l("Choose at least one theme."))],
    )
    ballot_type = RadioField(
        # Translators: the kind of ballot paper a process uses (tick, points, within budget).
        _l("Ballot"),
        choices=[SelectChoice(k, _l(v)) for k, v in BALLOT_TYPES.items()],
        validators=[InputRequired(_l("Choose a ballot type."))],
    )
    max_projects = WholeNumberField(
        _l("Most projects a voter may tick (tick ballots only; leave empty for no limit)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more."))],
    )
    points_total = WholeNumberField(
        _l("Points each voter spreads (points ballots only)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=1000,
                message=_l("Enter between %(low)s and %(high)s.", low=1, high=number(1000)),
            ),
        ],
    )
    rule = SelectField(
        _l("Counting rule"),
        choices=[SelectChoice(k, _l(v)) for k, v in COUNTING_RULES.items()],
        default="mes-add1",
    )
    eligibility = RadioField(
        _l("Who may vote"),
        choices=[SelectChoice(k, _l(v)) for k, v in ELIGIBILITY.items()],
        default="signed_in",
        description=_l("Cannot change once voting opens."),
    )
    min_age = WholeNumberField(
        _l("Minimum age of voters (leave empty for none)"),
        description=_l(
            "Many schemes let people from %(young)s or %(older)s vote. Voters are asked their "
            "date of birth only when there is a minimum age.",
            young=11,
            older=16,
        ),
        validators=[
            Optional(),
            NumberRange(
                min=MIN_AGE_LIMITS[0],
                max=MIN_AGE_LIMITS[1],
                message=_l(
                    "Enter an age from %(low)s to %(high)s.",
                    low=MIN_AGE_LIMITS[0],
                    high=MIN_AGE_LIMITS[1],
                ),
            ),
        ],
    )
    checked_email_only = BooleanField(
        _l("Only people who have checked their email address may vote"),
        description=_l(
            "A voter whose address is not checked yet is sent the link again from the ballot "
            "page, and their choices are kept. Cannot change once voting opens."
        ),
    )
    proposals_start = _date(
        _l("Proposals open"),
        _l("Residents can send proposals from this day."),
        _l("Enter the date proposals open."),
    )
    review_start = _date(
        _l("Review starts"),
        _l("Proposals close; officers check feasibility and cost."),
        _l("Enter the date review starts."),
    )
    voting_start = _date(
        _l("Voting opens"),
        _l("Ballot settings cannot change from this day."),
        _l("Enter the date voting opens."),
    )
    results_start = _date(
        # Translators: the phase of a process when results are published (a date field's label).
        _l("Results"),
        _l("Voting closes the day before; results can be published from this day."),
        # Translators: asked when the date the results phase starts is missing.
        _l("Enter the date results are published."),
    )
    delivery_start = _date(
        _l("Delivery starts"),
        _l("Funded projects begin."),
        _l("Enter the date delivery starts."),
    )
    reason = TextAreaField(
        _l("Why it changes (needed once the process is published)"),
        description=_l("Residents read this on the process page and the public change log."),
        validators=[
            Optional(),
            Length(
                max=2000,
                message=_l("Keep the reason under %(count)s characters.", count=number(2000)),
            ),
        ],
    )
    submit = SubmitField(_l("Save"))


class PublishProcessForm(FlaskForm):
    submit = SubmitField(_l("Publish this process"))


def budgets_form(neighbourhoods, budgets_by_area: dict) -> FlaskForm:
    """A form with one amount per neighbourhood, and one for the whole city."""

    class BudgetsForm(FlaskForm):
        submit = SubmitField(_l("Save budgets"))

    fields = [("citywide", _l("City-wide budget"))] + [(str(n.id), n.name) for n in neighbourhoods]
    for key, label in fields:
        setattr(
            BudgetsForm,
            f"amount_{key}",
            PoundsField(
                label, validators=[Optional(), NumberRange(min=0, message=_l("Enter £0 or more."))]
            ),
        )
    data = {}
    for area_id, amount in budgets_by_area.items():
        data[f"amount_{'citywide' if area_id is None else area_id}"] = amount
    form = BudgetsForm(data=data)
    form.area_fields = [
        (None if key == "citywide" else int(key), getattr(form, f"amount_{key}"))
        for key, _label in fields
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
        _l("Title"),
        description=_l(
            "A short name for the project (up to %(count)s characters).", count=TITLE_MAX
        ),
        validators=[
            DataRequired(_l("Enter a title.")),
            Length(max=TITLE_MAX, message=_l("Use at most %(count)s characters.", count=TITLE_MAX)),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l(
            "One or two sentences: what it is and who it helps (up to %(count)s characters).",
            count=SUMMARY_MAX,
        ),
        validators=[
            RequiredToSubmit(_l("Enter a summary.")),
            Length(
                max=SUMMARY_MAX, message=_l("Use at most %(count)s characters.", count=SUMMARY_MAX)
            ),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("How it keeps people well, what the money pays for, and who will do it."),
        validators=[
            RequiredToSubmit(_l("Enter a description.")),
            Length(
                max=DESCRIPTION_MAX,
                message=_l("Use at most %(count)s characters.", count=number(DESCRIPTION_MAX)),
            ),
        ],
    )
    cost = PoundsField(
        _l("Estimated cost in pounds"),
        description=_l("Whole pounds, for example %(amount)s.", amount=2500),
        validators=[RequiredToSubmit(_l("Enter the estimated cost in whole pounds."))],
    )
    theme = SelectField(_l("Theme"), validate_choice=False)
    location = StringField(
        _l("Where (optional)"),
        description=_l("A street, park or building, if the project has a place."),
        validators=[
            Length(
                max=LOCATION_MAX,
                message=_l("Use at most %(count)s characters.", count=LOCATION_MAX),
            )
        ],
    )
    language = SelectField(
        _l("The language you are writing in"),
        description=_l("Write in the language you know best. Officers can add translations."),
        validate_choice=False,  # the service checks the code against the registry
    )
    english_title = StringField(
        _l("Title in English (optional)"),
        description=_l(
            "Only if you are not writing in English: the title again, in English, if you can."
        ),
        validators=[
            Length(max=TITLE_MAX, message=_l("Use at most %(count)s characters.", count=TITLE_MAX))
        ],
    )
    english_summary = TextAreaField(
        _l("Summary in English (optional)"),
        description=_l("Only if you are not writing in English: the summary again, in English."),
        validators=[
            Length(
                max=SUMMARY_MAX, message=_l("Use at most %(count)s characters.", count=SUMMARY_MAX)
            )
        ],
    )
    save_draft = SubmitField(_l("Save as draft"))
    submit = SubmitField(_l("Submit for review"))


class TranslationForm(FlaskForm):
    """An officer's translation of a proposal's title and summary."""

    language = SelectField(
        _l("Language"),
        validators=[InputRequired(_l("Choose a language."))],
        validate_choice=False,  # the service checks it against the offered languages
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title.")),
            Length(max=TITLE_MAX, message=_l("Use at most %(count)s characters.", count=TITLE_MAX)),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[
            DataRequired(_l("Enter a summary.")),
            Length(
                max=SUMMARY_MAX, message=_l("Use at most %(count)s characters.", count=SUMMARY_MAX)
            ),
        ],
    )
    submit = SubmitField(_l("Save translation"))


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("feasible", _l("Feasible: put it on the ballot")),
            SelectChoice("not_feasible", _l("Not feasible")),
        ],
        validators=[InputRequired(_l("Choose feasible or not feasible."))],
    )
    reviewed_cost = PoundsField(
        _l("Adjusted cost (optional)"),
        description=_l("Only if the estimate needed correcting. Whole pounds."),
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("Note for the author and the public"),
        description=_l("Required when the proposal is not feasible: say why, plainly."),
        validators=[Length(max=2000)],
    )
    submit = SubmitField(_l("Save review"))


class BallotForm(FlaskForm):
    """CSRF only: the choices are read from the ballot's own inputs."""

    submit = SubmitField(_l("Cast my vote"))


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Count and publish the result"))


class PaperBallotForm(FlaskForm):
    voter_email = StringField(
        _l("Voter's email address, if they have an account"),
        description=_l("Then they cannot also vote online in this budget."),
        validators=[Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    voter_name = StringField(
        _l("Voter's name, if they have no account"),
        validators=[Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    voter_date_of_birth = DateField(
        _l("Voter's date of birth (no account)"),
        description=_l(
            "With their postcode, checks them against verified accounts, so nobody "
            "votes on paper and online. Needed when the process is for verified residents."
        ),
        validators=[Optional()],
    )
    voter_postcode = StringField(
        _l("Voter's postcode, if they have no account"),
        description=_l("As written on the paper, like %(example)s.", example="S4 7AB"),
        validators=[
            Length(
                max=20,
                message=_l("A postcode is at most %(count)s letters and numbers.", count=8),
            )
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    confirm_duplicate = BooleanField(
        _l("This is a different person with the same name and postcode"),
    )
    receipt_code = StringField(
        _l("Receipt code printed on the paper ballot"),
        description=_l(
            "Leave empty if the paper has none: a code will be made for you to write on the "
            "voter's slip."
        ),
        validators=[Length(max=20)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Save this paper ballot"))


class VoidPaperBallotForm(FlaskForm):
    reason = TextAreaField(
        _l("Why this paper ballot is void"),
        description=_l(
            "Kept in the audit trail; the public sees only how many papers were voided."
        ),
        validators=[
            DataRequired(_l("Say why this paper ballot is void, for the audit trail.")),
            Length(max=500, message=_l("Keep the reason under %(count)s characters.", count=500)),
        ],
    )
    submit = SubmitField(_l("Void this paper ballot"))


class FollowForm(FlaskForm):
    """Follow a proposal (or stop): a POST with a CSRF token. The button's words are the page's."""
