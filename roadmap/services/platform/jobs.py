"""Background jobs: work that should not hold a web worker (batch exports, PDF rendering).

`enqueue(kind, params, requested_by=user)` records a `Job` row (status, reason, attempts, result location,
requester, timestamps) in the database, so that its status is the same on every app host and worker, and:

- with `REDIS_URL` set (the scale-out shape), puts it on the RQ queue `JOB_QUEUE`, where a `flask worker`
  process (or `rq worker roadmap`) runs it; a failed attempt is retried (MAX_ATTEMPTS runs in all) and the
  reason of the last failure is recorded;
- without Redis (the embedded default), runs the same function at once, in the request that asked for it,
  with the same retries. Synchronous rather than in a thread: the embedded shape has one machine and few
  users, the work is what the request would have done anyway, and a thread would die unseen with a
  recycled gunicorn worker and leave the job "running" for ever. The user sees the same status page.

The result (bytes, a download name and a content type) is stored in upload storage
(roadmap.services.platform.storage) under a key of ours, so that any app host can serve it once the job is
ready.

Kinds are a registry: a capability defines a function `(params, user) -> JobResult` and `create_app`
registers it under its name (`jobs.register("name", title=N_("..."))(function)`), so that every process
that builds the app, web or worker, knows every kind. The function must authorise again (the requester may
have lost the right since), and raise `JobFailure(N_("..."))` for a refusal that a retry cannot cure. The
worker process itself (`flask worker`) is roadmap.worker.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Job, JobStatus, User, utcnow
from roadmap.services.platform import storage as storage_module

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # the first run and two retries
# What RQ runs for each job, by name: the worker process's entry point (roadmap.worker), which gives the
# attempt an app context; this module does not import it (the worker stands above every service).
WORKER_ENTRY_POINT = "roadmap.worker.perform"


def N_(message: str) -> str:  # noqa: N802 (the gettext convention: marked for translation, translated later)
    return message


class JobFailure(Exception):  # noqa: N818 (a reason, shown to the requester)
    """A refusal no retry can cure; `reason` is an English msgid marked with N_, translated when shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(Exception):  # noqa: N818
    """Raised to RQ after a failed attempt, so that it retries (or, after the last, files the job)."""


UNEXPECTED = N_("An unexpected error stopped the job. It has been logged for the administrators.")
WORKER_STOPPED = N_("The worker running the job stopped (it was killed or its host went down).")
QUEUE_DOWN = N_("The job queue is unavailable. Please try again in a few minutes.")


@dataclass(frozen=True)
class JobResult:
    content: bytes
    name: str
    content_type: str


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str  # an English msgid, translated when shown
    run: Callable[[dict[str, Any], User], JobResult]


_KINDS: dict[str, JobKind] = {}


def register(
    name: str, *, title: str
) -> Callable[[Callable[[dict[str, Any], User], JobResult]], Callable[[dict[str, Any], User], JobResult]]:
    def decorator(
        function: Callable[[dict[str, Any], User], JobResult],
    ) -> Callable[[dict[str, Any], User], JobResult]:
        _KINDS[name] = JobKind(name, title, function)
        return function

    return decorator


def kinds() -> dict[str, JobKind]:
    return _KINDS


# --- asking -----------------------------------------------------------------------------------------------


def enqueue(kind: str, params: dict[str, Any], *, requested_by: User, ahead: bool = False) -> Job:
    """Record a job and start it (on the queue, or here and now without Redis); returns the Job row.

    `ahead`: work done before anyone asks (reports rendered at publication). Without Redis it then runs
    once the response has gone rather than in the request, so that the user's action does not wait."""
    if kind not in kinds():
        raise KeyError(f"unknown job kind {kind!r}")
    params = json.loads(json.dumps(params))  # plain JSON only, as the worker will read it
    job = Job(
        id=secrets.token_hex(16),
        kind=kind,
        params=params,
        status=JobStatus.QUEUED.value,
        requested_by_id=requested_by.id,
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    if current_app.config.get("REDIS_URL"):
        try:
            queue().enqueue(
                WORKER_ENTRY_POINT,
                job_id,
                job_id=job_id,
                retry=_retry(),
                job_timeout=current_app.config.get("JOB_TIMEOUT_SECONDS", 600),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except Exception:
            log.exception("job %s: could not be queued", job_id)
            _finish_failed(job_id, QUEUE_DOWN)
    elif ahead and has_request_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        @after_this_request
        def _after(response: Any) -> Any:
            response.call_on_close(lambda: _run_in_app(app, job_id))
            return response

        return job
    else:
        run_in_process(job_id)
    db.session.expire_all()
    return db.session.get(Job, job_id)  # type: ignore[return-value]


def of_user(user: User, job_id: str) -> Job | None:
    """The job, only if this user asked for it."""
    return db.session.scalar(select(Job).where(Job.id == job_id, Job.requested_by_id == user.id))


def open_result(job: Job) -> Any:
    if job.status != JobStatus.READY.value or job.result_key is None:
        raise FileNotFoundError(job.id)
    return storage_module.storage().open(job.result_key)


# --- running ----------------------------------------------------------------------------------------------


def _retry() -> Any:
    from rq import Retry

    return Retry(max=MAX_ATTEMPTS - 1)


def redis_connection(url: str | None = None) -> Any:
    import redis

    return redis.Redis.from_url(url or current_app.config["REDIS_URL"])


def queue(connection: Any = None) -> Any:
    from rq import Queue

    return Queue(current_app.config.get("JOB_QUEUE", "roadmap"), connection=connection or redis_connection())


def _run_in_app(app: Any, job_id: str) -> None:
    with app.app_context():
        run_in_process(job_id)


def run_in_process(job_id: str) -> None:
    """The embedded default: every attempt here and now, until one succeeds or none is left."""
    for _ in range(MAX_ATTEMPTS):
        if not perform_attempt(job_id):
            return


def perform_attempt(job_id: str) -> bool:
    """Run the job once; returns True when this attempt failed unexpectedly (RQ then retries it while
    retries are left, and files it among its failed jobs after the last)."""
    job = db.session.get(Job, job_id)
    if job is None or job.status in (JobStatus.READY.value, JobStatus.FAILED.value):
        return False  # gone, or already finished (a duplicate delivery)
    job.status = JobStatus.RUNNING.value
    job.attempts += 1
    job.started_at = utcnow()
    attempts = job.attempts
    kind_name, params, requester_id = job.kind, dict(job.params), job.requested_by_id
    db.session.commit()

    try:
        kind = kinds().get(kind_name)
        if kind is None:
            raise JobFailure(N_("This kind of job is not known to this version of the service."))
        user = db.session.get(User, requester_id)
        if user is None or not user.active:
            raise JobFailure(N_("The account that asked for this job is no longer active."))
        result = kind.run(params, user)
        key = storage_module.new_key()
        storage_module.storage().put(key, result.content)
    except JobFailure as failure:
        db.session.rollback()
        _finish_failed(job_id, failure.reason)
        return False
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s): attempt %d of %d failed", job_id, kind_name, attempts, MAX_ATTEMPTS)
        final = attempts >= MAX_ATTEMPTS
        job = db.session.get(Job, job_id)
        if job is not None:
            job.reason = UNEXPECTED
            job.status = (JobStatus.FAILED if final else JobStatus.QUEUED).value
            job.finished_at = utcnow() if final else None
            db.session.commit()
        return True

    job = db.session.get(Job, job_id)
    if job is None:  # removed while it ran: drop the orphan result
        storage_module.storage().delete(key)
        return False
    job.status = JobStatus.READY.value
    job.reason = ""
    job.result_key = key
    job.result_name = result.name
    job.result_type = result.content_type
    job.result_size = len(result.content)
    job.finished_at = utcnow()
    db.session.commit()
    return False


# --- the reaper: jobs whose worker is gone ------------------------------------------------------------------


def worker_gone(connection: Any, worker_name: str) -> bool:
    """Whether an RQ worker is gone: its heartbeat key has expired (RQ keeps it alive for as long as the
    worker may run its job), or it was on this host and its process no longer exists (killed: seen at once,
    without waiting for the heartbeat to expire)."""
    data = connection.hgetall(f"rq:worker:{worker_name}")
    if not data:
        return True
    hostname = (data.get(b"hostname") or b"").decode()
    pid = int((data.get(b"pid") or b"0").decode() or 0)
    if hostname == socket.gethostname() and pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # it exists, under another user
    return False


def reap() -> list[str]:
    """Jobs "running" on a worker that is gone (killed mid-job, its host lost) are marked failed with the
    reason "worker stopped", and queued again while attempts are left; returns their ids. Workers reap for
    each other in their maintenance (roadmap.worker), and `flask jobs reap` does it on demand."""
    if not current_app.config.get("REDIS_URL"):
        return []  # without Redis a job runs in the request that asked for it: it has no worker to lose
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as QueuedJob

    connection = redis_connection()
    reaped = []
    grace = dt.timedelta(seconds=int(current_app.config.get("JOB_TIMEOUT_SECONDS", 600)) + 60)
    for job in db.session.scalars(select(Job).where(Job.status == JobStatus.RUNNING.value)).all():
        try:
            queued = QueuedJob.fetch(job.id, connection=connection)
            worker_name = queued.worker_name
        except NoSuchJobError:
            queued, worker_name = None, None
        if worker_name:
            gone = worker_gone(connection, worker_name)
        else:  # RQ no longer knows it: gone once it has run longer than any attempt may
            gone = job.started_at is not None and job.started_at < utcnow() - grace
        if gone:
            _after_worker_stopped(job, queued, connection)
            reaped.append(job.id)
    return reaped


def _after_worker_stopped(job: Job, queued: Any, connection: Any) -> None:
    log.warning("job %s (%s): its worker stopped during attempt %d", job.id, job.kind, job.attempts)
    if queued is not None:
        from rq.registry import StartedJobRegistry

        StartedJobRegistry(queued.origin, connection=connection).remove_executions(queued)
    retries_left = MAX_ATTEMPTS - job.attempts
    job.reason = WORKER_STOPPED
    if retries_left <= 0:
        job.status = JobStatus.FAILED.value
        job.finished_at = utcnow()
        db.session.commit()
        return
    job.status = JobStatus.QUEUED.value
    db.session.commit()
    from rq import Retry

    queue(connection).enqueue(
        WORKER_ENTRY_POINT,
        job.id,
        job_id=job.id,
        retry=Retry(max=retries_left - 1) if retries_left > 1 else None,
        job_timeout=current_app.config.get("JOB_TIMEOUT_SECONDS", 600),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def purge(older_than: dt.timedelta) -> int:
    """Forget finished jobs older than this, and delete their result files; returns how many.

    Run from cron (`flask jobs purge --days 7`): prepared exports are copies of data that stays in the
    database, and would otherwise pile up in upload storage."""
    cutoff = utcnow() - older_than
    finished = list(
        db.session.scalars(
            select(Job).where(
                Job.status.in_([JobStatus.READY.value, JobStatus.FAILED.value]), Job.finished_at < cutoff
            )
        )
    )
    keys = [job.result_key for job in finished if job.result_key]
    for job in finished:
        db.session.delete(job)
    db.session.commit()
    store = storage_module.storage()
    for key in keys:  # after the commit: a row never points at a deleted file
        store.delete(key)
    return len(finished)


def _finish_failed(job_id: str, reason: str) -> None:
    job = db.session.get(Job, job_id)
    if job is not None:
        job.status = JobStatus.FAILED.value
        job.reason = reason
        job.finished_at = utcnow()
        db.session.commit()
