"""The migrations are the only way the schema is made: they must build exactly the models."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, MetaData

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import NAMING_CONVENTION, db
from pbapp.models import ROLES
from pbapp.models.vocabulary import one_of


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


def _check_name(table_name: str, constraint: CheckConstraint) -> str:
    name = str(constraint.name)
    return name if name.startswith("ck_") else f"ck_{table_name}_{name}"


def _normalised(sql: str) -> str:
    return re.sub(r"[\s()]", "", sql).lower()


def check_constraint_differences(conn, metadata: MetaData) -> list[str]:
    """The CHECK constraints of ``metadata`` that the database lacks, has extra, or words
    differently. Alembic's comparison leaves CHECK constraints out; this one does not. Names are
    compared on every database; the text on SQLite, which keeps it as the migration wrote it
    (PostgreSQL rewrites it into its own form)."""
    inspector = db.inspect(conn)
    compare_text = conn.dialect.name == "sqlite"
    differences = []
    for table in metadata.sorted_tables:
        model = {
            _check_name(table.name, c): _normalised(str(c.sqltext))
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        }
        found = {
            c["name"]: _normalised(c["sqltext"])
            for c in inspector.get_check_constraints(table.name)
        }
        for name in sorted(model.keys() - found.keys()):
            differences.append(f"{name}: in the models, not in the database")
        for name in sorted(found.keys() - model.keys()):
            differences.append(f"{name}: in the database, not in the models")
        for name in sorted(model.keys() & found.keys()):
            if compare_text and model[name] != found[name]:
                differences.append(
                    f"{name}: the models say {model[name]!r}, the database {found[name]!r}"
                )
    return differences


def test_check_constraints_agree(app):
    with db.engine.connect() as conn:
        assert check_constraint_differences(conn, db.metadata) == []


def test_a_new_role_without_a_migration_is_caught(app):
    """Issue 15: adding a role to ROLES passed the migration test, then every insert failed
    ck_user_role_role_known. The same change made to a copy of the models is now a difference."""
    changed = MetaData(naming_convention=NAMING_CONVENTION)
    for each in db.metadata.sorted_tables:
        each.to_metadata(changed)
    table = changed.tables["user_role"]
    known = next(
        c for c in table.constraints if _check_name(table.name, c) == "ck_user_role_role_known"
    )
    table.constraints.remove(known)
    table.append_constraint(one_of("role", [*ROLES, "verifier"], name="role_known"))
    with db.engine.connect() as conn:
        differences = check_constraint_differences(conn, changed)
    if db.engine.dialect.name == "sqlite":
        assert differences == [
            "ck_user_role_role_known: the models say "
            + repr(_normalised(one_of("role", [*ROLES, "verifier"], name="x").sqltext.text))
            + ", the database "
            + repr(_normalised(one_of("role", ROLES, name="x").sqltext.text))
        ]
    else:
        # PostgreSQL words the constraint its own way, so only names are compared there; the
        # SQLite pass of the suite catches a changed vocabulary.
        assert differences == []


def test_migrations_go_down_and_up_again(tmp_path):
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'updown.sqlite3'}"))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert {"user", "neighbourhood", "user_role", "audit_event"} <= set(
            db.inspect(db.engine).get_table_names()
        )
        db.engine.dispose()
