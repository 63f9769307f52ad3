from __future__ import annotations

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
        "Your name",
        validators=[
            DataRequired("Enter your name."),
            Length(max=120, message="Use at most 120 characters."),
        ],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address."),
            Length(max=254, message="That email address is too long."),
            Email("Enter an email address like name@example.com."),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few words you will remember work well.",
        validators=[DataRequired("Choose a password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[
            DataRequired("Type your password again."),
            EqualTo("password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    neighbourhood = SelectField(
        "Your neighbourhood",
        description="The ward you live in. You can vote in its budget and in city-wide ones.",
        coerce=optional_int,
        validate_choice=False,
    )
    submit = SubmitField("Create account")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.neighbourhoods = Neighbourhood.all_by_name()
        self.neighbourhood.choices = [SelectChoice("", "Choose your neighbourhood")] + [
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
            raise ValidationError("Choose the neighbourhood you live in from the list.")


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address.")],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[DataRequired("Choose a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type your new password again."),
            EqualTo("new_password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


class SignOutForm(FlaskForm):
    """Signing out changes state, so it is a POST with a CSRF token, not a link."""

    submit = SubmitField("Sign out")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email address",
        description="The address you created your account with.",
        # No format check: an address that is not one has no account, and gets the same answer.
        validators=[
            DataRequired("Enter your email address."),
            Length(max=254, message="That email address is too long."),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    submit = SubmitField("Send me a link")


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[DataRequired("Choose a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type your new password again."),
            EqualTo("new_password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Set password and sign in")


class UnsubscribeForm(FlaskForm):
    submit = SubmitField("Stop these emails")


class NoticesForm(FlaskForm):
    topics = SelectMultipleField(
        "Email me when",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Save my choices")

    def __init__(self, *args, topics: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topics.choices = [SelectChoice(key, label) for key, label in topics.items()]


class DeleteAccountForm(FlaskForm):
    contributions = RadioField(
        "Your proposals and stories",
        choices=[
            SelectChoice("keep", "Keep them, without my name"),
            SelectChoice(
                "remove", "Remove my draft and unreviewed proposals, and withdraw my stories"
            ),
        ],
        default="keep",
        validators=[DataRequired("Choose what happens to your proposals and stories.")],
    )
    password = PasswordField(
        "Your password",
        description="To be sure it is you.",
        validators=[DataRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Delete my account")
