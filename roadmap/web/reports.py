"""The report download: the PDF of an assessment, for the users the policy entitles (DOWNLOAD_REPORT).

`?lang=vi|en` picks the document's language (default: the user's); anything else is refused with 400
before any work. A rendering is served from the cache when nothing it shows has changed; ETag and
If-None-Match spare the transfer; the answer is never stored by browsers or proxies (`no-store`).
"""

from __future__ import annotations

import datetime as dt
import io
import logging

from flask import Blueprint, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from roadmap.extensions import db
from roadmap.models import Assessment
from roadmap.policy import Action, permits
from roadmap.services import audit, report_cache, report_pdf, roadmaps
from roadmap.web.guard import authorized_assessment

bp = Blueprint("reports", __name__)
log = logging.getLogger("roadmap.reports")


@bp.app_template_global()
def report_download_allowed(assessment: Assessment) -> bool:
    return bool(permits(current_user, Action.DOWNLOAD_REPORT, assessment))


def _refusal(status: int, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


def _failure_message(error: report_pdf.RenderFailed) -> str:
    if error.reason == "timeout":
        return _("The report took too long to prepare and was stopped. Please try again later.")
    if error.reason == "memory":
        return _(
            "The report needed more memory than allowed and was stopped. Please contact the support team."
        )
    return _("The report could not be prepared. The error has been recorded.")


def report_pdf_bytes(assessment: Assessment, locale: str, digest: str, day: dt.date) -> bytes:
    """The PDF from the cache, or rendered now and cached."""
    cached = report_cache.get(assessment.id, kind="pdf", locale=locale, digest=digest)
    if cached is not None:
        return cached
    rendered = report_pdf.render_assessment(assessment, locale, today=day)
    if rendered.refused:  # never expected: our templates reference only packaged assets
        log.warning("report %s: the fetcher refused %s", assessment.id, rendered.refused)
    report_cache.put(assessment.id, kind="pdf", locale=locale, digest=digest, content=rendered.pdf)
    return rendered.pdf


@bp.route("/assessments/<int:assessment_id>/report.pdf")
@login_required
def pdf(assessment_id: int) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.DOWNLOAD_REPORT)
    locale = request.args.get("lang") or str(get_locale())
    if locale not in report_pdf.LOCALES:
        return _refusal(400, _("The report is available in Vietnamese (vi) and English (en) only."))
    day = roadmaps.local_today()
    digest = report_cache.key(
        assessment, kind="pdf", locale=locale, template_version=report_pdf.TEMPLATE_VERSION, day=day
    )
    if digest in request.if_none_match:
        response = Response(status=304)
    else:
        try:
            content = report_pdf_bytes(assessment, locale, digest, day)
        except report_pdf.RenderFailed as error:
            log.error("report %s (%s) stopped: %s %s", assessment.id, locale, error.reason, error.detail)
            audit.record(
                "report.failed",
                actor=current_user,
                object_type="assessment",
                object_id=assessment.id,
                details={"reason": error.reason, "locale": locale},
            )
            db.session.commit()
            return _refusal(503, _failure_message(error))
        with_locale = report_pdf.filename_for(assessment, locale)
        response = send_file(
            io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=with_locale
        )
    response.set_etag(digest)
    response.headers["Cache-Control"] = "private, no-store"
    return response
