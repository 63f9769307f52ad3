from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import TextInput

from pbapp.forms import (
    MultiCheckboxField,
    PoundsField,
    WholeNumberField,
    optional_int,
    row_id,
)
from pbapp.models import THEMES
from pbapp.services.funding.pool import WEIGHTING_CHOICES


class NumberField(Field):
    """A decimal number typed as people type it ("1", "0.5", "1,000"); kept exact (Decimal).

    ``percent=True`` accepts "50" or "50%" and gives the fraction 0.5.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, percent: bool = False, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.percent = percent

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        shown = self.data * 100 if self.percent else self.data
        return format(shown.normalize(), "f")

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(",", "").replace(" ", "")
        if self.percent:
            text = text.removesuffix("%")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or len(text) > 20:
            self.data = None
            if self.percent:
                raise ValueError(_("Enter a number, like 50 (meaning 50%)."))
            raise ValueError(_("Enter a number, like 1.5."))
        self.data = value / 100 if self.percent else value


def _date(label, hint, message) -> DateField:
    return DateField(label, description=hint, validators=[InputRequired(message)])


def contribution_form(neighbourhoods, **kwargs) -> ContributionForm:
    form = ContributionForm(**kwargs)
    form.neighbourhood_ids.choices = [SelectChoice(n.id, n.name) for n in neighbourhoods]
    return form


class ContributionForm(FlaskForm):
    funder_name = StringField(
        _l("Funder"),
        description=_l("The organisation the money comes from, e.g. NHS South Yorkshire ICB."),
        validators=[InputRequired(_l("Enter the funder's name.")), Length(max=200)],
    )
    amount = PoundsField(
        _l("Amount in pounds"),
        description=_l("Whole pounds, for example 250000."),
        validators=[InputRequired(_l("Enter the amount in whole pounds."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    period_start = _date(
        _l("Money may be spent from"),
        _l("The first day of the period."),
        _l("Enter the date: money may be spent from."),
    )
    period_end = _date(
        _l("Money may be spent until"),
        _l("The last day of the period."),
        _l("Enter the date: money may be spent until."),
    )
    neighbourhood_ids = MultiCheckboxField(
        _l("Neighbourhoods it may pay for (leave all unticked for any neighbourhood)"),
        coerce=row_id,
        validate_choice=False,
    )
    themes = MultiCheckboxField(
        _l("Themes it may pay for (leave all unticked for any theme)"),
        choices=[SelectChoice(k, _l(v)) for k, v in THEMES.items()],
        validate_choice=False,
    )
    note = TextAreaField(
        _l("Note (optional)"),
        description=_l("Conditions, reporting duties, or who to ask."),
        validators=[Length(max=2000, message=_l("Use at most 2,000 characters."))],
    )
    submit = SubmitField(_l("Save contribution"))


WEIGHT_INPUT = re.compile(r"^weight-([a-z][a-z0-9_]{0,79})-(\d{4})$")


class IndicatorWeightsField(Field):
    """Weights of need indicators, one text input per indicator and year, each named by its
    identity (``weight-<indicator>-<year>``), never by its position on the page: a weight typed
    beside "IMD 2025" stays on IMD 2025 even if another indicator is imported meanwhile.

    ``data`` is ``{(indicator, year): Decimal}`` for the inputs that were filled in.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.raw: dict[tuple[str, int], str] = {}

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        self.raw = {}
        self.data = {} if data is unset_value or data is None else dict(data)
        if formdata is None:
            return
        self.data = {}
        for key in formdata:
            match = WEIGHT_INPUT.match(key)
            if match is None:
                continue
            identity = (match.group(1), int(match.group(2)))
            text = (formdata.get(key) or "").strip()
            self.raw[identity] = text
            if not text:
                continue
            try:
                value = Decimal(text.replace(",", ""))
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite() or len(text) > 20:
                self.process_errors.append(
                    _(
                        "Enter each weight as a number, like 1 or 0.5 (not '%(text)s').",
                        text=text[:20],
                    )
                )
                continue
            self.data[identity] = value

    def value_of(self, indicator: str, year: int) -> str:
        """What the input of ``indicator`` and ``year`` shows."""
        if (indicator, year) in self.raw:
            return self.raw[(indicator, year)]
        value = (self.data or {}).get((indicator, year))
        return "" if value is None else format(value.normalize(), "f")


class ScenarioForm(FlaskForm):
    """A needs-weighted scenario. The view sets the choices of ``population_source`` and
    ``previous_scenario_id`` and passes the stored indicators to the page."""

    name = StringField(
        _l("Name"),
        description=_l(
            "So you can tell scenarios apart, e.g. 'Income-deprived people, half by need'."
        ),
        validators=[InputRequired(_l("Give the scenario a name.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("Why this scenario (optional)"),
        validators=[Length(max=5000, message=_l("Use at most 5,000 characters."))],
    )
    budget = PoundsField(
        _l("Budget to share between neighbourhoods, in pounds"),
        validators=[InputRequired(_l("Enter the budget in whole pounds."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    indicators = IndicatorWeightsField(_l("Need indicators and their weights"))
    population_source = SelectField(
        _l("Population"),
        description=_l(
            "The residents every amount per head is counted over. The same figure is "
            "used for the whole scenario and named on every page and download."
        ),
        validate_choice=False,
    )
    universal = NumberField(
        _l("Share given per resident (u), in %"),
        description=_l(
            "This part is shared by population alone; the rest by population "
            "and need. At 100%, need is ignored; at 0%, everything is shared by need."
        ),
        percent=True,
        validators=[InputRequired(_l("Enter a percentage from 0 to 100."))],
    )
    alpha = NumberField(
        _l("How strongly need counts (α)"),
        description=_l("0: not at all; 1: in proportion to need; 2: more steeply."),
        validators=[InputRequired(_l("Enter a number from 0 to 4."))],
    )
    floor = NumberField(
        _l("Floor, as a percentage of the per-resident amount (optional)"),
        description=_l(
            "No neighbourhood gets less than this share of what it would get per resident, e.g. 80."
        ),
        percent=True,
        validators=[Optional()],
    )
    ceiling = NumberField(
        _l("Ceiling, as a percentage of the per-resident amount (optional)"),
        description=_l("No neighbourhood gets more than this, e.g. 150."),
        percent=True,
        validators=[Optional()],
    )
    previous_scenario_id = SelectField(
        _l("Last year's amounts"),
        description=_l("A published scenario whose amounts this one moves on from."),
        coerce=optional_int,
        validate_choice=False,
    )
    minimum_growth = NumberField(
        _l("Minimum growth for every neighbourhood in a growth year, in % (optional)"),
        description=_l(
            "Everyone gets at least this rise before convergence money goes to the "
            "neighbourhoods below target. Empty means 0%. It cannot be more than the budget grows."
        ),
        percent=True,
        validators=[Optional()],
    )
    convergence = RadioField(
        _l("Convergence money goes"),
        choices=[
            SelectChoice("furthest", _l("to the neighbourhoods furthest below target first")),
            SelectChoice(
                "proportional",
                _l("to every neighbourhood below target, by the same share of its gap"),
            ),
        ],
        default="furthest",
        validators=[InputRequired(_l("Choose how convergence money is shared."))],
    )
    max_decrease = NumberField(
        _l("Largest cut in a cut year, in % (optional)"),
        description=_l("Neighbourhoods above target give first, none by more than this."),
        percent=True,
        validators=[Optional()],
    )
    max_below_target = NumberField(
        _l("No neighbourhood more than this % below its target (optional)"),
        percent=True,
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save and see the amounts"))


class PublishForm(FlaskForm):
    process_id = SelectField(
        _l("Set these amounts as the neighbourhood budgets of"),
        coerce=optional_int,
        validate_choice=False,
    )
    # Set on the confirmation page: the funder has seen which budgets change.
    confirm = HiddenField()
    submit = SubmitField(_l("Publish this scenario"))


class UndoBudgetsForm(FlaskForm):
    """CSRF only: put back the budgets a published scenario replaced."""

    submit = SubmitField(_l("Put back the budgets as they were"))


class DeprivationImportForm(FlaskForm):
    year = RadioField(
        _l("Edition"),
        choices=[
            SelectChoice("2025", _l("English Indices of Deprivation 2025 (LSOA 2021)")),
            SelectChoice("2019", _l("English Indices of Deprivation 2019 (LSOA 2011)")),
        ],
        coerce=optional_int,
        default=2025,
        validators=[InputRequired(_l("Choose the edition."))],
    )
    deprivation_file = FileField(
        _l("Indices of Deprivation file (CSV)"),
        description=_l(
            "The official 'File 7' (all ranks, deciles, scores and population "
            "denominators), saved as CSV, or the same figures with short column names."
        ),
    )
    lookup_file = FileField(
        _l("LSOA to ward lookup (CSV)"),
        description=_l("ONS best-fit lookup with columns like LSOA21CD and WD24CD."),
    )
    source = StringField(
        _l("Source"),
        default="MHCLG, English Indices of Deprivation 2025 (File 7), population-weighted to wards",
        validators=[Length(max=200)],
    )
    submit = SubmitField(_l("Import deprivation figures"))


class IndicatorImportForm(FlaskForm):
    year = WholeNumberField(
        _l("Year the figures are for"), validators=[InputRequired(_l("Enter the year, like 2024."))]
    )
    indicator_file = FileField(
        _l("Indicator file (CSV)"),
        description=_l("Three columns: neighbourhood code, indicator, value."),
    )
    direction = RadioField(
        _l("Which way do the figures point?"),
        choices=[
            SelectChoice("higher", _l("A higher value means more need (like a poverty rate)")),
            SelectChoice(
                "lower",
                _l(
                    "A lower value means more need (like life expectancy): need is counted as how "
                    "far a neighbourhood is below the best one"
                ),
            ),
        ],
        validators=[InputRequired(_l("Say which way the figures point."))],
    )
    kind = RadioField(
        _l("What do the figures measure?"),
        choices=[
            SelectChoice("people", _l("A count of people in need (a fair basis for money)")),
            SelectChoice("rate", _l("A share of residents (a rate)")),
            SelectChoice("score", _l("A score that orders places")),
            SelectChoice("other", _l("Something else")),
        ],
        default="other",
        validators=[InputRequired(_l("Say what the figures measure."))],
    )
    source = StringField(_l("Source"), validators=[Length(max=200)])
    submit = SubmitField(_l("Import indicators"))


class PoolForm(FlaskForm):
    """Read by GET: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    scenario = SelectField(_l("Targets from scenario"), coerce=optional_int, validate_choice=False)
    day = DateField(_l("Contributions that may be spent on"), validators=[Optional()])
    weighting = RadioField(
        _l("Who is protected first when money is short"),
        choices=[SelectChoice(key, label) for key, label in WEIGHTING_CHOICES.items()],
        default="even",
        validators=[Optional()],
    )


# One relative weight per theme: how a neighbourhood's amount is split into theme targets.
THEME_FIELDS = []
for _i, (_key, _label) in enumerate(THEMES.items()):
    setattr(
        PoolForm,
        f"theme_{_i}",
        NumberField(_l(_label), validators=[Optional()], default=Decimal(1)),
    )
    THEME_FIELDS.append((_key, f"theme_{_i}"))
