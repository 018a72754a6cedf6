"""A background job's status for the user who asked for it: a page that refreshes itself while the job
runs (a meta refresh: no script needed), the same as JSON for a page script, and the result's download."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from roadmap.models import Job, JobStatus
from roadmap.services import jobs
from roadmap.web.guard import authorized_job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

REFRESH_SECONDS = 3


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


@bp.route("/<job_id>")
@login_required
def status(job_id: str) -> str:
    job = authorized_job(job_id)
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
    job = authorized_job(job_id)
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
