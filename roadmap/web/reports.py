"""The report downloads: `/assessments/<id>/report.<pdf|docx>?lang=vi|en`, one route family for every format
of the one report model, for the users the policy entitles (DOWNLOAD_REPORT).

`?lang=vi|en` picks the document's language (Vietnamese when absent); anything else is refused with 400
before any work. A rendering is served from the cache when nothing it shows has changed; ETag and
If-None-Match spare the transfer; the answer is never stored by browsers or proxies (`no-store`).

Renderings are prepared ahead, as jobs, when an assessment is approved or published, its roadmap edited
after approval, or the report settings changed (`report_jobs.prerender`), so a reader's first download is
normally a cached file, streamed with the server's file wrapper. A rendering not in the cache is made here
and now without Redis (the embedded default); with `REDIS_URL`
the route asks for a "report-<format>" job instead (roadmap.services.reporting.jobs; one per requester and
rendering) and redirects to its status page, where the document is downloaded once ready.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from roadmap.extensions import db
from roadmap.models import Assessment, SignedReport
from roadmap.policy import Action, permits
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.reporting import model as report_model
from roadmap.services.reporting import pdf as report_pdf
from roadmap.services.reporting import signed_reports
from roadmap.services.reporting.formats import FORMATS
from roadmap.web.guard import authorize_assessment

bp = Blueprint("reports", __name__)
log = logging.getLogger("roadmap.reports")


@bp.app_template_global()
def report_download_allowed(assessment: Assessment) -> bool:
    return bool(permits(current_user, Action.DOWNLOAD_REPORT, assessment))


def _refusal(status: int, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


@bp.route(f"/assessments/<int:assessment_id>/report.<any({', '.join(FORMATS)}):kind>")
@login_required
def download(assessment_id: int, kind: str) -> Response | tuple[str, int]:
    locale = request.args.get("lang", "vi")
    # The assessment with its office and cycle, its cache key's parts and the signed PDF in force, in one
    # statement; authorised before anything else of it is used. (An unknown language reads no signed PDF
    # and is refused below, after the authorisation as before.)
    loaded = report_jobs.for_download(assessment_id, locale)
    if loaded is None:
        abort(404)
    assessment = loaded.assessment
    authorize_assessment(assessment, Action.DOWNLOAD_REPORT)
    if locale not in report_model.LOCALES:
        return _refusal(400, _("The report is available in Vietnamese (vi) and English (en) only."))
    day = roadmaps.local_today()
    digest = report_jobs.digest_for_download(loaded, kind, locale, day)
    signed_id = loaded.signed_id
    signed = db.session.get(SignedReport, signed_id) if kind == "pdf" and signed_id is not None else None
    if signed is not None:  # the signed record, once there is one, is what readers get (issue 25)
        return _signed_download(assessment, signed, locale)
    if digest in request.if_none_match:
        response = Response(status=304)
    else:
        cached = report_cache.path_of(assessment.id, kind=kind, locale=locale, digest=digest)
        if cached is not None:
            # Rendered ahead (at approval, publication, a roadmap edit, a settings change) or by an earlier
            # download: the file is streamed by the server's file wrapper, never read into memory here.
            source: Any = cached
        elif current_app.config.get("REDIS_URL"):
            # The scale-out shape: a worker renders it; the user follows the job on its status page.
            job = report_jobs.pending_or_new(current_user, assessment, kind, locale, digest)
            return redirect(url_for("jobs.status", job_id=job.id))
        else:
            try:
                source = io.BytesIO(report_jobs.report_bytes(assessment, kind, locale, digest, day))
            except report_pdf.RenderFailed as error:
                report_jobs.record_failure(assessment, locale, error, current_user)
                return _refusal(503, _(report_jobs.failure_reason(error)))
        response = send_file(
            source,
            mimetype=FORMATS[kind].mimetype,
            as_attachment=True,
            download_name=report_model.filename_for(assessment, locale, kind),
            etag=False,  # the content digest below, not the file's
            conditional=False,
            last_modified=None,
        )
    response.set_etag(digest)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _signed_download(assessment: Assessment, signed: SignedReport, locale: str) -> Response:
    """The signed PDF in force, as it was signed (its digest is its ETag)."""
    if signed.sha256 in request.if_none_match:
        response = Response(status=304)
    else:
        response = send_file(
            io.BytesIO(signed_reports.signed_file(signed)),
            mimetype=FORMATS["pdf"].mimetype,
            as_attachment=True,
            download_name=report_model.filename_for(assessment, locale, "pdf"),
        )
    response.set_etag(signed.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response
