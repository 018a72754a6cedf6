"""The report download: the PDF of an assessment, for the users the policy entitles (DOWNLOAD_REPORT).

`?lang=vi|en` picks the document's language (default: the user's); anything else is refused with 400
before any work. A rendering is served from the cache when nothing it shows has changed; ETag and
If-None-Match spare the transfer; the answer is never stored by browsers or proxies (`no-store`).

A rendering not in the cache is made here and now without Redis (the embedded default); with `REDIS_URL`
the route asks for a "report-pdf" job instead (roadmap.services.reporting.jobs; one per requester and
rendering) and redirects to its status page, where the PDF is downloaded once ready.
"""

from __future__ import annotations

import io
import logging

from flask import Blueprint, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from roadmap.models import Assessment
from roadmap.policy import Action, permits
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.reporting import pdf as report_pdf
from roadmap.web.guard import authorized_assessment

bp = Blueprint("reports", __name__)
log = logging.getLogger("roadmap.reports")


@bp.app_template_global()
def report_download_allowed(assessment: Assessment) -> bool:
    return bool(permits(current_user, Action.DOWNLOAD_REPORT, assessment))


def _refusal(status: int, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


@bp.route("/assessments/<int:assessment_id>/report.pdf")
@login_required
def pdf(assessment_id: int) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.DOWNLOAD_REPORT)
    locale = request.args.get("lang") or str(get_locale())
    if locale not in report_pdf.LOCALES:
        return _refusal(400, _("The report is available in Vietnamese (vi) and English (en) only."))
    day = roadmaps.local_today()
    digest = report_jobs.digest_of(assessment, locale, day)
    if digest in request.if_none_match:
        response = Response(status=304)
    else:
        content = report_cache.get(assessment.id, kind="pdf", locale=locale, digest=digest)
        if content is None and current_app.config.get("REDIS_URL"):
            # The scale-out shape: a worker renders it; the user follows the job on its status page.
            job = report_jobs.pending_or_new(current_user, assessment, locale, digest)
            return redirect(url_for("jobs.status", job_id=job.id))
        try:
            if content is None:
                content = report_jobs.pdf_bytes(assessment, locale, digest, day)
        except report_pdf.RenderFailed as error:
            report_jobs.record_failure(assessment, locale, error, current_user)
            return _refusal(503, _(report_jobs.failure_reason(error)))
        with_locale = report_pdf.filename_for(assessment, locale)
        response = send_file(
            io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=with_locale
        )
    response.set_etag(digest)
    response.headers["Cache-Control"] = "private, no-store"
    return response
