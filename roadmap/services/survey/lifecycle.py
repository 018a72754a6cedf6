"""The lifecycle of an assessment (DESIGN.md §5), checked in this one place.

draft → submitted → in_review → approved → published, and in_review → returned → draft (returning needs a
comment). Each transition names the roles that may make it; anything else is refused as a whole, with a
message, and the web layer answers 409.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, Role, User, utcnow
from roadmap.services.platform import audit

S = AssessmentStatus


@dataclass(frozen=True)
class Transition:
    source: AssessmentStatus
    target: AssessmentStatus
    roles: frozenset[Role]
    action: str
    needs_comment: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, frozenset({Role.RESPONDENT}), "assessment.submitted"),
    Transition(
        S.SUBMITTED, S.IN_REVIEW, frozenset({Role.CONSULTANT, Role.ADMIN}), "assessment.review_started"
    ),
    Transition(
        S.IN_REVIEW, S.RETURNED, frozenset({Role.CONSULTANT, Role.ADMIN}), "assessment.returned", True
    ),
    Transition(S.RETURNED, S.DRAFT, frozenset({Role.RESPONDENT}), "assessment.reopened"),
    Transition(S.IN_REVIEW, S.APPROVED, frozenset({Role.CONSULTANT, Role.ADMIN}), "assessment.approved"),
    Transition(S.APPROVED, S.PUBLISHED, frozenset({Role.CONSULTANT, Role.ADMIN}), "assessment.published"),
)

STATUS_LABELS: dict[AssessmentStatus, LazyString] = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted"),
    S.IN_REVIEW: _l("In review"),
    S.RETURNED: _l("Returned for revision"),
    S.APPROVED: _l("Approved"),
    S.PUBLISHED: _l("Published"),
}


class IllegalTransition(Exception):  # noqa: N818 (the domain's word)
    """Refused as a whole; nothing was changed."""

    def __init__(self, message: LazyString | str) -> None:
        super().__init__(str(message))
        self.message = message


def find(source: AssessmentStatus, target: AssessmentStatus) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.source is source and transition.target is target:
            return transition
    return None


def allowed(assessment: Assessment, target: AssessmentStatus, user: User) -> bool:
    transition = find(assessment.status_enum, target)
    return transition is not None and user.role_enum in transition.roles


def transition(
    assessment: Assessment,
    target: AssessmentStatus,
    *,
    actor: User,
    comment: str | None = None,
    expected_status_version: int | None = None,
) -> Transition:
    """Move the assessment to `target`, or raise IllegalTransition. The caller commits."""
    if expected_status_version is not None and expected_status_version != assessment.status_version:
        raise IllegalTransition(
            _l("The assessment has changed since you opened the page. Reload it and try again.")
        )
    step = find(assessment.status_enum, target)
    if step is None:
        raise IllegalTransition(
            _l(
                "An assessment that is “%(source)s” cannot become “%(target)s”.",
                source=STATUS_LABELS[assessment.status_enum],
                target=STATUS_LABELS[target],
            )
        )
    if actor.role_enum not in step.roles:
        raise IllegalTransition(_l("Your role does not allow this step."))
    if step.needs_comment and not (comment or "").strip():
        raise IllegalTransition(_l("Please write a comment that says what must be revised."))
    assessment.status = target.value
    assessment.status_version += 1
    if target is S.SUBMITTED:
        assessment.submitted_at = utcnow()
    details: dict[str, object] = {"from": step.source.value, "to": target.value}
    if comment:
        details["comment"] = comment
    audit.record(step.action, actor=actor, object_type="assessment", object_id=assessment.id, details=details)
    db.session.flush()
    return step
