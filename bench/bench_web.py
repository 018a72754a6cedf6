"""Pages under concurrent load, as ratios to a hello world served the same way: `python -m bench.bench_web`.

Seeds a database with a reproducible synthetic portfolio (`--offices` offices, each with a complete answer
set in the previous cycle and a half-answered draft in the current one; the real migrations, the shipped
framework), serves the app with gunicorn on loopback (the project's gunicorn.conf.py), and beside it, the
same way in the same run, a minimal Flask "hello world" — the ceiling. wrk (a well-kept load generator in C)
then drives each target for `--seconds` after a warm-up: the hello world, the survey section page (the
largest section, a logged-in respondent), autosave (each connection types ever new numbers into its own
question, so every request really stores a new value; the page asks for the live result separately, once a
burst of saves is sent), the results page (the assessment overview with its
live result), and any extra targets other benchmarks register (the cached PDF download). Each target gives
requests per second, p50 and p95 latency, errors, and the ratio to the hello world. Beside autosave, the
autosave floor: a JSON POST that opens the session, checks the CSRF token, loads the user and authorises
the edit of the assessment, and stores nothing (bench/floor_app.py) — the most autosave can reach with this
stack.
Runs on SQLite, and on PostgreSQL as well when TEST_POSTGRES_URL is set (a fresh database, dropped after).
Goals (issue 21): section page ≥ 0.15 × the hello world on SQLite and ≥ 0.12 × on PostgreSQL; autosave, its
hot case and the cached report against the autosave floor (below).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bench_scoring import OUTPUT, merge

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECTION_RATIO = {"sqlite": 0.15, "postgresql": 0.12}
# Issue 21: autosave spread over offices ≥ 0.8 × the floor, the hot case (one assessment) ≥ 0.4 × the floor,
# the cached report ≥ 0.8 × the floor.
GOAL_AUTOSAVE_VS_FLOOR = 0.8
GOAL_HOT_AUTOSAVE_VS_FLOOR = 0.4
GOAL_REPORT_VS_FLOOR = 0.8
PASSWORD = "bench password that is long enough"  # noqa: S105 (a throw-away account in a temporary database)
SECTION = "SEC"
SEED = 20261128

HELLO = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
"""

# The end of every wrk run prints one JSON line that this module reads.
LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n@@{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p95_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""

# Autosave: one question per wrk thread (one connection each), the version of the answer followed from the
# responses, so that no save meets a conflict of its own making.
LUA_AUTOSAVE = """
local changes = {CHANGES}
-- Each connection types into its own question, from the version the database holds before the run.
local count = 0
function setup(thread)
  count = count + 1
  local change = changes[((count - 1) % #changes) + 1]
  thread:set("question", change[1])
  thread:set("low", change[2])
  thread:set("span", change[3])
  thread:set("version", change[4])
end
local typed = 0
function request()
  typed = typed + 1
  local body = string.format('{"question":"%s","state":"answered","value":"%d","base_version":%d}',
    question, low + typed % (span + 1), version)
  return wrk.format("POST", nil, nil, body)
end
function response(status, headers, body)
  if status == 200 then
    local v = body:match('"version":%s*(%d+)')
    if v then version = tonumber(v) end
  end
end
"""


# Load spread over many offices: each request of a connection goes, in turn, to one of its offices' own
# assessment with that office's own session (cookie and CSRF token): no two connections share an office.
LUA_SPREAD = """
local sessions = {SESSIONS}
local count = 0
function setup(thread)
  count = count + 1
  thread:set("index", count)
end
local mine = {}
local typed = 0
local current = nil
function init(args)
  local per = math.floor(#sessions / {CONNECTIONS})
  for k = 1, per do
    local s = sessions[(index - 1) * per + k]
    table.insert(mine, {path = s[1], cookie = s[2], token = s[3], question = s[4], low = s[5], span = s[6],
      version = s[7]})
  end
end
function request()
  typed = typed + 1
  current = mine[(typed % #mine) + 1]
  local headers = {["Cookie"] = current.cookie}
  if "{METHOD}" == "GET" then
    return wrk.format("GET", current.path, headers, nil)
  end
  headers["X-CSRFToken"] = current.token
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json"
  local body = string.format('{"question":"%s","state":"answered","value":"%d","base_version":%d}',
    current.question, current.low + typed % (current.span + 1), current.version)
  return wrk.format("POST", current.path, headers, body)
end
"""
# Only the autosave follows the versions its answers return. wrk hands every response's body to the script
# when it has a response function, and a section page is a few hundred kilobytes: searching each one cost wrk
# the processor time that the app it measures needed on the same cores (the hello world has no script).
LUA_SPREAD_FOLLOWS_VERSIONS = """
function response(status, headers, body)
  if status == 200 and current ~= nil then
    local v = body:match('"version":%s*(%d+)')
    if v then current.version = tonumber(v) end
  end
end
"""


@dataclass
class Target:
    """One thing to measure: a path, optional request headers and a Lua script body."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    script: str = ""
    goal: float | None = None
    prime: bool = False  # one request before the warm-up (a report rendered once, then served from cache)
    port: int | None = None  # another server than the app's (the autosave floor)
    # Rebuilds the script before each run (autosave: from the answers' versions in the database then).
    refresh: Callable[[], str] | None = None
    against_floor: bool = False  # its goal is a ratio to the autosave floor, not to the hello world


@dataclass
class Seeded:
    url: str
    assessment_id: int
    published_id: int
    changes: list[tuple[str, int, int]]  # question, lowest value, span of values typed
    # Offices with a draft each, typed into by the spread load: (respondent's e-mail, assessment id).
    spread: list[tuple[str, int]] = field(default_factory=list)


# Other benchmarks add targets here (e.g. the cached PDF download): (seeded database, port, session headers)
# → targets, called once the app is up and logged in.
EXTRA_TARGETS: list[Callable[[Seeded, int, dict[str, str]], list[Target]]] = []


def seed(url: str, offices: int, spread: int = 0) -> Seeded:
    """The synthetic portfolio: reproducible for a given number of offices."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app import create_app
    from roadmap.engine.framework import QuestionType
    from roadmap.extensions import db
    from roadmap.models import AnswerRecord, Assessment, Cycle, Office, User
    from roadmap.services.directory.accounts import hash_password
    from roadmap.services.plans import roadmaps
    from roadmap.services.survey import answers, frameworks, results, steps

    rng = random.Random(SEED)  # noqa: S311 (benchmark data)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
    with app.app_context():
        upgrade()
        version = frameworks.import_file(frameworks.SHIPPED_FRAMEWORK, actor=None).version
        framework = frameworks.framework_of(version)
        previous = Cycle(
            code="PREV",
            name_vi="Kỳ trước",
            name_en="Previous cycle",
            status="closed",
            opens_on=dt.date(2025, 1, 1),
            closes_on=dt.date(2025, 12, 31),
        )
        current = Cycle(
            code="BENCH",
            name_vi="Kỳ đo",
            name_en="Bench cycle",
            opens_on=dt.date(2026, 1, 1),
            closes_on=dt.date(2026, 12, 31),
        )
        db.session.add_all([previous, current])
        people = []
        for number in range(offices):
            office = Office(code=f"B{number:04d}", name_vi=f"Đơn vị số {number}", name_en=f"Office {number}")
            db.session.add(office)
            db.session.flush()
            people.append(
                User(
                    email=f"bench{number}@example.vn",
                    full_name=f"Người trả lời {number}",
                    role="respondent",
                    office_id=office.id,
                    password_hash=hash_password(PASSWORD),
                )
            )
        db.session.add_all(people)
        db.session.commit()
        rows: list[dict[str, Any]] = []
        for person in people:
            done = Assessment(
                office_id=person.office_id,
                cycle_id=previous.id,
                framework_version_id=version.id,
                status="published",
            )
            db.session.add(done)
            db.session.flush()
            for question in framework.questions:
                rows.append(
                    {
                        "assessment_id": done.id,
                        "question_code": question.code,
                        "state": "answered",
                        "value": _random_value(question, rng),
                        "updated_by_id": person.id,
                    }
                )
        db.session.execute(insert(AnswerRecord), rows)
        db.session.commit()
        respondent = people[0]
        published_id = db.session.scalars(
            db.select(Assessment.id).where(Assessment.office_id == respondent.office_id)
        ).one()
        # The measured office's published assessment has its snapshot and roadmap, as after a review: the
        # results page and the report show them.
        reviewed = db.session.get(Assessment, published_id)
        results.take_snapshot(reviewed, "approved", actor=None)
        roadmaps.generate(reviewed, actor=None)
        db.session.commit()
        draft = steps.start(respondent.office, current, actor=respondent)
        changes: list[tuple[str, int, int]] = []
        for index, question in enumerate(framework.questions):
            if question.show_if is not None or (index % 2 and question.dimension != SECTION):
                continue
            value = _random_value(question, rng)
            state = "answered"
            raw = value if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)
            if question.type is QuestionType.YES_NO:
                raw = "yes" if value else "no"
            answers.save_answer(
                draft, question, answers.parse_answer(question, state, raw), 0, actor=respondent
            )
            if question.type in (QuestionType.NUMBER, QuestionType.PERCENT):
                low = int(question.min_value or 0)
                high = int(
                    min(question.max_value if question.max_value is not None else low + 100, low + 100)
                )
                changes.append((question.code, low, high - low))
        # The spread load's offices: each its own draft, with the same numeric answers to type into.
        spread_drafts = []
        for person in people[1 : 1 + spread]:
            office_draft = steps.start(person.office, current, actor=person)
            for code, low, _span in changes:
                question = framework.question(code)
                answers.save_answer(
                    office_draft,
                    question,
                    answers.parse_answer(question, "answered", str(low)),
                    0,
                    actor=person,
                )
            spread_drafts.append((person.email, office_draft.id))
        seeded = Seeded(url, draft.id, published_id, changes, spread_drafts)
        db.session.remove()
        db.engine.dispose()
    return seeded


def _random_value(question: Any, rng: random.Random) -> Any:
    from roadmap.engine.framework import QuestionType

    if question.type is QuestionType.MULTI_CHOICE:
        # One option: some options exclude all others.
        return [rng.choice(question.options).code]
    if question.type is QuestionType.YES_NO:
        return rng.random() < 0.6
    if question.options:
        return rng.choice(question.options).code
    if question.type is QuestionType.TEXT:
        return "Ghi chú về hiện trạng của đơn vị"
    low = question.min_value if question.min_value is not None else 0
    high = question.max_value if question.max_value is not None else 100
    return rng.randint(int(low), int(min(high, low + 100)))


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


def login(port: int, email: str) -> tuple[str, str]:
    """A session cookie and the CSRF token that goes with it."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    body = f"csrf_token={token}&email={email.replace('@', '%40')}&password={PASSWORD.replace(' ', '+')}"
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


def prime(port: int, target: Target) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", target.path, headers=target.headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{target.name}: {target.path} answered {response.status}")


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is needed for the web benchmark: apt-get install wrk (Debian's package)")
    return found


def run_wrk(
    port: int, target: Target, seconds: float, connections: int, directory: Path, *, offset: int = 0
) -> dict[str, float]:
    script = directory / f"{target.name}.lua"
    script.write_text(target.script.replace("{OFFSET}", str(offset)) + LUA_DONE, encoding="utf-8")
    command = [
        wrk_binary(),
        f"--threads={connections}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={script}",
    ]
    for name, value in target.headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{target.path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(line for line in output.splitlines() if line.startswith("@@"))
    figures = json.loads(line[2:])
    seconds_run = figures["duration_us"] / 1e6
    good = figures["requests"] - figures["status_errors"]
    return {
        "rps": good / seconds_run,
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "errors": figures["status_errors"] + figures["socket_errors"],
    }


@contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'bench.db'}"
        return
    from sqlalchemy import create_engine, make_url, text

    base = make_url(os.environ["TEST_POSTGRES_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"roadmap_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def answer_versions(url: str, assessment_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """The stored version of every answer of these assessments: where each autosave run starts from."""
    from sqlalchemy import bindparam, create_engine, text

    query = text("SELECT assessment_id, question_code, version FROM answers WHERE assessment_id IN :ids")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                query.bindparams(bindparam("ids", expanding=True)), {"ids": list(assessment_ids)}
            )
            return {(row[0], row[1]): row[2] for row in rows}
    finally:
        engine.dispose()


def cpu_ticks(master: int) -> int:
    """User and system CPU ticks of a gunicorn master's workers (/proc), to divide by the requests served."""
    total = 0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0
    for pid in [str(master), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def lua_table(rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        return json.dumps(value) if isinstance(value, str) else str(value)

    return "{" + ", ".join("{" + ", ".join(cell(value) for value in row) + "}" for row in rows) + "}"


def measure(kind: str, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as temporary:
        directory = Path(temporary)
        with database(kind, directory) as url:
            spread_count = args.connections * args.offices_per_connection
            print(f"  seeding {args.offices} offices on {kind} ({spread_count} typing) …", flush=True)
            seeded = seed(url, max(args.offices, spread_count + 1), spread_count)
            (directory / "hello.py").write_text(HELLO, encoding="utf-8")
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "SECRET_KEY": secrets.token_hex(32),
                "ROADMAP_ENV": "development",
                "PYTHONPATH": f"{ROOT}{os.pathsep}{directory}",
                "GUNICORN_ACCESS_LOG": os.devnull,
                # No Redis: the benchmark measures the embedded default.
                "REDIS_URL": "",
                # Steady state: no worker is recycled (max_requests) in the middle of a measurement.
                "GUNICORN_MAX_REQUESTS": "0",
                # The limits stay on (their counting is part of every request's cost) but at rates that
                # the benchmark's few sessions, each a machine typing thousands of answers a minute, never
                # reach: with the defaults the run would measure 429 answers.
                "RATE_LIMIT_LOGIN": "100000 per minute",
                "RATE_LIMIT_AUTOSAVE": "100000000 per minute",
                "RATE_LIMIT_REPORTS": "100000000 per minute",
            }
            hello_port, app_port, floor_port = free_port(), free_port(), free_port()
            servers = {
                "hello": serve(
                    "hello:app", hello_port, {**env, "BENCH_CWD": str(directory)}, args.workers, args.threads
                ),
                "app": serve("app:create_app()", app_port, env, args.workers, args.threads),
                # The same app with the benchmark's autosave floor endpoint (bench/floor_app.py).
                "floor": serve("bench.floor_app:app", floor_port, env, args.workers, args.threads),
            }
            try:
                cookie, token = login(app_port, "bench0@example.vn")
                session = {"Cookie": cookie}
                json_post = {
                    **session,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "X-CSRFToken": token,
                }
                # Each typing office's own session.
                sessions = [
                    (email, assessment_id, *login(app_port, email)) for email, assessment_id in seeded.spread
                ]
                code, low, span = seeded.changes[0]

                def hot_script() -> str:
                    versions = answer_versions(url, [seeded.assessment_id])
                    rows = [
                        (c, lo, sp, versions.get((seeded.assessment_id, c), 0))
                        for c, lo, sp in seeded.changes
                    ]
                    return LUA_AUTOSAVE.replace("{CHANGES}", lua_table(rows))

                def spread_script(method: str) -> Callable[[], str]:
                    def build() -> str:
                        versions = (
                            answer_versions(url, [a for _, a, _, _ in sessions]) if method == "POST" else {}
                        )
                        rows = [
                            (
                                f"/assessments/{a}/answers"
                                if method == "POST"
                                else f"/assessments/{a}/sections/{SECTION}",
                                c,
                                t,
                                code,
                                low,
                                span,
                                versions.get((a, code), 0),
                            )
                            for _, a, c, t in sessions
                        ]
                        return (
                            LUA_SPREAD.replace("{SESSIONS}", lua_table(rows))
                            .replace("{CONNECTIONS}", str(args.connections))
                            .replace("{METHOD}", method)
                        ) + (LUA_SPREAD_FOLLOWS_VERSIONS if method == "POST" else "")

                    return build

                # What every autosave does before touching its answer, and nothing else: the most
                # autosave can reach with this stack (bench/floor_app.py).
                floor = Target(
                    "autosave_floor",
                    f"/bench/autosave-floor/{seeded.assessment_id}",
                    json_post,
                    'wrk.method = "POST"\nwrk.body = "{}"\n',
                    port=floor_port,
                )
                targets = [
                    Target(
                        "section_page",
                        "/",  # each request's own path (the spread script)
                        refresh=spread_script("GET"),
                        goal=GOAL_SECTION_RATIO[kind],
                    ),
                    Target(
                        "section_page_hot",
                        f"/assessments/{seeded.assessment_id}/sections/{SECTION}",
                        session,
                    ),
                    floor,
                    Target(
                        "autosave",
                        f"/assessments/{seeded.assessment_id}/answers",
                        refresh=spread_script("POST"),
                        goal=GOAL_AUTOSAVE_VS_FLOOR,
                        against_floor=True,
                    ),
                    Target(
                        "autosave_hot",
                        f"/assessments/{seeded.assessment_id}/answers",
                        json_post,
                        refresh=hot_script,
                        goal=GOAL_HOT_AUTOSAVE_VS_FLOOR,
                        against_floor=True,
                    ),
                    Target("results_page", f"/assessments/{seeded.published_id}", session),
                    Target(
                        "report_pdf_cached",
                        f"/assessments/{seeded.published_id}/report.pdf?lang=vi",
                        session,
                        prime=True,
                        goal=GOAL_REPORT_VS_FLOOR,
                        against_floor=True,
                    ),
                ]
                for extra in EXTRA_TARGETS:
                    targets += extra(seeded, app_port, session)
                figures: dict[str, dict[str, Any]] = {}
                ceiling = Target("hello_world", "/")
                run_wrk(hello_port, ceiling, args.warmup, args.connections, directory)
                masters = {
                    hello_port: servers["hello"].pid,
                    app_port: servers["app"].pid,
                    floor_port: servers["floor"].pid,
                }
                for target in targets:
                    port = target.port or app_port
                    if target.prime:
                        prime(port, target)
                    if target.refresh:
                        target.script = target.refresh()
                    run_wrk(port, target, args.warmup, args.connections, directory)  # warm every worker
                    rounds = []
                    # Interleaved: hello world, target, hello world, target …; each round's ratio to the hello
                    # world of the same moment, so that a noisy moment moves one round, not every figure. A
                    # target whose goal is against the autosave floor has the floor measured in each of its
                    # rounds too, right after it, and its figure is the median of those rounds' ratios: a
                    # ratio of two medians taken minutes apart would carry the noise of both moments.
                    for _ in range(args.rounds):
                        hello = run_wrk(hello_port, ceiling, args.seconds, args.connections, directory)
                        if target.refresh:
                            target.script = target.refresh()
                        before = cpu_ticks(masters[port])
                        row = run_wrk(port, target, args.seconds, args.connections, directory)
                        ticks = cpu_ticks(masters[port]) - before
                        row["cpu_ms_per_request"] = (
                            1000 * ticks / os.sysconf("SC_CLK_TCK") / max(1.0, row["rps"] * args.seconds)
                        )
                        row["hello_rps"] = hello["rps"]
                        row["ratio"] = row["rps"] / hello["rps"]
                        if target.against_floor:
                            floor_row = run_wrk(floor_port, floor, args.seconds, args.connections, directory)
                            row["floor_rps"] = floor_row["rps"]
                            row["vs_floor"] = row["rps"] / floor_row["rps"] if floor_row["rps"] else 0.0
                        rounds.append(row)
                    ratios = sorted(r["ratio"] for r in rounds)
                    figures[target.name] = {
                        "ratio": statistics.median(ratios),
                        "ratio_min": ratios[0],
                        "ratio_max": ratios[-1],
                        "rps": statistics.median(r["rps"] for r in rounds),
                        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
                        "p95_ms": statistics.median(r["p95_ms"] for r in rounds),
                        "cpu_ms_per_request": statistics.median(r["cpu_ms_per_request"] for r in rounds),
                        "hello_rps": statistics.median(r["hello_rps"] for r in rounds),
                        "errors": sum(r["errors"] for r in rounds),
                        "goal": target.goal if target.goal is not None else -1,
                        "against_floor": target.against_floor,
                        "rounds": rounds,
                    }
                    if target.against_floor:
                        against = sorted(r["vs_floor"] for r in rounds)
                        figures[target.name].update(
                            vs_floor=statistics.median(against),
                            vs_floor_min=against[0],
                            vs_floor_max=against[-1],
                        )
                    row = figures[target.name]
                    print(
                        f"  {kind:<10} {target.name:<18} {row['rps']:>8.1f} req/s  ratio {row['ratio']:.3f}"
                        f" [{row['ratio_min']:.3f}–{row['ratio_max']:.3f}]  p95 {row['p95_ms']:6.1f} ms"
                        f"  cpu {row['cpu_ms_per_request']:.2f} ms/req  errors {int(row['errors'])}"
                        + (
                            f"  vs floor {row['vs_floor']:.3f}"
                            f" [{row['vs_floor_min']:.3f}–{row['vs_floor_max']:.3f}]"
                            if target.against_floor
                            else ""
                        ),
                        flush=True,
                    )
            finally:
                for server in servers.values():
                    server.terminate()
                    server.wait(timeout=30)
    return figures


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (hello world, target) each")
    parser.add_argument("--warmup", type=float, default=2.0, help="load before each target, not counted")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--offices", type=int, default=50, help="offices in the synthetic portfolio")
    parser.add_argument(
        "--offices-per-connection",
        type=int,
        default=4,
        help="offices each connection of the spread load types into",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])
    results: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        figures = measure(kind, args)
        prefix = "web" if kind == "sqlite" else "web_pg"
        for name, row in figures.items():
            goal = row["goal"] if row["goal"] >= 0 else "-"
            results[f"{prefix}_{name}_ratio"] = {
                "value": round(row["ratio"], 3),
                "unit": "× hello world",
                "goal": "-" if row["against_floor"] else goal,
                "spread": [round(row["ratio_min"], 3), round(row["ratio_max"], 3)],
                "rounds": [{key: round(value, 3) for key, value in each.items()} for each in row["rounds"]],
            }
            if row["against_floor"]:
                results[f"{prefix}_{name}_vs_floor"] = {
                    "value": round(row["vs_floor"], 3),
                    "unit": "× autosave floor",
                    "goal": goal,
                    "spread": [round(row["vs_floor_min"], 3), round(row["vs_floor_max"], 3)],
                }
            results[f"{prefix}_{name}_rps"] = {
                "value": round(row["rps"], 1),
                "unit": "requests/s",
                "goal": "-",
            }
            results[f"{prefix}_{name}_p95"] = {"value": round(row["p95_ms"], 1), "unit": "ms", "goal": "-"}
            results[f"{prefix}_{name}_cpu"] = {
                "value": round(row["cpu_ms_per_request"], 2),
                "unit": "CPU ms/request",
                "goal": "-",
            }
            if row["errors"]:
                results[f"{prefix}_{name}_errors"] = {
                    "value": int(row["errors"]),
                    "unit": "requests",
                    "goal": 0,
                }
        results[f"{prefix}_hello_world_rps"] = {
            "value": round(statistics.median(row["hello_rps"] for row in figures.values()), 1),
            "unit": "requests/s",
            "goal": "-",
        }
    merge(results, args.output)
    return results


if __name__ == "__main__":
    main()
