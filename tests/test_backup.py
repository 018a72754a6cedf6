"""`flask backup create` / `flask backup restore` (issue 9): a backup taken from the running database,
restored into an empty one, holds every answer; a non-empty target is refused unless --replace."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import create_app
from roadmap.extensions import db
from roadmap.models import AnswerRecord
from tests.conftest import isolated
from tests.test_survey import fill_small, small_assessment


@pytest.fixture
def empty_database(backend, app_config, tmp_path):
    """The URL of a database with nothing in it (not even the schema)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'roadmap.db'}"
        return
    base = make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    name = f"roadmap_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def answers(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(
                connection.execute(
                    select(AnswerRecord.assessment_id, AnswerRecord.question_code, AnswerRecord.value)
                ).all()
            )
    finally:
        engine.dispose()


def test_a_backup_restored_into_an_empty_database_holds_every_answer(app, world, empty_database, tmp_path):
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    db.session.commit()
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = answers(source_url)
    assert len(before) >= 8

    backup_file = tmp_path / "backups" / "roadmap.backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert f"{len(before)} answers" in result.output
    assert backup_file.stat().st_mode & 0o777 == 0o600

    target = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": empty_database, "SQLALCHEMY_ENGINE_OPTIONS": {}}
    )
    result = isolated(target.test_cli_runner().invoke, args=["backup", "restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert f"{len(before)} answers" in result.output
    assert answers(empty_database) == before

    # Restoring again over the now non-empty database is refused, and changes nothing.
    again = isolated(target.test_cli_runner().invoke, args=["backup", "restore", str(backup_file)])
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert answers(empty_database) == before
    replaced = isolated(
        target.test_cli_runner().invoke, args=["backup", "restore", "--replace", str(backup_file)]
    )
    assert replaced.exit_code == 0, replaced.output
    assert answers(empty_database) == before
    isolated(dispose, target)


def test_the_restored_database_serves_the_app(app, world, empty_database, tmp_path):
    from tests.conftest import logged_in

    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    db.session.commit()
    backup_file = tmp_path / "b.backup"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(backup_file)]).exit_code == 0
    target = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": empty_database, "SQLALCHEMY_ENGINE_OPTIONS": {}}
    )
    assert (
        isolated(target.test_cli_runner().invoke, args=["backup", "restore", str(backup_file)]).exit_code == 0
    )
    browser = logged_in(target, world.respondent_a.email)
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW")
    assert page.status_code == 200
    assert "Đã lưu" in page.get_data(as_text=True) or page.get_data(as_text=True).count("checked") >= 1
    isolated(dispose, target)
