"""The lifecycle of an assessment (DESIGN.md §5), checked in this one place.

draft → submitted → in_review → approved → published, and in_review → returned → draft (returning needs a
comment). Each transition names the policy action that its actor needs (who holds it is roadmap.policy's
table, so a new role is decided there); anything else is refused as a whole, with a message, and the web
layer answers 409.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, User, utcnow
from roadmap.policy import Action, permits
from roadmap.services.platform import audit

S = AssessmentStatus


@dataclass(frozen=True)
class Transition:
    source: AssessmentStatus
    target: AssessmentStatus
    permission: Action  # what the actor must be granted on the assessment
    action: str  # the audit log's name of the step
    needs_comment: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, Action.SUBMIT_ASSESSMENT, "assessment.submitted"),
    Transition(S.SUBMITTED, S.IN_REVIEW, Action.REVIEW_ASSESSMENT, "assessment.review_started"),
    Transition(S.IN_REVIEW, S.RETURNED, Action.REVIEW_ASSESSMENT, "assessment.returned", True),
    # The office's first change after a return (roadmap.services.survey.assessments.ensure_editable).
    Transition(S.RETURNED, S.DRAFT, Action.EDIT_ASSESSMENT, "assessment.reopened"),
    Transition(S.IN_REVIEW, S.APPROVED, Action.REVIEW_ASSESSMENT, "assessment.approved"),
    Transition(S.APPROVED, S.PUBLISHED, Action.REVIEW_ASSESSMENT, "assessment.published"),
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
    return transition is not None and permits(user, transition.permission, assessment)


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
    if not permits(actor, step.permission, assessment):
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
