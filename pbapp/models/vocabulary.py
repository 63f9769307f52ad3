"""Vocabularies and the CHECK constraints that enforce them, made in one place.

A column that holds one of a fixed set of words (a role, a status, a ballot type) is checked in
the database by a constraint generated from the same Python collection the pages read their
labels from, so the two cannot drift apart. Adding a word to a vocabulary changes the
constraint's text; ``tests/test_migrations.py`` compares every CHECK constraint of the models
with the migrated database, so the change fails the suite until a migration makes it too.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def one_of_sql(column: str, values: Iterable[str], *, nullable: bool = False) -> str:
    words = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    test = f"{column} IN ({words})"
    return f"{column} IS NULL OR {test}" if nullable else test


def one_of(
    column: str, values: Iterable[str], *, name: str, nullable: bool = False
) -> CheckConstraint:
    """CHECK that ``column`` holds one of ``values`` (a dict's keys, in order)."""
    return CheckConstraint(one_of_sql(column, values, nullable=nullable), name=name)


# Vocabularies with no labels of their own.
BALLOT_SOURCES = ("online", "paper")
UPDATE_SOURCES = ("form", "csv")
PUBLISH_STATUSES = ("draft", "published")


def N_(label: str) -> str:  # noqa: N802 (the name gettext's extractor knows)
    """Mark a vocabulary's label for translation and return it unchanged.

    The labels stay English here: they are also written to the API, open data and published
    documents, which do not change with the reader's language. Pages show them through the
    ``words`` filter (``pbapp/i18n.py``), which looks each up in the reader's catalogue.
    """
    return label
