"""Background jobs: the cycle export prepared as a job, its status page and download; retries and failure
reasons; in process (no Redis) and on a real RQ queue with the CI machine's Redis and a real worker."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import Job
from roadmap.services.platform import jobs
from roadmap.services.platform.jobs import N_, JobFailure, JobResult
from tests.conftest import Browser, logged_in, run_worker

# --- kinds registered for the tests: one that fails a given number of times, one that is refused ----------

_runs: Counter[str] = Counter()


@jobs.register("test-flaky", title=N_("Cycle export"))
def _flaky(params: dict[str, Any], user: Any) -> JobResult:
    _runs[params["token"]] += 1
    if _runs[params["token"]] <= params["fail_times"]:
        raise RuntimeError("the disk was full")  # an unexpected error: retried
    return JobResult(f"done by {user.email}".encode(), "flaky.txt", "text/plain")


@jobs.register("test-refused", title=N_("Cycle export"))
def _refused(params: dict[str, Any], user: Any) -> JobResult:
    _runs[params["token"]] += 1
    raise JobFailure(N_("The cycle of this export no longer exists."))


def _job(kind: str, user: Any, **params: Any) -> Job:
    return jobs.enqueue(kind, {"token": uuid.uuid4().hex, **params}, requested_by=user)


def _fresh(job_id: str) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id)


@pytest.fixture
def uploads(app, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def _prepare(browser: Browser, cycle_id: int, fmt: str, part: str = "scores") -> Any:
    browser.get("/review/portfolio")
    return browser.post("/review/portfolio/export-jobs", {"cycle": cycle_id, "fmt": fmt, "part": part})


def _job_id(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r".*/jobs/([0-9a-f]{32})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


# --- in process (the embedded default) -------------------------------------------------------------------


def test_in_process_the_export_is_ready_on_its_status_page_and_downloads(app, world, uploads):
    browser = logged_in(app, world.consultant.email)
    portfolio = browser.get("/review/portfolio").get_data(as_text=True)
    assert "/review/portfolio/export-jobs" in portfolio  # the page offers to prepare the exports
    job_id = _job_id(_prepare(browser, world.cycle.id, "csv", "scores"))

    page = browser.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sẵn sàng" in text  # Ready, in Vietnamese by default
    assert 'http-equiv="refresh"' not in text  # finished: no more refreshing
    assert f"/jobs/{job_id}/download" in text

    status = browser.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["status"] == "ready"
    assert status["attempts"] == 1
    assert status["download"] == f"/jobs/{job_id}/download"

    download = browser.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "scores-2026.csv" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["office_code", "office", "status"]
    assert [row[0] for row in rows[1:]] == ["VPA"]  # only the consultant's office

    job = _fresh(job_id)
    assert (job.kind, job.status, job.requested_by_id) == ("cycle-export", "ready", world.consultant.id)
    assert job.params["fmt"] == "csv"
    assert job.finished_at is not None


def test_the_workbook_export_as_a_job(app, world, uploads):
    browser = logged_in(app, world.admin.email)
    job_id = _job_id(_prepare(browser, world.cycle.id, "xlsx"))
    workbook = load_workbook(io.BytesIO(browser.get(f"/jobs/{job_id}/download").get_data()))
    assert workbook.sheetnames == ["scores", "answers", "roadmaps"]
    assert [row[0].value for row in workbook["scores"].iter_rows(min_row=2)] == ["VPA", "VPB"]


def test_a_job_is_seen_only_by_the_user_who_asked_for_it(app, world, uploads):
    job_id = _job_id(_prepare(logged_in(app, world.consultant.email), world.cycle.id, "csv"))
    for email in (world.admin.email, world.respondent_a.email):
        other = logged_in(app, email)
        for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/status.json", f"/jobs/{job_id}/download"):
            assert other.get(url).status_code == 404
    assert Browser(app.test_client()).get(f"/jobs/{job_id}").status_code == 302  # to the login page
    assert logged_in(app, world.admin.email).get("/jobs/" + "0" * 32).status_code == 404


def test_respondents_cannot_prepare_exports_and_bad_requests_start_no_job(app, world, uploads):
    respondent = logged_in(app, world.respondent_a.email)
    assert _prepare(respondent, world.cycle.id, "csv").status_code == 403
    consultant = logged_in(app, world.consultant.email)
    assert _prepare(consultant, world.cycle.id, "pdf").status_code == 400
    assert _prepare(consultant, world.cycle.id, "csv", "secrets").status_code == 400
    assert _prepare(consultant, 999999, "csv").status_code == 404
    # Without the CSRF token the post is refused.
    refused = consultant.post(
        "/review/portfolio/export-jobs", {"cycle": world.cycle.id, "fmt": "csv"}, csrf=False
    )
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_in_process_a_failed_attempt_is_retried(app, world, uploads):
    job = _job("test-flaky", world.consultant, fail_times=1)
    assert (job.status, job.attempts, job.reason) == ("ready", 2, "")
    with jobs.open_result(job) as handle:
        assert handle.read() == b"done by consultant@example.vn"


def test_in_process_a_job_that_always_fails_stops_after_the_retries_with_its_reason(app, world, uploads):
    job = _job("test-flaky", world.consultant, fail_times=99)
    assert (job.status, job.attempts) == ("failed", jobs.MAX_ATTEMPTS)
    assert job.reason == jobs.UNEXPECTED
    assert _runs[job.params["token"]] == jobs.MAX_ATTEMPTS
    browser = logged_in(app, world.consultant.email)
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Thất bại" in page  # Failed
    assert "ghi lại" in page  # the reason, in Vietnamese: the error was logged for the administrators
    assert "disk was full" not in page  # never the exception's text
    browser.post("/locale/en")
    status = browser.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["reason"] == jobs.UNEXPECTED
    assert status["download"] is None
    assert browser.get(f"/jobs/{job.id}/download").status_code == 404


def test_a_refusal_is_not_retried(app, world, uploads):
    job = _job("test-refused", world.consultant)
    assert (job.status, job.attempts) == ("failed", 1)
    assert _runs[job.params["token"]] == 1
    page = logged_in(app, world.consultant.email).get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Kỳ đánh giá của tệp xuất này không còn tồn tại." in page


def test_a_requester_who_lost_the_right_gets_a_refusal(app, world, uploads):
    world.consultant.active = False
    db.session.commit()
    job = jobs.enqueue("cycle-export", {"cycle": world.cycle.id, "fmt": "csv"}, requested_by=world.consultant)
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.reason == "The account that asked for this job is no longer active."


def test_purge_forgets_old_finished_jobs_and_their_files(app, world, uploads):
    import datetime as dt

    from roadmap.models import utcnow
    from roadmap.services.platform import storage

    old = _job("test-flaky", world.consultant, fail_times=0)
    recent = _job("test-flaky", world.consultant, fail_times=0)
    old_key = old.result_key
    old.finished_at = utcnow() - dt.timedelta(days=8)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "purge", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 finished jobs." in result.output
    db.session.rollback()
    assert db.session.get(Job, old.id) is None
    assert db.session.get(Job, recent.id) is not None
    store = storage.LocalStorage(uploads)
    assert not store.exists(old_key)
    assert store.exists(recent.result_key)


# --- on RQ, with the CI machine's Redis and a real worker -------------------------------------------------


@pytest.fixture
def redis_mode(job_queue, uploads):
    return job_queue


def test_on_redis_the_export_waits_for_a_worker_then_is_ready(app, world, redis_mode):
    browser = logged_in(app, world.consultant.email)
    job_id = _job_id(_prepare(browser, world.cycle.id, "csv", "scores"))
    waiting = browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đang chờ" in waiting  # Queued
    assert 'http-equiv="refresh"' in waiting  # the page refreshes itself until the job is done
    assert browser.get(f"/jobs/{job_id}/status.json").get_json()["status"] == "queued"
    assert browser.get(f"/jobs/{job_id}/download").status_code == 404

    assert run_worker(app) is True
    job = _fresh(job_id)
    assert (job.status, job.attempts) == ("ready", 1)
    download = browser.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.get_data().decode("utf-8-sig").startswith("office_code,office,status")


def test_on_redis_a_failed_attempt_is_retried_by_the_worker(app, world, redis_mode):
    job = _job("test-flaky", world.consultant, fail_times=1)
    assert job.status == "queued"
    run_worker(app)
    job = _fresh(job.id)
    assert (job.status, job.attempts, job.reason) == ("ready", 2, "")
    with jobs.open_result(job) as handle:
        assert handle.read() == b"done by consultant@example.vn"


def test_on_redis_a_job_that_always_fails_is_failed_with_its_reason(app, world, redis_mode):
    from rq import Queue

    job = _job("test-flaky", world.consultant, fail_times=99)
    run_worker(app)
    job = _fresh(job.id)
    assert (job.status, job.attempts, job.reason) == ("failed", jobs.MAX_ATTEMPTS, jobs.UNEXPECTED)
    assert _runs[job.params["token"]] == jobs.MAX_ATTEMPTS
    # RQ files it among its failed jobs too, for the operators.
    queue = Queue(app.config["JOB_QUEUE"], connection=redis_mode)
    assert job.id in queue.failed_job_registry.get_job_ids()


def test_on_redis_a_refusal_is_not_retried(app, world, redis_mode):
    job = _job("test-refused", world.consultant)
    run_worker(app)
    job = _fresh(job.id)
    assert (job.status, job.attempts) == ("failed", 1)
    assert _runs[job.params["token"]] == 1


def test_on_redis_an_unreachable_queue_fails_the_job_at_once(app, world, uploads):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    job = _job("test-flaky", world.consultant, fail_times=0)
    assert (job.status, job.reason) == ("failed", jobs.QUEUE_DOWN)


def test_flask_worker_runs_the_queued_export(app, world, redis_mode, database_url, uploads):
    """The real command, in its own process, as a worker host runs it: `flask worker --burst`."""
    job = jobs.enqueue(
        "cycle-export",
        {"cycle": world.cycle.id, "fmt": "csv", "part": "scores"},
        requested_by=world.consultant,
    )
    assert job.status == "queued"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"FLASK_APP"}},
        "SECRET_KEY": "w" * 40,
        "DATABASE_URL": database_url,
        "REDIS_URL": app.config["REDIS_URL"],
        "JOB_QUEUE": app.config["JOB_QUEUE"],
        "EVIDENCE_UPLOAD_DIR": str(uploads),
    }
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "flask", "worker", "--burst"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    job = _fresh(job.id)
    assert (job.status, job.attempts) == ("ready", 1), job.reason
    with jobs.open_result(job) as handle:
        assert handle.read().decode("utf-8-sig").splitlines()[1].startswith("VPA,")


def test_flask_worker_refuses_to_start_without_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"FLASK_APP", "REDIS_URL"}}
    env.update(SECRET_KEY="w" * 40, DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "worker", "--burst"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "REDIS_URL is not set" in result.stderr
