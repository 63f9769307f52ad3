"""Field types and coercions shared by the blueprints' forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from pbapp.services.errors import FieldError

# Rows are named by INTEGER ids: 32-bit in PostgreSQL. A larger number names no row, and SQLite
# cannot even bind one beyond 64 bits (OverflowError), so it must never reach a query.
MAX_ID = 2**31 - 1


def row_id(value: object) -> int:
    """A submitted id as an int; ``ValueError`` when it cannot name a row.

    For ``request.args.get(name, type=row_id)``, which then gives the default (None).
    """
    number = int(value)  # type: ignore[arg-type]
    if not 0 < number <= MAX_ID:
        raise ValueError(f"{number} is not an id")
    return number


def optional_int(value: object) -> int | None:
    """Coerce a submitted choice to int, or None when it is empty or not a number.

    WTForms' own ``int`` coercion reports "Invalid Choice: could not coerce", which means nothing
    to a resident; returning None lets the form's validator say what is wrong in plain words.
    """
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class PoundsField(IntegerField):
    """Whole pounds, typed as residents type them: "2500", "2,500" or "£2,500".

    A text box with a numeric keypad, not ``type=number``: browsers refuse "£" and "," there.
    """

    widget = TextInput()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(",", "").replace("£", "").replace(" ", "")
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number of pounds, like 2500.") from None


class WholeNumberField(IntegerField):
    """A whole number, with a message a resident understands when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, like 3.") from None


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (each with its own label)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def show_field_error(form: FlaskForm, error: FieldError) -> None:
    """Show a service's ``FieldError`` next to its field, or above the form when it names none."""
    field = getattr(form, error.field, None)
    if field is not None and isinstance(getattr(field, "errors", None), list):
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def form_status(*forms: FlaskForm) -> int:
    """422 when any of ``forms`` was refused (so tests and tools see it), else 200."""
    return 422 if any(f.errors or getattr(f, "form_errors", None) for f in forms) else 200
