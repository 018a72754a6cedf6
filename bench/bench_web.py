"""Survey pages under concurrent load: `python -m bench.bench_web [--seconds S] [--clients N]`.

Serves the app with gunicorn on loopback (a fresh SQLite database built by the real migrations, the shipped
framework, one office's assessment half answered) and, the same way in the same run, a minimal Flask
"hello world". Concurrent keep-alive clients (separate processes) then measure requests per second for the
hello world, a section page (the largest section, every question answered, a logged-in respondent) and an
autosave (each client changes its own answer back and forth, so every request really stores and re-scores).
Goals (issue 5), as ratios to the hello world: section page ≥ 0.15, autosave ≥ 0.25.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bench_scoring import OUTPUT, merge

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECTION_RATIO = 0.15
GOAL_AUTOSAVE_RATIO = 0.25
PASSWORD = "bench password that is long enough"  # noqa: S105 (a throw-away account in a temporary database)
SECTION = "SEC"

HELLO = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
"""


def build(directory: Path) -> tuple[str, int, list[dict[str, Any]]]:
    """The database: returns its URL, the assessment id and one question per client to change."""
    import datetime as dt

    from flask_migrate import upgrade

    from app import create_app
    from roadmap.engine.framework import QuestionType
    from roadmap.extensions import db
    from roadmap.models import Cycle, Office, User
    from roadmap.services import assessments, frameworks
    from roadmap.services.accounts import hash_password

    url = f"sqlite:///{directory / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None)
        office = Office(code="BENCH", name_vi="Đơn vị đo", name_en="Bench office", kind="other")
        db.session.add(office)
        db.session.flush()
        respondent = User(
            email="bench@example.vn",
            full_name="Bench",
            role="respondent",
            office_id=office.id,
            password_hash=hash_password(PASSWORD),
        )
        cycle = Cycle(
            code="BENCH",
            name_vi="Kỳ đo",
            name_en="Bench cycle",
            opens_on=dt.date(2026, 1, 1),
            closes_on=dt.date(2026, 12, 31),
        )
        db.session.add_all([respondent, cycle])
        db.session.commit()
        assessment = assessments.start(office, cycle, actor=respondent)
        framework = assessments.framework_of(assessment)
        changes = []
        for index, question in enumerate(framework.questions):
            if question.show_if is not None or (index % 2 and question.dimension != SECTION):
                continue
            answer = assessments.parse_answer(question, *_first(question))
            assessments.save_answer(assessment, question, answer, 0, actor=respondent)
            if question.type in (QuestionType.NUMBER, QuestionType.PERCENT):
                # Each client types ever new numbers into its own question: every autosave really stores
                # and re-scores a state of the answers not seen before.
                span = int(min(question.max_value or 100, 100))
                changes.append({"question": question.code, "span": span})
        assessment_id = assessment.id
        db.session.remove()
        db.engine.dispose()
        return url, assessment_id, changes


def _first(question: Any) -> tuple[str, Any]:
    from roadmap.engine.framework import QuestionType

    if question.type is QuestionType.MULTI_CHOICE:
        return "answered", [question.options[0].code]
    if question.options:
        return "answered", question.options[-1].code
    if question.type is QuestionType.TEXT:
        return "answered", "Ghi chú"
    low = question.min_value if question.min_value is not None else 0
    return "answered", str(low)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(target: str, port: int, env: dict[str, str], workers: int, threads: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [
            str(gunicorn),
            # The project's production settings for both servers, so that they are served the same way.
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            target,
        ],
        env=env,
        cwd=env.get("BENCH_CWD", str(ROOT)),
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start on port {port}")


def login(port: int) -> tuple[str, str]:
    """A respondent's session cookie and CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = f"csrf_token={token}&email=bench%40example.vn&password={PASSWORD.replace(' ', '+')}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    connection.request("POST", "/login", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    connection.request("GET", "/", headers={"Cookie": cookie})
    response = connection.getresponse()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode()).group(1)  # type: ignore[union-attr]
    # The page put the token's secret in the session: the session cookie that goes with the token.
    return response.getheader("Set-Cookie", "").split(";")[0], token


def client(job: dict[str, Any], seconds: float, results: Any) -> None:
    """One keep-alive client: as many requests as it can for `seconds`; counts the good answers."""
    connection = http.client.HTTPConnection("127.0.0.1", job["port"])
    headers = dict(job.get("headers", {}))
    change = job.get("change")
    version = 1
    done = failed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        body = None
        if change is not None:
            value = str((done + failed + 1) % (change["span"] + 1))
            body = json.dumps(
                {"question": change["question"], "state": "answered", "value": value, "base_version": version}
            )
        connection.request(job["method"], job["path"], body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status == 200:
            done += 1
            if change is not None:
                version = json.loads(data)["version"]
        else:
            failed += 1
    results.put((done, failed))


def rate(jobs: list[dict[str, Any]], seconds: float) -> float:
    results: Any = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=client, args=(job, seconds, results)) for job in jobs]
    started = time.monotonic()
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    failed = sum(f for _, f in outcomes)
    if failed:
        print(f"  {failed} requests failed")
    return sum(d for d, _ in outcomes) / elapsed


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float | str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-web-") as temporary:
        directory = Path(temporary)
        url, assessment_id, changes = build(directory)
        (directory / "hello.py").write_text(HELLO, encoding="utf-8")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "ROADMAP_ENV": "development",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{directory}",
            "GUNICORN_ACCESS_LOG": os.devnull,
        }
        hello_port, app_port = free_port(), free_port()
        servers = [
            serve("hello:app", hello_port, {**env, "BENCH_CWD": str(directory)}, args.workers, args.threads),
            serve("app:create_app()", app_port, env, args.workers, args.threads),
        ]
        try:
            cookie, token = login(app_port)
            session = {"Cookie": cookie}
            clients = range(args.clients)
            hello = rate([{"port": hello_port, "method": "GET", "path": "/"} for _ in clients], args.seconds)
            section = rate(
                [
                    {
                        "port": app_port,
                        "method": "GET",
                        "path": f"/assessments/{assessment_id}/sections/{SECTION}",
                        "headers": session,
                    }
                    for _ in clients
                ],
                args.seconds,
            )
            autosave_headers = {
                **session,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": token,
            }
            autosave = rate(
                [
                    {
                        "port": app_port,
                        "method": "POST",
                        "path": f"/assessments/{assessment_id}/answers",
                        "headers": autosave_headers,
                        "change": changes[i % len(changes)],
                    }
                    for i in clients
                ],
                args.seconds,
            )
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)

    results: dict[str, dict[str, float | str]] = {
        "web_hello_world_rps": {"value": round(hello, 1), "unit": "requests/s", "goal": "-"},
        "web_section_page_rps": {"value": round(section, 1), "unit": "requests/s", "goal": "-"},
        "web_autosave_rps": {"value": round(autosave, 1), "unit": "requests/s", "goal": "-"},
        "web_section_page_ratio": {
            "value": round(section / hello, 3),
            "unit": "× hello world",
            "goal": GOAL_SECTION_RATIO,
        },
        "web_autosave_ratio": {
            "value": round(autosave / hello, 3),
            "unit": "× hello world",
            "goal": GOAL_AUTOSAVE_RATIO,
        },
    }
    for key, row in results.items():
        print(f"{key:<28} {row['value']:>10} {row['unit']}")
    merge(results, args.output)
    return results


if __name__ == "__main__":
    main()
