"""Fixtures: the app on a real SQLite file and (when TEST_POSTGRES_URL is set) a real PostgreSQL.

Each backend's schema is built once per run by the real migrations; each test then starts from an empty
copy (SQLite: a copy of the migrated file; PostgreSQL: tables truncated after the test).
"""

from __future__ import annotations

import contextvars
import mailbox
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app

BACKENDS = ("sqlite", "postgresql")


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        return None
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


def _require_postgres() -> str:
    url = postgres_base_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the database tests on PostgreSQL too: set TEST_POSTGRES_URL.")
        pytest.skip("TEST_POSTGRES_URL is not set (CI sets it): PostgreSQL variant not run.")
    return url


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from roadmap.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


def _demo_config(folder: Path, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
        "REPORT_CACHE_DIR": str(folder / "cache"),
        **config,
    }


# The demo as loaded once per test process (by its settings): `flask demo load` costs seconds of processor
# time and a dozen modules need the same demo, so each gets a copy of the folder it was loaded into (the
# database, the logins, the uploads and the cache), which is the state a load leaves.
_DEMO_FOLDERS: dict[str, Path] = {}


def demo_app(sqlite_template: Path, folder: Path, **config: Any) -> Flask:
    """An app on a copy of the migrated SQLite database with the demo loaded (`flask demo load`), for module
    fixtures that render the demo's reports (a report does not depend on the database)."""
    key = repr(sorted(config.items()))
    loaded = _DEMO_FOLDERS.get(key)
    if loaded is None:
        loaded = Path(tempfile.mkdtemp(prefix="demo-", dir=sqlite_template.parent))
        shutil.copyfile(sqlite_template, loaded / "demo.db")
        first = create_app(_demo_config(loaded, config))
        first.instance_path = str(loaded)
        with first.app_context():
            result = first.test_cli_runner().invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
            from roadmap.extensions import db

            db.session.remove()
            db.engine.dispose()  # the last connection closed: SQLite folds its write-ahead log into the file
        _DEMO_FOLDERS[key] = loaded
    shutil.copytree(loaded, folder, dirs_exist_ok=True)
    app = create_app(_demo_config(folder, config))
    app.instance_path = str(folder)
    return app


def first_published_assessment() -> Any:
    """The demo's first published assessment (last cycle's, with its roadmap)."""
    from sqlalchemy import select

    from roadmap.extensions import db
    from roadmap.models import Assessment

    return db.session.scalars(
        select(Assessment).where(Assessment.status == "published").order_by(Assessment.id)
    ).first()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    base = make_url(_require_postgres())
    name = f"roadmap_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_all(app: Flask) -> None:
    from roadmap.extensions import db

    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "roadmap.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": None,
        # Same algorithm as in service, at a cost that lets the suite log in thousands of times.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "REPORT_CACHE_DIR": str(tmp_path / "report-cache"),
    }


@pytest.fixture
def app(app_config: dict[str, Any], backend: str) -> Iterator[Flask]:
    application = create_app(app_config)
    with application.app_context():
        yield application
        from roadmap.extensions import db

        db.session.remove()
    if backend == "postgresql":
        _truncate_all(application)
    with application.app_context():
        from roadmap.extensions import db

        db.engine.dispose()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def isolated(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a request as a real one runs: in its own app context, not the test's.

    Flask reuses an app context that is already pushed, and with it `g` (where Flask-Login and Flask-Babel
    keep the current user and locale) and the database session. The test's own session is then rolled
    back, so that what the test reads next comes fresh from the database.
    """
    response = contextvars.Context().run(call, *args, **kwargs)
    if has_app_context():
        from roadmap.extensions import db

        db.session.rollback()
        # A rollback without a transaction (the test's last one committed keeping what it had loaded, as
        # autosave does) expires nothing: what the test holds is expired all the same.
        db.session.expire_all()
    return response


def _text_of(response: Any) -> str:
    """The body as text; a download (a spreadsheet, a file) is not text, and holds no token anyway."""
    return str(response.get_data().decode("utf-8", "replace"))


class Browser:
    """A test client that behaves like a browser: it reads the CSRF token from the pages it gets."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, url: str, **kwargs: Any) -> Any:
        response = isolated(self.client.get, url, **kwargs)
        match = CSRF_PATTERN.search(_text_of(response))
        if match:
            self.token = match.group(1)
        return response

    def csrf(self) -> str:
        # Every page has a form (the language switch), so wherever home leads gives a token.
        if self.token is None:
            self.get("/", follow_redirects=True)
        assert self.token is not None
        return self.token

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        payload = dict(data or {})
        if csrf:
            payload.setdefault("csrf_token", self.csrf())
        response = isolated(self.client.post, url, data=payload, **kwargs)
        match = CSRF_PATTERN.search(_text_of(response))
        # After a redirect a browser would load the next page and its token; the next post fetches one.
        self.token = match.group(1) if match else None
        return response

    def login(self, email: str, password: str) -> Any:
        self.token = None
        return self.post("/login", {"email": email, "password": password})

    def logout(self) -> Any:
        return self.post("/logout")


PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """Two offices, a respondent of each, a consultant assigned to the first only, an admin."""

    office_a: Any
    office_b: Any
    respondent_a: Any
    respondent_b: Any
    consultant: Any
    admin: Any
    cycle: Any


@pytest.fixture
def world(app: Flask) -> World:
    import datetime as dt

    from roadmap.extensions import db
    from roadmap.models import ConsultantAssignment, Cycle, Office, Role, User
    from roadmap.services.directory.accounts import hash_password

    office_a = Office(code="VPA", name_vi="Văn phòng A", name_en="Office A", kind="party")
    office_b = Office(code="VPB", name_vi="Văn phòng B", name_en="Office B", kind="state")
    db.session.add_all([office_a, office_b])
    db.session.flush()
    hashed = hash_password(PASSWORD)

    def user(email: str, role: Role, office: Office | None) -> User:
        account = User(
            email=email,
            full_name=email.split("@")[0].title(),
            role=role.value,
            office_id=office.id if office else None,
            password_hash=hashed,
        )
        db.session.add(account)
        return account

    respondent_a = user("resp.a@example.vn", Role.RESPONDENT, office_a)
    respondent_b = user("resp.b@example.vn", Role.RESPONDENT, office_b)
    consultant = user("consultant@example.vn", Role.CONSULTANT, None)
    admin = user("admin@example.vn", Role.ADMIN, None)
    db.session.flush()
    db.session.add(ConsultantAssignment(consultant_id=consultant.id, office_id=office_a.id))
    cycle = Cycle(
        code="2026",
        name_vi="Kỳ đánh giá năm 2026",
        name_en="2026 cycle",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
    )
    db.session.add(cycle)
    db.session.commit()
    return World(office_a, office_b, respondent_a, respondent_b, consultant, admin, cycle)


def earlier_cycle() -> Any:
    """A closed cycle of the year before the world's (2025), stored, with no assessment."""
    import datetime as dt

    from roadmap.extensions import db
    from roadmap.models import Cycle

    cycle = Cycle(
        code="2025",
        name_vi="Kỳ đánh giá năm 2025",
        name_en="2025 cycle",
        status="closed",
        opens_on=dt.date(2025, 1, 1),
        closes_on=dt.date(2025, 12, 31),
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle


def stored_assessment(office: Any, cycle: Any, framework_version_id: int, status: str) -> Any:
    """An assessment written straight into the database in `status`, past the workflow (as a data load
    would), committed."""
    from roadmap.extensions import db
    from roadmap.models import Assessment

    assessment = Assessment(
        office_id=office.id, cycle_id=cycle.id, framework_version_id=framework_version_id, status=status
    )
    db.session.add(assessment)
    db.session.commit()
    return assessment


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


def logged_in(app: Flask, email: str, password: str = PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    response = browser.login(email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


# --- Redis, background jobs and renders, shared by the job, report and health tests --------------------


def redis_test_url() -> str:
    """The CI machine's Redis: CI must have it; elsewhere a test that needs it is skipped. Under pytest-xdist
    each worker (gw0, gw1, …) takes its own database, counting down from the one given, since some tests
    empty theirs and job keys are named after database ids that every worker's copy shares."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run the Redis tests: set TEST_REDIS_URL.")
        pytest.skip("TEST_REDIS_URL is not set (CI sets it).")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        base, _, number = url.rpartition("/")
        database = int(number or 0) - int(worker[2:])
        if database < 0:
            pytest.fail(f"TEST_REDIS_URL {url}: too few Redis databases below it for worker {worker}.")
        return f"{base}/{database}"
    return url


@pytest.fixture
def job_queue(app: Flask) -> Iterator[Any]:
    """Jobs on the CI machine's Redis, on a queue of this test's own; the shared Redis is left as it was."""
    from sqlalchemy import select

    from roadmap.extensions import db
    from roadmap.models import Job
    from roadmap.services.platform import jobs

    app.config.update(REDIS_URL=redis_test_url(), JOB_QUEUE=f"test-{uuid.uuid4().hex[:8]}")
    connection = jobs.redis_connection(app.config["REDIS_URL"])
    yield connection
    # The queue's keys and those of every job of this test.
    db.session.rollback()
    for job_id in db.session.scalars(select(Job.id)):
        for key in connection.scan_iter(f"rq:*{job_id}*"):
            connection.delete(key)
    for key in connection.scan_iter(f"*{app.config['JOB_QUEUE']}*"):
        connection.delete(key)
    connection.srem("rq:queues", f"rq:queue:{app.config['JOB_QUEUE']}")
    connection.close()


def run_worker(app: Flask) -> bool:
    """A real RQ worker in burst mode, outside the test's app context (as a worker process is). RQ installs
    its own SIGTERM and SIGINT handlers, which swallow the signal; they are put back afterwards, or a process
    forked later by another test (a multiprocessing pool) would ignore the terminate that ends it."""
    from roadmap import worker

    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        return bool(contextvars.Context().run(worker.work, app, burst=True))
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


@pytest.fixture
def render_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the report renders that really run (the render itself is the real one)."""
    from roadmap.services.reporting import pdf as report_pdf

    calls: list[int] = []
    real = report_pdf.render

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(report_pdf, "render", counting)
    return calls


# --- a real SMTP server (aiosmtpd in its own process), for the e-mail and reminder tests ------------------

SMTP_PUBLIC_URL = "https://lotrinh.example.vn"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """aiosmtpd as a separate process on a port of its own; stopped and started again like a real one."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.maildir = folder / "maildir"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(self, wait_for: int = 0) -> list[Message]:
        deadline = time.monotonic() + 5
        while True:
            found = list(mailbox.Maildir(self.maildir, create=True)) if self.maildir.exists() else []
            if len(found) >= wait_for or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages() if address in str(message["To"])]


@pytest.fixture
def smtp(app, tmp_path):
    server = SmtpServer(tmp_path)
    server.start()
    app.config.update(
        MAIL_ENABLED=True,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_TIMEOUT=2,
        MAIL_DEFAULT_SENDER="lotrinh@example.vn",
        PUBLIC_URL=SMTP_PUBLIC_URL,
    )
    from roadmap.extensions import mail

    mail.init_app(app)  # the new server's address
    yield server
    server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, `make test`): a test file runs on one worker, so its module
    fixtures are built once; the real-browser tests all run on one worker in their file order, as in a
    single process, since they share one served demo whose accounts a journey changes (two-factor sign-in,
    the progress of a plan)."""
    for item in items:
        path = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group("browser" if path.startswith("tests/browser/") else path))
        if _slow(item.nodeid):
            item.add_marker(pytest.mark.slow)


# `make test` (and so CI, which must stay within 20 minutes on two cores) leaves out the tests marked slow;
# `make test-slow` runs them. Slow are, besides the property tests marked in their files: the PostgreSQL
# variants of checks whose subject does not depend on the database and that load the whole demo (their
# SQLite variants run in `make test`), and the report equivalence of the golden cases (the demo's reports are
# compared in `make test`, in both languages).
SLOW_ON_POSTGRESQL = (
    "tests/test_permissions.py::test_permission_matrix[",
    "tests/test_portfolio.py::",
    "tests/test_stored_snapshots.py::",
    "tests/test_cli.py::test_demo_load_is_idempotent",
    "tests/test_frameworks.py::test_demo_load_puts",
)


def _slow(nodeid: str) -> bool:
    if "[postgresql" in nodeid and nodeid.startswith(SLOW_ON_POSTGRESQL):
        return True
    golden_case = "[" in nodeid and "[demo-" not in nodeid
    return nodeid.startswith("tests/test_report_equivalence.py::") and golden_case
