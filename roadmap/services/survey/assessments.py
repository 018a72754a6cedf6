"""Assessments: which framework an assessment uses, whether it may still be edited, an office's assessments
and cycles, and the names and comments shown beside its answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from roadmap.engine.framework import Framework
from roadmap.extensions import db
from roadmap.models import (
    EDITABLE_STATUSES,
    REVIEWED_STATUSES,
    Assessment,
    AssessmentStatus,
    Cycle,
    CycleStatus,
    FrameworkVersion,
    Office,
    ReviewComment,
    User,
)
from roadmap.policy import Action, permits
from roadmap.services import invalid
from roadmap.services.platform.caching import Cache, app_cache
from roadmap.services.survey import frameworks, lifecycle

EDITABLE = EDITABLE_STATUSES


def current_framework_version() -> FrameworkVersion | None:
    """The most recently imported version: the default choice for a new cycle (an assessment uses its
    cycle's version, never this one directly)."""
    return db.session.scalar(
        select(FrameworkVersion)
        .order_by(FrameworkVersion.imported_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )


def assessment_for(office: Office, cycle: Cycle) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.office_id == office.id, Assessment.cycle_id == cycle.id)
    )


def framework_of(assessment: Assessment) -> Framework:
    """The assessment's framework. Framework versions never change once stored, so each app remembers which
    framework a version id stands for and saves the row's lookup on every request."""
    known: Cache[Framework] = app_cache("survey.frameworks_by_version", maxsize=64)
    return known.get_or_make(
        assessment.framework_version_id, lambda: frameworks.framework_of(assessment.framework_version)
    )


ANSWER_ERRORS: dict[str, Callable[..., LazyString]] = {
    "question_unknown": lambda **p: _l("There is no question %(question)s in this survey.", **p),
    "na_not_allowed": lambda **p: _l("“Not applicable” cannot be chosen for question %(question)s.", **p),
    "dont_know_not_allowed": lambda **p: _l("“Don't know” cannot be chosen for question %(question)s.", **p),
    "value_missing": lambda **p: _l("Please give an answer to question %(question)s.", **p),
    "value_unexpected": lambda **p: _l("Question %(question)s does not take a value with this choice.", **p),
    "value_type": lambda **p: _l("The answer to question %(question)s has the wrong form.", **p),
    "value_not_finite": lambda **p: _l("The answer to question %(question)s must be a number.", **p),
    "option_unknown": lambda **p: _l("Question %(question)s has no such option.", **p),
    "selection_empty": lambda **p: _l("Please choose at least one option for question %(question)s.", **p),
    "options_exclusive": lambda **p: _l(
        "In question %(question)s, “%(option)s” cannot be combined with other options.", **p
    ),
    "value_out_of_range": lambda **p: _l(
        "The answer to question %(question)s must be between %(min)s and %(max)s.", **p
    ),
}


def ensure_editable(assessment: Assessment, actor: User) -> None:
    if assessment.status_enum not in EDITABLE:
        raise invalid(
            None,
            _l(
                "This assessment is “%(status)s” and can no longer be changed.",
                status=lifecycle.STATUS_LABELS[assessment.status_enum],
            ),
        )
    if assessment.status_enum is AssessmentStatus.RETURNED:
        # The first change after a return takes the assessment back to draft.
        lifecycle.transition(assessment, AssessmentStatus.DRAFT, actor=actor)


def startable_cycles(office: Office) -> list[Cycle]:
    """Open cycles in which the office has no assessment yet."""
    started = select(Assessment.cycle_id).where(Assessment.office_id == office.id)
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.status == CycleStatus.OPEN.value, Cycle.id.not_in(started))
            .order_by(Cycle.opens_on.desc())
        )
    )


def has_carry_forward_source(office: Office, cycle: Cycle) -> bool:
    """Whether an earlier cycle's approved answers exist to pre-fill from."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Assessment)
            .join(Cycle, Cycle.id == Assessment.cycle_id)
            .where(
                Assessment.office_id == office.id,
                Assessment.status.in_(REVIEWED_STATUSES),
                Cycle.opens_on < cycle.opens_on,
            )
        )
        or 0
    ) > 0


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Full names of the given users in one query (for "last edited by" beside every question)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}


def review_comments(assessment: Assessment, viewer: User) -> dict[str | None, list[ReviewComment]]:
    """Comments by question code (None: on the whole assessment), oldest first, in one query; none for a
    viewer who may not read them yet (the office, until the assessment comes back to it)."""
    if not permits(viewer, Action.READ_REVIEW_COMMENTS, assessment):
        return {}
    comments: dict[str | None, list[ReviewComment]] = {}
    for comment in db.session.scalars(
        select(ReviewComment)
        .where(ReviewComment.assessment_id == assessment.id)
        .options(joinedload(ReviewComment.author))
        .order_by(ReviewComment.created_at, ReviewComment.id)
    ):
        comments.setdefault(comment.question_code, []).append(comment)
    return comments
