"""The consultants' review: the queue, the review page and its actions. Thin: the work is in
roadmap.services.review.workflow; this module turns its answers into pages.

A refusal by the assessment's status (an illegal transition, a change outside review) is answered 409 with
the service's message on the review page; a refusal of the input (no justification, no reason) 400. Both
leave everything as it was.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from forms.review import (
    ClearOverrideForm,
    CommentForm,
    EvidenceVerdictForm,
    LevelOverrideForm,
    PointsOverrideForm,
    ReturnForm,
    StatusForm,
)
from roadmap import charts
from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, Cycle, EvidenceVerdict, OfficeKind, OverrideKind
from roadmap.policy import Action, permits
from roadmap.services import Invalid
from roadmap.services.platform import jobs
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.review import cycle_exports
from roadmap.services.review import portfolio as portfolio_service
from roadmap.services.review import workflow as review
from roadmap.services.survey import answers, assessments, evidence, lifecycle
from roadmap.services.survey.lifecycle import IllegalTransition
from roadmap.services.survey.wording import answer_text
from roadmap.web.guard import authorize, authorized_assessment

bp = Blueprint("review", __name__, url_prefix="/review")


def _reviewed(assessment_id: int) -> Assessment:
    return authorized_assessment(assessment_id, Action.REVIEW_ASSESSMENT)


@bp.route("")
@login_required
def queue() -> str:
    authorize(Action.VIEW_REVIEW_QUEUE)
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    sort = request.args.get("sort", review.QueueSort.AGE.value)
    items = review.queue(
        current_user,
        status=AssessmentStatus(status) if status in {s.value for s in review.QUEUE_STATUSES} else None,
        office_kind=kind if kind in {k.value for k in OfficeKind} else None,
        sort=review.QueueSort(sort) if sort in {s.value for s in review.QueueSort} else review.QueueSort.AGE,
    )
    return render_template(
        "review/queue.html",
        items=items,
        status=status,
        kind=kind,
        sort=sort,
        statuses=review.status_choices(),
        kinds=list(OfficeKind),
        sorts=list(review.QueueSort),
        status_labels=lifecycle.STATUS_LABELS,
    )


def _render(
    assessment: Assessment, *, status: int = 200, problem: str | None = None, posted: FlaskForm | None = None
) -> tuple[str, int]:
    scored = review.reviewed_score(assessment)
    framework = scored.framework
    codes = [question.code for question in framework.questions]
    return render_template(
        "review/page.html",
        assessment=assessment,
        framework=framework,
        result=scored.result,
        outcomes={outcome.code: outcome for outcome in scored.result.questions},
        records=scored.records,
        evidence=evidence.of_questions(assessment, codes),
        verdicts=review.evidence_reviews(assessment),
        overrides=review.overrides(assessment),
        comments=assessments.review_comments(assessment, current_user),
        answer_text=answer_text,
        to_answer=answers.to_answer,
        status_labels=lifecycle.STATUS_LABELS,
        in_review=assessment.status_enum is AssessmentStatus.IN_REVIEW,
        can=lambda target: lifecycle.allowed(assessment, target, current_user),
        may_view_roadmap=permits(current_user, Action.VIEW_ROADMAP, assessment),
        statuses=AssessmentStatus,
        problem=problem,
        posted=posted,
        status_form=StatusForm(formdata=None, status_version=str(assessment.status_version)),
        return_form=ReturnForm(formdata=None, status_version=str(assessment.status_version)),
        comment_form=CommentForm(formdata=None),
        verdict_form=EvidenceVerdictForm(formdata=None),
        points_form=PointsOverrideForm(formdata=None),
        level_form=LevelOverrideForm(formdata=None),
        clear_form=ClearOverrideForm(formdata=None),
    ), status


@bp.route("/assessments/<int:assessment_id>")
@login_required
def page(assessment_id: int) -> tuple[str, int]:
    return _render(_reviewed(assessment_id))


def _done(assessment: Assessment, message: str, anchor: str | None = None) -> Response:
    flash(message, "success")
    return redirect(url_for("review.page", assessment_id=assessment.id, _anchor=anchor))


def _refused(
    assessment: Assessment, error: Invalid | IllegalTransition, posted: FlaskForm
) -> tuple[str, int]:
    db.session.rollback()
    if isinstance(error, IllegalTransition):
        return _render(assessment, status=409, problem=str(error.message), posted=posted)
    status = 409 if isinstance(error, review.NotInReview) else 400
    return _render(
        assessment, status=status, problem="; ".join(str(p.message) for p in error.problems), posted=posted
    )


def _valid(form: FlaskForm) -> None:
    if not form.validate_on_submit():
        abort(400)


@bp.route("/assessments/<int:assessment_id>/comments", methods=["POST"])
@login_required
def comment(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = CommentForm()
    _valid(form)
    question = (form.question.data or "").strip() or None
    try:
        review.add_comment(assessment, form.body.data, actor=current_user, question_code=question)
    except Invalid as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The comment has been saved."), f"q-{question}" if question else None)


@bp.route("/assessments/<int:assessment_id>/evidence", methods=["POST"])
@login_required
def judge_evidence(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = EvidenceVerdictForm()
    _valid(form)
    question = (form.question.data or "").strip()
    try:
        review.judge_evidence(
            assessment,
            question,
            EvidenceVerdict(form.verdict.data),
            actor=current_user,
            reason=form.reason.data,
        )
    except Invalid as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The evidence check has been saved."), f"q-{question}")


@bp.route("/assessments/<int:assessment_id>/overrides/points", methods=["POST"])
@login_required
def override_points(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = PointsOverrideForm()
    _valid(form)
    question = (form.question.data or "").strip()
    try:
        review.override_points(
            assessment, question, form.points.data, form.justification.data, actor=current_user
        )
    except Invalid as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The points have been overridden."), f"q-{question}")


@bp.route("/assessments/<int:assessment_id>/overrides/level", methods=["POST"])
@login_required
def override_level(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = LevelOverrideForm()
    _valid(form)
    dimension = (form.dimension.data or "").strip()
    try:
        review.override_level(
            assessment, dimension, form.level.data, form.justification.data, actor=current_user
        )
    except Invalid as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The level has been overridden."), f"d-{dimension}")


@bp.route("/assessments/<int:assessment_id>/overrides/clear", methods=["POST"])
@login_required
def clear_override(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = ClearOverrideForm()
    _valid(form)
    if form.kind.data not in {k.value for k in OverrideKind}:
        abort(400)
    try:
        review.clear_override(
            assessment, OverrideKind(form.kind.data), (form.target.data or "").strip(), actor=current_user
        )
    except Invalid as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The computed value applies again."))


def _status_form(form: StatusForm) -> int:
    _valid(form)
    expected = form.expected_status_version()
    if expected is None:
        abort(400)
    return expected


@bp.route("/assessments/<int:assessment_id>/start", methods=["POST"])
@login_required
def start(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = StatusForm()
    expected = _status_form(form)
    try:
        review.start_review(assessment, actor=current_user, expected_status_version=expected)
    except IllegalTransition as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The review has started. The office has been notified."))


@bp.route("/assessments/<int:assessment_id>/return", methods=["POST"])
@login_required
def return_for_revision(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = ReturnForm()
    expected = _status_form(form)
    try:
        review.return_for_revision(
            assessment, form.comment.data, actor=current_user, expected_status_version=expected
        )
    except IllegalTransition as error:
        return _refused(assessment, error, form)
    return _done(assessment, _("The assessment has been returned to the office for revision."))


@bp.route("/assessments/<int:assessment_id>/approve", methods=["POST"])
@login_required
def approve(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = StatusForm()
    expected = _status_form(form)
    try:
        review.approve(assessment, actor=current_user, expected_status_version=expected)
    except (IllegalTransition, Invalid) as error:
        return _refused(assessment, error, form)
    report_jobs.prerender(assessment, actor=current_user)  # the reports, ready before anyone asks
    return _done(assessment, _("The assessment has been approved and its roadmap generated."))


@bp.route("/assessments/<int:assessment_id>/publish", methods=["POST"])
@login_required
def publish(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = StatusForm()
    expected = _status_form(form)
    try:
        review.publish(assessment, actor=current_user, expected_status_version=expected)
    except IllegalTransition as error:
        return _refused(assessment, error, form)
    report_jobs.prerender(assessment, actor=current_user)
    return _done(assessment, _("The results and the roadmap have been published to the office."))


# --- portfolio -------------------------------------------------------------------------------------------


@bp.route("/portfolio")
@login_required
def portfolio() -> str:
    """Offices × dimensions for a cycle, the index distribution, trends and areas of concern."""
    authorize(Action.VIEW_REVIEW_QUEUE)
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())).all()
    if not cycles:
        abort(404)
    chosen = request.args.get("cycle", type=int)
    cycle = next((c for c in cycles if c.id == chosen), cycles[0])
    kind = request.args.get("kind") or None
    status = request.args.get("status") or None
    view = portfolio_service.build(current_user, cycle, office_kind=kind, status=status)
    locale = str(get_locale() or "vi")
    with_results = view.with_results
    heatmap = charts.heatmap(
        [row.office.name(locale) for row in with_results],
        [code for code, _ in view.dimensions],
        [[charts.HeatCell(row.levels.get(code)) for code, _ in view.dimensions] for row in with_results],
        title=_("Levels by office and dimension, %(cycle)s", cycle=cycle.name(locale)),
    ).svg()
    return render_template(
        "review/portfolio.html",
        view=view,
        cycles=cycles,
        heatmap=Markup(heatmap),  # noqa: S704 (charts escape every label they draw)
        kinds=list(OfficeKind),
        statuses=list(AssessmentStatus),
        status_labels=lifecycle.STATUS_LABELS,
        kind=kind,
        status=status,
        locale=locale,
    )


@bp.route("/portfolio/export.<any(csv, xlsx):fmt>")
@login_required
def portfolio_export(fmt: str) -> Response:
    """The cycle's scores (CSV), or scores, answers and roadmaps (XLSX), with the portfolio's filters."""
    authorize(Action.VIEW_REVIEW_QUEUE)
    cycle = db.session.get(Cycle, request.args.get("cycle", type=int) or 0)
    if cycle is None:
        abort(404)
    view = portfolio_service.build(
        current_user,
        cycle,
        office_kind=request.args.get("kind") or None,
        status=request.args.get("status") or None,
    )
    try:
        result = cycle_exports.export(view, fmt, request.args.get("part", "scores"))
    except ValueError:
        abort(400)
    body, mimetype, name = result.content, result.content_type, result.name
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={secure_filename(name)}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/portfolio/export-jobs", methods=["POST"])
@login_required
def portfolio_export_job() -> Response:
    """Prepare an export as a job (on a worker when Redis is configured); then its status page."""
    authorize(Action.VIEW_REVIEW_QUEUE)
    cycle = db.session.get(Cycle, request.form.get("cycle", type=int) or 0)
    if cycle is None:
        abort(404)
    fmt = request.form.get("fmt", "")
    part = request.form.get("part") or "scores"
    if fmt not in cycle_exports.FORMATS or part not in cycle_exports.CSV_PARTS:
        abort(400)
    job = jobs.enqueue(
        "cycle-export",
        {
            "cycle": cycle.id,
            "fmt": fmt,
            "part": part,
            "kind": request.form.get("kind") or None,
            "status": request.form.get("status") or None,
        },
        requested_by=current_user,
    )
    return redirect(url_for("jobs.status", job_id=job.id), code=303)
