"""The migrations are the only way the schema is made: they must build exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestConfig
from pbapp import create_app
from pbapp.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
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
