"""The one place that answers "may this user do this to that object?". Every view asks it.

Respondents see only their own office, consultants the offices assigned to them, administrators all.
The web layer turns a refusal into 404 when the object is one the user may not even know about, and 403
when the user may know the page exists but not use it (see roadmap.web.guard).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import (
    ApiToken,
    Assessment,
    AssessmentStatus,
    ConsultantAssignment,
    Job,
    Office,
    Role,
    User,
)


class Action(StrEnum):
    VIEW_HOME = "home.view"
    LIST_OFFICES = "offices.list"
    VIEW_OFFICE = "office.view"
    MANAGE_OFFICES = "offices.manage"
    MANAGE_USERS = "users.manage"
    MANAGE_ASSIGNMENTS = "assignments.manage"
    MANAGE_CYCLES = "cycles.manage"
    LIST_CYCLES = "cycles.list"
    VIEW_AUDIT = "audit.view"
    READ_NOTIFICATIONS = "notifications.read"  # one's own in-app notifications
    # Object actions on an assessment (or on the office, for starting one).
    START_ASSESSMENT = "assessment.start"
    VIEW_ASSESSMENT = "assessment.view"
    EDIT_ASSESSMENT = "assessment.edit"  # answers, evidence: the office's own representatives only
    SUBMIT_ASSESSMENT = "assessment.submit"
    SET_TARGETS = "assessment.targets"
    VIEW_REVIEW_QUEUE = "review.queue"  # the list of assessments waiting for review
    REVIEW_ASSESSMENT = "assessment.review"  # comments, overrides, return, approve, publish
    VIEW_ROADMAP = "roadmap.view"  # the roadmap, its changes, the what-if and the exports
    EDIT_ROADMAP = "roadmap.edit"  # generate, regenerate and edit: the consultants' work
    VIEW_JOB = "job.view"  # a background job's status and result: the user who asked for it only
    MANAGE_REPORT_SETTINGS = "report_settings.manage"  # issuing body, number pattern, signatory (Decree 30)
    # JSON API and personal tokens (issue 7).
    READ_API = "api.read"  # the read-only JSON API at all; each object is then checked as on the pages
    VIEW_RESULTS = "results.view"  # an assessment's scores through the API: the office once published
    MANAGE_API_TOKENS = "api_tokens.manage"  # one's own tokens (with a token as target: that it is one's own)
    DOWNLOAD_REPORT = "report.download"  # the report (PDF): the office once published, reviewers always


# Who may act on an office's assessment, by relation to the office. Being allowed does not mean the
# assessment's status allows the step: that is the lifecycle's (roadmap.services.survey.lifecycle) to say.
_OWN_OFFICE_ONLY = frozenset({Action.START_ASSESSMENT, Action.EDIT_ASSESSMENT, Action.SUBMIT_ASSESSMENT})
_REVIEWERS_ONLY = frozenset({Action.REVIEW_ASSESSMENT, Action.EDIT_ROADMAP})
# Refused with 404 even to users who may see the assessment: for the office an unpublished roadmap does not
# exist yet, so its address must not reveal that one is being prepared (roadmap.web.guard).
HIDDEN_WHEN_REFUSED = frozenset({Action.VIEW_ROADMAP, Action.VIEW_RESULTS, Action.DOWNLOAD_REPORT})


# Actions that do not concern one object: who may do them at all.
_ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_HOME: frozenset(Role),
    Action.LIST_OFFICES: frozenset({Role.CONSULTANT, Role.ADMIN}),
    Action.LIST_CYCLES: frozenset(Role),
    Action.MANAGE_OFFICES: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_ASSIGNMENTS: frozenset({Role.ADMIN}),
    Action.MANAGE_CYCLES: frozenset({Role.ADMIN}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Action.READ_NOTIFICATIONS: frozenset(Role),
    Action.MANAGE_API_TOKENS: frozenset(Role),
    Action.VIEW_REVIEW_QUEUE: frozenset({Role.CONSULTANT, Role.ADMIN}),
    Action.MANAGE_REPORT_SETTINGS: frozenset({Role.ADMIN}),
    Action.READ_API: frozenset(Role),
}


def permits_token(user: User, token: ApiToken) -> bool:
    """A token is managed (listed, revoked) by its own user only: nobody else, administrators included."""
    return permits(user, Action.MANAGE_API_TOKENS) and token.user_id == user.id


def permits(user: User, action: Action, target: Office | Assessment | Job | None = None) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if action in _ROLE_ACTIONS:
        return user.role_enum in _ROLE_ACTIONS[action]
    if target is None:
        return False
    if isinstance(target, Job):
        # A job's result was made with its requester's rights (an export of the offices they see): it is
        # theirs alone, administrators included.
        return action is Action.VIEW_JOB and target.requested_by_id == user.id
    # Decided on the office's id: every request checks this, and the office row itself is not needed.
    office_id = target.id if isinstance(target, Office) else target.office_id
    if action in _OWN_OFFICE_ONLY:
        return user.is_respondent and user.office_id == office_id
    if action in _REVIEWERS_ONLY:
        return not user.is_respondent and may_see_office_id(user, office_id)
    if action in (Action.VIEW_ROADMAP, Action.VIEW_RESULTS, Action.DOWNLOAD_REPORT):
        # The office sees its roadmap (its report PDF and, through the API, its scores) once published;
        # consultants and administrators while they make them.
        if user.is_respondent and not _published(target):
            return False
        return may_see_office_id(user, office_id)
    # VIEW_OFFICE, VIEW_ASSESSMENT, SET_TARGETS: anyone who may see the office.
    return may_see_office_id(user, office_id)


def _published(target: Office | Assessment) -> bool:
    return isinstance(target, Assessment) and target.status == AssessmentStatus.PUBLISHED.value


def may_see_office(user: User, office: Office) -> bool:
    return may_see_office_id(user, office.id)


def may_see_office_id(user: User, office_id: int) -> bool:
    if user.is_admin:
        return True
    if user.is_respondent:
        return user.office_id == office_id
    return office_id in assigned_office_ids(user)


def assigned_office_ids(user: User) -> set[int]:
    rows = db.session.scalars(
        select(ConsultantAssignment.office_id).where(ConsultantAssignment.consultant_id == user.id)
    )
    return set(rows)


def visible_offices_query(user: User):  # type: ignore[no-untyped-def]
    """A SELECT of the offices the user may see, to be ordered and paged by the caller."""
    query = select(Office)
    if user.is_admin:
        return query
    if user.is_respondent:
        return query.where(Office.id == user.office_id)
    return query.join(ConsultantAssignment, ConsultantAssignment.office_id == Office.id).where(
        ConsultantAssignment.consultant_id == user.id
    )
