from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import TextInput

from pbapp.forms import MultiCheckboxField, PoundsField, WholeNumberField, optional_int
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
        coerce=int,
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


def scenario_form(indicators, previous_choices, *, data: dict | None = None, formdata=None):
    """The scenario form with one weight field per stored indicator and year."""

    class ScenarioForm(FlaskForm):
        name = StringField(
            "Name",
            description="So you can tell scenarios apart, e.g. 'IMD 2025, half by need'.",
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
            "Compared with",
            description="A published scenario, such as last year's amounts.",
            coerce=optional_int,
            validate_choice=False,
        )
        max_decrease = NumberField(
            "Most a neighbourhood may fall, in % (optional)", percent=True, validators=[Optional()]
        )
        max_increase = NumberField(
            "Most a neighbourhood may rise, in % (optional)", percent=True, validators=[Optional()]
        )
        submit = SubmitField("Save and see the amounts")

    keys = []
    for i, stored in enumerate(indicators):
        name = f"weight_{i}"
        setattr(
            ScenarioForm,
            name,
            NumberField(
                f"{stored.label} {stored.year}",
                description=f"{stored.neighbourhoods} neighbourhoods; source: {stored.sources}",
                validators=[Optional()],
            ),
        )
        keys.append((stored, name))
    form = (
        ScenarioForm(formdata=formdata, data=data)
        if formdata is not None
        else ScenarioForm(data=data)
    )
    form.previous_scenario_id.choices = [SelectChoice("", "No pace-of-change limit")] + [
        SelectChoice(s.id, s.name) for s in previous_choices
    ]
    form.weight_fields = [(stored, getattr(form, name)) for stored, name in keys]
    return form


class PublishForm(FlaskForm):
    process_id = SelectField(
        "Set these amounts as the neighbourhood budgets of",
        coerce=optional_int,
        validate_choice=False,
    )
    submit = SubmitField("Publish this scenario")


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
        description="Three columns: neighbourhood code, indicator, value. Higher values must "
        "mean more need.",
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
