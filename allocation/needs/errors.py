"""The one exception a user can cause in ``allocation.needs``: bad data or bad parameters."""

from __future__ import annotations


class NeedDataError(ValueError):
    """A file or a parameter the user supplied cannot be used; nothing was computed or imported.

    Attributes
    ----------
    row:
        Line number in the file (the header is line 1), or ``None`` when the fault is not
        tied to one line (a missing column, a bad parameter).
    column:
        Name of the column or parameter at fault, or ``None``.
    source:
        The file name, when the fault comes from a file.
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        source: str | None = None,
    ) -> None:
        self.row = row
        self.column = column
        self.source = source
        self.reason = message
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason
