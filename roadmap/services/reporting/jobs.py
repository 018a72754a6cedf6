"""The report PDF as a background job, "report-pdf" (roadmap.services.platform.jobs), and the cache-or-render
step shared with the download route.

With Redis configured, a download that finds no cached rendering asks for this job instead of rendering in
the web request: a worker renders the PDF, stores it in the report cache (so that the next download is
served at once) and as the job's result file. One job per requester, assessment, locale and content
digest: a second click while it waits or runs leads to the same job (`pending_or_new`).

Without Redis, the route renders in the request as before (the embedded default) and no job is involved.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, Job, JobStatus, User
from roadmap.policy import Action, permits
from roadmap.services.plans import roadmaps
from roadmap.services.platform import audit, jobs
from roadmap.services.platform.jobs import N_, JobFailure, JobResult
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import pdf as report_pdf

log = logging.getLogger("roadmap.reports")

KIND = "report-pdf"

# Why a render stopped (RenderFailed.reason), as msgids translated when shown: on the error page of the
# in-request render, and as a job's failure reason.
FAILURE_REASONS = {
    "timeout": N_("The report took too long to prepare and was stopped. Please try again later."),
    "memory": N_(
        "The report needed more memory than allowed and was stopped. Please contact the support team."
    ),
    "error": N_("The report could not be prepared. The error has been recorded."),
}
NO_LONGER_AVAILABLE = N_("This report is no longer available to you.")


def failure_reason(error: report_pdf.RenderFailed) -> str:
    return FAILURE_REASONS.get(error.reason, FAILURE_REASONS["error"])


def digest_of(assessment: Assessment, locale: str, day: dt.date) -> str:
    return report_cache.key(
        assessment, kind="pdf", locale=locale, template_version=report_pdf.TEMPLATE_VERSION, day=day
    )


def pdf_bytes(assessment: Assessment, locale: str, digest: str, day: dt.date) -> bytes:
    """The PDF from the cache, or rendered now and cached (RenderFailed when the render is stopped)."""

    def render() -> bytes:
        rendered = report_pdf.render_assessment(assessment, locale, today=day)
        if rendered.refused:  # never expected: our templates reference only packaged assets
            log.warning("report %s: the fetcher refused %s", assessment.id, rendered.refused)
        return rendered.pdf

    return report_cache.get_or_make(assessment.id, kind="pdf", locale=locale, digest=digest, make=render)


def record_failure(assessment: Assessment, locale: str, error: report_pdf.RenderFailed, actor: User) -> None:
    log.error("report %s (%s) stopped: %s %s", assessment.id, locale, error.reason, error.detail)
    audit.record(
        "report.failed",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"reason": error.reason, "locale": locale},
    )
    db.session.commit()


# --- the job ---------------------------------------------------------------------------------------------


TITLE = N_("Report (PDF)")


def render_job(params: dict[str, Any], user: User) -> JobResult:
    """params: assessment (id), locale, digest (the content digest when asked; the dedup key). Renders what
    the assessment shows now, under the digest of now, for a requester still entitled to the report."""
    assessment = db.session.get(Assessment, params.get("assessment") or 0)
    if assessment is None or not permits(user, Action.DOWNLOAD_REPORT, assessment):
        raise JobFailure(NO_LONGER_AVAILABLE)
    locale = str(params.get("locale"))
    if locale not in report_pdf.LOCALES:
        raise JobFailure(N_("The report is available in Vietnamese (vi) and English (en) only."))
    day = roadmaps.local_today()
    try:
        content = pdf_bytes(assessment, locale, digest_of(assessment, locale, day), day)
    except report_pdf.RenderFailed as error:  # a render that ran away would again: not retried
        record_failure(assessment, locale, error, user)
        raise JobFailure(failure_reason(error)) from error
    return JobResult(content, report_pdf.filename_for(assessment, locale), "application/pdf")


def _params(assessment: Assessment, locale: str, digest: str) -> dict[str, Any]:
    return {"assessment": assessment.id, "locale": locale, "digest": digest}


def pending(user: User, assessment: Assessment, locale: str, digest: str) -> Job | None:
    """This user's job for this rendering that is still queued or running, if any."""
    wanted = _params(assessment, locale, digest)
    candidates = db.session.scalars(
        select(Job)
        .where(
            Job.kind == KIND,
            Job.requested_by_id == user.id,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(Job.created_at.desc())
    )
    for job in candidates:
        if {name: job.params.get(name) for name in wanted} == wanted:
            return job
    return None


LOCK_SECONDS = 30


def pending_or_new(user: User, assessment: Assessment, locale: str, digest: str) -> Job:
    """The pending job for this rendering, or a new one on the queue (Redis configured).

    Two clicks may arrive together: a short Redis lock per (requester, rendering) lets one of them ask for
    the job while the other waits for it and then finds it."""
    lock_key = f"roadmap:report-pdf-lock:{user.id}:{assessment.id}:{locale}:{digest}"
    connection = None
    try:
        connection = jobs.redis_connection()
        deadline = time.monotonic() + 5
        while not connection.set(lock_key, "1", nx=True, ex=LOCK_SECONDS):
            if time.monotonic() > deadline:
                break  # a stale lock: ask anyway (at worst a duplicate render)
            time.sleep(0.05)
    except Exception:  # Redis unreachable: enqueue() records the failure on the job
        log.warning("report %s: the dedup lock is unavailable", assessment.id, exc_info=True)
        connection = None
    try:
        db.session.expire_all()  # what the other click committed meanwhile
        job = pending(user, assessment, locale, digest)
        if job is None:
            job = jobs.enqueue(KIND, _params(assessment, locale, digest), requested_by=user)
        return job
    finally:
        if connection is not None:
            try:
                connection.delete(lock_key)
                connection.close()
            except Exception:
                log.warning("report %s: could not release the dedup lock", assessment.id, exc_info=True)
