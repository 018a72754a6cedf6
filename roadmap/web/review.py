"""The consultants' review: the queue, the review page and its actions. Thin: the work is in
roadmap.services.review.workflow; this module turns its answers into pages.

A refusal by the assessment's status (an illegal transition, a change outside review) is answered 409 with
the service's message on the review page; a refusal of the input (no justification, no reason) 400. Both
leave everything as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from forms.review import (
    ClearOverrideForm,
    CommentForm,
    DecisionForm,
    EvidenceVerdictForm,
    LevelOverrideForm,
    PointsOverrideForm,
    RemoveSightedEvidenceForm,
    RescoreForm,
    ReturnForm,
    SightedEvidenceForm,
    StatusForm,
)
from roadmap import charts
from roadmap.engine.scoring import ENGINE_VERSION, Exclusion
from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, Cycle, EvidenceVerdict, OfficeKind, OverrideKind
from roadmap.policy import Action, permits
from roadmap.services import Invalid, invalid
from roadmap.services.plans import wording as plan_wording
from roadmap.services.platform import jobs
from roadmap.services.platform.clock import local_today
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.review import cycle_exports
from roadmap.services.review import demand as demand_service
from roadmap.services.review import portfolio as portfolio_service
from roadmap.services.review import workflow as review
from roadmap.services.survey import answers, assessments, evidence, lifecycle
from roadmap.services.survey.lifecycle import IllegalTransition
from roadmap.services.survey.wording import answer_text
from roadmap.web.guard import authorize, authorized_assessment

bp = Blueprint("review", __name__, url_prefix="/review")


# Why a result was frozen, in words (roadmap.models.ScoreSnapshot.reason).
SNAPSHOT_REASONS = {"submitted": _l("Submitted"), "approved": _l("Approved"), "rescored": _l("Re-scored")}


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


# Why a question does not count, in words: the engine's codes are not for reading.
EXCLUSION_LABELS = {
    Exclusion.HIDDEN: _l("not asked: its condition does not hold for this office"),
    Exclusion.NOT_SCORED: _l("not scored: it informs the review only"),
    Exclusion.NOT_APPLICABLE: _l("answered “not applicable”"),
    Exclusion.UNANSWERED: _l("not answered"),
    Exclusion.NOT_APPLICABLE_BY_RULE: _l("not applicable to this office by the framework's rule"),
}


@dataclass
class Kept:
    """A form posted and refused (or previewed), shown again in place: at its question or dimension, open,
    with what was typed and each problem beside its field."""

    form: str  # "points", "level", "comment", "verdict", "sighted", "return", "approve", "publish", "rescore"
    target: str  # the question or dimension code ("" for the whole assessment)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    preview: review.PointsPreview | None = None

    def at(self, form: str, target: str = "") -> bool:
        return self.form == form and self.target == target

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def _kept(kind: str, target: str, form: FlaskForm, error: Invalid | IllegalTransition | None = None) -> Kept:
    # What was typed, not its parsed value: "0,4" stays "0,4" (issue 24).
    values = {
        name: item.raw_data[0] if item.raw_data else str(item.data)
        for name, item in form._fields.items()
        if name not in ("csrf_token",) and (item.raw_data or item.data is not None)
    }
    kept = Kept(kind, target, values)
    if isinstance(error, Invalid):
        for problem in error.problems:
            kept.errors.setdefault(problem.field or "", []).append(str(problem.message))
    elif error is not None:
        kept.errors[""] = [str(error.message)]
    return kept


def _render(
    assessment: Assessment, *, status: int = 200, problem: str | None = None, kept: Kept | None = None
) -> tuple[str, int]:
    scored = review.reviewed_score(assessment)
    framework = scored.framework
    codes = [question.code for question in framework.questions]
    overrides = review.overrides(assessment)
    returned_at = review.returned_at(assessment)
    records = scored.records
    # Marks for what moved under the reviewer's feet: answers changed since the office got the assessment
    # back, and overrides older than the answer they judge.
    changed_since_return = {
        code
        for code, record in records.items()
        if returned_at is not None and record.updated_at > returned_at
    }
    stale_overrides = {
        code
        for (kind, code), row in overrides.items()
        if kind == "points" and code in records and records[code].updated_at > row.created_at
    }
    stale_levels = {
        code
        for (kind, code), row in overrides.items()
        if kind == "level"
        and any(
            records[q.code].updated_at > row.created_at
            for q in framework.questions_of(code)
            if q.code in records
        )
    }
    resumes = review.resumes_review(assessment)
    return render_template(
        "review/page.html",
        assessment=assessment,
        framework=framework,
        result=scored.result,
        outcomes={outcome.code: outcome for outcome in scored.result.questions},
        records=records,
        evidence=evidence.of_questions(assessment, codes),
        verdicts=review.evidence_reviews(assessment),
        overrides=overrides,
        comments=assessments.review_comments(assessment, current_user),
        answer_text=answer_text,
        to_answer=answers.to_answer,
        status_labels=lifecycle.STATUS_LABELS,
        exclusion_labels=EXCLUSION_LABELS,
        not_applicable_text=plan_wording.not_applicable_text,
        # A resubmission goes on with the review it came back from: its forms are open without a new start.
        in_review=assessment.status_enum is AssessmentStatus.IN_REVIEW or resumes,
        resumes=resumes,
        returned_at=returned_at,
        changed_since_return=changed_since_return,
        stale_overrides=stale_overrides,
        stale_levels=stale_levels,
        can=lambda target: (
            lifecycle.allowed(assessment, target, current_user)
            or (resumes and target in (AssessmentStatus.APPROVED, AssessmentStatus.RETURNED))
        ),
        may_view_roadmap=permits(current_user, Action.VIEW_ROADMAP, assessment),
        statuses=AssessmentStatus,
        problem=problem,
        kept=kept or Kept("", ""),
        status_form=StatusForm(formdata=None, status_version=str(assessment.status_version)),
        decision_form=DecisionForm(formdata=None, status_version=str(assessment.status_version)),
        return_form=ReturnForm(formdata=None, status_version=str(assessment.status_version)),
        comment_form=CommentForm(formdata=None),
        verdict_form=EvidenceVerdictForm(formdata=None),
        sighted_form=SightedEvidenceForm(formdata=None),
        may_record_sighted=permits(current_user, Action.RECORD_SIGHTED_EVIDENCE, assessment)
        and assessment.status_enum not in evidence.SIGHTED_CLOSED_STATUSES,
        today=local_today(),
        points_form=PointsOverrideForm(formdata=None),
        level_form=LevelOverrideForm(formdata=None),
        clear_form=ClearOverrideForm(formdata=None),
        # A refused re-score keeps the reason that was typed.
        rescore_form=RescoreForm(
            formdata=None, reason=kept.value("reason") if kept and kept.form == "rescore" else None
        ),
        snapshot_reasons=SNAPSHOT_REASONS,
        history=review.score_history(assessment),
        rescorable=assessment.status_enum in review.RESCORABLE,
        engine_version=ENGINE_VERSION,
    ), status


@bp.route("/assessments/<int:assessment_id>")
@login_required
def page(assessment_id: int) -> tuple[str, int]:
    return _render(_reviewed(assessment_id))


def _done(assessment: Assessment, message: str, anchor: str | None = None) -> Response:
    flash(message, "success")
    return redirect(url_for("review.page", assessment_id=assessment.id, _anchor=anchor))


def _refused(assessment: Assessment, error: Invalid | IllegalTransition, kept: Kept) -> tuple[str, int]:
    """The page again with the refused form in place (what was typed, the problem beside its field); the
    form's address carries its anchor, so the browser lands at the question, not at the top."""
    db.session.rollback()
    if isinstance(error, IllegalTransition):
        return _render(assessment, status=409, problem=str(error.message), kept=kept)
    status = 409 if isinstance(error, review.NotInReview | evidence.SightedClosed) else 400
    return _render(
        assessment, status=status, problem="; ".join(str(p.message) for p in error.problems), kept=kept
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
        return _refused(assessment, error, _kept("comment", question or "", form, error))
    return _done(assessment, _("The comment has been saved."), f"q-{question}" if question else None)


@bp.route("/assessments/<int:assessment_id>/evidence", methods=["POST"])
@login_required
def judge_evidence(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = EvidenceVerdictForm()
    _valid(form)
    question = (form.question.data or "").strip()
    try:
        if form.verdict.data not in {v.value for v in EvidenceVerdict}:
            # No verdict is preselected: the consultant says which, or nothing is saved.
            raise invalid("verdict", _l("Choose whether the evidence is verified or rejected."))
        review.judge_evidence(
            assessment,
            question,
            EvidenceVerdict(form.verdict.data),
            actor=current_user,
            reason=form.reason.data,
        )
    except Invalid as error:
        return _refused(assessment, error, _kept("verdict", question, form, error))
    return _done(assessment, _("The evidence check has been saved."), f"q-{question}")


@bp.route("/assessments/<int:assessment_id>/sighted", methods=["POST"])
@login_required
def record_sighted(assessment_id: int) -> Any:
    """Evidence sighted on site by the consultant who records it (issue 19): what, when, where."""
    assessment = authorized_assessment(assessment_id, Action.RECORD_SIGHTED_EVIDENCE)
    form = SightedEvidenceForm()
    _valid(form)
    code = (form.question.data or "").strip()
    try:
        framework = assessments.framework_of(assessment)
        if not code or not framework.has_question(code):
            raise invalid("question", _l("There is no question %(question)s in this survey.", question=code))
        sighting = evidence.parse_sighting(form.description.data, form.place.data, form.sighted_on.data)
        evidence.record_sighting(assessment, framework.question(code), sighting, actor=current_user)
    except Invalid as error:
        return _refused(assessment, error, _kept("sighted", code, form, error))
    return _done(assessment, _("The evidence sighted on site has been recorded."), f"q-{code}")


@bp.route("/assessments/<int:assessment_id>/sighted/remove", methods=["POST"])
@login_required
def remove_sighted(assessment_id: int) -> Any:
    assessment = authorized_assessment(assessment_id, Action.RECORD_SIGHTED_EVIDENCE)
    form = RemoveSightedEvidenceForm()
    _valid(form)
    raw = (form.sighting.data or "").strip()
    row = evidence.sighting_of(assessment, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if row is None:
        abort(404)
    code = row.question_code
    try:
        evidence.remove_sighting(assessment, row, actor=current_user)
    except Invalid as error:
        return _refused(assessment, error, _kept("sighted", code, form, error))
    return _done(assessment, _("The record of evidence sighted on site has been removed."), f"q-{code}")


@bp.route("/assessments/<int:assessment_id>/overrides/points", methods=["POST"])
@login_required
def override_points(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = PointsOverrideForm()
    if not form.validate_on_submit():
        if form.points.errors and not form.errors.get("csrf_token"):
            # A number not in the user's form: said beside the typed text, at its question; nothing stored.
            kept = _kept("points", (form.question.data or "").strip(), form)
            kept.errors["points"] = [str(message) for message in form.points.errors]
            return _render(assessment, status=400, problem="; ".join(kept.errors["points"]), kept=kept)
        abort(400)
    question = (form.question.data or "").strip()
    if request.form.get("intent") == "preview":
        # The effect before saving: the page again, the form as typed, the points and index before and after.
        try:
            preview = review.preview_points(assessment, question, form.points.data)
        except Invalid as error:
            return _refused(assessment, error, _kept("points", question, form, error))
        db.session.rollback()
        kept = _kept("points", question, form)
        kept.preview = preview
        return _render(assessment, kept=kept)
    try:
        review.override_points(
            assessment, question, form.points.data, form.justification.data, actor=current_user
        )
    except Invalid as error:
        return _refused(assessment, error, _kept("points", question, form, error))
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
        return _refused(assessment, error, _kept("level", dimension, form, error))
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
        return _refused(assessment, error, _kept("clear", form.target.data or "", form, error))
    return _done(assessment, _("The computed value applies again."))


def _status_form(form: StatusForm) -> int:
    _valid(form)
    expected = form.expected_status_version()
    if expected is None:
        abort(400)
    return expected


def _confirmed(form: DecisionForm) -> None:
    """Approving and publishing cannot be undone from the page: they need the ticked confirmation."""
    if not form.confirm.data:
        raise invalid(
            "confirm", _l("Tick the confirmation first: this step cannot be undone from this page.")
        )


@bp.route("/assessments/<int:assessment_id>/start", methods=["POST"])
@login_required
def start(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = StatusForm()
    expected = _status_form(form)
    try:
        review.start_review(assessment, actor=current_user, expected_status_version=expected)
    except IllegalTransition as error:
        return _refused(assessment, error, _kept("start", "", form, error))
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
        return _refused(assessment, error, _kept("return", "", form, error))
    return _done(assessment, _("The assessment has been returned to the office for revision."))


@bp.route("/assessments/<int:assessment_id>/approve", methods=["POST"])
@login_required
def approve(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = DecisionForm()
    expected = _status_form(form)
    try:
        _confirmed(form)
        review.approve(assessment, actor=current_user, expected_status_version=expected)
    except (IllegalTransition, Invalid) as error:
        return _refused(assessment, error, _kept("approve", "", form, error))
    report_jobs.prerender(assessment, actor=current_user)  # the reports, ready before anyone asks
    return _done(assessment, _("The assessment has been approved and its roadmap generated."))


@bp.route("/assessments/<int:assessment_id>/publish", methods=["POST"])
@login_required
def publish(assessment_id: int) -> Any:
    assessment = _reviewed(assessment_id)
    form = DecisionForm()
    expected = _status_form(form)
    try:
        _confirmed(form)
        review.publish(assessment, actor=current_user, expected_status_version=expected)
    except (IllegalTransition, Invalid) as error:
        return _refused(assessment, error, _kept("publish", "", form, error))
    report_jobs.prerender(assessment, actor=current_user)
    return _done(assessment, _("The results and the roadmap have been published to the office."))


@bp.route("/assessments/<int:assessment_id>/rescore", methods=["POST"])
@login_required
def rescore(assessment_id: int) -> Any:
    """Re-score an approved result with the current engine, for a stated reason (audited, in the history)."""
    assessment = _reviewed(assessment_id)
    form = RescoreForm()
    _valid(form)
    try:
        snapshot = review.rescore(assessment, form.reason.data, actor=current_user)
    except Invalid as error:
        return _refused(assessment, error, _kept("rescore", "", form, error))
    return _done(
        assessment,
        _(
            "The result has been re-scored with engine %(engine)s: index %(index)s.",
            engine=snapshot.engine_version,
            index=format_decimal(snapshot.index_value),
        ),
        "history-heading",
    )


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
        demand=demand_service.build(view),
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
