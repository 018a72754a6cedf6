"""The signed report (issue 25): signing the approved report (SIGN_REPORT), the verification page for anyone
(`/reports/verify`, VERIFY_REPORT) and the administrators' images of the signatures (MANAGE_REPORT_SETTINGS).

An uploaded file is read into memory, verified and forgotten: nothing a reader uploads is stored. The body's
size is limited before it is read (roadmap.web.security, MAX_CONTENT_LENGTH): a larger upload is refused with
413 and a message that names the limit.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from forms import attach_problems
from forms.signing import SigningAppearanceForm, SignReportForm, VerifyReportForm
from roadmap.extensions import db
from roadmap.models import Assessment, SignedReport
from roadmap.policy import Action, permits
from roadmap.services import Invalid
from roadmap.services.reporting import signed_reports, signing, verification
from roadmap.web.guard import authorize, authorized_assessment

bp = Blueprint("signing", __name__)
log = logging.getLogger("roadmap.signing")


def limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


@bp.app_template_global()
def report_signing(assessment: Assessment) -> dict[str, Any] | None:
    """What the review page shows of the report's signed versions (None for who may not sign)."""
    if not permits(current_user, Action.SIGN_REPORT, assessment):
        return None
    versions = signed_reports.versions(assessment)
    current = next((v for v in versions if v.current and v.locale == "vi"), None)
    return {
        "versions": versions,
        "current": current,
        "stale": current is not None and signed_reports.is_stale(current, assessment),
        "signable": assessment.status_enum in signed_reports.SIGNABLE,
        "configured": signed_reports.signing_configured(),
        "required": signed_reports.signing_required(),
        "form": SignReportForm(),
    }


@bp.route("/assessments/<int:assessment_id>/report/sign", methods=["POST"])
@login_required
def sign(assessment_id: int) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.SIGN_REPORT)
    form = SignReportForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", status=400), 400
    try:
        records = signed_reports.sign(assessment, actor=current_user)
    except Invalid as error:
        db.session.rollback()
        return render_template("errors/error.html", status=409, message=error.problems[0].message), 409
    except signing.SigningUnavailable as error:
        db.session.rollback()
        log.error("report %s: signing unavailable: %s", assessment.id, error)
        message = _(
            "The report could not be signed: the signing key is not configured or cannot be used. "
            "The error has been recorded."
        )
        return render_template("errors/error.html", status=503, message=message), 503
    flash(_("The report has been signed (version %(version)d).", version=records[0].version), "success")
    return redirect(url_for("review.page", assessment_id=assessment.id))


def _verdict_of_upload() -> tuple[verification.Verification | None, str | None, int]:
    """The verdict on the uploaded file, or the refusal's message and status."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, str(verification.REFUSAL_TEXTS["missing"]), 400
    try:
        return verification.verify(upload.read(), current_app.config), None, 200
    except verification.NotVerifiable as refusal:
        return None, str(verification.REFUSAL_TEXTS[refusal.reason]), 400


def _verify_page(
    form: VerifyReportForm, result: verification.Verification | None, problem: str | None, status: int
) -> str | tuple[str, int]:
    if problem:
        form.file.errors = [problem]
    page = render_template(
        "reports/verify.html",
        form=form,
        result=result,
        limit=limit_mb(),
        role_labels=verification.ROLE_LABELS,
        verdict_texts=verification.VERDICT_TEXTS,
    )
    return (page, status) if status != 200 else page


@bp.route("/reports/verify", methods=["GET", "POST"])
@login_required
def verify() -> str | tuple[str, int]:
    """Upload a report, see whether it is intact, who signed it, when and with which chain."""
    authorize(Action.VERIFY_REPORT)
    form = VerifyReportForm()
    if request.method == "GET":
        return _verify_page(form, None, None, 200)
    if not form.validate_on_submit():
        return _verify_page(form, None, _("The form has expired. Please try again."), 400)
    return _verify_page(form, *_verdict_of_upload())


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over the limit is refused before it is read; the verification page says so and why."""
    message = str(verification.REFUSAL_TEXTS["too_large"] % {"limit": limit_mb()})
    if request.endpoint == "signing.verify":
        page = _verify_page(VerifyReportForm(formdata=None), None, message, 413)
        return page if isinstance(page, tuple) else (page, 413)
    return render_template("errors/error.html", status=413, message=message), 413


@bp.route("/admin/signing", methods=["GET", "POST"])
@login_required
def appearance() -> str | Response | tuple[str, int]:
    """The images of the signatures' appearance; a rejected upload keeps the ones in force."""
    authorize(Action.MANAGE_REPORT_SETTINGS)
    form = SigningAppearanceForm()
    status = 200
    if form.validate_on_submit():
        seal = request.files.get("seal")
        signature = request.files.get("signature")
        try:
            signed_reports.save_appearance(
                seal_png=seal.read() if seal and seal.filename else None,
                signature_png=signature.read() if signature and signature.filename else None,
                actor=current_user,
            )
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error)
            status = 400
        else:
            db.session.commit()
            flash(_("The signature images have been saved."), "success")
            return redirect(url_for("signing.appearance"))
    elif request.method == "POST":
        status = 400
    in_force = signed_reports.appearance()
    page = render_template(
        "admin/signing.html",
        form=form,
        has_seal=in_force.seal_png is not None,
        has_signature=in_force.signature_png is not None,
        configured=signed_reports.signing_configured(),
        required=signed_reports.signing_required(),
    )
    return (page, status) if status != 200 else page


@bp.route("/admin/signing/<any(seal, signature):image>.png")
@login_required
def appearance_image(image: str) -> Response:
    """The image in force, for the administrators' preview."""
    authorize(Action.MANAGE_REPORT_SETTINGS)
    in_force = signed_reports.appearance()
    content = in_force.seal_png if image == "seal" else in_force.signature_png
    if content is None:
        return Response(status=404)
    response = Response(content, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


__all__ = ["SignedReport", "bp"]
