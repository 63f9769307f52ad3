"""What the accountability views share: putting a service's error next to its field."""

from __future__ import annotations

from flask_wtf import FlaskForm

from pbapp.accountability import bp
from pbapp.services.accountability.commitments import StoryInput
from pbapp.services.errors import FieldError


def form_error(form: FlaskForm, error: FieldError) -> None:
    """Show ``error`` next to its field, or at the top of the form."""
    field = getattr(form, error.field, None)
    if field is not None and hasattr(field, "errors") and isinstance(field.errors, list):
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def status_code(form: FlaskForm) -> int:
    return 422 if form.errors or getattr(form, "form_errors", None) else 200


def story_input(form) -> StoryInput | None:
    """The story part of an update form, or None when no story was written."""
    if not (form.story.data or "").strip():
        return None
    return StoryInput(
        text=form.story.data or "",
        teller_name=form.teller_name.data or "",
        consent_how=form.consent_how.data or "",
        consent_confirmed=bool(form.consent.data),
        teller_email=form.teller_email.data or "",
    )


@bp.app_template_filter("money_per_head")
def money_per_head(value: float | None) -> str:
    """Pounds per resident to the penny, e.g. '£1.25'; '—' when there is no figure."""
    if value is None:
        return "—"
    return f"£{value:,.2f}"
