"""The report as a background job, one kind per format ("report-pdf", "report-docx"; see
roadmap.services.platform.jobs), and the cache-or-render step shared with the download route.

With Redis configured, a download that finds no cached rendering asks for this job instead of rendering in
the web request: a worker renders the document, stores it in the report cache (so that the next download is
served at once) and as the job's result file. One job per requester, assessment, format, locale and content
digest: a second click while it waits or runs leads to the same job (`pending_or_new`).

Without Redis, the route renders in the request as before (the embedded default) and no job is involved.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, joinedload

from roadmap.extensions import db
from roadmap.models import REVIEWED_STATUSES, Assessment, Cycle, Job, JobStatus, User
from roadmap.policy import Action, permits
from roadmap.services.plans import roadmaps
from roadmap.services.platform import audit, jobs
from roadmap.services.platform.jobs import N_, JobFailure, JobResult
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import model as report_model
from roadmap.services.reporting import pdf as report_pdf
from roadmap.services.reporting import signed_reports
from roadmap.services.reporting.formats import FORMATS
from roadmap.services.reporting.formats import render as render_report

log = logging.getLogger("roadmap.reports")


def job_kind(kind: str) -> str:
    """The job kind of a format: "report-pdf", "report-docx"."""
    return f"report-{kind}"


# The job kinds, one per format, with their titles: create_app registers each with `render_job`.
KINDS = {job_kind(kind): report_format.job_title for kind, report_format in FORMATS.items()}

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


def digest_of(assessment: Assessment, kind: str, locale: str, day: dt.date) -> str:
    return report_cache.key(
        assessment, kind=kind, locale=locale, template_version=FORMATS[kind].layout_version, day=day
    )


@dataclass(frozen=True)
class Download:
    """What a report download reads in one statement: the assessment with its office and cycle, the values
    its cache key reads (`key_row`), and the id of the signed PDF in force in the asked language."""

    assessment: Assessment
    key_row: tuple[Any, ...]
    signed_id: int | None


# The downloaded assessment under a name of its own, so that a column of the statement that reads other
# assessments (its peers', as the content version counts them) could never be taken for this one.
_DOWNLOADED = aliased(Assessment, name="downloaded")
# A cached download's whole reading, built once. Its questions besides the assessment are columns of the
# same statement, so that the download costs one round trip after the session's user: the key's parts
# (issue 21) and the signed PDF in force, which readers get instead once there is one (issue 25).
_FOR_DOWNLOAD = (
    select(_DOWNLOADED)
    .where(_DOWNLOADED.id == bindparam("assessment_id"))
    .options(joinedload(_DOWNLOADED.office), joinedload(_DOWNLOADED.cycle))
    .add_columns(
        *report_cache.key_columns(_DOWNLOADED.id, _DOWNLOADED.cycle_id, _DOWNLOADED.office_id),
        signed_reports.ID_IN_FORCE,
    )
)


def for_download(assessment_id: int, locale: str) -> Download | None:
    """The assessment and what its download needs, or None when there is no such assessment. Nothing here
    is authorised: the caller authorises the assessment before it uses the rest."""
    row = (
        db.session.execute(_FOR_DOWNLOAD, {"assessment_id": assessment_id, "locale": locale})
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    assessment, *key_row, signed_id = row
    return Download(assessment, tuple(key_row), signed_id)


def digest_for_download(download: Download, kind: str, locale: str, day: dt.date) -> str:
    """`digest_of` the downloaded assessment, from the values its statement read."""
    return report_cache.key_of(
        download.assessment,
        download.key_row,
        kind=kind,
        locale=locale,
        template_version=FORMATS[kind].layout_version,
        day=day,
    )


def report_bytes(assessment: Assessment, kind: str, locale: str, digest: str, day: dt.date) -> bytes:
    """The document from the cache, or rendered now and cached (RenderFailed when the render is stopped)."""
    return report_cache.get_or_make(
        assessment.id,
        kind=kind,
        locale=locale,
        digest=digest,
        make=lambda: render_report(assessment, kind, locale, today=day),
    )


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


def render_job(params: dict[str, Any], user: User) -> JobResult:
    """params: assessment (id), format (its kind; "pdf" for jobs asked before there were two), locale,
    digest (the content digest when asked; the dedup key). Renders what the assessment shows now, under the
    digest of now, for a requester still entitled to the report."""
    assessment = db.session.get(Assessment, params.get("assessment") or 0)
    if assessment is None or not permits(user, Action.DOWNLOAD_REPORT, assessment):
        raise JobFailure(NO_LONGER_AVAILABLE)
    locale = str(params.get("locale"))
    if locale not in report_model.LOCALES:
        raise JobFailure(N_("The report is available in Vietnamese (vi) and English (en) only."))
    kind = str(params.get("format", "pdf"))
    if kind not in FORMATS:
        raise JobFailure(N_("The report is available as PDF and Word (DOCX) only."))
    day = roadmaps.local_today()
    try:
        content = report_bytes(assessment, kind, locale, digest_of(assessment, kind, locale, day), day)
    except report_pdf.RenderFailed as error:  # a render that ran away would again: not retried
        record_failure(assessment, locale, error, user)
        raise JobFailure(failure_reason(error)) from error
    return JobResult(content, report_model.filename_for(assessment, locale, kind), FORMATS[kind].mimetype)


def _params(assessment: Assessment, kind: str, locale: str, digest: str) -> dict[str, Any]:
    return {"assessment": assessment.id, "format": kind, "locale": locale, "digest": digest}


def pending(user: User, assessment: Assessment, kind: str, locale: str, digest: str) -> Job | None:
    """This user's job for this rendering that is still queued or running, if any."""
    wanted = _params(assessment, kind, locale, digest)
    candidates = db.session.scalars(
        select(Job)
        .where(
            Job.kind == job_kind(kind),
            Job.requested_by_id == user.id,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(Job.created_at.desc())
    )
    for job in candidates:
        if {name: job.params.get(name) for name in wanted} == wanted:
            return job
    return None


# --- rendered before anyone asks ---------------------------------------------------------------------------


def prerender(assessment: Assessment, *, actor: User) -> list[Job]:
    """Queue the report of an approved or published assessment in every format and language that the
    cache does not hold yet, as the report jobs ("report-pdf", "report-docx"), so that a reader's first
    download is a cached file. Called after approval, publication and a roadmap edit."""
    if assessment.status not in REVIEWED_STATUSES or not permits(actor, Action.DOWNLOAD_REPORT, assessment):
        return []
    day = roadmaps.local_today()
    queued = []
    for kind in FORMATS:
        for locale in report_model.LOCALES:
            digest = digest_of(assessment, kind, locale, day)
            if report_cache.path_of(assessment.id, kind=kind, locale=locale, digest=digest) is not None:
                continue
            if pending(actor, assessment, kind, locale, digest) is not None:
                continue
            params = _params(assessment, kind, locale, digest)
            queued.append(jobs.enqueue(job_kind(kind), params, requested_by=actor, ahead=True))
    return queued


# The reports kept ready each night unless told which cycles: those of the cycles still open or closed
# within the last year, the ones offices and consultants still read.
STILL_READ_AFTER_CLOSING = dt.timedelta(days=366)


def cycles_still_read(day: dt.date) -> list[Cycle]:
    """The cycles whose reports are still read on `day`, newest first (`flask report prerender`)."""
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.closes_on >= day - STILL_READ_AFTER_CLOSING)
            .order_by(Cycle.opens_on.desc())
        )
    )


def prerender_all(*, actor: User, cycle_ids: Collection[int] | None = None) -> list[Job]:
    """`prerender` for every approved or published assessment the actor may download (of `cycle_ids` when
    given), newest first: a change of the report settings changes every report, and a new day every
    report's date line (`flask report prerender`, run each night)."""
    reviewed = select(Assessment).where(Assessment.status.in_(REVIEWED_STATUSES))
    if cycle_ids is not None:
        reviewed = reviewed.where(Assessment.cycle_id.in_(cycle_ids))
    # Read whole before the first job commits: without Redis each job runs (and commits) as it is queued.
    rows = db.session.scalars(reviewed.order_by(Assessment.id.desc())).all()
    return [job for assessment in rows for job in prerender(assessment, actor=actor)]


LOCK_SECONDS = 30


def pending_or_new(user: User, assessment: Assessment, kind: str, locale: str, digest: str) -> Job:
    """The pending job for this rendering, or a new one on the queue (Redis configured).

    Two clicks may arrive together: a short Redis lock per (requester, rendering) lets one of them ask for
    the job while the other waits for it and then finds it."""
    lock_key = f"roadmap:report-lock:{user.id}:{assessment.id}:{kind}:{locale}:{digest}"
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
        job = pending(user, assessment, kind, locale, digest)
        if job is None:
            job = jobs.enqueue(job_kind(kind), _params(assessment, kind, locale, digest), requested_by=user)
        return job
    finally:
        if connection is not None:
            try:
                connection.delete(lock_key)
                connection.close()
            except Exception:
                log.warning("report %s: could not release the dedup lock", assessment.id, exc_info=True)
