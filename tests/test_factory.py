"""The app is assembled in one place, configured from the environment, and refuses unsafe production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from roadmap.config import ConfigurationError, development_secret, engine_options, from_environment

ROOT = Path(__file__).resolve().parents[1]


def test_factory_applies_test_config_and_registers_every_area(app):
    assert app.testing
    blueprints = set(app.blueprints)
    assert {"auth", "main", "admin"} <= blueprints


def test_flask_command_finds_the_app_without_flask_app(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FLASK_APP"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env["SECRET_KEY"] = "k" * 40
    result = subprocess.run(
        [sys.executable, "-m", "flask", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "auth.login" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        from_environment(tmp_path, {"ROADMAP_ENV": "production"})
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        from_environment(tmp_path, {"ROADMAP_ENV": "production", "SECRET_KEY": "change-me"})
    config = from_environment(tmp_path, {"ROADMAP_ENV": "production", "SECRET_KEY": "s" * 40})
    assert config["PRODUCTION"] is True
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_development_creates_a_secret_once_and_keeps_it(tmp_path):
    first = from_environment(tmp_path, {})["SECRET_KEY"]
    second = from_environment(tmp_path, {})["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert development_secret(tmp_path) == first


def test_default_database_is_sqlite_under_instance_and_postgres_urls_use_psycopg(tmp_path):
    config = from_environment(tmp_path, {"SECRET_KEY": "x" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'roadmap.db'}"
    config = from_environment(tmp_path, {"SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://u@h/db"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    # Idle connections are checked at checkout instead (roadmap.database._ping_if_idle; tests/test_health.py).
    assert engine_options(config)["pool_pre_ping"] is False


def test_postgresql_statements_are_prepared_unless_turned_off_for_a_transaction_pooler(tmp_path):
    base = {"SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://u@h/db"}

    def threshold(value: str | None) -> object:
        env = base if value is None else {**base, "DATABASE_PREPARE_THRESHOLD": value}
        return engine_options(from_environment(tmp_path, env))["connect_args"]["prepare_threshold"]

    assert threshold(None) == 5  # psycopg's own default, kept
    assert threshold("0") == 0
    assert threshold("off") is None
    with pytest.raises(ConfigurationError, match="DATABASE_PREPARE_THRESHOLD"):
        threshold("sometimes")


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="ROADMAP_ENV"):
        from_environment(tmp_path, {"ROADMAP_ENV": "staging"})


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    from sqlalchemy import text

    from roadmap.extensions import db

    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    with application.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_every_response_carries_the_security_headers(browser, app):
    response = browser.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_create_app_without_test_config_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("SECRET_KEY", "e" * 40)
    monkeypatch.setenv("ROADMAP_DEFAULT_LOCALE", "en")
    application = create_app()
    assert application.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert application.config["BABEL_DEFAULT_LOCALE"] == "en"


def test_passwords_are_hashed_with_full_cost_scrypt_outside_tests(tmp_path):
    from roadmap.services.directory.accounts import hash_password

    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}"})
    with application.app_context():
        assert hash_password("correct horse battery staple").startswith("scrypt:32768:8:1$")
