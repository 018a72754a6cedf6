"""Turns policy answers into HTTP answers, and records every refusal in the audit log."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import IntegerConverter, Map

from roadmap.extensions import db
from roadmap.models import ApiToken, Assessment, Job, Office
from roadmap.policy import HIDDEN_WHEN_REFUSED, Action, Target, permits
from roadmap.services.plans import plan_actual
from roadmap.services.platform import audit
from roadmap.services.platform.caching import memoised

# The largest id a database integer column holds (PostgreSQL's INTEGER): a larger id in an address names
# nothing, and must answer 404 rather than reach the database and fail there.
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond MAX_ID matches no route (404) instead of reaching the
    database, where PostgreSQL refuses it and SQLite overflows (found by the API's fuzzing)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# One statement per model (and per set of joined names), built once: every page looks its object up by id,
# and a prepared statement costs less to run than session.get costs to build and look up in SQLAlchemy's
# statement cache.
@memoised(maxsize=32)
def _by_id(model: type[Any], with_names: bool = False) -> Select[Any]:
    statement = select(model).where(model.id == bindparam("object_id"))
    if with_names:
        statement = statement.options(joinedload(model.office), joinedload(model.cycle))
    return statement


def get_by_id(model: type[Any], object_id: int, *, with_names: bool = False) -> Any:
    """The object with this id, or None (also for an id no column can hold)."""
    if not 0 < object_id <= MAX_ID:
        return None
    return db.session.scalars(_by_id(model, with_names), {"object_id": object_id}).unique().one_or_none()


def authorize(action: Action, target: Target | None = None) -> None:
    """Abort unless the current user may do `action` (to `target`).

    A refused object is answered 404, so that ids of other offices' objects reveal nothing; a refused
    page (no object) is answered 403.
    """
    if permits(current_user, action, target):
        return
    status = 404 if target is not None else 403
    audit.record(
        "access.denied",
        actor=current_user if current_user.is_authenticated else None,
        object_type=type(target).__name__.lower() if target is not None else None,
        object_id=getattr(target, "id", None),
        details={"action": action.value, "path": request.path, "status": status},
    )
    db.session.commit()
    abort(status)


def authorized_office(office_id: int, action: Action = Action.VIEW_OFFICE) -> Office:
    """The office, if it exists and the current user may do `action` to it; else 404."""
    office = get_by_id(Office, office_id)
    if office is None:
        abort(404)
    authorize(action, office)
    return office


def authorize_seen(action: Action, target: Target) -> None:
    """Abort with 403 unless the current user may do `action` to `target`, an object the caller has already
    let them see (so a refusal reveals nothing): e.g. a consultant posting an office's profile."""
    if permits(current_user, action, target):
        return
    audit.record(
        "access.denied",
        actor=current_user if current_user.is_authenticated else None,
        object_type=type(target).__name__.lower(),
        object_id=getattr(target, "id", None),
        details={"action": action.value, "path": request.path, "status": 403},
    )
    db.session.commit()
    abort(403)


# A survey page's assessment: with its office and cycle, and what the page's cache key needs of last year's
# roadmap (its tracking), in one statement.
_SURVEY_PAGE_ASSESSMENT = _by_id(Assessment, with_names=True).add_columns(*plan_actual.STATE_COLUMNS)


def _survey_page_assessment(assessment_id: int) -> Assessment | None:
    if not 0 < assessment_id <= MAX_ID:
        return None
    row = db.session.execute(_SURVEY_PAGE_ASSESSMENT, {"object_id": assessment_id}).unique().one_or_none()
    if row is None:
        return None
    assessment: Assessment = row[0]
    plan_actual.remember_state(assessment, tuple(row[1:]))
    return assessment


def authorized_assessment(
    assessment_id: int,
    action: Action = Action.VIEW_ASSESSMENT,
    *,
    with_names: bool = False,
    for_survey_page: bool = False,
) -> Assessment:
    """The assessment, if it exists and the current user may do `action` to it; else 404 (or 403 when the
    user may see it but not do this, e.g. a consultant trying to edit answers). `with_names` loads its
    office and cycle in the same statement, for pages that show them; `for_survey_page` also what a survey
    page's cache key needs of last year's roadmap (plan_actual.state_key)."""
    if for_survey_page:
        assessment = _survey_page_assessment(assessment_id)
    else:
        assessment = get_by_id(Assessment, assessment_id, with_names=with_names)
    if assessment is None:
        abort(404)
    authorize_assessment(assessment, action)
    return assessment


def authorize_assessment(assessment: Assessment, action: Action = Action.VIEW_ASSESSMENT) -> None:
    """Abort unless the current user may do `action` to this loaded assessment: 404 when they may not see
    it (or the action hides what it refuses), 403 when they may see it but not do this. For a route that
    loads the assessment with more in one statement (a report download) and authorises it before using the
    rest."""
    if (
        action is not Action.VIEW_ASSESSMENT
        and action not in HIDDEN_WHEN_REFUSED
        and permits(current_user, Action.VIEW_ASSESSMENT, assessment)
    ):
        if not permits(current_user, action, assessment):
            audit.record(
                "access.denied",
                actor=current_user,
                object_type="assessment",
                object_id=assessment.id,
                details={"action": action.value, "path": request.path, "status": 403},
            )
            db.session.commit()
            abort(403)
        return
    authorize(action, assessment)


def authorized_job(job_id: str) -> Job:
    """The background job, if it exists and the current user asked for it; else 404."""
    job = db.session.get(Job, job_id[:32])
    if job is None:
        abort(404)
    authorize(Action.VIEW_JOB, job)
    return job


def authorized_token(token_id: int) -> ApiToken:
    """One of the current user's own API tokens; anyone else's looks missing (404)."""
    token = get_by_id(ApiToken, token_id)
    if token is None:
        abort(404)
    if not permits(current_user, Action.MANAGE_API_TOKENS, token):
        audit.record(
            "access.denied",
            actor=current_user if current_user.is_authenticated else None,
            object_type="api_token",
            object_id=token.id,
            details={"action": Action.MANAGE_API_TOKENS.value, "path": request.path, "status": 404},
        )
        db.session.commit()
        abort(404)
    return token
