from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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
            example = "50 (meaning 50%)" if self.percent else "1.5"
            raise ValueError(f"Enter a number, like {example}.")
        self.data = value / 100 if self.percent else value


def _date(label: str, hint: str) -> DateField:
    return DateField(
        label, description=hint, validators=[InputRequired(f"Enter the date: {label.lower()}.")]
    )


def contribution_form(neighbourhoods, **kwargs) -> ContributionForm:
    form = ContributionForm(**kwargs)
    form.neighbourhood_ids.choices = [SelectChoice(n.id, n.name) for n in neighbourhoods]
    return form


class ContributionForm(FlaskForm):
    funder_name = StringField(
        "Funder",
        description="The organisation the money comes from, e.g. NHS South Yorkshire ICB.",
        validators=[InputRequired("Enter the funder's name."), Length(max=200)],
    )
    amount = PoundsField(
        "Amount in pounds",
        description="Whole pounds, for example 250000.",
        validators=[InputRequired("Enter the amount in whole pounds.")],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    period_start = _date("Money may be spent from", "The first day of the period.")
    period_end = _date("Money may be spent until", "The last day of the period.")
    neighbourhood_ids = MultiCheckboxField(
        "Neighbourhoods it may pay for (leave all unticked for any neighbourhood)",
        coerce=row_id,
        validate_choice=False,
    )
    themes = MultiCheckboxField(
        "Themes it may pay for (leave all unticked for any theme)",
        choices=[SelectChoice(k, v) for k, v in THEMES.items()],
        validate_choice=False,
    )
    note = TextAreaField(
        "Note (optional)",
        description="Conditions, reporting duties, or who to ask.",
        validators=[Length(max=2000, message="Use at most 2,000 characters.")],
    )
    submit = SubmitField("Save contribution")


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
                    f"Enter each weight as a number, like 1 or 0.5 (not '{text[:20]}')."
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
        "Name",
        description="So you can tell scenarios apart, e.g. 'Income-deprived people, half by need'.",
        validators=[InputRequired("Give the scenario a name."), Length(max=200)],
    )
    description = TextAreaField(
        "Why this scenario (optional)",
        validators=[Length(max=5000, message="Use at most 5,000 characters.")],
    )
    budget = PoundsField(
        "Budget to share between neighbourhoods, in pounds",
        validators=[InputRequired("Enter the budget in whole pounds.")],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    indicators = IndicatorWeightsField("Need indicators and their weights")
    population_source = SelectField(
        "Population",
        description="The residents every amount per head is counted over. The same figure is "
        "used for the whole scenario and named on every page and download.",
        validate_choice=False,
    )
    universal = NumberField(
        "Share given per resident (u), in %",
        description="This part is shared by population alone; the rest by population "
        "and need. 100% ignores need; 0% shares everything by need.",
        percent=True,
        validators=[InputRequired("Enter a percentage from 0 to 100.")],
    )
    alpha = NumberField(
        "How strongly need counts (α)",
        description="0: not at all; 1: in proportion to need; 2: more steeply.",
        validators=[InputRequired("Enter a number from 0 to 4.")],
    )
    floor = NumberField(
        "Floor, in % of the per-resident amount (optional)",
        description="No neighbourhood gets less than this share of what it would get per "
        "resident, e.g. 80.",
        percent=True,
        validators=[Optional()],
    )
    ceiling = NumberField(
        "Ceiling, in % of the per-resident amount (optional)",
        description="No neighbourhood gets more than this, e.g. 150.",
        percent=True,
        validators=[Optional()],
    )
    previous_scenario_id = SelectField(
        "Last year's amounts",
        description="A published scenario whose amounts this one moves on from.",
        coerce=optional_int,
        validate_choice=False,
    )
    minimum_growth = NumberField(
        "Minimum growth for every neighbourhood in a growth year, in % (optional)",
        description="Everyone gets at least this rise before convergence money goes to the "
        "neighbourhoods below target. Empty means 0%. It cannot be more than the budget grows.",
        percent=True,
        validators=[Optional()],
    )
    convergence = RadioField(
        "Convergence money goes",
        choices=[
            SelectChoice("furthest", "to the neighbourhoods furthest below target first"),
            SelectChoice(
                "proportional", "to every neighbourhood below target, by the same share of its gap"
            ),
        ],
        default="furthest",
        validators=[InputRequired("Choose how convergence money is shared.")],
    )
    max_decrease = NumberField(
        "Largest cut in a cut year, in % (optional)",
        description="Neighbourhoods above target give first, none by more than this.",
        percent=True,
        validators=[Optional()],
    )
    max_below_target = NumberField(
        "No neighbourhood more than this % below its target (optional)",
        percent=True,
        validators=[Optional()],
    )
    submit = SubmitField("Save and see the amounts")


class PublishForm(FlaskForm):
    process_id = SelectField(
        "Set these amounts as the neighbourhood budgets of",
        coerce=optional_int,
        validate_choice=False,
    )
    # Set on the confirmation page: the funder has seen which budgets change.
    confirm = HiddenField()
    submit = SubmitField("Publish this scenario")


class UndoBudgetsForm(FlaskForm):
    """CSRF only: put back the budgets a published scenario replaced."""

    submit = SubmitField("Put back the budgets as they were")


class DeprivationImportForm(FlaskForm):
    year = RadioField(
        "Edition",
        choices=[
            SelectChoice("2025", "English Indices of Deprivation 2025 (LSOA 2021)"),
            SelectChoice("2019", "English Indices of Deprivation 2019 (LSOA 2011)"),
        ],
        coerce=optional_int,
        default=2025,
        validators=[InputRequired("Choose the edition.")],
    )
    deprivation_file = FileField(
        "Indices of Deprivation file (CSV)",
        description="The official 'File 7' (all ranks, deciles, scores and population "
        "denominators), saved as CSV, or the same figures with short column names.",
    )
    lookup_file = FileField(
        "LSOA to ward lookup (CSV)",
        description="ONS best-fit lookup with columns like LSOA21CD and WD24CD.",
    )
    source = StringField(
        "Source",
        default="MHCLG, English Indices of Deprivation 2025 (File 7), population-weighted to wards",
        validators=[Length(max=200)],
    )
    submit = SubmitField("Import deprivation figures")


class IndicatorImportForm(FlaskForm):
    year = WholeNumberField(
        "Year the figures are for", validators=[InputRequired("Enter the year, like 2024.")]
    )
    indicator_file = FileField(
        "Indicator file (CSV)",
        description="Three columns: neighbourhood code, indicator, value.",
    )
    direction = RadioField(
        "Which way do the figures point?",
        choices=[
            SelectChoice("higher", "A higher value means more need (like a poverty rate)"),
            SelectChoice(
                "lower",
                "A lower value means more need (like life expectancy): need is counted as how "
                "far a neighbourhood is below the best one",
            ),
        ],
        validators=[InputRequired("Say which way the figures point.")],
    )
    kind = RadioField(
        "What do the figures measure?",
        choices=[
            SelectChoice("people", "A count of people in need (a fair basis for money)"),
            SelectChoice("rate", "A share of residents (a rate)"),
            SelectChoice("score", "A score that orders places"),
            SelectChoice("other", "Something else"),
        ],
        default="other",
        validators=[InputRequired("Say what the figures measure.")],
    )
    source = StringField("Source", validators=[Length(max=200)])
    submit = SubmitField("Import indicators")


class PoolForm(FlaskForm):
    """Read by GET: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    scenario = SelectField("Targets from scenario", coerce=optional_int, validate_choice=False)
    day = DateField("Contributions that may be spent on", validators=[Optional()])
    weighting = RadioField(
        "Who is protected first when money is short",
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
        NumberField(_label, validators=[Optional()], default=Decimal(1)),
    )
    THEME_FIELDS.append((_key, f"theme_{_i}"))
