"""Upgrading an empty database gives exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from roadmap.extensions import db


def test_migrations_build_exactly_the_models_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_are_at_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    migrate = app.extensions["migrate"]
    config = Config(f"{migrate.directory}/alembic.ini")
    config.set_main_option("script_location", migrate.directory)
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == head


def test_the_audit_log_is_append_only_in_the_database(app, world):
    import pytest
    from sqlalchemy import delete, exc, update

    from roadmap.models import AuditEvent
    from roadmap.services.platform import audit

    audit.record("test.event", actor=world.admin)
    db.session.commit()
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(update(AuditEvent).values(action="forged"))
    db.session.rollback()
    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert db.session.query(AuditEvent).filter_by(action="test.event").count() == 1
