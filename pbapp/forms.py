"""Field types and coercions shared by the blueprints' forms."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.widgets import TextInput


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
