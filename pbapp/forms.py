"""Field types and coercions shared by the blueprints' forms."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from pbapp.formatting import number as figure
from pbapp.services.bounds import DIGITS, INT32
from pbapp.services.errors import FieldError

# What each integer column type holds. Every integer of the schema is an INTEGER (32-bit in
# PostgreSQL); SQLite cannot even bind a number beyond 64 bits (OverflowError). So no number
# typed into a form or a URL may reach the database without passing these bounds: the form
# fields below and ``query_int`` apply them, and tests/test_input_bounds.py walks every form
# and every query parameter to prove it.
_COLUMN_LIMITS: list[tuple[type, tuple[int, int]]] = [
    (sa.SmallInteger, (-(2**15), 2**15 - 1)),
    (sa.BigInteger, (-(2**63), 2**63 - 1)),
    (sa.Integer, INT32),
]
MAX_ID = INT32[1]  # rows are named by INTEGER ids
_DIGITS = DIGITS


def column_limits(column: object) -> tuple[int, int]:
    """The smallest and largest integer ``column`` (a model attribute or a Column) can hold."""
    kind = getattr(column, "type", None)
    for cls, limits in _COLUMN_LIMITS:
        if isinstance(kind, cls):
            return limits
    raise TypeError(f"{column!r} is not an integer column")


def query_int(name: str, *, column: object = None, minimum: int | None = None) -> int | None:
    """The integer query parameter ``name``, or None when it is missing, not written in plain
    digits, or beyond what ``column`` (default: a 32-bit INTEGER) or ``minimum`` allows.

    A view filters by it; a value that cannot name anything filters by nothing."""
    low, high = column_limits(column) if column is not None else INT32
    if minimum is not None:
        low = max(low, minimum)
    text = (request.args.get(name) or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def row_id(value: object) -> int:
    """A submitted id as an int; ``ValueError`` when it cannot name a row.

    For ``request.args.get(name, type=row_id)``, which then gives the default (None).
    """
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"{text!r} is not an id")
    number = int(text)
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


class BoundedIntegerField(IntegerField):
    """A whole number that the database column it is stored in can hold.

    ``column`` (a model attribute) gives the bounds; without it, a 32-bit INTEGER's, the
    narrowest integer column of the schema. A number beyond them is refused with a message
    (never sent to a query, where it would be a 500). Every integer field of every form is one
    of these (tests/test_input_bounds.py)."""

    not_a_number = _l("Enter a whole number, like 3.")

    def __init__(self, *args, column: object = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limits = column_limits(column) if column is not None else INT32

    def _clean(self, text: str) -> str:
        return text

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = self._clean(valuelist[0].strip())
        if not _DIGITS.fullmatch(text):
            self.data = None
            raise ValueError(self.not_a_number)
        number = int(text)
        low, high = self.limits
        if not low <= number <= high:
            raise ValueError(self._range_message(number)) from None
        self.data = number

    def _range_message(self, number: int) -> str:
        """The field's own range message (its ``NumberRange``, which says the limit people
        need, like "at most £1,000,000,000") when it has one, else the column's bounds."""
        from wtforms.validators import NumberRange, ValidationError

        self.data = number
        try:
            for validator in self.validators:
                if isinstance(validator, NumberRange):
                    try:
                        validator(None, self)
                    except ValidationError as refused:
                        return str(refused)
        finally:
            self.data = None
        low, high = self.limits
        if number > high:
            return _(
                "That number is too large to store: enter at most %(high)s.", high=figure(high)
            )
        return _("That number is too large to store: enter at least %(low)s.", low=figure(low))


class PoundsField(BoundedIntegerField):
    """Whole pounds, typed as residents type them: "2500", "2,500" or "£2,500".

    A text box with a numeric keypad, not ``type=number``: browsers refuse "£" and "," there.
    """

    widget = TextInput()
    not_a_number = _l("Enter a whole number of pounds, like 2500.")

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def _clean(self, text: str) -> str:
        return text.replace(",", "").replace("£", "").replace(" ", "")


class WholeNumberField(BoundedIntegerField):
    """A whole number, with a message a resident understands when it is not one."""


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (each with its own label)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SendCheckAgainForm(FlaskForm):
    """A new link to check one's email address (the first is lost, or too old): shown on the
    account page and on a ballot that asks for a checked address."""

    submit = SubmitField(_l("Send me the link again"))


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


def field_limit(field: object) -> int:
    """The most characters ``field`` takes: its ``Length`` limit, else the request-wide one."""
    from wtforms.validators import Length

    from pbapp.limits import FIELD_MAX_CHARS

    limits = [
        v.max
        for v in getattr(field, "validators", [])
        if isinstance(v, Length) and v.max is not None and v.max >= 0
    ]
    return min([FIELD_MAX_CHARS, *limits])


def cap_echo(field: object) -> str:
    """Cut what a refused submission typed into ``field`` to the field's limit before the form
    is shown again: a page never echoes more than a field takes. (Used by the ``field`` macro.)"""
    limit = field_limit(field)
    raw = getattr(field, "raw_data", None)
    if raw:
        field.raw_data = [v[:limit] if isinstance(v, str) else v for v in raw]  # type: ignore[attr-defined]
    data = getattr(field, "data", None)
    if isinstance(data, str) and len(data) > limit:
        field.data = data[:limit]  # type: ignore[attr-defined]
    return ""
