"""The respondent's steps that change an assessment's standing: starting it (one per office and cycle,
optionally carrying last cycle's answers forward) and submitting it (once, whatever the number of clicks)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    Cycle,
    FrameworkVersion,
    Office,
    User,
)
from roadmap.services import invalid
from roadmap.services.platform import audit, notifications
from roadmap.services.survey import answers, lifecycle
from roadmap.services.survey.assessments import assessment_for, current_framework_version
from roadmap.services.survey.results import live_score, missing_answers, take_snapshot


def cycle_framework_version(cycle: Cycle, *, actor: User | None) -> FrameworkVersion:
    """The framework version every assessment of the cycle uses. A cycle made before any framework existed
    has none yet: its first assessment pins the latest version to it (audited), and from then on importing
    another version changes nothing for the cycle."""
    if cycle.framework_version is not None:
        return cycle.framework_version
    version = current_framework_version()
    if version is None:
        raise invalid(None, _l("No framework has been imported yet. Ask an administrator."))
    cycle.framework_version = version
    audit.record(
        "cycle.framework_pinned",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={"framework": version.framework_key, "version": version.version},
    )
    return version


def start(office: Office, cycle: Cycle, *, actor: User, carry_forward: bool = False) -> Assessment:
    """Open the office's assessment for the cycle: one per office per cycle."""
    if not cycle.is_open:
        raise invalid(
            None, _l("The cycle %(code)s is closed: no assessment can be started.", code=cycle.code)
        )
    if assessment_for(office, cycle) is not None:
        raise invalid(
            None, _l("This office already has an assessment for the cycle %(code)s.", code=cycle.code)
        )
    version = cycle_framework_version(cycle, actor=actor)
    assessment = Assessment(
        office_id=office.id,
        cycle_id=cycle.id,
        framework_version_id=version.id,
        created_by_id=actor.id,
        last_edited_by_id=actor.id,
    )
    db.session.add(assessment)
    try:
        db.session.flush()
    except IntegrityError as error:  # a colleague started it at the same moment
        db.session.rollback()
        raise invalid(
            None, _l("This office already has an assessment for the cycle %(code)s.", code=cycle.code)
        ) from error
    carried = answers.carry_forward_answers(assessment, office, cycle, actor) if carry_forward else 0
    audit.record(
        "assessment.started",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"office": office.code, "cycle": cycle.code, "carried_forward": carried},
    )
    db.session.commit()
    return assessment


def submit(assessment: Assessment, *, actor: User, expected_status_version: int | None) -> bool:
    """Submit once. A repeat of the same submit (double click, replay) is a no-op that returns False."""
    if (
        assessment.status_enum is AssessmentStatus.SUBMITTED
        and expected_status_version is not None
        and expected_status_version + 1 == assessment.status_version
    ):
        return False
    if assessment.status_enum is AssessmentStatus.RETURNED:
        raise invalid(None, _l("Please review the returned answers before submitting again."))
    scored = live_score(assessment, guidance=False)
    missing = missing_answers(scored.framework, scored.result, scored.records)
    if missing:
        raise invalid(None, _l("%(n)d required questions are not answered yet.", n=len(missing)))
    # Lock the row while changing status, so that parallel submits serialise on PostgreSQL; on SQLite the
    # status_version compare-and-set below does the same.
    changed = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status_version == assessment.status_version)
        .values(status_version=Assessment.status_version)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    lifecycle.transition(
        assessment, AssessmentStatus.SUBMITTED, actor=actor, expected_status_version=expected_status_version
    )
    take_snapshot(assessment, "submitted", actor=actor)
    notifications.assessment_submitted(assessment)
    db.session.commit()
    return True


def submitted_by(assessment: Assessment) -> int | None:
    """Who made the assessment's latest submission (None: not submitted, or no record of it), so that a
    repeat of that person's own submit still confirms it to them."""
    if assessment.status_enum is not AssessmentStatus.SUBMITTED:
        return None
    return db.session.scalar(
        select(AuditEvent.actor_id)
        .where(
            AuditEvent.action == "assessment.submitted",
            AuditEvent.object_type == "assessment",
            AuditEvent.object_id == str(assessment.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
