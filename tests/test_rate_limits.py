"""Request rate limits (issue 20): 429 with Retry-After and a localised message on login, two-factor codes,
autosave, uploads, report renders, exports and the API (per token); off in the tests' default
configuration; counted in Redis across processes when REDIS_URL is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from roadmap.extensions import db
from roadmap.models import AnswerRecord
from roadmap.services.directory import api_tokens
from roadmap.services.survey import frameworks, steps
from roadmap.web import limits
from tests.conftest import PASSWORD, Browser, isolated, logged_in, redis_test_url
from tests.test_assessment_service import SMALL

ROOT = Path(__file__).resolve().parents[1]
LOW = {
    "RATELIMIT_ENABLED": True,
    "RATE_LIMIT_LOGIN": "3 per minute",
    "RATE_LIMIT_SECOND_FACTOR": "3 per minute",
    "RATE_LIMIT_AUTOSAVE": "4 per minute",
    "RATE_LIMIT_UPLOADS": "2 per minute",
    "RATE_LIMIT_REPORTS": "2 per minute",
    "RATE_LIMIT_EXPORTS": "2 per minute",
    "RATE_LIMIT_API": "3 per minute",
}


@pytest.fixture
def app_config(app_config):
    """The tests' configuration with low limits turned on (each app counts in its own memory)."""
    return {**app_config, **LOW, "RATELIMIT_STORAGE_URI": "process://"}


def assert_refused(response, *, json_body: bool) -> dict | str:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 60
    if json_body:
        body = response.get_json()
        assert "rate_limited" in (body.get("status"), body.get("error", {}).get("code"))
        message = body.get("message") or body["error"]["message"]
        assert "Quá nhiều yêu cầu" in message
        return body
    page = response.get_data(as_text=True)
    assert "Quá nhiều yêu cầu" in page
    return page


def test_without_redis_the_counts_are_kept_by_the_thread_safe_process_storage(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
            "RATELIMIT_ENABLED": True,
        }
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "process://"
    assert isinstance(limits.limiter_of(app).storage, limits.ProcessCounts)


def test_process_counts_stay_exact_while_threads_count_and_windows_expire():
    """gunicorn's threads count at once while windows end: limits' own memory storage lost its expiry thread
    (KeyError) or answered 500 there. Every count is kept, and nothing raises."""
    counts = limits.ProcessCounts()
    counts.SWEEP_EVERY = 50  # sweep often, while other threads count
    errors: list[BaseException] = []

    def count(thread: int) -> None:
        try:
            for index in range(2000):
                counts.incr("long", 3600)
                counts.incr(f"short-{index % 7}", 0)  # a window that has ended before the next request
                counts.get(f"short-{(index + thread) % 7}")
                counts.get_expiry("long")
                if index % 97 == 0:
                    counts.clear(f"short-{thread}")
        except BaseException as error:  # reported below, with the other threads' errors
            errors.append(error)

    threads = [threading.Thread(target=count, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert counts.get("long") == 8 * 2000
    assert counts.get("short-1") == 0  # its window is over
    assert counts.get_expiry("long") > time.time() + 3500


def test_a_process_count_starts_again_when_its_window_ends():
    counts = limits.ProcessCounts()
    assert [counts.incr("user:1", 1) for _ in range(3)] == [1, 2, 3]
    ends = counts.get_expiry("user:1")
    time.sleep(max(0.0, ends - time.time()) + 0.01)
    assert counts.get("user:1") == 0
    assert counts.incr("user:1", 60) == 1
    counts.reset()
    assert counts.get("user:1") == 0


def test_limits_are_off_in_the_default_test_configuration(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["RATELIMIT_ENABLED"] is False


def test_login_attempts_are_limited_per_address(app, world):
    browser = Browser(app.test_client())
    for _ in range(3):
        assert browser.login("nobody@example.vn", "wrong password!!").status_code == 200
    refused = browser.login(world.respondent_a.email, PASSWORD)
    assert_refused(refused, json_body=False)
    # Another address still may.
    other = Browser(app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert other.login(world.respondent_a.email, PASSWORD).status_code == 302


def test_autosave_is_limited_per_user_with_retry_after_and_nothing_past_the_limit_is_stored(app, world):
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    browser = logged_in(app, world.respondent_a.email)
    headers = {"X-CSRFToken": browser.csrf(), "Accept": "application/json"}
    statuses, version = [], 0
    for value in ("a", "b", "c", "d", "e"):
        response = isolated(
            browser.client.post,
            f"/assessments/{assessment.id}/answers",
            json={"question": "PP-03", "state": "answered", "value": value, "base_version": version},
            headers=headers,
        )
        statuses.append(response.status_code)
        version = (response.get_json() or {}).get("version", version)
    assert statuses[:4] == [200, 200, 200, 200]
    body = assert_refused(response, json_body=True)
    assert abs(body["retry_after"] - int(response.headers["Retry-After"])) <= 1
    db.session.rollback()
    assert db.session.scalar(select(AnswerRecord.value)) == "d"  # the fifth was not applied
    # Another user is counted apart.
    colleague = logged_in(app, world.consultant.email)
    assert colleague.get(f"/assessments/{assessment.id}/roadmap.csv").status_code in (200, 404)


def test_report_renders_and_exports_are_limited(app, world):
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    for _ in range(2):
        assert consultant.get(f"/assessments/{assessment.id}/report.docx?lang=vi").status_code == 200
    assert_refused(consultant.get(f"/assessments/{assessment.id}/report.docx?lang=vi"), json_body=False)
    admin = logged_in(app, world.admin.email)
    for _ in range(2):
        assert admin.get("/admin/audit.csv").status_code == 200
    assert_refused(admin.get("/admin/audit.csv"), json_body=False)


def test_the_api_is_counted_per_token(app, world):
    first = api_tokens.create(world.consultant, "one").secret
    second = api_tokens.create(world.consultant, "two").secret
    db.session.commit()
    client = app.test_client()

    def get(token):
        return client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"})

    assert [get(first).status_code for _ in range(3)] == [200, 200, 200]
    assert_refused(get(first), json_body=True)
    assert get(second).status_code == 200


def test_two_app_processes_share_the_count_in_redis(app, world, database_url):
    """Two processes with the same REDIS_URL: the second sees the first one's requests."""
    redis_url = redis_test_url()
    token = api_tokens.create(world.consultant, "shared").secret
    db.session.commit()
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": True,
        "RATE_LIMIT_API": "5 per minute",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this run's own counts
    }
    script = (
        "import json, sys\n"
        "from app import create_app\n"
        "config, token, count = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])\n"
        "client = create_app(config).test_client()\n"
        "headers = {'Authorization': 'Bearer ' + token}\n"
        "print(json.dumps([client.get('/api/v1/assessments', headers=headers).status_code "
        "for _ in range(count)]))\n"
    )

    def run(count: int) -> list[int]:
        done = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", script, json.dumps(config), token, str(count)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert run(3) == [200, 200, 200]
    assert run(3) == [200, 200, 429]
    # The count lives in Redis, under the limiter's prefix.
    import redis

    client = redis.Redis.from_url(redis_url)
    assert any(client.scan_iter(match=f"*{config['RATELIMIT_KEY_PREFIX']}*"))
    assert db.session.scalar(select(func.count()).select_from(AnswerRecord)) == 0


def test_a_limited_route_says_what_is_left_and_other_routes_count_nothing(app, world):
    """The X-RateLimit headers on a limited route; a page that no limit covers neither counts nor says
    anything (only limited routes pay for limits)."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    browser = logged_in(app, world.respondent_a.email)
    storage = limits.limiter_of(app).storage
    storage.reset()
    page = browser.get(f"/assessments/{assessment.id}")
    assert page.status_code == 200
    assert "X-RateLimit-Remaining" not in page.headers
    assert storage.reset() == 0  # nothing was counted
    saved = browser.client.post(
        f"/assessments/{assessment.id}/answers",
        json={"question": "PP-03", "state": "answered", "value": "a", "base_version": 0},
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )
    assert saved.status_code == 200
    assert saved.headers["X-RateLimit-Limit"] == "4"
    assert saved.headers["X-RateLimit-Remaining"] == "3"
    assert 0 < int(saved.headers["X-RateLimit-Reset"]) - time.time() <= 60
