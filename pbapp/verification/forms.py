from __future__ import annotations

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

from pbapp.forms import WholeNumberField, optional_int
from pbapp.services.verification.letters import BATCH_MAX


class BirthDateField(DateField):
    """A date of birth typed in a date box, with a message a resident understands."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the date of birth as a date, like 31/12/1980.") from None


def _identity_fields(cls):
    cls.name = StringField(
        "Full name",
        description="As on letters and bills sent to the home.",
        validators=[DataRequired("Enter the full name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    cls.date_of_birth = BirthDateField(
        "Date of birth",
        validators=[InputRequired("Enter the date of birth.")],
        render_kw={"autocomplete": "bday"},
    )
    cls.postcode = StringField(
        "Postcode of the home",
        validators=[DataRequired("Enter the postcode."), Length(max=10)],
        render_kw={"autocomplete": "postal-code", "spellcheck": "false"},
    )
    return cls


@_identity_fields
class LetterCodeForm(FlaskForm):
    code = StringField(
        "Code from your letter",
        description="12 letters and numbers, like ABCD-EFGH-JKLM.",
        validators=[DataRequired("Enter the code from your letter."), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    submit = SubmitField("Verify me")


class LetterBatchForm(FlaskForm):
    neighbourhood = SelectField(
        "Neighbourhood",
        coerce=optional_int,
        validators=[InputRequired("Choose the neighbourhood.")],
    )
    size = WholeNumberField(
        "How many letters",
        description=f"One code for each household you will write to (up to {BATCH_MAX:,}).",
        validators=[
            InputRequired("Enter how many letters."),
            NumberRange(min=1, max=BATCH_MAX, message=f"Enter from 1 to {BATCH_MAX:,}."),
        ],
    )
    submit = SubmitField("Make the codes")


class LetterCsvForm(FlaskForm):
    codes = HiddenField(validators=[Optional()])
    submit = SubmitField("Download these codes as CSV (mail merge)")


class WithdrawBatchForm(FlaskForm):
    submit = SubmitField("Withdraw the unused codes")


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Why it is revoked",
        description="The resident sees this reason.",
        validators=[DataRequired("Say why the verification is revoked."), Length(max=1000)],
    )
    submit = SubmitField("Revoke this verification")


PROOFS = {
    "bill": "A letter or bill sent to the address in the last 3 months",
    "council_tax": "Council tax bill",
    "tenancy": "Tenancy agreement or mortgage statement",
    "photo_id": "Photo ID showing the address (such as a driving licence)",
    "other": "Other proof (say what below)",
}


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Name or email address", validators=[Length(max=120)])


@_identity_fields
class InPersonForm(FlaskForm):
    neighbourhood = SelectField(
        "Neighbourhood they live in",
        coerce=optional_int,
        validators=[InputRequired("Choose the neighbourhood.")],
    )
    proof = RadioField(
        "Proof of address you saw",
        choices=[SelectChoice(k, v) for k, v in PROOFS.items()],
        validators=[InputRequired("Say which proof of address you saw.")],
    )
    proof_note = StringField(
        "What the proof was (for other proof)",
        validators=[Length(max=120)],
    )
    age_seen = BooleanField("I also saw proof of their date of birth")
    submit = SubmitField("Verify this resident")


@_identity_fields
class RegisterCheckForm(FlaskForm):
    submit = SubmitField("Check me against the register")


class RegisterUploadForm(FlaskForm):
    file = FileField(
        "Register extract (CSV)",
        description="Columns: name, date_of_birth (1980-12-31 or 31/12/1980), postcode, "
        "neighbourhood (its name or ONS code). It replaces the extract in force.",
        validators=[FileRequired("Choose the CSV file of the register extract.")],
    )
    submit = SubmitField("Upload and replace the register")
