from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from pbapp.forms import optional_int
from pbapp.models import Neighbourhood
from pbapp.services.accounts.users import MIN_PASSWORD_LENGTH, password_problem


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=120, message=_l("Use at most 120 characters.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("That email address is too long.")),
            Email(_l("Enter an email address like name@example.com.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(_l("Type your password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    neighbourhood = SelectField(
        _l("Your neighbourhood"),
        description=_l("The ward you live in. You can vote in its budget and in city-wide ones."),
        coerce=optional_int,
        validate_choice=False,
    )
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.password.description = ngettext(
            "At least %(num)s character. A few words you will remember work well.",
            "At least %(num)s characters. A few words you will remember work well.",
            MIN_PASSWORD_LENGTH,
        )
        self.neighbourhoods = Neighbourhood.all_by_name()
        self.neighbourhood.choices = [SelectChoice("", _("Choose your neighbourhood"))] + [
            SelectChoice(n.id, n.name) for n in self.neighbourhoods
        ]

    def validate_password(self, field) -> None:
        problem = password_problem(
            field.data, email=self.email.data or "", name=self.name.data or ""
        )
        if problem:
            raise ValidationError(problem)

    def validate_neighbourhood(self, field) -> None:
        if field.data not in {n.id for n in self.neighbourhoods}:
            raise ValidationError(_("Choose the neighbourhood you live in from the list."))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address."))],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


def _length_hint() -> str:
    return ngettext(
        "At least %(num)s character.", "At least %(num)s characters.", MIN_PASSWORD_LENGTH
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(_l("Type your new password again.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.new_password.description = _length_hint()


class SignOutForm(FlaskForm):
    """Signing out changes state, so it is a POST with a CSRF token, not a link."""

    submit = SubmitField(_l("Sign out"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        description=_l("The address you created your account with."),
        # No format check: an address that is not one has no account, and gets the same answer.
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("That email address is too long.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            DataRequired(_l("Type your new password again.")),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password and sign in"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.new_password.description = _length_hint()


class UnsubscribeForm(FlaskForm):
    submit = SubmitField(_l("Stop these emails"))


class NoticesForm(FlaskForm):
    topics = SelectMultipleField(
        _l("Email me when"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    how = RadioField(
        _l("How we email them"),
        choices=[
            SelectChoice("each", _l("One email for each notice")),
            SelectChoice(
                "daily", _l("One email a day gathering the day's notices (a daily digest)")
            ),
        ],
        default="each",
    )
    submit = SubmitField(_l("Save my choices"))

    def __init__(self, *args, topics: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topics.choices = [SelectChoice(key, label) for key, label in topics.items()]


class DeleteAccountForm(FlaskForm):
    contributions = RadioField(
        _l("Your proposals and stories"),
        choices=[
            SelectChoice("keep", _l("Keep them, without my name")),
            SelectChoice(
                "remove", _l("Remove my draft and unreviewed proposals, and withdraw my stories")
            ),
        ],
        default="keep",
        validators=[DataRequired(_l("Choose what happens to your proposals and stories."))],
    )
    password = PasswordField(
        _l("Your password"),
        description=_l("To be sure it is you."),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Delete my account"))
