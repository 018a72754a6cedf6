"""Durability under faults (issue 9), run by `make soak` (and CI), not by `make test`.

(a) 20 clients autosave for SOAK_SECONDS (60) against gunicorn on loopback while a worker is killed with
    SIGKILL every 10 seconds: every acknowledged save is in the database afterwards, each answer once, and the
    database passes its integrity check; on SQLite and on PostgreSQL.
(b) 20 offices submit at the same moment on SQLite: every submit succeeds, no "database is locked".

The clients behave like the page's script: a save whose answer was lost (the worker died) is sent again
with the same base version until it is acknowledged.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from roadmap.extensions import db
from roadmap.models import AnswerRecord, Assessment, AssessmentStatus, ConsultantAssignment, Office, User
from roadmap.services.directory.accounts import hash_password
from roadmap.services.survey import frameworks, steps
from tests.conftest import PASSWORD
from tests.test_survey import SMALL, fill_small

pytestmark = pytest.mark.soak

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 20
SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
KILL_EVERY = 10
SECRET = "soak-secret-" + "s" * 40
FIGURES = ROOT / "build" / "soak.json"


# --- a browser-like client on the standard library -----------------------------------------------------


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def request(
        self, method: str, path: str, *, form: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"} if body is not None else {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.token
        request = urllib.request.Request(  # noqa: S310 (our own loopback server)
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, email: str) -> None:
        for _ in range(20):  # the worker serving us may be killed while we log in
            try:
                _, page = self.request("GET", "/login")
                token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
                assert token is not None
                form = {"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD}
                status, page = self.request("POST", "/login", form=form)
                status, body = self.request("GET", "/session/token")
                if status == 200:
                    self.token = json.loads(body)["token"]
                    return
            except (OSError, urllib.error.URLError, http.client.HTTPException):  # the worker died mid-answer
                time.sleep(0.2)
        raise AssertionError(f"{email} could not log in")


# --- gunicorn on loopback ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


def start_server(database_url: str, tmp_path: Path, workers: int = 3) -> Server:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "ROADMAP_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": "2",
        "GUNICORN_TIMEOUT": "30",
        "EVIDENCE_UPLOAD_DIR": str(tmp_path / "uploads"),
        # Twenty clients saving as fast as a machine can from one address are not people typing: under the
        # default limits (kept per worker here, and reset by every kill) a run would meet 429 whenever a
        # worker lived long enough. The limits themselves are tested in tests/test_rate_limits.py.
        "RATE_LIMIT_LOGIN": "100000 per minute",
        "RATE_LIMIT_AUTOSAVE": "100000000 per minute",
    }
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.base + "/login", timeout=2):  # noqa: S310 (loopback)
                if len(server.workers()) == workers:
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("gunicorn did not start:\n" + log.read_text(errors="replace"))


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()


# --- the data: one office, respondent and assessment per client ----------------------------------------


def offices_with_assessments(world, count: int) -> list[tuple[str, int]]:
    frameworks.import_file(SMALL, actor=None)
    hashed = hash_password(PASSWORD)
    result = []
    for index in range(count):
        office = Office(
            code=f"S{index:02d}", name_vi=f"Đơn vị {index}", name_en=f"Office {index}", kind="state"
        )
        db.session.add(office)
        db.session.flush()
        user = User(
            email=f"soak{index}@example.vn",
            full_name=f"Soak {index}",
            role="respondent",
            office_id=office.id,
            password_hash=hashed,
        )
        db.session.add(user)
        db.session.add(ConsultantAssignment(consultant_id=world.consultant.id, office_id=office.id))
        db.session.flush()
        assessment = steps.start(office, world.cycle, actor=user)
        result.append((user.email, assessment.id))
    db.session.commit()
    return result


def logged_in_clients(server: Server, emails: list[str]) -> list[Client]:
    clients = [Client(server.base) for _ in emails]
    with ThreadPoolExecutor(max_workers=len(emails)) as pool:
        list(pool.map(Client.login, clients, emails))
    return clients


def tracebacks(log: str) -> list[str]:
    """Each traceback in a server log with the line that announced it and the exception it ended with, so
    that a failure shows what went wrong rather than the whole access log."""
    lines = log.splitlines()
    found = []
    for index, line in enumerate(lines):
        if "Traceback (most recent call last)" not in line:
            continue
        end = index + 1
        while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
            end += 1
        found.append("\n".join(lines[max(index - 1, 0) : end + 1]))
    return found


def release_database() -> None:
    db.session.remove()
    db.engine.dispose()


def record_figures(name: str, figures: dict[str, Any]) -> None:
    FIGURES.parent.mkdir(exist_ok=True)
    existing = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    existing[name] = figures
    FIGURES.write_text(json.dumps(existing, indent=2, sort_keys=True))
    print(f"\n{name}: {json.dumps(figures, sort_keys=True)}")


# --- (a) autosave while workers are killed --------------------------------------------------------------


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    interrupted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int | None) -> None:
        with self.lock:
            if status is None:
                self.interrupted += 1
            else:
                self.statuses[status] += 1


def autosaver(
    client: Client, email: str, assessment_id: int, stop: threading.Event, tally: Tally
) -> dict[str, Any]:
    """Saves NW-02 and NW-03 in turn, each with a new value; returns the last acknowledged save of each."""
    acked: dict[str, tuple[Any, int]] = {}
    versions: dict[str, list[int]] = {"NW-02": [], "NW-03": []}
    counter = 0
    while not stop.is_set():
        counter += 1
        code = "NW-02" if counter % 2 else "NW-03"
        value = str(counter % 8761) if code == "NW-02" else str(counter % 101)
        base = acked.get(code, (None, 0))[1]
        while True:  # until acknowledged, like the page's script
            try:
                status, body = client.request(
                    "POST",
                    f"/assessments/{assessment_id}/answers",
                    body={"question": code, "state": "answered", "value": value, "base_version": base},
                )
            except (OSError, urllib.error.URLError, http.client.HTTPException):  # the worker died mid-answer
                tally.count(None)
                time.sleep(0.1)
                continue
            tally.count(status)
            if status == 200:
                reply = json.loads(body)
                acked[code] = (value, reply["version"])
                versions[code].append(reply["version"])
                break
            if status == 401 or (status == 400 and b'"csrf"' in body):
                client.login(email)  # the page's script logs in again and sends the kept change
                continue
            raise AssertionError(f"save refused: {status} {body[:300]!r}")
    return {"acked": acked, "versions": versions}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_acknowledged_saves_survive_worker_kills(app, world, backend, tmp_path):
    users = offices_with_assessments(world, CLIENTS)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    release_database()
    server = start_server(url, tmp_path)
    kills = 0
    try:
        clients = logged_in_clients(server, [email for email, _ in users])
        stop, tally, results = threading.Event(), Tally(), [None] * CLIENTS

        failures: list[str] = []

        def run(index: int) -> None:
            try:
                results[index] = autosaver(clients[index], users[index][0], users[index][1], stop, tally)
            except Exception as error:  # reported by the test, not lost in a thread
                failures.append(f"{users[index][0]}: {error!r}")

        threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while time.monotonic() - started < SECONDS:
            time.sleep(KILL_EVERY)
            workers = server.workers()
            if workers and time.monotonic() - started < SECONDS:
                os.kill(workers[kills % len(workers)], signal.SIGKILL)
                kills += 1
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert failures == []
    finally:
        stop_server(server)

    with app.app_context():
        rows = db.session.execute(
            select(
                AnswerRecord.assessment_id,
                AnswerRecord.question_code,
                AnswerRecord.value,
                AnswerRecord.version,
            )
        ).all()
        stored = {(a, q): (v, version) for a, q, v, version in rows}
        assert len(stored) == len(rows), "one row per answer"
        acknowledged = found = 0
        for (email, assessment_id), result in zip(users, results, strict=True):
            assert result is not None, email
            for code, (value, version) in result["acked"].items():
                acknowledged += len(result["versions"][code])
                stored_value, stored_version = stored[(assessment_id, code)]
                assert float(stored_value) == float(value), (email, code)
                assert stored_version == version, (email, code)
                found += len(result["versions"][code])
                # Each acknowledged save made the version one higher: none lost, none applied twice.
                assert result["versions"][code] == list(range(1, len(result["versions"][code]) + 1))
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        else:
            orphans = db.session.scalar(
                select(func.count())
                .select_from(AnswerRecord)
                .where(~AnswerRecord.assessment_id.in_(select(Assessment.id)))
            )
            assert orphans == 0
        release_database()
    log = server.log.read_text(errors="replace")
    assert tracebacks(log) == []
    leaked = [name for name, secret in (("password", PASSWORD), ("secret key", SECRET)) if secret in log]
    assert leaked == []
    # The security log reached gunicorn's error log as JSON lines, and no session cookie did.
    entries = [json.loads(line) for line in log.splitlines() if line.startswith('{"actor"')]
    assert sum(entry["event"] == "login.succeeded" for entry in entries) >= CLIENTS
    cookies = {cookie.value for client in clients for cookie in client.jar if cookie.value}
    assert cookies
    assert [cookie[:8] + "…" for cookie in cookies if cookie in log] == []
    served = sum(tally.statuses.values())
    errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    record_figures(
        f"autosave_under_worker_kills_{backend}",
        {
            "clients": CLIENTS,
            "seconds": SECONDS,
            "workers_killed": kills,
            "requests_served": served,
            "statuses": dict(tally.statuses),
            "server_errors": errors,
            "interrupted_by_kills": tally.interrupted,
            "saves_acknowledged": acknowledged,
            "saves_found": found,
        },
    )
    assert kills >= SECONDS // KILL_EVERY - 1
    assert errors == 0
    assert found == acknowledged > CLIENTS


# --- (b) twenty offices submit at once on SQLite ---------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_twenty_simultaneous_submits_on_sqlite(app, world, tmp_path):
    users = offices_with_assessments(world, CLIENTS)
    for _, assessment_id in users:
        assessment = db.session.get(Assessment, assessment_id)
        fill_small(assessment, db.session.get(User, assessment.created_by_id))
    db.session.commit()
    versions = {a: db.session.get(Assessment, a).status_version for _, a in users}
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    release_database()
    server = start_server(url, tmp_path, workers=4)
    try:
        clients = logged_in_clients(server, [email for email, _ in users])
        barrier = threading.Barrier(CLIENTS)
        statuses: list[int] = [0] * CLIENTS

        def submit(index: int) -> None:
            assessment_id = users[index][1]
            barrier.wait()
            status, _ = clients[index].request(
                "POST",
                f"/assessments/{assessment_id}/submit",
                form={"csrf_token": clients[index].token, "status_version": str(versions[assessment_id])},
            )
            statuses[index] = status

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)
    log = server.log.read_text(errors="replace")
    with app.app_context():
        submitted = db.session.scalar(
            select(func.count())
            .select_from(Assessment)
            .where(Assessment.status == AssessmentStatus.SUBMITTED.value)
        )
        integrity = db.session.execute(text("PRAGMA integrity_check")).scalar()
        release_database()
    record_figures(
        "simultaneous_submits_sqlite",
        {
            "offices": CLIENTS,
            "statuses": dict(Counter(statuses)),
            "submitted": submitted,
            "seconds": round(elapsed, 2),
        },
    )
    assert [line for line in log.splitlines() if "database is locked" in line] == []
    assert statuses == [200] * CLIENTS  # the redirect to the overview, followed
    assert submitted == CLIENTS
    assert integrity == "ok"
