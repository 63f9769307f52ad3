"""Forms of the accountability pages: updates, comments, answers, delivery, stories, imports."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pbapp.forms import PoundsField, WholeNumberField
from pbapp.models.accountability import COMMENT_KINDS, COMMITMENT_STATUSES, DELIVERY_STATUSES
from pbapp.services.accountability.commitments import STORY_MAX, TEXT_MAX


class StoryFields:
    """The fields of a story told with consent (mixed into the update forms)."""

    story = TextAreaField(
        "A story (optional)",
        description="In the teller's own words. It is published only with their consent, and they can withdraw it later.",
        validators=[
            Optional(),
            Length(max=STORY_MAX, message=f"Use at most {STORY_MAX:,} characters."),
        ],
    )
    teller_name = StringField(
        "How the teller wants to be named (optional)",
        description="For example a first name and neighbourhood. Leave empty to publish it without a name.",
        validators=[Optional(), Length(max=120, message="Use at most 120 characters.")],
    )
    teller_email = StringField(
        "The teller's account email (optional)",
        description="If the teller has an account here, they can then withdraw the story themselves.",
        validators=[Optional(), Length(max=254, message="That email address is too long.")],
    )
    consent_how = StringField(
        "How the teller gave consent",
        description="For example: signed consent form, 3 March 2027.",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
    )
    consent = BooleanField(
        "The teller agreed to this story being published on this site and in its open data"
    )


class CommitmentUpdateForm(StoryFields, FlaskForm):
    figure = WholeNumberField(
        "Figure against the measure (optional)",
        validators=[Optional(), NumberRange(min=0, message="Enter a whole number of 0 or more.")],
    )
    summary = TextAreaField(
        "What has happened (optional)",
        description="Plain words: what was done, what was hard, what comes next.",
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Use at most {TEXT_MAX:,} characters."),
        ],
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Keep the current status")]
        + [SelectChoice(k, v) for k, v in COMMITMENT_STATUSES.items()],
        validators=[Optional()],
    )
    status_reason = TextAreaField(
        "Reason for the status (needed when dropping a commitment)",
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"Use at most {TEXT_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Publish update")


class CommentForm(FlaskForm):
    kind = RadioField(
        "Is this a comment or a challenge?",
        choices=[SelectChoice(k, v) for k, v in COMMENT_KINDS.items()],
        default="comment",
        validators=[InputRequired("Choose comment or challenge.")],
    )
    text = TextAreaField(
        "Your comment",
        description="Published with your name. Please do not include other people's personal details.",
        validators=[
            DataRequired("Write your comment."),
            Length(max=TEXT_MAX, message=f"Use at most {TEXT_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Publish comment")


class AnswerForm(FlaskForm):
    text = TextAreaField(
        "Public answer",
        validators=[
            DataRequired("Write the answer."),
            Length(max=TEXT_MAX, message=f"Use at most {TEXT_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Publish answer")


class DeliveryForm(StoryFields, FlaskForm):
    status = RadioField(
        "Status",
        choices=[SelectChoice(k, v) for k, v in DELIVERY_STATUSES.items()],
        validators=[InputRequired("Choose a status.")],
    )
    spend = PoundsField(
        "Spent so far, in pounds",
        validators=[InputRequired("Enter the money spent so far, in whole pounds.")],
    )
    milestone = StringField(
        "Milestone reached (optional)",
        validators=[Optional(), Length(max=300, message="Use at most 300 characters.")],
    )
    outcome_measure = StringField(
        "Outcome measure (optional)",
        description="What the figure counts, for example: people who came to a session.",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
    )
    outcome_figure = WholeNumberField("Outcome figure (optional)", validators=[Optional()])
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=2000, message="Use at most 2,000 characters.")],
    )
    submit = SubmitField("Save delivery update")


class ImportForm(FlaskForm):
    file = FileField("CSV file of delivery updates")
    submit = SubmitField("Check and import")


class WithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw this story")


class CommitmentForm(FlaskForm):
    shift = StringField(
        "Part of the strategy",
        description="For example: Monitoring and Accountability.",
        validators=[
            DataRequired("Say which part of the strategy it belongs to."),
            Length(max=120, message="Use at most 120 characters."),
        ],
    )
    text = TextAreaField(
        "The commitment, as the Board agreed it",
        validators=[
            DataRequired("Write the commitment."),
            Length(max=TEXT_MAX, message=f"Use at most {TEXT_MAX:,} characters."),
        ],
    )
    owner = StringField(
        "Organisation answerable for it",
        validators=[
            DataRequired("Name the organisation answerable for it."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )
    measure = StringField(
        "Measure (optional)",
        description="What update figures will count, for example: residents who took part.",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
    )
    due_date = DateField(
        "Due date", validators=[InputRequired("Enter the date it is due, like 2027-03-31.")]
    )
    submit = SubmitField("Publish commitment")
