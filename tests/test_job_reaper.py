"""Jobs that die are seen (issue 20): a real RQ worker, in its own process, is killed by SIGKILL in the middle
of a job; the reaper marks the job "worker stopped" and queues it again within its attempts, the status page
says so, and a new worker finishes it. After the last attempt the job is failed with the same reason."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from roadmap.extensions import db
from roadmap.models import Job, JobStatus
from roadmap.services.platform import jobs
from roadmap.services.platform.jobs import N_, JobResult
from tests.conftest import logged_in

ROOT = Path(__file__).resolve().parents[1]


@jobs.register("test-slow", title=N_("Cycle export"))
def _slow(params: dict[str, Any], user: Any) -> JobResult:
    """Works for as long as its hold file exists: a job that is mid-way for as long as the test needs."""
    while Path(params["hold"]).exists():
        Path(params["started"]).touch()
        time.sleep(0.1)
    return JobResult(b"done", "slow.txt", "text/plain")


# A worker process as `flask worker` runs one, with the test's slow kind registered in it too.
WORKER = """
import json, sys
from app import create_app
from roadmap import worker
import tests.test_job_reaper  # registers test-slow
app = create_app(json.loads(sys.argv[1]))
worker.work(app, burst=sys.argv[2] == "burst")
"""


def _fresh(job_id: str) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id)


def _worker(app: Any, uploads: Path, mode: str) -> subprocess.Popen[str]:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "JOB_QUEUE": app.config["JOB_QUEUE"],
        "EVIDENCE_UPLOAD_DIR": str(uploads),
    }
    return subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WORKER, json.dumps(config), mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_job_whose_worker_is_killed_is_marked_worker_stopped_and_retried(app, world, job_queue, tmp_path):
    uploads = tmp_path / "uploads"
    app.config["EVIDENCE_UPLOAD_DIR"] = str(uploads)
    hold, started = tmp_path / "hold", tmp_path / "started"
    hold.touch()
    job = jobs.enqueue(
        "test-slow", {"hold": str(hold), "started": str(started)}, requested_by=world.consultant
    )
    assert job.status == "queued"

    worker = _worker(app, uploads, "work")
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        assert _fresh(job.id).status == "running"
        os.kill(worker.pid, signal.SIGKILL)  # mid-job: no handler runs, nothing is cleaned up
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _fresh(job.id).status == "running"  # what a killed worker leaves behind

    # The requester's status page finds out: the job is queued again, and says why.
    browser = logged_in(app, world.consultant.email)
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    job = _fresh(job.id)
    assert (job.status, job.attempts, job.reason) == ("queued", 1, jobs.WORKER_STOPPED)
    assert "Tiến trình xử lý công việc đã dừng" in page
    assert browser.get(f"/jobs/{job.id}/status.json").get_json()["status"] == "queued"

    # A new worker runs the second attempt to the end.
    hold.unlink()
    second = _worker(app, uploads, "burst")
    assert second.wait(timeout=120) == 0, second.stderr.read() if second.stderr else ""
    job = _fresh(job.id)
    assert (job.status, job.attempts, job.reason) == ("ready", 2, "")


def test_after_its_last_attempt_a_job_whose_worker_stopped_is_failed(app, world, job_queue):
    job = Job(
        id=uuid.uuid4().hex,
        kind="test-slow",
        params={},
        status=JobStatus.RUNNING.value,
        attempts=jobs.MAX_ATTEMPTS,
        requested_by_id=world.consultant.id,
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    )
    db.session.add(job)
    db.session.commit()
    # RQ has no record of it (its worker and job keys are gone): it is reaped once it ran longer than any
    # attempt may.
    assert jobs.reap() == [job.id]
    job = _fresh(job.id)
    assert (job.status, job.reason) == ("failed", jobs.WORKER_STOPPED)
    assert job.finished_at is not None
    page = logged_in(app, world.consultant.email).get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Tiến trình xử lý công việc đã dừng" in page


def test_a_running_job_of_a_live_worker_is_left_alone(app, world, job_queue):
    job = Job(
        id=uuid.uuid4().hex,
        kind="test-slow",
        params={},
        status=JobStatus.RUNNING.value,
        attempts=1,
        requested_by_id=world.consultant.id,
        started_at=dt.datetime.now(dt.UTC),
    )
    db.session.add(job)
    db.session.commit()
    assert jobs.reap() == []
    assert _fresh(job.id).status == "running"
