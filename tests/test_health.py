"""Health probes (/healthz, /readyz) and the production server: `make serve`'s gunicorn answers /healthz."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app
from roadmap import database
from roadmap.extensions import db
from tests.conftest import Browser, logged_in, redis_test_url

ROOT = Path(__file__).resolve().parents[1]


def test_healthz_is_ok_on_a_migrated_database_without_login_or_cookie(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_schema_is_behind_the_code(app):
    [current] = db.session.scalars(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = 'ab1f40855daa'"))
    db.session.commit()
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "fail", "reason": "migrations not at head"}
        # Ready to serve is another question: the database answers.
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.session.commit()


def test_healthz_and_readyz_answer_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"}
    )
    for url in ("/healthz", "/readyz"):
        response = broken.test_client().get(url)
        assert response.status_code == 503
        body = response.get_json()
        assert body == {"status": "fail", "reason": "database unreachable"}


def test_healthz_on_an_empty_database_says_the_migrations_are_not_applied(tmp_path):
    empty = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = empty.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "migrations not applied"


def test_readyz_checks_redis_only_when_configured(app):
    assert app.test_client().get("/readyz").get_json() == {"status": "ready"}
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail", "reason": "redis unreachable"}
    # Liveness does not depend on Redis: restarting the app would not bring Redis back.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_with_the_ci_redis(app):
    app.config["REDIS_URL"] = redis_test_url()
    assert app.test_client().get("/readyz").status_code == 200


def test_a_logged_in_user_gets_the_same_answer(app, world):
    assert logged_in(app, world.consultant.email).get("/healthz").get_json() == {"status": "ok"}
    assert Browser(app.test_client()).get("/readyz").status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback, http only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_make_serve_gunicorn_answers_healthz(sqlite_template, tmp_path):
    """What `make serve` runs (gunicorn --config gunicorn.conf.py from the repository), in production mode
    on a migrated database, on a random loopback port; stopped with SIGTERM, it shuts down cleanly."""
    database = tmp_path / "serve.db"
    shutil.copyfile(sqlite_template, database)
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "DATABASE_", "REDIS"))},
        "ROADMAP_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "DATABASE_URL": f"sqlite:///{database}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, body = _get(f"http://127.0.0.1:{port}/healthz?token=do-not-log-me")
                    break
                except OSError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.3)
            assert (status, body) == (200, b'{"status":"ok"}\n')
            assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        finally:
            server.send_signal(signal.SIGTERM)
            returncode = server.wait(timeout=60)
    output_text = log.read_text()
    assert returncode == 0, output_text
    assert "Traceback" not in output_text  # nor from the hooks (gunicorn logs their errors and goes on)
    assert "/healthz" in output_text  # the access log has the path ...
    assert "do-not-log-me" not in output_text  # ... and never the query string


def test_the_postgresql_pool_is_sized_from_the_configuration(postgres_database):
    """DATABASE_POOL_SIZE and DATABASE_MAX_OVERFLOW reach the engine of every worker process."""
    sized = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": postgres_database,
            "DATABASE_POOL_SIZE": 3,
            "DATABASE_MAX_OVERFLOW": 1,
        }
    )
    with sized.app_context():
        pool = db.engine.pool
        assert pool.size() == 3
        assert pool._max_overflow == 1  # no public reader
        assert pool._pre_ping is False  # idle connections are checked instead (below)
        db.engine.dispose()


def _end_the_apps_sessions(url: str) -> None:
    """What a database restart does to a pool: the server side of each of its connections is gone."""
    killer = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with killer.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    killer.dispose()
    assert ended >= 1


def _pool_of_one(url: str) -> Any:
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATABASE_POOL_SIZE": 1, "DATABASE_MAX_OVERFLOW": 0}
    )


def test_a_pooled_connection_idle_for_a_second_is_checked_and_replaced_when_the_database_restarted(
    postgres_database, monkeypatch
):
    served = _pool_of_one(postgres_database)
    client = served.test_client()
    assert client.get("/readyz").status_code == 200  # its connection is back in the pool
    _end_the_apps_sessions(postgres_database)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had waited a second
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.get_json()  # checked, found dead, replaced: nothing failed
    with served.app_context():
        db.engine.dispose()


def test_a_connection_given_back_a_moment_ago_is_not_checked_again(postgres_database, monkeypatch):
    """The price of not checking every checkout (a round trip on every request): a connection that dies
    between two requests less than PING_AFTER_IDLE_SECONDS apart fails its request, once; the pool then
    replaces its connections of that moment, and the next request is served."""
    served = _pool_of_one(postgres_database)
    client = served.test_client()
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    assert client.get("/readyz").status_code == 200
    _end_the_apps_sessions(postgres_database)
    assert client.get("/readyz").status_code == 503  # handed out unchecked: the database said it was gone
    assert client.get("/readyz").status_code == 200
    with served.app_context():
        db.engine.dispose()
