from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pbapp.models import ROLES


class RolesForm(FlaskForm):
    roles = SelectMultipleField(
        _l("Roles"),
        choices=[
            SelectChoice(
                role, _l("%(role)s: %(meaning)s", role=role.capitalize(), meaning=_l(meaning))
            )
            for role, meaning in ROLES.items()
        ],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    funding_organisation = StringField(
        _l("Funding organisation (funders only)"),
        description=_l(
            "The organisation whose contributions and scenarios this funder may change, "
            "e.g. NHS South Yorkshire ICB."
        ),
        validators=[Length(max=200)],
    )
    submit = SubmitField(_l("Save roles"))


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Find by name or email"), validators=[Length(max=254)])


class AuditFilterForm(FlaskForm):
    """Filters of the audit trail, read by GET (it changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    who = SelectField(_l("Who"), default="")
    action = SelectField(_l("Action"), default="")
    # Translators: the start date of the audit trail's filter ("From" a date "Until" a date).
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Choose an end date on or after the start date."))


class RetryForm(FlaskForm):
    submit = SubmitField(_l("Try again"))


class AccountActionForm(FlaskForm):
    """Deactivate or reactivate, or force a password reset: a button and its token."""

    submit = SubmitField(_l("Go"))
