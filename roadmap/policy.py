"""The one place that answers "may this user do this to that object?". Every view asks it, and so does every
service that treats users differently by role.

The answer is a table, `POLICY`: for every action, every role's grant — the relation to the object that the
grant requires (any object, an object of the user's own office, of an office assigned to them, or the user's
own), and for some grants the statuses of the assessment in which it holds. What the table does not grant
is refused: an action without a row, a role without a cell, a user whose stored role is unknown. A new role
is a new column here, besides its name (roadmap.models.Role and the schema's check) and its label: no view,
service or template names a role (docs/architecture.md, "A role").

The web layer turns a refusal into 404 when the object is one the user may not even know about, and 403
when the user may know the page exists but not use it (see roadmap.web.guard).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, select, true

from roadmap.extensions import db
from roadmap.models import (
    EDITABLE_STATUSES,
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
    MANAGE_FRAMEWORKS = "frameworks.manage"  # framework versions: upload, validate, compare, preview, import
    LIST_CYCLES = "cycles.list"
    VIEW_AUDIT = "audit.view"
    READ_NOTIFICATIONS = "notifications.read"  # one's own in-app notifications
    # Object actions on an assessment (or on the office, for starting one).
    START_ASSESSMENT = "assessment.start"
    VIEW_ASSESSMENT = "assessment.view"
    EDIT_ASSESSMENT = "assessment.edit"  # answers, evidence: the office's own representatives only
    SUBMIT_ASSESSMENT = "assessment.submit"
    SET_TARGETS = "assessment.targets"  # change the target levels (seeing them is viewing the assessment)
    READ_REVIEW_COMMENTS = "assessment.comments"  # the consultants' comments at the questions
    VIEW_REVIEW_QUEUE = "review.queue"  # the list of assessments waiting for review
    REVIEW_ASSESSMENT = "assessment.review"  # comments, overrides, return, approve, publish
    VIEW_ROADMAP = "roadmap.view"  # the roadmap, its changes, the what-if and the exports
    EDIT_ROADMAP = "roadmap.edit"  # generate, regenerate and edit: the consultants' work
    ANALYSE_ROADMAP = "roadmap.analyse"  # the what-if and the raw data (CSV, JSON): tools, not results
    VIEW_JOB = "job.view"  # a background job's status and result: the user who asked for it only
    MANAGE_REPORT_SETTINGS = "report_settings.manage"  # issuing body, number pattern, signatory (Decree 30)
    # JSON API and personal tokens (issue 7).
    READ_API = "api.read"  # the read-only JSON API at all; each object is then checked as on the pages
    VIEW_RESULTS = "results.view"  # an assessment's scores through the API: the office once published
    MANAGE_API_TOKENS = "api_tokens.manage"  # one's own tokens (with a token as target: that it is one's own)
    DOWNLOAD_REPORT = "report.download"  # the report (PDF): the office once published, reviewers always
    # Keeping a cycle moving (issue 21).
    MANAGE_EMAIL_DEFAULTS = "email_defaults.manage"  # which notifications go by e-mail unless a user chooses
    VIEW_CYCLE_PROGRESS = "cycle.progress"  # the progress board; it then lists the offices each may view
    SEND_REMINDERS = "reminders.send"  # remind an office from the progress board (audited, once a day)
    SIGN_REPORT = "report.sign"  # sign the approved report (issue 25): the reviewers who approve it
    VERIFY_REPORT = "report.verify"  # check a signed report's signatures: anyone who may sign in
    # The office profile (issue 18): what the office is, answered once per office, tested by the framework.
    VIEW_OFFICE_PROFILE = "office_profile.view"
    EDIT_OFFICE_PROFILE = "office_profile.edit"  # the office's representatives and administrators
    # The roadmap as a living plan (issue 22).
    UPDATE_PROGRESS = "roadmap.progress"  # the office reports how each initiative of its published plan goes
    REVIEW_PROGRESS = "roadmap.progress_review"  # a consultant comments, accepts or questions a completion
    VIEW_FOLLOW_UP = "follow_up.view"  # the cross-office follow-up; it then lists the offices each may view
    # Classified evidence (issue 19): recorded as sighted on site by a consultant, never uploaded.
    RECORD_SIGHTED_EVIDENCE = "evidence.sighted"


class Relation(StrEnum):
    """What a grant requires of the object acted on."""

    ANY = "any"  # any object, or none
    OWN_OFFICE = "own office"  # an office, or an office's assessment, that the user belongs to
    ASSIGNED_OFFICE = "assigned office"  # an office, or its assessment, assigned to the user
    OWN = "own"  # the user's own job or token; without one, the user's own list of them


@dataclass(frozen=True)
class Grant:
    relation: Relation
    # Only while the assessment acted on is in one of these statuses (None: whatever its status). A grant
    # limited to statuses needs an assessment as target: an office has no status.
    statuses: frozenset[AssessmentStatus] | None = None


ANY = Grant(Relation.ANY)
OWN_OFFICE = Grant(Relation.OWN_OFFICE)
ASSIGNED = Grant(Relation.ASSIGNED_OFFICE)
OWN = Grant(Relation.OWN)
REFUSED = None  # written out in the table, so that every role's answer to every action is a decision
# For the office an unpublished roadmap (its results, its report) does not exist yet.
OWN_OFFICE_ONCE_PUBLISHED = Grant(Relation.OWN_OFFICE, frozenset({AssessmentStatus.PUBLISHED}))
# The office works on its survey while it is a draft (or returned to it); then it is the reviewers' turn.
OWN_OFFICE_WHILE_EDITABLE = Grant(Relation.OWN_OFFICE, EDITABLE_STATUSES)

# The table's columns.
RESPONDENT, CONSULTANT, ADMIN = Role.RESPONDENT, Role.CONSULTANT, Role.ADMIN

# Being granted an action on an assessment does not mean that its status allows the step (submitting a
# draft, approving what is in review): that is the lifecycle's to say (roadmap.services.survey.lifecycle).
POLICY: Mapping[Action, Mapping[Role, Grant | None]] = {
    Action.VIEW_HOME: {RESPONDENT: ANY, CONSULTANT: ANY, ADMIN: ANY},
    # The list then shows the offices each may view.
    Action.LIST_OFFICES: {RESPONDENT: REFUSED, CONSULTANT: ANY, ADMIN: ANY},
    Action.VIEW_OFFICE: {RESPONDENT: OWN_OFFICE, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.MANAGE_OFFICES: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.MANAGE_USERS: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.MANAGE_ASSIGNMENTS: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.MANAGE_CYCLES: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.MANAGE_FRAMEWORKS: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.LIST_CYCLES: {RESPONDENT: ANY, CONSULTANT: ANY, ADMIN: ANY},
    Action.VIEW_AUDIT: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.READ_NOTIFICATIONS: {RESPONDENT: OWN, CONSULTANT: OWN, ADMIN: OWN},
    # Administrators see every office but answer for none: the survey is the office's own.
    Action.START_ASSESSMENT: {RESPONDENT: OWN_OFFICE, CONSULTANT: REFUSED, ADMIN: REFUSED},
    Action.VIEW_ASSESSMENT: {RESPONDENT: OWN_OFFICE, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.EDIT_ASSESSMENT: {RESPONDENT: OWN_OFFICE, CONSULTANT: REFUSED, ADMIN: REFUSED},
    Action.SUBMIT_ASSESSMENT: {RESPONDENT: OWN_OFFICE, CONSULTANT: REFUSED, ADMIN: REFUSED},
    Action.SET_TARGETS: {RESPONDENT: OWN_OFFICE_WHILE_EDITABLE, CONSULTANT: ASSIGNED, ADMIN: ANY},
    # The office reads the comments once the assessment has come back to it; reviewers always.
    Action.READ_REVIEW_COMMENTS: {RESPONDENT: OWN_OFFICE_WHILE_EDITABLE, CONSULTANT: ASSIGNED, ADMIN: ANY},
    # The queue then lists the assessments each may review.
    Action.VIEW_REVIEW_QUEUE: {RESPONDENT: REFUSED, CONSULTANT: ANY, ADMIN: ANY},
    Action.REVIEW_ASSESSMENT: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.VIEW_ROADMAP: {RESPONDENT: OWN_OFFICE_ONCE_PUBLISHED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.EDIT_ROADMAP: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    # The office reads the published result and its documents; projections of other answers and the
    # machine-readable data are the consultants' tools, and a reader would take them for the result.
    Action.ANALYSE_ROADMAP: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    # A job's result was made with its requester's rights (an export of the offices they see): it is
    # theirs alone, administrators included.
    Action.VIEW_JOB: {RESPONDENT: OWN, CONSULTANT: OWN, ADMIN: OWN},
    Action.MANAGE_REPORT_SETTINGS: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.READ_API: {RESPONDENT: ANY, CONSULTANT: ANY, ADMIN: ANY},
    Action.VIEW_RESULTS: {RESPONDENT: OWN_OFFICE_ONCE_PUBLISHED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    # One's own tokens only: nobody else's, administrators included.
    Action.MANAGE_API_TOKENS: {RESPONDENT: OWN, CONSULTANT: OWN, ADMIN: OWN},
    Action.DOWNLOAD_REPORT: {RESPONDENT: OWN_OFFICE_ONCE_PUBLISHED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.MANAGE_EMAIL_DEFAULTS: {RESPONDENT: REFUSED, CONSULTANT: REFUSED, ADMIN: ANY},
    Action.VIEW_CYCLE_PROGRESS: {RESPONDENT: REFUSED, CONSULTANT: ANY, ADMIN: ANY},
    Action.SEND_REMINDERS: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.SIGN_REPORT: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: ANY},
    Action.VERIFY_REPORT: {RESPONDENT: ANY, CONSULTANT: ANY, ADMIN: ANY},
    Action.VIEW_OFFICE_PROFILE: {RESPONDENT: OWN_OFFICE, CONSULTANT: ASSIGNED, ADMIN: ANY},
    # Not the consultants: the profile is a fact the office states (an administrator corrects it), and a
    # reviewer who could change it could move the office out of a gate.
    Action.EDIT_OFFICE_PROFILE: {RESPONDENT: OWN_OFFICE, CONSULTANT: REFUSED, ADMIN: ANY},
    # The office follows its own plan once it has it; judging what it reports is its consultants' work
    # (administrators see the page, as every roadmap page, but neither report nor judge).
    Action.UPDATE_PROGRESS: {RESPONDENT: OWN_OFFICE_ONCE_PUBLISHED, CONSULTANT: REFUSED, ADMIN: REFUSED},
    Action.REVIEW_PROGRESS: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: REFUSED},
    Action.VIEW_FOLLOW_UP: {RESPONDENT: REFUSED, CONSULTANT: ANY, ADMIN: ANY},
    # Only who went on site can say they saw it: the office's consultants (and administrators); the office
    # reads it with its evidence and cannot add or remove it.
    Action.RECORD_SIGHTED_EVIDENCE: {RESPONDENT: REFUSED, CONSULTANT: ASSIGNED, ADMIN: ANY},
}

# Refused with 404 even to users who may see the assessment: for the office an unpublished roadmap does not
# exist yet, so its address must not reveal that one is being prepared (roadmap.web.guard).
HIDDEN_WHEN_REFUSED = frozenset(
    {
        Action.VIEW_ROADMAP,
        Action.ANALYSE_ROADMAP,
        Action.VIEW_RESULTS,
        Action.DOWNLOAD_REPORT,
        Action.UPDATE_PROGRESS,
        Action.REVIEW_PROGRESS,
    }
)

Target = Office | Assessment | Job | ApiToken


# Who must sign in with a second factor (TOTP) besides the password: whoever sees many offices' data. An
# administrator may require it of a respondent too (User.second_factor_required).
SECOND_FACTOR_ROLES = frozenset({CONSULTANT, ADMIN})


def second_factor_required(user: User) -> bool:
    return user.role in SECOND_FACTOR_ROLES or bool(user.second_factor_required)


def second_factor_pending(user: User) -> bool:
    """Signed in by password only: the code is still to be given, or the grace period to enrol is over.
    Such a user is granted nothing (the web layer leads them to the code or the enrolment page)."""
    return bool(getattr(user, "second_factor_pending", False))


def grant_of(user: User, action: Action) -> Grant | None:
    """The user's grant for `action`, or None: an inactive or anonymous user, a user whose second factor is
    pending, an action or a role that the table does not know (looked up by the stored name, so an unknown
    role is refused, not an error)."""
    if not user.is_authenticated or not user.active or second_factor_pending(user):
        return None
    return POLICY.get(action, {}).get(user.role)


def permits(user: User, action: Action, target: Target | None = None) -> bool:
    """Whether the table grants `user` this action on `target` (None: no object, or the user's own list)."""
    grant = grant_of(user, action)
    if grant is None:
        return False
    if grant.statuses is not None and not (
        isinstance(target, Assessment) and target.status_enum in grant.statuses
    ):
        return False
    if grant.relation is Relation.ANY:
        return True
    if grant.relation is Relation.OWN:
        if isinstance(target, Job):
            return target.requested_by_id == user.id
        if isinstance(target, ApiToken):
            return target.user_id == user.id
        return target is None
    # Decided on the office's id: every request checks this, and the office row itself is not needed.
    if isinstance(target, Office):
        office_id = target.id
    elif isinstance(target, Assessment):
        office_id = target.office_id
    else:
        return False  # an office relation needs an office: a user of no office starts no assessment
    if grant.relation is Relation.OWN_OFFICE:
        return user.office_id is not None and user.office_id == office_id
    return office_id in assigned_office_ids(user)


def roles_granted(relation: Relation) -> frozenset[Role]:
    """The roles that hold some grant with this relation: those who belong to an office (OWN_OFFICE), those
    whom offices are assigned to (ASSIGNED_OFFICE)."""
    return frozenset(
        role
        for grants in POLICY.values()
        for role, grant in grants.items()
        if grant is not None and grant.relation is relation
    )


# Who belongs to an office (and may act for it), and whom offices are assigned to: read off the table, so that
# accounts and assignments follow a new role's column.
OFFICE_ROLES = roles_granted(Relation.OWN_OFFICE)
ASSIGNABLE_ROLES = roles_granted(Relation.ASSIGNED_OFFICE)


def assigned_office_ids(user: User) -> set[int]:
    rows = db.session.scalars(
        select(ConsultantAssignment.office_id).where(ConsultantAssignment.consultant_id == user.id)
    )
    return set(rows)


def office_condition(user: User, action: Action, office_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The SQL condition on `office_id` under which `permits(user, action, <that office's object>)` holds,
    for listing many objects in one statement. Only for actions whose grants are not limited to statuses."""
    grant = grant_of(user, action)
    if grant is None:
        return false()
    if grant.statuses is not None:
        raise ValueError(f"{action} depends on the assessment's status: filter the assessments themselves")
    if grant.relation is Relation.ANY:
        return true()
    if grant.relation is Relation.OWN_OFFICE and user.office_id is not None:
        return office_id == user.office_id
    if grant.relation is Relation.ASSIGNED_OFFICE:
        return office_id.in_(
            select(ConsultantAssignment.office_id).where(ConsultantAssignment.consultant_id == user.id)
        )
    return false()


def visible_offices_query(user: User) -> Select[tuple[Office]]:
    """A SELECT of the offices the user may see, to be ordered and paged by the caller."""
    return select(Office).where(office_condition(user, Action.VIEW_OFFICE, Office.id))
