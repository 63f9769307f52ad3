from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pbapp.formatting import number
from pbapp.forms import WholeNumberField, optional_int
from pbapp.services.verification.letters import BATCH_MAX


class BirthDateField(DateField):
    """A date of birth typed in a date box, with a message a resident understands."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter the date of birth as a date, like 31/12/1980.")) from None


def _identity_fields(cls):
    cls.name = StringField(
        _l("Full name"),
        description=_l("As on letters and bills sent to the home."),
        validators=[DataRequired(_l("Enter the full name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    cls.date_of_birth = BirthDateField(
        _l("Date of birth"),
        validators=[InputRequired(_l("Enter the date of birth."))],
        render_kw={"autocomplete": "bday"},
    )
    cls.postcode = StringField(
        _l("Postcode of the home"),
        validators=[DataRequired(_l("Enter the postcode.")), Length(max=10)],
        render_kw={"autocomplete": "postal-code", "spellcheck": "false"},
    )
    return cls


@_identity_fields
class LetterCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your letter"),
        description=_l("12 letters and numbers, like ABCD-EFGH-JKLM."),
        validators=[DataRequired(_l("Enter the code from your letter.")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    submit = SubmitField(_l("Verify me"))


class LetterBatchForm(FlaskForm):
    neighbourhood = SelectField(
        _l("Neighbourhood"),
        coerce=optional_int,
        validators=[InputRequired(_l("Choose the neighbourhood."))],
    )
    size = WholeNumberField(
        _l("How many letters"),
        description=_l(
            "One code for each household you will write to (up to %(max)s).", max=number(BATCH_MAX)
        ),
        validators=[
            InputRequired(_l("Enter how many letters.")),
            NumberRange(
                min=1, max=BATCH_MAX, message=_l("Enter from 1 to %(max)s.", max=number(BATCH_MAX))
            ),
        ],
    )
    submit = SubmitField(_l("Make the codes"))


class LetterCsvForm(FlaskForm):
    codes = HiddenField(validators=[Optional()])
    submit = SubmitField(_l("Download these codes as CSV (mail merge)"))


class WithdrawBatchForm(FlaskForm):
    submit = SubmitField(_l("Withdraw the unused codes"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it is revoked"),
        description=_l("The resident sees this reason."),
        validators=[DataRequired(_l("Say why the verification is revoked.")), Length(max=1000)],
    )
    submit = SubmitField(_l("Revoke this verification"))


PROOFS = {
    "bill": _l("A letter or bill sent to the address in the last 3 months"),
    "council_tax": _l("Council tax bill"),
    "tenancy": _l("Tenancy agreement or mortgage statement"),
    "photo_id": _l("Photo ID showing the address (such as a driving licence)"),
    "other": _l("Other proof (say what below)"),
}


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Name or email address"), validators=[Length(max=120)])


@_identity_fields
class InPersonForm(FlaskForm):
    neighbourhood = SelectField(
        _l("Neighbourhood they live in"),
        coerce=optional_int,
        validators=[InputRequired(_l("Choose the neighbourhood."))],
    )
    proof = RadioField(
        _l("Proof of address you saw"),
        choices=[SelectChoice(k, v) for k, v in PROOFS.items()],
        validators=[InputRequired(_l("Say which proof of address you saw."))],
    )
    proof_note = StringField(
        _l("What the proof was (for other proof)"),
        validators=[Length(max=120)],
    )
    age_seen = BooleanField(_l("I also saw proof of their date of birth"))
    submit = SubmitField(_l("Verify this resident"))


@_identity_fields
class RegisterCheckForm(FlaskForm):
    submit = SubmitField(_l("Check me against the register"))


class RegisterUploadForm(FlaskForm):
    file = FileField(
        _l("Register extract (CSV)"),
        description=_l(
            "Columns: name, date_of_birth (1980-12-31 or 31/12/1980), postcode, "
            "neighbourhood (its name or ONS code). It replaces the extract in force."
        ),
        validators=[FileRequired(_l("Choose the CSV file of the register extract."))],
    )
    submit = SubmitField(_l("Upload and replace the register"))
