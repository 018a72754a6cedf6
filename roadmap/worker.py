"""The background worker (`flask worker`): runs the jobs of the RQ queue, each attempt in an app context of
this process. It stands beside the factory, above every service: services only name its entry point.

RQ's SimpleWorker runs jobs in this process rather than in a fork per job: no database connection is ever
shared between a parent and a child, and scaling is by running more worker processes. A bare `rq worker`
has no app to run jobs in, so workers are started with `flask worker` only.
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

from roadmap.services.platform import jobs, mail

_app: Flask | None = None


def perform(job_id: str) -> None:
    """The RQ entry point (jobs.WORKER_ENTRY_POINT): one attempt; RetryLater when it failed unexpectedly."""
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    elif _app is not None:
        app = _app
    else:
        raise RuntimeError("start workers with `flask worker`: a bare `rq worker` has no app to run jobs in")
    with app.app_context():
        if jobs.perform_attempt(job_id):
            raise jobs.RetryLater(job_id)


def send_email(email_id: int) -> None:
    """The RQ entry point of an e-mail (mail.WORKER_ENTRY_POINT): one attempt; RetryLater when it failed."""
    with _app_for_job().app_context():
        if not mail.send(email_id):
            raise jobs.RetryLater(f"email {email_id}")


def _app_for_job() -> Flask:
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    if _app is not None:
        return _app
    raise RuntimeError("start workers with `flask worker`: a bare `rq worker` has no app to run jobs in")


def work(app: Flask, *, burst: bool = False) -> bool:
    """Process the queue: one job at a time in this process, each in its own app context."""
    from rq import SimpleWorker

    global _app
    _app = app

    class ReapingWorker(SimpleWorker):
        """A worker that, in its periodic maintenance, also reaps the jobs of workers that are gone."""

        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()
            with app.app_context():
                jobs.reap()

    with app.app_context():
        connection = jobs.redis_connection()
        jobs.reap()  # a worker starting after a crash picks up what the crash left "running"
        worker = ReapingWorker(
            [jobs.queue(connection)],
            connection=connection,
            maintenance_interval=int(app.config.get("JOB_REAP_INTERVAL_SECONDS", 60)),
        )
    return bool(worker.work(burst=burst, with_scheduler=False, logging_level="WARNING"))
