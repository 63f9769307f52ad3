from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from pbapp.models import ROLES


class RolesForm(FlaskForm):
    roles = SelectMultipleField(
        "Roles",
        choices=[
            SelectChoice(role, f"{role.capitalize()}: {meaning}") for role, meaning in ROLES.items()
        ],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Save roles")


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Find by name or email", validators=[Length(max=254)])


class RetryForm(FlaskForm):
    submit = SubmitField("Try again")


class AccountActionForm(FlaskForm):
    """Deactivate or reactivate, or force a password reset: a button and its token."""

    submit = SubmitField("Go")
