"""The roadmap as a living plan (issue 22): the office's progress page of its published roadmap, where each
initiative has its form and the consultants of the office comment and accept or question a completion.

Views parse, authorise (VIEW_ROADMAP to read, UPDATE_PROGRESS for the office's reports, REVIEW_PROGRESS
for the consultants' verdicts), call roadmap.services.plans.tracking and render. A refused report is shown
again with every problem at its field and every value typed kept (400); a report made from an older page
shows both values (409).
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from forms.tracking import (
    ProgressForm,
    ProgressReviewForm,
    QuarterReportForm,
    TrackingFileDeleteForm,
    progress_form,
    review_form,
)
from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus
from roadmap.policy import Action, permits
from roadmap.services import Invalid
from roadmap.services.plans import completion, quarterly, tracking
from roadmap.services.plans.figures import progress_gantt_svg
from roadmap.services.plans.tracking import TrackingConflict
from roadmap.services.platform.clock import local_today
from roadmap.services.reporting import model as report_model
from roadmap.services.reporting import pdf as report_pdf
from roadmap.services.reporting import progress as progress_model
from roadmap.services.reporting.progress_formats import FORMATS as PROGRESS_FORMATS
from roadmap.services.reporting.progress_formats import render as render_progress
from roadmap.services.review import follow_up as follow
from roadmap.services.survey import evidence, lifecycle
from roadmap.web.files import attachment
from roadmap.web.guard import authorize, authorized_assessment

bp = Blueprint("tracking", __name__)


def _people(assessment: Assessment) -> list[tuple[str, str]]:
    return [(str(person.id), person.full_name) for person in tracking.office_people(assessment)]


def _render(
    assessment: Assessment,
    *,
    posted: ProgressForm | ProgressReviewForm | None = None,
    conflict: TrackingConflict | None = None,
    status: int = 200,
) -> tuple[str, int]:
    published = assessment.status_enum is AssessmentStatus.PUBLISHED
    today = local_today()
    lines = tracking.lines(assessment, today=today) if published else []
    reported = quarterly.reported_quarter(today)
    people = _people(assessment) if published else []
    quarters = [str(quarter) for quarter in tracking.quarter_choices(assessment)] if published else []
    names = dict(people)
    labels = tracking.field_labels()
    forms: dict[str, Any] = {}
    reviews: dict[str, Any] = {}
    for line in lines:
        mine = posted is not None and posted.initiative.data == line.code
        if mine and isinstance(posted, ProgressForm):
            forms[line.code] = posted
        else:
            forms[line.code] = progress_form(
                line.code, line.state, line.version, people, quarters, formdata=None
            )
        if mine and isinstance(posted, ProgressReviewForm):
            reviews[line.code] = posted
        else:
            reviews[line.code] = review_form(line.code, line.state, line.version, formdata=None)
    body = render_template(
        "roadmap/progress.html",
        assessment=assessment,
        published=published,
        lines=lines,
        forms=forms,
        reviews=reviews,
        people=names,
        conflict=conflict,
        conflict_code=posted.initiative.data if conflict is not None and posted is not None else None,
        labels=labels,
        field_names=lambda names: ", ".join(str(labels[name]) for name in dict.fromkeys(names)),
        status_labels=tracking.STATUS_LABELS,
        verdict_labels=tracking.VERDICT_LABELS,
        assessment_status_labels=lifecycle.STATUS_LABELS,
        can_update=permits(current_user, Action.UPDATE_PROGRESS, assessment),
        can_review=permits(current_user, Action.REVIEW_PROGRESS, assessment),
        can_edit=permits(current_user, Action.EDIT_ROADMAP, assessment),
        late_count=sum(1 for line in lines if line.late),
        histories=tracking.histories(assessment) if published else {},
        periods=progress_model.period_choices(assessment) if published else [],
        report_formats=list(PROGRESS_FORMATS),
        gantt=progress_gantt_svg(lines, today) if lines else None,
        files=completion.files_of(assessment) if published else {},
        max_file_mb=evidence.MAX_FILE_BYTES // (1024 * 1024),
        reported_quarter=reported,
        due_codes={line.code for line in quarterly.due_lines(lines, reported)},
        report_changes=quarterly.changes(assessment, lines) if published else None,
        report_form=QuarterReportForm(data={"quarter": str(reported)}, formdata=None),
    )
    return body, status


@bp.route("/assessments/<int:assessment_id>/roadmap/progress")
@login_required
def page(assessment_id: int) -> tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.VIEW_ROADMAP, with_names=True)
    return _render(assessment)


def _show_problems(form: Any, error: Invalid) -> None:
    for problem in error.problems:
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), str(problem.message)]
        else:
            form.form_errors.append(str(problem.message))


def _posted_code() -> str:
    """The initiative the posted form names (each form has the initiative's prefix)."""
    return next((value for key, value in request.form.items() if key.endswith("-initiative") and value), "")


@bp.route("/assessments/<int:assessment_id>/roadmap/progress/update", methods=["POST"])
@login_required
def update(assessment_id: int) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.UPDATE_PROGRESS, with_names=True)
    code = _posted_code()
    quarters = [str(quarter) for quarter in tracking.quarter_choices(assessment)]
    # Bound to the post (with the page's choices), so that every value typed is shown back on a refusal.
    form = progress_form(code, {}, 0, _people(assessment), quarters)
    form.initiative.data = code
    values = {name: getattr(form, name).data for name in tracking.OFFICE_FIELDS}
    uploads = []
    for upload in form.evidence_files.data or []:
        if not getattr(upload, "filename", None):
            continue  # the empty file input
        try:
            uploads.append(evidence.check_upload(upload.filename, upload.stream))
        except evidence.FileTooLarge:
            form.evidence_files.errors = [
                _("A file can be at most %(size)s MB.", size=evidence.MAX_FILE_BYTES // (1024 * 1024))
            ]
            return _render(assessment, posted=form, status=413)
        except Invalid as error:
            _show_problems(form, error)
            return _render(assessment, posted=form, status=400)
    stored: list[str] = []
    try:
        tracking.update_progress(
            assessment,
            form.initiative.data,
            values,
            actor=current_user,
            expected_version=form.posted_version(),
            uploads=uploads,
            stored_keys=stored,
        )
        db.session.commit()
    except TrackingConflict as conflict:
        return _render(assessment, posted=form, conflict=conflict, status=409)
    except Invalid as error:
        db.session.rollback()
        completion.discard(stored)
        _show_problems(form, error)
        return _render(assessment, posted=form, status=400)
    except BaseException:
        db.session.rollback()
        completion.discard(stored)  # no blob left without its row
        raise
    flash(_("The progress was saved."), "success")
    return redirect(
        url_for("tracking.page", assessment_id=assessment.id, _anchor=f"i-{form.initiative.data}")
    )


@bp.route("/assessments/<int:assessment_id>/roadmap/progress/review", methods=["POST"])
@login_required
def review(assessment_id: int) -> Response | tuple[str, int]:
    assessment = authorized_assessment(assessment_id, Action.REVIEW_PROGRESS, with_names=True)
    code = _posted_code()
    form = review_form(code, {}, 0)
    form.initiative.data = code
    try:
        tracking.review(
            assessment,
            form.initiative.data,
            verdict=form.verdict.data,
            comment=form.review_comment.data,
            actor=current_user,
            expected_version=form.posted_version(),
        )
    except TrackingConflict as conflict:
        return _render(assessment, posted=form, conflict=conflict, status=409)
    except Invalid as error:
        db.session.rollback()
        _show_problems(form, error)
        # A roadmap not yet published cannot be followed: that is the assessment's state, not the input.
        status = 409 if assessment.status_enum is not AssessmentStatus.PUBLISHED else 400
        return _render(assessment, posted=form, status=status)
    db.session.commit()
    flash(_("The review was saved."), "success")
    return redirect(
        url_for("tracking.page", assessment_id=assessment.id, _anchor=f"i-{form.initiative.data}")
    )


@bp.route("/assessments/<int:assessment_id>/roadmap/progress/files/<int:file_id>")
@login_required
def download_file(assessment_id: int, file_id: int) -> Response:
    """Only to those who may see the roadmap; always as an attachment, never rendered by the browser."""
    assessment = authorized_assessment(assessment_id, Action.VIEW_ROADMAP)
    row = completion.file_of(assessment, file_id)
    if row is None:
        abort(404)
    try:
        handle = completion.open_file(row)
    except FileNotFoundError:
        abort(404)
    return attachment(handle, row)


@bp.route("/assessments/<int:assessment_id>/roadmap/progress/files/delete", methods=["POST"])
@login_required
def delete_file(assessment_id: int) -> Response:
    assessment = authorized_assessment(assessment_id, Action.UPDATE_PROGRESS)
    form = TrackingFileDeleteForm()
    row = completion.file_of(assessment, form.file_id.data) if form.file_id.data else None
    if row is None:
        abort(404)
    code = row.initiative_code
    try:
        completion.remove(assessment, row, actor=current_user)
    except Invalid as error:
        db.session.rollback()
        flash(str(error.problems[0].message), "danger")
    else:
        flash(_("The file has been removed."), "success")
    return redirect(url_for("tracking.page", assessment_id=assessment.id, _anchor=f"i-{code}"))


@bp.route("/assessments/<int:assessment_id>/roadmap/progress/confirm", methods=["POST"])
@login_required
def confirm_report(assessment_id: int) -> Response | tuple[str, int]:
    """The office confirms its quarterly progress report as its initiatives now stand."""
    assessment = authorized_assessment(assessment_id, Action.UPDATE_PROGRESS, with_names=True)
    form = QuarterReportForm()
    try:
        quarterly.confirm(assessment, form.quarter.data or "", actor=current_user)
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        flash(str(error.problems[0].message), "danger")
        return _render(
            assessment, status=409 if assessment.status_enum is not AssessmentStatus.PUBLISHED else 400
        )
    flash(_("The progress report of the quarter was confirmed."), "success")
    return redirect(url_for("tracking.page", assessment_id=assessment.id))


def _follow_up_query() -> follow.FollowUp:
    try:
        show = follow.Show(request.args.get("show", follow.Show.ALL.value))
    except ValueError:
        show = follow.Show.ALL  # an unknown filter shows everything rather than nothing
    return follow.follow_up(
        current_user,
        show=show,
        office_code=request.args.get("office", "")[:32],
        mandatory_only=request.args.get("mandatory") == "1",
    )


@bp.route("/review/follow-up")
@login_required
def follow_up() -> str:
    authorize(Action.VIEW_FOLLOW_UP)
    result = _follow_up_query()
    return render_template(
        "review/follow_up.html",
        result=result,
        show=request.args.get("show", follow.Show.ALL.value),
        office=request.args.get("office", "")[:32],
        mandatory=request.args.get("mandatory") == "1",
        show_labels=follow.SHOW_LABELS,
        status_labels=tracking.STATUS_LABELS,
        verdict_labels=tracking.VERDICT_LABELS,
    )


@bp.route("/review/follow-up.csv")
@login_required
def follow_up_csv() -> Response:
    authorize(Action.VIEW_FOLLOW_UP)
    data = follow.export_csv(_follow_up_query().rows)
    response = send_file(
        io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name="follow-up.csv"
    )
    response.headers["Cache-Control"] = "no-store"  # send_file's default would let offices' data be cached
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _spreadsheet(data: bytes, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # offices' data is never kept by a browser or a proxy
    return response


@bp.route("/review/follow-up.xlsx")
@login_required
def follow_up_xlsx() -> Response:
    """The follow-up as a spreadsheet: the CSV's rows, filters and columns, in the reader's language."""
    authorize(Action.VIEW_FOLLOW_UP)
    data = follow.export_xlsx(_follow_up_query().rows, _("Follow-up of the roadmaps"))
    return _spreadsheet(data, "follow-up.xlsx")


@bp.route("/assessments/<int:assessment_id>/roadmap/progress.xlsx")
@login_required
def progress_xlsx(assessment_id: int) -> Response | tuple[str, int]:
    """One office's progress as a spreadsheet, for whoever may read its roadmap (once published)."""
    assessment = authorized_assessment(assessment_id, Action.VIEW_ROADMAP, with_names=True)
    if assessment.status_enum is not AssessmentStatus.PUBLISHED:
        return _refusal(
            409,
            _("Progress is followed only on a published roadmap: this roadmap has not been published yet."),
        )
    data = follow.export_xlsx(follow.office_rows(assessment), _("Progress of the roadmap"))
    name = (
        secure_filename(f"progress-{assessment.office.code}-{assessment.cycle.code}.xlsx") or "progress.xlsx"
    )
    return _spreadsheet(data, name)


def _refusal(status: int, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, message=message), status


@bp.route(
    f"/assessments/<int:assessment_id>/roadmap/progress-report.<any({', '.join(PROGRESS_FORMATS)}):kind>"
)
@login_required
def progress_report(assessment_id: int, kind: str) -> Response | tuple[str, int]:
    """The progress report ("Báo cáo tiến độ thực hiện lộ trình") of a published roadmap, PDF or Word, for a
    quarter or a year (`?period=2026-Q3|2026`, the latest quarter when absent) in Vietnamese or English
    (`?lang=vi|en`), for whoever may read the roadmap. A bad period or language is refused with 400 and what
    may be asked, before any work; a roadmap not yet published has no progress (409)."""
    assessment = authorized_assessment(assessment_id, Action.VIEW_ROADMAP, with_names=True)
    locale = request.args.get("lang", "vi")
    if locale not in report_model.LOCALES:
        return _refusal(400, _("The report is available in Vietnamese (vi) and English (en) only."))
    try:
        period = progress_model.check_period(assessment, request.args.get("period", "")[:16])
    except Invalid as error:
        status = 409 if assessment.status_enum is not AssessmentStatus.PUBLISHED else 400
        return _refusal(status, str(error))
    try:
        data = render_progress(assessment, period, kind, locale)
    except report_pdf.RenderFailed:
        return _refusal(503, _("The document could not be prepared just now. Please try again in a moment."))
    response = send_file(
        io.BytesIO(data),
        mimetype=PROGRESS_FORMATS[kind].mimetype,
        as_attachment=True,
        download_name=progress_model.filename_for(assessment, period, locale, kind),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
