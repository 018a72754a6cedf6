"""The consultants' review of a submitted assessment (issue 7, DESIGN.md §2 and §5).

A consultant takes a submitted assessment into review, comments (at a question or on the whole), marks the
evidence of a question verified or rejected, overrides a question's points or a dimension's level with a
justification, and then returns the assessment for revision or approves it; an approved one is published.

Status changes go through `lifecycle` only. Comments, verdicts and overrides are accepted only while the
assessment is in review: before, nobody has taken responsibility for it; after, the result is frozen.
Every change is in the audit log in the same transaction as the change itself, and the office's
respondents get an in-app notification of every status change that concerns them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from roadmap.engine.framework import Framework
from roadmap.engine.numbers import NumberFormatError, parse_float
from roadmap.engine.scoring import PointsOverride, ScoreResult
from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    EvidenceReview,
    EvidenceVerdict,
    Notification,
    Office,
    OverrideKind,
    ReviewComment,
    ScoreOverride,
    ScoreSnapshot,
    SignedReport,
    User,
    utcnow,
)
from roadmap.policy import Action, office_condition
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.plans import roadmaps
from roadmap.services.platform import audit, notifications
from roadmap.services.survey import answers, assessments, lifecycle, results
from roadmap.services.survey.results import Scored

S = AssessmentStatus
QUEUE_STATUSES = (S.SUBMITTED, S.IN_REVIEW)
COMMENT_MAX_LENGTH = 5000

# Notification kinds, read by whoever renders notifications (see notification_text).
REVIEW_STARTED = "assessment.review_started"
RETURNED = "assessment.returned"
APPROVED = "assessment.approved"
PUBLISHED = "assessment.published"


# --- the queue -----------------------------------------------------------------------------------------


class QueueSort(StrEnum):
    AGE = "age"  # the longest waiting first: the default, the queue is worked in order
    OFFICE = "office"
    COMPLETENESS = "completeness"  # the least complete first
    WARNINGS = "warnings"  # the most consistency warnings first
    UNVERIFIED = "unverified"  # the most unverified evidence first


@dataclass(frozen=True)
class QueueItem:
    assessment: Assessment
    waiting_days: int  # since submission
    answered: int
    required: int
    warnings: int  # consistency warnings of the current answers
    unverified: int  # questions with evidence but no verdict yet

    @property
    def completeness(self) -> float:
        return self.answered / self.required if self.required else 1.0


def _reviewable(user: User) -> Any:
    """A SELECT of the assessments the user may review (consultants: of their assigned offices)."""
    return (
        select(Assessment)
        .join(Office, Office.id == Assessment.office_id)
        .where(office_condition(user, Action.REVIEW_ASSESSMENT, Assessment.office_id))
    )


def queue(
    user: User,
    *,
    status: AssessmentStatus | None = None,
    office_kind: str | None = None,
    sort: QueueSort = QueueSort.AGE,
    now: dt.datetime | None = None,
) -> list[QueueItem]:
    """Submitted and in-review assessments the user may review, with what tells where to start."""
    statuses = [status] if status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    query = _reviewable(user).where(Assessment.status.in_([s.value for s in statuses]))
    if office_kind:
        query = query.where(Office.kind == office_kind)
    rows = list(
        db.session.scalars(
            query.options(
                joinedload(Assessment.office),
                joinedload(Assessment.cycle),
                joinedload(Assessment.framework_version),
            )
        ).unique()
    )
    # Every figure of every row from a fixed number of statements, whatever the queue's length.
    scores, evidence = results.live_scores(rows)
    judged: dict[int, set[str]] = {row.id: set() for row in rows}
    if rows:
        for assessment_id, code in db.session.execute(
            select(EvidenceReview.assessment_id, EvidenceReview.question_code).where(
                EvidenceReview.assessment_id.in_(list(judged))
            )
        ):
            judged[assessment_id].add(code)
    moment = now or utcnow()
    items = []
    for assessment in rows:
        scored = scores[assessment.id]
        sections = results.progress(scored.framework, scored.result)
        submitted = assessment.submitted_at or assessment.created_at
        items.append(
            QueueItem(
                assessment=assessment,
                waiting_days=max(0, (moment - submitted).days),
                answered=sum(section.answered for section in sections),
                required=sum(section.required for section in sections),
                warnings=len(scored.result.warnings),
                unverified=len(evidence[assessment.id] - judged[assessment.id]),
            )
        )
    keys: dict[QueueSort, Callable[[QueueItem], Any]] = {
        QueueSort.AGE: lambda item: (-item.waiting_days, item.assessment.id),
        QueueSort.OFFICE: lambda item: (item.assessment.office.code, item.assessment.id),
        QueueSort.COMPLETENESS: lambda item: (item.completeness, item.assessment.id),
        QueueSort.WARNINGS: lambda item: (-item.warnings, item.assessment.id),
        QueueSort.UNVERIFIED: lambda item: (-item.unverified, item.assessment.id),
    }
    return sorted(items, key=keys[sort])


# --- what the review page shows ------------------------------------------------------------------------


def reviewed_score(assessment: Assessment) -> Scored:
    """The result with the consultants' overrides applied (the engine keeps the computed values beside)."""
    return results.live_score(assessment, guidance=False)


def evidence_reviews(assessment: Assessment) -> dict[str, EvidenceReview]:
    return {
        row.question_code: row
        for row in db.session.scalars(
            select(EvidenceReview)
            .where(EvidenceReview.assessment_id == assessment.id)
            .options(joinedload(EvidenceReview.reviewer))
        )
    }


def unverified_evidence(assessment: Assessment) -> set[str]:
    """Questions whose evidence has no verdict yet."""
    return answers.evidence_codes(assessment) - set(evidence_reviews(assessment))


def overrides(assessment: Assessment) -> dict[tuple[str, str], ScoreOverride]:
    """The override rows by (kind, target code), with their authors and times."""
    return {
        (row.kind, row.target_code): row
        for row in db.session.scalars(
            select(ScoreOverride)
            .where(ScoreOverride.assessment_id == assessment.id)
            .options(joinedload(ScoreOverride.author))
        )
    }


# --- the reviewer's work while in review ---------------------------------------------------------------


class NotInReview(Invalid):
    """The assessment's status, not the input, forbids the change (the web layer answers 409)."""


def returned_at(assessment: Assessment) -> dt.datetime | None:
    """When the assessment was last returned to the office (None: never), from the audit log."""
    return db.session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.object_type == "assessment",
            AuditEvent.object_id == str(assessment.id),
            AuditEvent.action == "assessment.returned",
        )
    )


def resumes_review(assessment: Assessment) -> bool:
    """A resubmission after a return: the review it came back from goes on, nobody starts it again."""
    return assessment.status_enum is S.SUBMITTED and returned_at(assessment) is not None


def _resume(assessment: Assessment, actor: User, expected_status_version: int | None = None) -> int | None:
    """Take a resubmitted assessment back into review (audited and notified as a start; the caller commits,
    or rolls back with the step that needed it). Returns the status version the next step expects."""
    if not resumes_review(assessment):
        return expected_status_version
    lifecycle.transition(
        assessment, S.IN_REVIEW, actor=actor, expected_status_version=expected_status_version
    )
    notify_office(assessment, REVIEW_STARTED)
    db.session.flush()
    return None if expected_status_version is None else assessment.status_version


def _ensure_in_review(assessment: Assessment, actor: User) -> None:
    """Refuse work outside review; a resubmitted assessment is taken back into review by the first action on
    it, so that the consultant does not start the same review twice."""
    _resume(assessment, actor)
    _refuse_outside_review(assessment)


def _refuse_outside_review(assessment: Assessment) -> None:
    if assessment.status_enum is not S.IN_REVIEW:
        raise NotInReview(
            Problem(
                None,
                _l(
                    "This assessment is “%(status)s”: comments, evidence checks and overrides are made only "
                    "while it is in review.",
                    status=lifecycle.STATUS_LABELS[assessment.status_enum],
                ),
            )
        )


def _framework(assessment: Assessment) -> Framework:
    return assessments.framework_of(assessment)


def _question_code(framework: Framework, code: str | None) -> str:
    if not code or not framework.has_question(code):
        raise invalid(
            "question", _l("There is no question %(question)s in this survey.", question=code or "")
        )
    return code


def _required_text(field: str, text: str | None, message: LazyString) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise invalid(field, message)
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise invalid(field, _l("The text is too long (at most %(max)d characters).", max=COMMENT_MAX_LENGTH))
    return cleaned


def add_comment(
    assessment: Assessment, body: str | None, *, actor: User, question_code: str | None = None
) -> ReviewComment:
    """A comment at a question (or on the whole assessment when `question_code` is None); commits."""
    _ensure_in_review(assessment, actor)
    if question_code is not None:
        _question_code(_framework(assessment), question_code)
    text = _required_text("body", body, _l("Please write the comment."))
    comment = ReviewComment(
        assessment_id=assessment.id, question_code=question_code, body=text, author_id=actor.id
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "review.commented",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"question": question_code, "comment_id": comment.id},
    )
    db.session.commit()
    return comment


def judge_evidence(
    assessment: Assessment,
    question_code: str,
    verdict: EvidenceVerdict,
    *,
    actor: User,
    reason: str | None = None,
) -> EvidenceReview:
    """Mark a question's evidence verified, or rejected with a reason; the latest verdict counts. Commits."""
    _ensure_in_review(assessment, actor)
    code = _question_code(_framework(assessment), question_code)
    if code not in answers.evidence_codes(assessment):
        raise invalid("question", _l("Question %(question)s has no evidence to check.", question=code))
    text = (reason or "").strip()
    if verdict is EvidenceVerdict.REJECTED:
        text = _required_text("reason", reason, _l("Please give the reason why the evidence is rejected."))
    row = db.session.scalar(
        select(EvidenceReview).where(
            EvidenceReview.assessment_id == assessment.id, EvidenceReview.question_code == code
        )
    )
    if row is None:
        row = EvidenceReview(assessment_id=assessment.id, question_code=code)
        db.session.add(row)
    row.verdict = verdict.value
    row.reason = text
    row.reviewer_id = actor.id
    row.reviewed_at = utcnow()
    audit.record(
        f"evidence.{verdict.value}",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"question": code, "reason": text} if text else {"question": code},
    )
    db.session.commit()
    return row


@dataclass(frozen=True)
class PointsPreview:
    """What an override of a question's points would do, shown before it is saved."""

    question: str
    points: float
    before: ScoreResult
    after: ScoreResult


def preview_points(assessment: Assessment, question_code: str, points: str | float | None) -> PointsPreview:
    """The result with this override in place of the question's current points; nothing is stored. Refuses
    what `override_points` refuses, except the missing justification (asked for when saving)."""
    if not resumes_review(assessment):  # a preview does not take a resubmission back into review
        _refuse_outside_review(assessment)
    code = _question_code(_framework(assessment), question_code)
    value = _points_value(points)
    scored = reviewed_score(assessment)
    current = dict(scored.inputs[4])
    current[code] = PointsOverride(value, "", "")
    return PointsPreview(code, value, scored.result, results.rescored(scored, points=current).result)


def _points_value(points: str | float | None) -> float:
    value = _number("points", points, _l("The points are a number between 0 and 1."))
    if not 0 <= value <= 1:
        raise invalid("points", _l("The points are a number between 0 and 1."))
    return value


def _number(field: str, value: str | float | None, message: LazyString) -> float:
    """A figure as the form's field read it, or typed text read in the user's language (the one parser)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = parse_float(str(value), str(get_locale() or "vi")) if value is not None else math.nan
        except NumberFormatError:
            number = math.nan
    if not math.isfinite(number):
        raise invalid(field, message)
    return number


def override_points(
    assessment: Assessment,
    question_code: str,
    points: str | float | None,
    justification: str | None,
    *,
    actor: User,
) -> ScoreOverride:
    """Replace a question's computed points (0–1) by the consultant's, with a justification. Commits."""
    _ensure_in_review(assessment, actor)
    code = _question_code(_framework(assessment), question_code)
    value = _points_value(points)
    return _store_override(assessment, OverrideKind.POINTS, code, value, justification, actor)


def override_level(
    assessment: Assessment,
    dimension_code: str,
    level: str | int | None,
    justification: str | None,
    *,
    actor: User,
) -> ScoreOverride:
    """Replace a dimension's computed level (1–5) by the consultant's, with a justification. Commits."""
    _ensure_in_review(assessment, actor)
    if dimension_code not in {d.code for d in _framework(assessment).dimensions}:
        raise invalid("dimension", _l("There is no dimension %(code)s in this survey.", code=dimension_code))
    value = _number("level", level, _l("The level is a whole number from 1 to 5."))
    if not value.is_integer() or not 1 <= value <= 5:
        raise invalid("level", _l("The level is a whole number from 1 to 5."))
    return _store_override(assessment, OverrideKind.LEVEL, dimension_code, value, justification, actor)


def _store_override(
    assessment: Assessment,
    kind: OverrideKind,
    code: str,
    value: float,
    justification: str | None,
    actor: User,
) -> ScoreOverride:
    text = _required_text(
        "justification", justification, _l("An override needs a justification: say why the value is changed.")
    )
    row = db.session.scalar(
        select(ScoreOverride).where(
            ScoreOverride.assessment_id == assessment.id,
            ScoreOverride.kind == kind.value,
            ScoreOverride.target_code == code,
        )
    )
    previous = {"value": row.value, "justification": row.justification} if row is not None else None
    if row is None:
        row = ScoreOverride(assessment_id=assessment.id, kind=kind.value, target_code=code)
        db.session.add(row)
    row.value = value
    row.justification = text
    row.author_id = actor.id
    row.created_at = utcnow()
    audit.record(
        f"override.{kind.value}",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"target": code, "value": value, "justification": text, "previous": previous},
    )
    db.session.commit()
    return row


def clear_override(assessment: Assessment, kind: OverrideKind, code: str, *, actor: User) -> bool:
    """Go back to the computed value. Returns False when there was no override. Commits."""
    _ensure_in_review(assessment, actor)
    removed = db.session.execute(
        delete(ScoreOverride).where(
            ScoreOverride.assessment_id == assessment.id,
            ScoreOverride.kind == kind.value,
            ScoreOverride.target_code == code,
        )
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    audit.record(
        "override.cleared",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"kind": kind.value, "target": code},
    )
    db.session.commit()
    return True


# --- status changes ------------------------------------------------------------------------------------


def start_review(assessment: Assessment, *, actor: User, expected_status_version: int | None = None) -> None:
    """Take a submitted assessment into review; raises IllegalTransition otherwise. Commits."""
    lifecycle.transition(
        assessment, S.IN_REVIEW, actor=actor, expected_status_version=expected_status_version
    )
    notify_office(assessment, REVIEW_STARTED)
    db.session.commit()


def return_for_revision(
    assessment: Assessment, comment: str | None, *, actor: User, expected_status_version: int | None = None
) -> None:
    """Send the assessment back to the office. The comment is required (the lifecycle refuses without one)
    and is kept as a comment on the whole assessment, which the office reads with the ones at questions."""
    expected_status_version = _resume(assessment, actor, expected_status_version)
    lifecycle.transition(
        assessment,
        S.RETURNED,
        actor=actor,
        comment=comment,
        expected_status_version=expected_status_version,
    )
    db.session.add(
        ReviewComment(
            assessment_id=assessment.id, question_code=None, body=(comment or "").strip(), author_id=actor.id
        )
    )
    notify_office(assessment, RETURNED)
    db.session.commit()


def approve(
    assessment: Assessment, *, actor: User, expected_status_version: int | None = None
) -> tuple[ScoreSnapshot, int]:
    """Approve: freeze the result (overrides included) and plan the roadmap from it, together or not at all.

    Returns the snapshot and the roadmap plan's version. Raises IllegalTransition or Invalid (when no plan
    can be made); then nothing is stored."""
    try:
        expected_status_version = _resume(assessment, actor, expected_status_version)
        lifecycle.transition(
            assessment, S.APPROVED, actor=actor, expected_status_version=expected_status_version
        )
        # The roadmap service plans from the latest "approved" snapshot: it must exist before it is called.
        snapshot = results.take_snapshot(assessment, "approved", actor=actor)
        db.session.flush()
        plan = roadmaps.generate(assessment, actor=actor)
        notify_office(assessment, APPROVED)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return snapshot, plan.version


RESCORABLE = frozenset({S.APPROVED, S.PUBLISHED})


class NotRescorable(NotInReview):
    """Only an approved or published result is re-scored: the status forbids it (the web answers 409)."""


def rescore(assessment: Assessment, reason: str | None, *, actor: User) -> ScoreSnapshot:
    """Score an approved (or published) result again with the current engine, for a stated reason.

    An approved result keeps the engine version it was scored with and is never re-scored silently: this is
    the one way, and the new snapshot keeps the reason beside the old one (the history), audited with both
    engine versions and indices. The roadmap is not regenerated: it plans from the re-score when the
    consultant regenerates it. Commits."""
    if assessment.status_enum not in RESCORABLE:
        raise NotRescorable(
            Problem(
                None,
                _l("Only an approved result is re-scored: before approval the score follows the answers."),
            )
        )
    text = _required_text("reason", reason, _l("Please say why the result is re-scored."))
    before = results.latest_snapshot(assessment)
    snapshot = results.take_snapshot(assessment, "rescored", actor=actor)
    snapshot.note = text
    db.session.flush()
    audit.record(
        "assessment.rescored",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={
            "reason": text,
            "snapshot": snapshot.id,
            "engine_before": before.engine_version if before else None,
            "engine_after": snapshot.engine_version,
            "index_before": before.index_value if before else None,
            "index_after": snapshot.index_value,
        },
    )
    db.session.commit()
    return snapshot


def score_history(assessment: Assessment) -> list[ScoreSnapshot]:
    """The assessment's snapshots, newest first: what was frozen when, by which engine, and why."""
    return list(
        db.session.scalars(
            select(ScoreSnapshot)
            .options(joinedload(ScoreSnapshot.created_by))
            .where(ScoreSnapshot.assessment_id == assessment.id)
            .order_by(ScoreSnapshot.created_at.desc(), ScoreSnapshot.id.desc())
        )
    )


def publish(assessment: Assessment, *, actor: User, expected_status_version: int | None = None) -> None:
    """Make results, roadmap and report visible to the office (roadmap.policy reads the status). Commits."""
    _ensure_signed_when_required(assessment)
    lifecycle.transition(
        assessment, S.PUBLISHED, actor=actor, expected_status_version=expected_status_version
    )
    notify_office(assessment, PUBLISHED)
    db.session.commit()


def _ensure_signed_when_required(assessment: Assessment) -> None:
    """With REPORT_SIGNING_REQUIRED, an approved assessment is published only once its Vietnamese report has a
    signed version in force (roadmap.services.reporting.signed_reports signs it)."""
    if not current_app.config.get("SIGNING_REQUIRED") or assessment.status_enum is not S.APPROVED:
        return
    signed = db.session.scalar(
        select(SignedReport.id).where(
            SignedReport.assessment_id == assessment.id,
            SignedReport.locale == "vi",
            SignedReport.superseded_at.is_(None),
        )
    )
    if signed is None:
        raise lifecycle.IllegalTransition(
            _l("The report must be signed before publication: sign the report first, then publish.")
        )


# --- notifications -------------------------------------------------------------------------------------


def notify_office(assessment: Assessment, kind: str) -> list[Notification]:
    """Tell the office's active people (its respondents: only they belong to an office); the caller commits,
    so the notice exists exactly when the change does."""
    respondent_ids = db.session.scalars(
        select(User.id).where(User.office_id == assessment.office_id, User.active.is_(True))
    ).all()
    return notifications.about_assessment(assessment, kind, respondent_ids)


_NOTIFICATION_TEXTS: dict[str, Callable[..., LazyString]] = {
    REVIEW_STARTED: lambda **p: _l(
        "The consultants have started reviewing the assessment for %(cycle)s.", **p
    ),
    RETURNED: lambda **p: _l(
        "The assessment for %(cycle)s has been returned for revision: read the comments at the questions.",
        **p,
    ),
    APPROVED: lambda **p: _l("The assessment for %(cycle)s has been approved.", **p),
    PUBLISHED: lambda **p: _l("The results and the roadmap for %(cycle)s have been published.", **p),
}


def notification_text(kind: str, params: dict[str, Any]) -> LazyString | None:
    """The text of a review notification in the reader's language; None for kinds that are not review's."""
    text = _NOTIFICATION_TEXTS.get(kind)
    return text(cycle=params.get("cycle_code", "")) if text is not None else None


# The notification list shows every kind through one registry; review's kinds join it here, with their
# labels for the e-mail preferences (a mail links to the assessment's page, the default).
for _kind in _NOTIFICATION_TEXTS:
    notifications.TEXTS[_kind] = lambda params, _kind=_kind: notification_text(_kind, params)
notifications.LABELS.update(
    {
        REVIEW_STARTED: _l("The consultants have started reviewing our assessment"),
        RETURNED: _l("Our assessment has been returned for revision"),
        APPROVED: _l("Our assessment has been approved"),
        PUBLISHED: _l("Our results and roadmap have been published"),
    }
)


def status_choices() -> Sequence[tuple[str, LazyString]]:
    return [(status.value, lifecycle.STATUS_LABELS[status]) for status in QUEUE_STATUSES]
