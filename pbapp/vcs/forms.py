"""Forms of the core-funding pages: group profiles, eligibility, rounds, corrections."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import TextInput

from pbapp.formatting import number
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
from pbapp.services.core_funding.settings import DEFINITION_MAX, MAX_BANDS, RoundSettings


# Numbers are typed in text boxes (inputmode brings up a number keypad on phones): a number box
# would refuse "£2,500", which the fields accept, and silently drop what it cannot read.
def PoundsField(label: str, **kwargs) -> _PoundsField:  # noqa: N802  (a field factory)
    return _PoundsField(label, widget=TextInput(), render_kw={"inputmode": "numeric"}, **kwargs)


def WholeNumberField(label: str, **kwargs) -> _WholeNumberField:  # noqa: N802
    return _WholeNumberField(
        label, widget=TextInput(), render_kw={"inputmode": "numeric"}, **kwargs
    )


def at_most(limit: int) -> LazyString:
    """The message of a text too long: 'Use at most 2,000 characters.' (in the reader's language)."""
    return LazyString(
        lambda: ngettext(
            "Use at most %(count)s character.",
            "Use at most %(count)s characters.",
            limit,
            count=number(limit),
        )
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
        raise ValueError(_("Enter a number, like 0.5.")) from None
    if not value.is_finite():
        raise ValueError(_("Enter a number, like 0.5."))
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
            _l("Group name"),
            validators=[
                InputRequired(_l("Enter your group's name.")),
                Length(max=NAME_MAX, message=at_most(NAME_MAX)),
            ],
        )
        registration_number = StringField(
            _l("Charity or company number (if you have one)"),
            description=_l("Leave empty if your group is not registered."),
            validators=[Length(max=REGISTRATION_MAX, message=_l("That number is too long."))],
        )
        income_year = WholeNumberField(
            _l("Year your latest accounts ended"),
            description=_l("For example 2025 for accounts to March 2025."),
            validators=[InputRequired(_l("Enter the year your latest accounts ended, like 2025."))],
        )
        income_latest = PoundsField(
            _l("Income in your latest year"),
            description=_l("Total income in whole pounds, as in your accounts."),
            validators=[InputRequired(_l("Enter your income in your latest year."))],
        )
        income_previous = PoundsField(
            _l("Income the year before (if you have it)"), validators=[Optional()]
        )
        income_earlier = PoundsField(
            _l("Income the year before that (if you have it)"), validators=[Optional()]
        )
        reach_period = StringField(
            _l("The period your figures cover"),
            description=_l("For example: April 2025 to March 2026."),
            validators=[Length(max=PERIOD_MAX, message=at_most(PERIOD_MAX))],
        )
        reach_method = TextAreaField(
            _l("How you counted"),
            description=_l(
                "So that each person is counted once: for example, names on your "
                "register, or sign-in sheets with duplicates removed."
            ),
            validators=[Length(max=METHOD_MAX, message=at_most(METHOD_MAX))],
        )
        equality_people = WholeNumberField(
            _l("People you serve across the city as a community (if this is you)"),
            description=_l(
                "Different people in the same period, wherever they live: for example a "
                "Deaf community, a faith or ethnic community, LGBT+ people, or people with no fixed "
                "address. Leave empty if this is not your group."
            ),
            validators=[Optional()],
        )
        equality_intensive = WholeNumberField(
            _l("Of them, people given intensive support"), validators=[Optional()]
        )
        equality_description = StringField(
            _l("Which community, or people with no fixed address"),
            validators=[
                Length(
                    max=EQUALITY_DESCRIPTION_MAX,
                    message=at_most(EQUALITY_DESCRIPTION_MAX),
                )
            ],
        )
        trades = BooleanField(
            _l("Our group trades: it sells goods or services (for example a café or paid courses)")
        )
        mfa_declared = PoundsField(
            _l(
                "Minimal Financial Assistance from other public bodies, this and the last two "
                "financial years"
            ),
            description=_l(
                "Subsidy control: in whole pounds, £0 if none. Only for groups that trade."
            ),
            validators=[Optional()],
        )
        submit = SubmitField(_l("Save profile"))

    for area in neighbourhoods:
        setattr(
            ProfileForm,
            f"reach_{area.id}",
            WholeNumberField(area.name, validators=[Optional()]),
        )
        setattr(
            ProfileForm,
            f"intensive_{area.id}",
            WholeNumberField(
                _("%(neighbourhood)s: of them, intensive support", neighbourhood=area.name),
                validators=[Optional()],
            ),
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
        intensive={area_id: i.data or 0 for area_id, _reach, i in form.reach_rows if i.data},
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
        _l("What did the sample show?"),
        choices=[SelectChoice(k, _l(v)) for k, v in REACH_CHECK_RESULTS.items()],
        validators=[InputRequired(_l("Choose whether the sample matched the figures."))],
    )
    method = TextAreaField(
        _l("How you checked"),
        description=_l(
            "For example: 20 names picked at random from the register, each found on "
            "a sign-in sheet in the period."
        ),
        validators=[
            InputRequired(_l("Say how you checked.")),
            Length(
                max=REACH_CHECK_METHOD_MAX,
                message=at_most(REACH_CHECK_METHOD_MAX),
            ),
        ],
    )
    submit = SubmitField(_l("Save the check"))


class KeeperForm(FlaskForm):
    email = StringField(
        _l("Email address of the group's account"),
        description=_l("The account must have the community group (vcs) role."),
        validators=[InputRequired(_l("Enter the email address of the group's account."))],
    )
    submit = SubmitField(_l("Add keeper"))


class EligibilityForm(FlaskForm):
    constituted = BooleanField(_l(ELIGIBILITY_CHECKS["constituted"]))
    serves_city = BooleanField(_l(ELIGIBILITY_CHECKS["serves_city"]))
    safeguarding = BooleanField(_l(ELIGIBILITY_CHECKS["safeguarding"]))
    accounts = BooleanField(_l(ELIGIBILITY_CHECKS["accounts"]))
    submit = SubmitField(_l("Save the check"))


# ----------------------------------------------------------------------------- rounds


class RoundForm(FlaskForm):
    """A round's settings. Posted to save; also read from a GET query (no CSRF) to preview."""

    title = StringField(
        _l("Title"),
        validators=[InputRequired(_l("Give the round a title.")), Length(max=200)],
    )
    pot = PoundsField(
        _l("Pot per year"),
        description=_l("Whole pounds a year, shared between all eligible groups."),
        validators=[InputRequired(_l("Enter the pot per year in whole pounds."))],
    )
    years = WholeNumberField(
        _l("Years the round covers"), validators=[InputRequired(_l("Enter how many years."))]
    )
    first_year = WholeNumberField(
        _l("First year"),
        description=_l("The round starts in April of this year."),
        validators=[InputRequired(_l("Enter the year the round starts, like 2027."))],
    )
    alpha = DecimalTextField(
        _l("Need weighting"),
        description=_l(
            "0 ignores need; 1 weighs each person in proportion to their neighbourhood's "
            "need; 0.5 is in between."
        ),
    )
    cap = PoundsField(
        _l("Cap per group per year (optional)"),
        description=_l("No group gets more than this a year. Leave empty for no cap."),
        validators=[Optional()],
    )
    cap_income_percent = DecimalTextField(
        _l("Most an award may be, as a percentage of the group's income (optional)"),
        description=_l("For example 50: no award is more than half the group's average income."),
    )
    delta_percent = DecimalTextField(
        _l("Stability band, percent"),
        description=_l(
            "An award moves at most this much, up or down, from the group's award per "
            "year in the last round."
        ),
    )
    base_taper = BooleanField(
        _l("Taper the base between bands (no cliffs)"),
        description=_l(
            "Each band's base is paid at the band's lowest income and rises in a straight "
            "line to the next band's base, so £1 more income never moves the base by more than £1."
        ),
    )
    reach_exponent = DecimalTextField(
        _l("Reach exponent"),
        description=_l(
            "0.5 takes the square root of the need-weighted people reached, so that "
            "inflating a count buys little; 1 counts every person the same however many there are."
        ),
    )
    intensive_weight = DecimalTextField(
        _l("Weight of intensive support"),
        description=_l("How many times a person given intensive support counts (for example 4)."),
    )
    intensive_definition = StringField(
        _l("What counts as intensive support"),
        description=_l("Groups count a person as given intensive support by this definition."),
        validators=[Length(max=DEFINITION_MAX, message=at_most(DEFINITION_MAX))],
    )
    unchecked_reach_cap = WholeNumberField(
        _l("Most people counted before an officer has checked a group's figures (optional)"),
        description=_l("Leave empty to count unchecked figures in full."),
        validators=[Optional()],
    )
    equality_percent = DecimalTextField(
        _l("Equality share, percent of the pot"),
        description=_l(
            "Kept for groups serving a community of identity across the city or people "
            "with no fixed address, shared on the people they serve city-wide. 0 for none."
        ),
    )
    cap_income_allowance = PoundsField(
        _l("Allowance added to the income limit"),
        description=_l("So that a small group is not held to a fraction of a small income."),
        validators=[Optional()],
    )
    mfa_threshold = PoundsField(
        _l("Minimal Financial Assistance threshold"),
        description=_l(
            "Subsidy control: the most a trading group may have over three financial "
            "years (£315,000 since 2022)."
        ),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save settings"))


for _i in range(1, MAX_BANDS + 1):
    if _i < MAX_BANDS:
        setattr(
            RoundForm,
            f"band{_i}_max",
            PoundsField(_l("Band %(number)s: top income", number=_i), validators=[Optional()]),
        )
    setattr(
        RoundForm,
        f"band{_i}_base",
        PoundsField(
            _l("Band %(number)s: base amount", number=_i)
            if _i < MAX_BANDS
            else _l("Band %(number)s (all higher incomes): base amount", number=_i),
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
        _l("I have checked the awards: publish them. Published awards cannot be changed."),
        validators=[InputRequired(_l("Tick the box to confirm you have checked the awards."))],
    )
    submit = SubmitField(_l("Publish the round"))


# ----------------------------------------------------------------------------- corrections


class CorrectionForm(FlaskForm):
    subject = RadioField(
        _l("What is wrong?"),
        choices=[SelectChoice(k, _l(v)) for k, v in CORRECTION_SUBJECTS.items()],
        validators=[InputRequired(_l("Choose what is wrong."))],
    )
    details = TextAreaField(
        _l("What should it say?"),
        description=_l(
            "Say what is wrong and what the right figure is, and where it comes from "
            "(for example your accounts)."
        ),
        validators=[
            InputRequired(_l("Say what is wrong and what the right figure is.")),
            Length(max=DETAILS_MAX, message=at_most(DETAILS_MAX)),
        ],
    )
    submit = SubmitField(_l("Send to an officer"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept: the data was wrong and is now corrected")),
            SelectChoice("decline", _l("Decline: the data was right")),
        ],
        validators=[InputRequired(_l("Choose accept or decline."))],
    )
    reason = TextAreaField(
        _l("Reason, shown to the group"),
        validators=[
            InputRequired(_l("Give the group a reason for your decision.")),
            Length(max=REASON_MAX, message=at_most(REASON_MAX)),
        ],
    )
    submit = SubmitField(_l("Save decision"))
