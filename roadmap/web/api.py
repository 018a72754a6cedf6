"""The read-only JSON API (/api/v1): assessments, scores and roadmaps, as the pages show them.

Authenticated by the session cookie or by a personal token (`Authorization: Bearer rdm_…`). A token
request acts with its user's own permissions, through the same policy as the pages (roadmap.policy), and
never starts a session nor sets a cookie. Errors are JSON: `{"error": {"code": …, "message": …}}`, the
message in the caller's language; an object the caller may not see answers 404, as a missing one does.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from roadmap.engine.scoring import DtiView, dti_view, result_to_dict
from roadmap.extensions import csrf, db
from roadmap.models import Assessment, AssessmentStatus, Cycle, Office
from roadmap.policy import Action, visible_offices_query
from roadmap.services.directory import api_tokens
from roadmap.services.directory.api_tokens import TokenRefused
from roadmap.services.plans import completion, quarterly, roadmaps, tracking
from roadmap.services.plans import exports as roadmap_exports
from roadmap.services.platform.clock import local_today
from roadmap.services.reporting import verification
from roadmap.services.survey import answers, assessments, evidence, results
from roadmap.web.guard import MAX_ID, authorize, authorized_assessment
from roadmap.web.openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # nothing here writes (verification reads what it is sent); a token request has no cookie

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100
MAX_PAGE = 100_000  # an offset the database can take
TOKEN_HEADER = "Authorization"  # noqa: S105 (a header name)


def error(status: int, code: str, message: str | LazyString, **headers: str) -> Response:
    response = jsonify({"error": {"code": code, "message": str(message)}})
    response.status_code = status
    response.headers.update(headers)
    return response


def _unauthenticated(code: str, message: str | LazyString) -> Response:
    return error(401, code, message, **{"WWW-Authenticate": 'Bearer realm="api"'})


@bp.before_request
def authenticate() -> Response | None:
    """A token in the header wins over a cookie; without either the caller is told how to authenticate."""
    if request.endpoint == "api.openapi":
        return None  # the API's description is public: it holds no data
    header = request.headers.get(TOKEN_HEADER)
    if header is not None:
        try:
            user = api_tokens.authenticate(header)
        except TokenRefused as refused:
            return _unauthenticated(refused.code, refused.message)
        # For this request only: Flask-Login's current user, so the policy and the guard see the token's
        # user; nothing is written to the session.
        g._login_user = user
        return None
    if not current_user.is_authenticated:
        return _unauthenticated(
            "unauthenticated",
            _("Authentication required: send “Authorization: Bearer <token>” or log in first."),
        )
    if current_user.must_change_password:
        return error(
            403, "password_change_required", _("Please choose a new password before you use the API.")
        )
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization, Cookie"
    return response


# --- representations -----------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _office(office: Office) -> dict[str, Any]:
    return {
        "id": office.id,
        "code": office.code,
        "name": {"vi": office.name_vi, "en": office.name_en},
        "kind": office.kind,
    }


def _cycle(cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "code": cycle.code,
        "name": {"vi": cycle.name_vi, "en": cycle.name_en},
        "opens_on": cycle.opens_on.isoformat(),
        "closes_on": cycle.closes_on.isoformat(),
        "status": cycle.status,
    }


def summary(assessment: Assessment) -> dict[str, Any]:
    version = assessment.framework_version
    return {
        "id": assessment.id,
        "status": assessment.status,
        "office": _office(assessment.office),
        "cycle": _cycle(assessment.cycle),
        "framework": {
            "key": version.framework_key,
            "version": version.version,
            "fingerprint": version.fingerprint,
        },
        "created_at": _iso(assessment.created_at),
        "updated_at": _iso(assessment.updated_at),
        "submitted_at": _iso(assessment.submitted_at),
        "links": {
            "self": url_for("api.assessment", assessment_id=assessment.id),
            "scores": url_for("api.scores", assessment_id=assessment.id),
            "roadmap": url_for("api.roadmap", assessment_id=assessment.id),
        },
    }


# --- routes ------------------------------------------------------------------------------------------------


def _int_argument(name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        raise BadParameter(name, low, high)
    return int(raw)


class BadParameter(Exception):  # noqa: N818
    def __init__(self, name: str, low: int, high: int | None) -> None:
        super().__init__(name)
        self.name, self.low, self.high = name, low, high


@bp.errorhandler(BadParameter)
def bad_parameter(problem: BadParameter) -> Response:
    if problem.high is None:
        message = _(
            "The parameter “%(name)s” must be a whole number from %(low)d.",
            name=problem.name,
            low=problem.low,
        )
    else:
        message = _(
            "The parameter “%(name)s” must be a whole number from %(low)d to %(high)d.",
            name=problem.name,
            low=problem.low,
            high=problem.high,
        )
    return error(400, "invalid_parameter", message)


@bp.route("/assessments")
def assessments_list() -> Response:
    authorize(Action.READ_API)
    cycle_id = _int_argument("cycle", None, 1, MAX_ID)
    page = _int_argument("page", 1, 1, MAX_PAGE) or 1
    per_page = _int_argument("per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX) or PER_PAGE_DEFAULT
    status = request.args.get("status")
    if status is not None and status not in {s.value for s in AssessmentStatus}:
        return error(
            400,
            "invalid_parameter",
            _(
                "The parameter “status” must be one of: %(values)s.",
                values=", ".join(s.value for s in AssessmentStatus),
            ),
        )
    visible = visible_offices_query(current_user).with_only_columns(Office.id)
    query = select(Assessment).where(Assessment.office_id.in_(visible))
    if cycle_id is not None:
        query = query.where(Assessment.cycle_id == cycle_id)
    if status is not None:
        query = query.where(Assessment.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.join(Office, Office.id == Assessment.office_id)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .options(
            joinedload(Assessment.office),
            joinedload(Assessment.cycle),
            joinedload(Assessment.framework_version),
        )
        .order_by(Cycle.opens_on.desc(), Office.code, Assessment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return jsonify(
        {"items": [summary(row) for row in rows], "page": page, "per_page": per_page, "total": total}
    )


@bp.route("/assessments/<int:assessment_id>")
def assessment(assessment_id: int) -> Response:
    row = authorized_assessment(assessment_id)
    framework = assessments.framework_of(row)
    records = answers.answer_records(row)
    dimension_of = {question.code: question.dimension for question in framework.questions}
    body = summary(row)
    body["targets"] = results.targets_of(row, framework)
    body["answers"] = [
        {
            "question": code,
            "dimension": dimension_of.get(code),
            "state": record.state,
            "value": record.value,
            "to_confirm": record.to_confirm,
            "updated_at": _iso(record.updated_at),
        }
        for code, record in sorted(records.items())
    ]
    found = evidence.of_questions(row, [question.code for question in framework.questions])
    body["sighted_evidence"] = [
        {
            "id": sighting.id,
            "question": code,
            "description": sighting.description,
            "place": sighting.place,
            "sighted_on": sighting.sighted_on.isoformat(),
            "sighted_by": sighting.sighted_by_name,
            "recorded_at": _iso(sighting.recorded_at),
        }
        for code in sorted(found.sighted)
        for sighting in found.sighted[code]
    ]
    return jsonify(body)


@bp.route("/assessments/<int:assessment_id>/scores")
def scores(assessment_id: int) -> Response:
    row = authorized_assessment(assessment_id, Action.VIEW_RESULTS)
    scored = results.live_score(row, guidance=False)
    result = scored.result
    return jsonify(
        {
            "assessment_id": row.id,
            "status": row.status,
            "basis": "live",
            "index": result.index,
            "level": result.level,
            "coverage": result.coverage,
            "dimensions": [
                {
                    "code": d.code,
                    "name": scored.framework.dimension(d.code).name.as_dict(),
                    "score": d.score,
                    "level": d.level,
                    "computed_level": d.computed_level,
                    "target": d.target,
                    "capped_by": [gate.code for gate in d.gates if gate.capped],
                    # The answers' own score beside the capped one, and the gate whose cap lowered it.
                    "raw_score": d.raw_score,
                    "score_capped_by": d.capped_by,
                    # False: not applicable to the office by the framework's rule (its profile).
                    "applies": d.applies,
                    "overridden": d.level_override is not None,
                }
                for d in result.dimensions
            ],
            "dti": _dti(dti_view(scored.framework, result)),
            "trace": result_to_dict(result),
        }
    )


def _dti(view: DtiView | None) -> dict[str, Any] | None:
    """The DTI view: the index by DTI main index with the questions behind each (docs/scoring.md); null
    for a framework that maps no question to the DTI."""
    if view is None:
        return None
    return {
        "index": view.index,
        "pillars": [
            {
                "code": pillar.code,
                "ref": pillar.ref,
                "name": pillar.name.as_dict(),
                "points": pillar.points,
                "possible": pillar.possible,
                "questions": [
                    {"code": q.code, "dimension": q.dimension, "points": q.points, "possible": q.possible}
                    for q in pillar.questions
                ],
                "not_counted": list(pillar.not_counted),
            }
            for pillar in view.pillars
        ],
    }


@bp.route("/assessments/<int:assessment_id>/roadmap")
def roadmap(assessment_id: int) -> Response:
    row = authorized_assessment(assessment_id, Action.VIEW_ROADMAP)
    loaded = roadmaps.load(row)
    if loaded is None:
        return error(404, "no_roadmap", _("This assessment has no roadmap yet."))
    return jsonify(roadmap_exports.to_json(loaded))


@bp.route("/reports/verify", methods=["POST"])
def verify_report() -> Response:
    """A signed report's verdict (issue 25): the PDF is the body, read into memory and not kept."""
    authorize(Action.VERIFY_REPORT)
    try:
        content = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return error(413, "too_large", _("The file is too large (at most %(limit)s MB).", limit=_limit_mb()))
    try:
        result = verification.verify(content, current_app.config)
    except verification.NotVerifiable as refusal:
        return error(400, refusal.reason, verification.REFUSAL_TEXTS[refusal.reason])
    return jsonify(result.as_dict())


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


@bp.route("/assessments/<int:assessment_id>/progress")
def progress(assessment_id: int) -> Response:
    """How each initiative of the published roadmap is getting on (issue 22); an empty list before
    publication, when the roadmap is not followed yet."""
    row = authorized_assessment(assessment_id, Action.VIEW_ROADMAP)
    published = row.status_enum is AssessmentStatus.PUBLISHED
    today = local_today()
    lines = tracking.lines(row, today=today) if published else []
    files = completion.files_of(row) if published else {}
    reports = quarterly.reports_of(row) if published else []
    return jsonify(
        {
            "format": "progress/1",
            "assessment": row.id,
            "published": published,
            "quarter": str(tracking.Quarter.of_day(today)),
            "last_report": (
                {"quarter": reports[0].quarter, "confirmed_at": _iso(reports[0].confirmed_at)}
                if reports
                else None
            ),
            "initiatives": [
                {
                    "code": line.code,
                    "mandatory": line.mandatory,
                    "deadline": _iso(line.deadline),
                    "planned_start": str(line.planned_start) if line.planned_start else None,
                    "planned_finish": str(line.planned_finish) if line.planned_finish else None,
                    "late": line.late,
                    "at_risk": line.at_risk,
                    "version": line.version,
                    "updated_at": _iso(line.row.updated_at) if line.row is not None else None,
                    **{name: value for name, value in line.state.items() if name != "reviewed_by_id"},
                    "evidence_files": [
                        {
                            "id": file.id,
                            "name": file.original_name,
                            "content_type": file.content_type,
                            "size": file.size,
                            "sha256": file.sha256,
                            "uploaded_at": _iso(file.uploaded_at),
                        }
                        for file in files.get(line.code, [])
                    ],
                }
                for line in lines
            ],
        }
    )


@bp.route("/openapi.json")
def openapi() -> Response:

    return jsonify(document())
