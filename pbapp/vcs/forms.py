"""Forms of the core-funding pages: group profiles, eligibility, rounds, corrections."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import TextInput

from pbapp.forms import PoundsField as _PoundsField
from pbapp.forms import WholeNumberField as _WholeNumberField
from pbapp.models.core_funding import (
    CORRECTION_SUBJECTS,
    ELIGIBILITY_CHECKS,
    REACH_CHECK_RESULTS,
)
from pbapp.services.core_funding.corrections import DETAILS_MAX, REASON_MAX
from pbapp.services.core_funding.profiles import (
    EQUALITY_DESCRIPTION_MAX,
    METHOD_MAX,
    NAME_MAX,
    PERIOD_MAX,
    REACH_CHECK_METHOD_MAX,
    REGISTRATION_MAX,
    Profile,
)
from pbapp.services.core_funding.settings import MAX_BANDS, RoundSettings


# Numbers are typed in text boxes (inputmode brings up a number keypad on phones): a number box
# would refuse "£2,500", which the fields accept, and silently drop what it cannot read.
def PoundsField(label: str, **kwargs) -> _PoundsField:  # noqa: N802  (a field factory)
    return _PoundsField(label, widget=TextInput(), render_kw={"inputmode": "numeric"}, **kwargs)


def WholeNumberField(label: str, **kwargs) -> _WholeNumberField:  # noqa: N802
    return _WholeNumberField(
        label, widget=TextInput(), render_kw={"inputmode": "numeric"}, **kwargs
    )


def parse_decimal(text: str | None) -> Decimal | None:
    """A typed number as an exact decimal ('0.5', '1', '12.5%'); None when empty.

    Raises ``ValueError`` for text that is not a number.
    """
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().rstrip("%").replace(",", ""))
    except InvalidOperation:
        raise ValueError("Enter a number, like 0.5.") from None
    if not value.is_finite():
        raise ValueError("Enter a number, like 0.5.")
    return value


class DecimalTextField(StringField):
    """A number typed as text ('0.5', '10', '12.5%'), kept as an exact Decimal."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        try:
            self.data = parse_decimal(self.raw)
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def _value(self) -> str:
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f")
        return getattr(self, "raw", "") or ""


# ----------------------------------------------------------------------------- profiles


def profile_form(neighbourhoods, org=None, formdata=None, base=FlaskForm) -> FlaskForm:
    """A group's profile, with one 'people reached' box per neighbourhood.

    ``base`` adds the fields of another form: an officer's correction decision carries the
    profile's figures, so that accepting a correction applies them in the same step.
    """

    class ProfileForm(base):
        name = StringField(
            "Group name",
            validators=[
                InputRequired("Enter your group's name."),
                Length(max=NAME_MAX, message=f"Use at most {NAME_MAX} characters."),
            ],
        )
        registration_number = StringField(
            "Charity or company number (if you have one)",
            description="Leave empty if your group is not registered.",
            validators=[Length(max=REGISTRATION_MAX, message="That number is too long.")],
        )
        income_year = WholeNumberField(
            "Year your latest accounts ended",
            description="For example 2025 for accounts to March 2025.",
            validators=[InputRequired("Enter the year your latest accounts ended, like 2025.")],
        )
        income_latest = PoundsField(
            "Income in your latest year",
            description="Total income in whole pounds, as in your accounts.",
            validators=[InputRequired("Enter your income in your latest year.")],
        )
        income_previous = PoundsField(
            "Income the year before (if you have it)", validators=[Optional()]
        )
        income_earlier = PoundsField(
            "Income the year before that (if you have it)", validators=[Optional()]
        )
        reach_period = StringField(
            "The period your figures cover",
            description="For example: April 2025 to March 2026.",
            validators=[Length(max=PERIOD_MAX, message=f"Use at most {PERIOD_MAX} characters.")],
        )
        reach_method = TextAreaField(
            "How you counted",
            description="So that each person is counted once: for example, names on your "
            "register, or sign-in sheets with duplicates removed.",
            validators=[Length(max=METHOD_MAX, message=f"Use at most {METHOD_MAX:,} characters.")],
        )
        equality_people = WholeNumberField(
            "People you serve across the city as a community (if this is you)",
            description="Different people in the same period, wherever they live: for example a "
            "Deaf community, a faith or ethnic community, LGBT+ people, or people with no fixed "
            "address. Leave empty if this is not your group.",
            validators=[Optional()],
        )
        equality_intensive = WholeNumberField(
            "Of them, people given intensive support", validators=[Optional()]
        )
        equality_description = StringField(
            "Which community, or people with no fixed address",
            validators=[
                Length(
                    max=EQUALITY_DESCRIPTION_MAX,
                    message=f"Use at most {EQUALITY_DESCRIPTION_MAX} characters.",
                )
            ],
        )
        trades = BooleanField(
            "Our group trades: it sells goods or services (for example a café or paid courses)"
        )
        mfa_declared = PoundsField(
            "Minimal Financial Assistance from other public bodies, this and the last two "
            "financial years",
            description="Subsidy control: in whole pounds, £0 if none. Only for groups that trade.",
            validators=[Optional()],
        )
        submit = SubmitField("Save profile")

    for area in neighbourhoods:
        setattr(
            ProfileForm,
            f"reach_{area.id}",
            WholeNumberField(area.name, validators=[Optional()]),
        )
        setattr(
            ProfileForm,
            f"intensive_{area.id}",
            WholeNumberField(f"{area.name}: of them, intensive support", validators=[Optional()]),
        )
    data = {}
    if org is not None:
        data = {
            "name": org.name,
            "registration_number": org.registration_number,
            "income_year": org.income_year,
            "income_latest": org.income_latest,
            "income_previous": org.income_previous,
            "income_earlier": org.income_earlier,
            "reach_period": org.reach_period,
            "reach_method": org.reach_method,
            "equality_people": org.equality_people,
            "equality_intensive": org.equality_intensive,
            "equality_description": org.equality_description,
            "trades": org.trades,
            "mfa_declared": org.mfa_declared,
        }
        data |= {f"reach_{r.neighbourhood_id}": r.people for r in org.reach}
        data |= {f"intensive_{r.neighbourhood_id}": r.intensive for r in org.reach}
    form = (
        ProfileForm(formdata=formdata, data=data)
        if formdata is not None
        else ProfileForm(data=data)
    )
    form.reach_fields = [(area.id, getattr(form, f"reach_{area.id}")) for area in neighbourhoods]
    form.reach_rows = [
        (area.id, getattr(form, f"reach_{area.id}"), getattr(form, f"intensive_{area.id}"))
        for area in neighbourhoods
    ]
    return form


def profile_from(form) -> Profile:
    return Profile(
        name=form.name.data or "",
        registration_number=form.registration_number.data or "",
        income_year=form.income_year.data,
        income_latest=form.income_latest.data,
        income_previous=form.income_previous.data,
        income_earlier=form.income_earlier.data,
        reach={area_id: f.data or 0 for area_id, f in form.reach_fields},
        intensive={area_id: i.data or 0 for area_id, _, i in form.reach_rows if i.data},
        reach_period=form.reach_period.data or "",
        reach_method=form.reach_method.data or "",
        equality_people=form.equality_people.data,
        equality_intensive=form.equality_intensive.data,
        equality_description=form.equality_description.data or "",
        trades=bool(form.trades.data),
        mfa_declared=form.mfa_declared.data,
    )


class ReachCheckForm(FlaskForm):
    result = RadioField(
        "What did the sample show?",
        choices=[SelectChoice(k, v) for k, v in REACH_CHECK_RESULTS.items()],
        validators=[InputRequired("Choose whether the sample matched the figures.")],
    )
    method = TextAreaField(
        "How you checked",
        description="For example: 20 names picked at random from the register, each found on "
        "a sign-in sheet in the period.",
        validators=[
            InputRequired("Say how you checked."),
            Length(
                max=REACH_CHECK_METHOD_MAX,
                message=f"Use at most {REACH_CHECK_METHOD_MAX:,} characters.",
            ),
        ],
    )
    submit = SubmitField("Save the check")


class KeeperForm(FlaskForm):
    email = StringField(
        "Email address of the group's account",
        description="The account must have the community group (vcs) role.",
        validators=[InputRequired("Enter the email address of the group's account.")],
    )
    submit = SubmitField("Add keeper")


class EligibilityForm(FlaskForm):
    constituted = BooleanField(ELIGIBILITY_CHECKS["constituted"])
    serves_city = BooleanField(ELIGIBILITY_CHECKS["serves_city"])
    safeguarding = BooleanField(ELIGIBILITY_CHECKS["safeguarding"])
    accounts = BooleanField(ELIGIBILITY_CHECKS["accounts"])
    submit = SubmitField("Save the check")


# ----------------------------------------------------------------------------- rounds


class RoundForm(FlaskForm):
    """A round's settings. Posted to save; also read from a GET query (no CSRF) to preview."""

    title = StringField(
        "Title",
        validators=[InputRequired("Give the round a title."), Length(max=200)],
    )
    pot = PoundsField(
        "Pot per year",
        description="Whole pounds a year, shared between all eligible groups.",
        validators=[InputRequired("Enter the pot per year in whole pounds.")],
    )
    years = WholeNumberField(
        "Years the round covers", validators=[InputRequired("Enter how many years.")]
    )
    first_year = WholeNumberField(
        "First year",
        description="The round starts in April of this year.",
        validators=[InputRequired("Enter the year the round starts, like 2027.")],
    )
    alpha = DecimalTextField(
        "Need weighting",
        description="0 ignores need; 1 weighs each person in proportion to their neighbourhood's "
        "need; 0.5 is in between.",
    )
    cap = PoundsField(
        "Cap per group per year (optional)",
        description="No group gets more than this a year. Leave empty for no cap.",
        validators=[Optional()],
    )
    cap_income_percent = DecimalTextField(
        "Most an award may be, as a percentage of the group's income (optional)",
        description="For example 50: no award is more than half the group's average income.",
    )
    delta_percent = DecimalTextField(
        "Stability band, percent",
        description="An award moves at most this much, up or down, from the group's award per "
        "year in the last round.",
    )
    base_taper = BooleanField(
        "Taper the base between bands (no cliffs)",
        description="Each band's base is paid at the band's lowest income and rises in a straight "
        "line to the next band's base, so £1 more income never moves the base by more than £1.",
    )
    reach_exponent = DecimalTextField(
        "Reach exponent",
        description="0.5 takes the square root of the need-weighted people reached, so that "
        "inflating a count buys little; 1 counts every person the same however many there are.",
    )
    intensive_weight = DecimalTextField(
        "Weight of intensive support",
        description="How many times a person given intensive support counts (for example 4).",
    )
    intensive_definition = StringField(
        "What counts as intensive support",
        description="Groups count a person as given intensive support by this definition.",
        validators=[Length(max=300, message="Use at most 300 characters.")],
    )
    unchecked_reach_cap = WholeNumberField(
        "Most people counted before an officer has checked a group's figures (optional)",
        description="Leave empty to count unchecked figures in full.",
        validators=[Optional()],
    )
    equality_percent = DecimalTextField(
        "Equality share, percent of the pot",
        description="Kept for groups serving a community of identity across the city or people "
        "with no fixed address, shared on the people they serve city-wide. 0 for none.",
    )
    cap_income_allowance = PoundsField(
        "Allowance added to the income limit",
        description="So that a small group is not held to a fraction of a small income.",
        validators=[Optional()],
    )
    mfa_threshold = PoundsField(
        "Minimal Financial Assistance threshold",
        description="Subsidy control: the most a trading group may have over three financial "
        "years (£315,000 since 2022).",
        validators=[Optional()],
    )
    submit = SubmitField("Save settings")


for _i in range(1, MAX_BANDS + 1):
    if _i < MAX_BANDS:
        setattr(
            RoundForm,
            f"band{_i}_max",
            PoundsField(f"Band {_i}: top income", validators=[Optional()]),
        )
    setattr(
        RoundForm,
        f"band{_i}_base",
        PoundsField(
            f"Band {_i}: base amount"
            if _i < MAX_BANDS
            else f"Band {_i} (all higher incomes): base amount",
            validators=[Optional()],
        ),
    )


def round_form_data(settings: RoundSettings) -> dict:
    data = {
        "title": settings.title,
        "pot": settings.pot,
        "years": settings.years,
        "first_year": settings.first_year,
        "alpha": settings.alpha,
        "cap": settings.cap,
        "cap_income_percent": settings.cap_income_percent,
        "delta_percent": settings.delta_percent,
        "base_taper": settings.base_taper,
        "reach_exponent": settings.reach_exponent,
        "intensive_weight": settings.intensive_weight,
        "unchecked_reach_cap": settings.unchecked_reach_cap,
        "equality_percent": settings.equality_percent,
        "cap_income_allowance": settings.cap_income_allowance,
        "mfa_threshold": settings.mfa_threshold,
        "intensive_definition": settings.intensive_definition,
    }
    for i, (top, base) in enumerate(settings.bands, start=1):
        if i < MAX_BANDS:
            data[f"band{i}_max"] = top
        data[f"band{i}_base"] = base
    return data


def settings_from(form: RoundForm) -> RoundSettings:
    bands = []
    for i in range(1, MAX_BANDS + 1):
        top = getattr(form, f"band{i}_max").data if i < MAX_BANDS else None
        bands.append((top, getattr(form, f"band{i}_base").data))
    return RoundSettings(
        title=form.title.data or "",
        pot=form.pot.data,
        years=form.years.data,
        first_year=form.first_year.data,
        bands=bands,
        alpha=form.alpha.data,
        cap=form.cap.data,
        cap_income_percent=form.cap_income_percent.data,
        delta_percent=form.delta_percent.data,
        base_taper=bool(form.base_taper.data),
        reach_exponent=form.reach_exponent.data,
        intensive_weight=form.intensive_weight.data,
        unchecked_reach_cap=form.unchecked_reach_cap.data,
        equality_percent=form.equality_percent.data,
        cap_income_allowance=form.cap_income_allowance.data,
        mfa_threshold=form.mfa_threshold.data,
        intensive_definition=form.intensive_definition.data or "",
    )


class PublishForm(FlaskForm):
    confirm = BooleanField(
        "I have checked the awards: publish them. Published awards cannot be changed.",
        validators=[InputRequired("Tick the box to confirm you have checked the awards.")],
    )
    submit = SubmitField("Publish the round")


# ----------------------------------------------------------------------------- corrections


class CorrectionForm(FlaskForm):
    subject = RadioField(
        "What is wrong?",
        choices=[SelectChoice(k, v) for k, v in CORRECTION_SUBJECTS.items()],
        validators=[InputRequired("Choose what is wrong.")],
    )
    details = TextAreaField(
        "What should it say?",
        description="Say what is wrong and what the right figure is, and where it comes from "
        "(for example your accounts).",
        validators=[
            InputRequired("Say what is wrong and what the right figure is."),
            Length(max=DETAILS_MAX, message=f"Use at most {DETAILS_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Send to an officer")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[
            SelectChoice("accept", "Accept: the data was wrong and is now corrected"),
            SelectChoice("decline", "Decline: the data was right"),
        ],
        validators=[InputRequired("Choose accept or decline.")],
    )
    reason = TextAreaField(
        "Reason, shown to the group",
        validators=[
            InputRequired("Give the group a reason for your decision."),
            Length(max=REASON_MAX, message=f"Use at most {REASON_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Save decision")
