"""Forms of the accountability pages: updates, comments, answers, delivery, stories, imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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

# The limits as the messages show them, like "2,000".
STORY_MAX_SHOWN = f"{STORY_MAX:,}"
TEXT_MAX_SHOWN = f"{TEXT_MAX:,}"


class StoryFields:
    """The fields of a story told with consent (mixed into the update forms)."""

    story = TextAreaField(
        _l("A story (optional)"),
        description=_l(
            "In the teller's own words. It is published only with their consent, and they can withdraw it later."
        ),
        validators=[
            Optional(),
            Length(
                max=STORY_MAX,
                message=_l("Use at most %(count)s characters.", count=STORY_MAX_SHOWN),
            ),
        ],
    )
    teller_name = StringField(
        _l("How the teller wants to be named (optional)"),
        description=_l(
            "For example a first name and neighbourhood. Leave empty to publish it without a name."
        ),
        validators=[
            Optional(),
            Length(max=120, message=_l("Use at most %(count)s characters.", count="120")),
        ],
    )
    teller_email = StringField(
        _l("The teller's account email (optional)"),
        description=_l(
            "If the teller has an account here, they can then withdraw the story themselves."
        ),
        validators=[Optional(), Length(max=254, message=_l("That email address is too long."))],
    )
    consent_how = StringField(
        _l("How the teller gave consent"),
        description=_l("For example: signed consent form, 3 March 2027."),
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most %(count)s characters.", count="200")),
        ],
    )
    consent = BooleanField(
        _l("The teller agreed to this story being published on this site and in its open data")
    )


class CommitmentUpdateForm(StoryFields, FlaskForm):
    figure = WholeNumberField(
        _l("Figure against the measure (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("Enter a whole number of 0 or more.")),
        ],
    )
    summary = TextAreaField(
        _l("What has happened (optional)"),
        description=_l("Plain words: what was done, what was hard, what comes next."),
        validators=[
            Optional(),
            Length(
                max=TEXT_MAX, message=_l("Use at most %(count)s characters.", count=TEXT_MAX_SHOWN)
            ),
        ],
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Keep the current status"))]
        + [SelectChoice(k, _l(v)) for k, v in COMMITMENT_STATUSES.items()],
        validators=[Optional()],
    )
    status_reason = TextAreaField(
        _l("Reason for the status (needed when dropping a commitment)"),
        validators=[
            Optional(),
            Length(
                max=TEXT_MAX, message=_l("Use at most %(count)s characters.", count=TEXT_MAX_SHOWN)
            ),
        ],
    )
    submit = SubmitField(_l("Publish update"))


class CommentForm(FlaskForm):
    kind = RadioField(
        _l("Is this a comment or a challenge?"),
        choices=[SelectChoice(k, _l(v)) for k, v in COMMENT_KINDS.items()],
        default="comment",
        validators=[InputRequired(_l("Choose comment or challenge."))],
    )
    text = TextAreaField(
        _l("Your comment"),
        description=_l(
            "Published with your name. Please do not include other people's personal details."
        ),
        validators=[
            DataRequired(_l("Write your comment.")),
            Length(
                max=TEXT_MAX, message=_l("Use at most %(count)s characters.", count=TEXT_MAX_SHOWN)
            ),
        ],
    )
    submit = SubmitField(_l("Publish comment"))


class AnswerForm(FlaskForm):
    text = TextAreaField(
        _l("Public answer"),
        validators=[
            DataRequired(_l("Write the answer.")),
            Length(
                max=TEXT_MAX, message=_l("Use at most %(count)s characters.", count=TEXT_MAX_SHOWN)
            ),
        ],
    )
    submit = SubmitField(_l("Publish answer"))


class DeliveryForm(StoryFields, FlaskForm):
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(k, _l(v)) for k, v in DELIVERY_STATUSES.items()],
        validators=[InputRequired(_l("Choose a status."))],
    )
    spend = PoundsField(
        _l("Spent so far, in pounds"),
        validators=[InputRequired(_l("Enter the money spent so far, in whole pounds."))],
    )
    milestone = StringField(
        _l("Milestone reached (optional)"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Use at most %(count)s characters.", count="300")),
        ],
    )
    outcome_measure = StringField(
        _l("Outcome measure (optional)"),
        description=_l("What the figure counts, for example: people who came to a session."),
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most %(count)s characters.", count="200")),
        ],
    )
    outcome_figure = WholeNumberField(_l("Outcome figure (optional)"), validators=[Optional()])
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[
            Optional(),
            Length(max=2000, message=_l("Use at most %(count)s characters.", count="2,000")),
        ],
    )
    submit = SubmitField(_l("Save delivery update"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file of delivery updates"))
    submit = SubmitField(_l("Check and import"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw this story"))


class CommitmentForm(FlaskForm):
    shift = StringField(
        _l("Part of the strategy"),
        description=_l("For example: Monitoring and Accountability."),
        validators=[
            DataRequired(_l("Say which part of the strategy it belongs to.")),
            Length(max=120, message=_l("Use at most %(count)s characters.", count="120")),
        ],
    )
    text = TextAreaField(
        _l("The commitment, as the Board agreed it"),
        validators=[
            DataRequired(_l("Write the commitment.")),
            Length(
                max=TEXT_MAX, message=_l("Use at most %(count)s characters.", count=TEXT_MAX_SHOWN)
            ),
        ],
    )
    owner = StringField(
        _l("Organisation answerable for it"),
        validators=[
            DataRequired(_l("Name the organisation answerable for it.")),
            Length(max=200, message=_l("Use at most %(count)s characters.", count="200")),
        ],
    )
    measure = StringField(
        _l("Measure (optional)"),
        description=_l("What update figures will count, for example: residents who took part."),
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most %(count)s characters.", count="200")),
        ],
    )
    due_date = DateField(
        _l("Due date"), validators=[InputRequired(_l("Enter the date it is due, like 2027-03-31."))]
    )
    submit = SubmitField(_l("Publish commitment"))
