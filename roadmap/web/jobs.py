"""A background job's status for the user who asked for it: a page that refreshes itself while the job
runs (a meta refresh: no script needed), the same as JSON for a page script, and the result's download.

The download checks again what the result shows: a report PDF only for a requester still entitled to the
report (DOWNLOAD_REPORT), as the report's own address would."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from roadmap.models import Job, JobStatus
from roadmap.policy import Action
from roadmap.services.platform import jobs
from roadmap.web.guard import authorized_assessment, authorized_job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

REFRESH_SECONDS = 3


def _report_still_allowed(job: Job) -> None:
    authorized_assessment(int(job.params.get("assessment") or 0), Action.DOWNLOAD_REPORT)


# Per kind, a check (aborting) that the requester may still have the result, on top of VIEW_JOB.
DOWNLOAD_GUARDS = {"report-pdf": _report_still_allowed}


def status_labels() -> dict[str, str]:
    return {
        JobStatus.QUEUED.value: _("Queued"),
        JobStatus.RUNNING.value: _("Being prepared"),
        JobStatus.READY.value: _("Ready"),
        JobStatus.FAILED.value: _("Failed"),
    }


def _title(job: Job) -> str:
    kind = jobs.kinds().get(job.kind)
    return _(kind.title) if kind else job.kind


def _finished(job: Job) -> bool:
    return job.status in (JobStatus.READY.value, JobStatus.FAILED.value)


def _seen(job_id: str) -> Job:
    """The job as it is: one shown "running" is first checked against its worker (a killed worker's job
    is marked "worker stopped" and queued again, or failed after its last attempt)."""
    job = authorized_job(job_id)
    if job.status == JobStatus.RUNNING.value and job.id in jobs.reap():
        job = authorized_job(job_id)
    return job


@bp.route("/<job_id>")
@login_required
def status(job_id: str) -> str:
    job = _seen(job_id)
    return render_template(
        "jobs/status.html",
        job=job,
        title=_title(job),
        labels=status_labels(),
        finished=_finished(job),
        refresh=REFRESH_SECONDS,
        max_attempts=jobs.MAX_ATTEMPTS,
    )


@bp.route("/<job_id>/status.json")
@login_required
def status_json(job_id: str) -> Response:
    job = _seen(job_id)
    return jsonify(
        {
            "id": job.id,
            "kind": job.kind,
            "status": job.status,
            "status_label": status_labels()[job.status],
            "attempts": job.attempts,
            "max_attempts": jobs.MAX_ATTEMPTS,
            "reason": _(job.reason) if job.reason else None,
            "download": url_for("jobs.download", job_id=job.id) if job.status == JobStatus.READY else None,
        }
    )


@bp.route("/<job_id>/download")
@login_required
def download(job_id: str) -> Response:
    job = authorized_job(job_id)
    guard = DOWNLOAD_GUARDS.get(job.kind)
    if guard is not None:
        guard(job)
    try:
        handle = jobs.open_result(job)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        handle,
        mimetype=job.result_type or "application/octet-stream",
        as_attachment=True,
        download_name=job.result_name or "export",
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
