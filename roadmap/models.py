"""Database models (SQLAlchemy 2.0 typed). Every schema change is a migration under migrations/."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from roadmap.engine.overlay import RoadmapEditKind
from roadmap.extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware UTC datetimes; SQLite forgets the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Role(StrEnum):
    RESPONDENT = "respondent"
    CONSULTANT = "consultant"
    ADMIN = "admin"


class OfficeKind(StrEnum):
    PARTY = "party"
    STATE = "state"
    LEGISLATIVE = "legislative"
    GOVERNMENT = "government"
    JUDICIAL = "judicial"
    OTHER = "other"


class CycleStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Office(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), default=OfficeKind.OTHER.value)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Office | None] = relationship(remote_side=[id])

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('respondent', 'consultant', 'admin')", name="role_known"),
        # A respondent always speaks for one office; other roles belong to none.
        CheckConstraint(
            "(role = 'respondent' AND office_id IS NOT NULL) OR (role != 'respondent' AND office_id IS NULL)",
            name="respondent_has_office",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on logout, deactivation and password change: every session carrying an older
    # version is refused, which ends sessions held in other browsers (cookies cannot be recalled).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Two-factor sign-in (TOTP, RFC 6238; roadmap.services.directory.second_factor). The secret being
    # enrolled waits in `totp_pending_secret` until a first code confirms it. `totp_last_step` is the time
    # step of the last code accepted: no code of that step or an earlier one is accepted again (no replay).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # An administrator may require the second factor of a respondent too (consultants and administrators
    # always need one: roadmap.policy.SECOND_FACTOR_ROLES).
    second_factor_required: Mapped[bool] = mapped_column(default=False)
    # Until when a user who needs a second factor may work without one (set at the first login that needs it).
    second_factor_grace_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    office: Mapped[Office | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class ConsultantAssignment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "consultant_assignments"
    __table_args__ = (UniqueConstraint("consultant_id", "office_id", name="uq_assignment_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultant: Mapped[User] = relationship()
    office: Mapped[Office] = relationship()


DEFAULT_REMINDER_DAYS = "14,7,2"
DEFAULT_REVIEW_REMINDER_DAYS = 5


class Cycle(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "cycles"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint("opens_on <= closes_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=CycleStatus.OPEN.value)
    # The framework version every assessment of the cycle uses, chosen when the cycle is opened; importing
    # another version never changes it. Empty only for a cycle made before any framework existed (the
    # migration found none to give it): its first assessment pins the latest (survey.steps.start).
    framework_version_id: Mapped[int | None] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    # Deadline reminders go to offices that have not submitted this many days before `closes_on`
    # ("14,7,2"); consultants are reminded of a submission waiting longer than `review_reminder_days`.
    reminder_days: Mapped[str] = mapped_column(String(64), default=DEFAULT_REMINDER_DAYS)
    review_reminder_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_REVIEW_REMINDER_DAYS)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Moved by the database (triggers, migration peers_0001) whenever a reviewed result of the cycle may have
    # changed: what the peers' figures of its reports and result pages are drawn from. Never set here.
    reviewed_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    framework_version: Mapped[FrameworkVersion | None] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    @property
    def reminder_offsets(self) -> tuple[int, ...]:
        """The days before the deadline on which reminders go, largest first."""
        days = {int(part) for part in (self.reminder_days or "").split(",") if part.strip().isdigit()}
        return tuple(sorted(days, reverse=True))

    @property
    def is_open(self) -> bool:
        return self.status == CycleStatus.OPEN


class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class RecoveryCode(db.Model):  # type: ignore[name-defined,misc]
    """A single-use recovery code of a user's second factor, kept as its SHA-256 (the code has 80 random
    bits, so a hash cannot be reversed by guessing); shown once, at enrolment."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(db.Model):  # type: ignore[name-defined,misc]
    """Failed logins by account key, shared by every worker when Redis is not configured."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A hash of the normalised e-mail: the table must not become a list of guessed addresses.
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class FrameworkVersion(db.Model):  # type: ignore[name-defined,misc]
    """A framework version as imported: never changed in place; a fix is a new version."""

    __tablename__ = "framework_versions"
    __table_args__ = (UniqueConstraint("framework_key", "version", name="uq_framework_versions_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    title_vi: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    # The file exactly as imported (comments included), so what was used can always be shown again.
    source: Mapped[str] = mapped_column(Text, deferred=True)  # large: loaded only to parse a version once
    question_count: Mapped[int] = mapped_column(Integer)
    initiative_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_vi


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"


# The statuses in which the office works on its answers: a draft, or returned to it (its first change takes
# it back to draft).
EDITABLE_STATUSES = frozenset({AssessmentStatus.DRAFT, AssessmentStatus.RETURNED})

# A reviewed result: approved by a consultant, or published. Its figures are final: they are the peers of its
# cycle, the answers a later cycle starts from, and the report that is read and rendered ahead. As the
# column stores them, for statements.
REVIEWED_STATUSES = (AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value)


class Assessment(db.Model):  # type: ignore[name-defined,misc]
    """One office's assessment in one cycle, against one framework version."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("office_id", "cycle_id", name="uq_assessments_office_cycle"),
        CheckConstraint(
            "status IN ('draft', 'submitted', 'in_review', 'returned', 'approved', 'published')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default=AssessmentStatus.DRAFT.value)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Bumped by every status change: a repeated submit of the same page changes nothing twice.
    status_version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped by the database itself (triggers) on any change to the assessment's answers, evidence, files,
    # targets, overrides, comments or evidence checks: one number that says "what the survey shows changed",
    # read with the assessment, so that pages can be kept until it moves (roadmap.web.fragments).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    office: Mapped[Office] = relationship()
    cycle: Mapped[Cycle] = relationship()
    framework_version: Mapped[FrameworkVersion] = relationship()
    last_edited_by: Mapped[User | None] = relationship(foreign_keys=[last_edited_by_id])

    @property
    def status_enum(self) -> AssessmentStatus:
        return AssessmentStatus(self.status)


class AnswerRecord(db.Model):  # type: ignore[name-defined,misc]
    """The current answer to one question; `version` detects two people changing it at once."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_code", name="uq_answers_assessment_question"),
        CheckConstraint("state IN ('answered', 'na', 'dont_know')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    # The value as JSON: option code, list of codes, boolean, number or text; null when N/A or unknown.
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Carried forward from the previous cycle and not yet confirmed by a respondent.
    to_confirm: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The page's key of the change that produced this value (None: a form post, the demo, a carry-forward):
    # a change sent again after a failure is recognised as the same attempt, not as someone else's.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    updated_by: Mapped[User | None] = relationship()


class OfficeProfileAnswer(db.Model):  # type: ignore[name-defined,misc]
    """An office's answer to one profile question of its framework (its type, its user level of the network
    …): stored once per office, not per assessment, so every cycle reads the same answer until it changes;
    `version` detects two people changing it at once."""

    __tablename__ = "office_profile_answers"
    __table_args__ = (
        UniqueConstraint("office_id", "question_code", name="uq_office_profile_answers_office_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    # The value as JSON: an option code, a list of option codes or a boolean.
    value: Mapped[Any] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class Evidence(db.Model):  # type: ignore[name-defined,misc]
    """What backs an answer: a note and a document reference (files are EvidenceFile rows)."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_code", name="uq_evidence_assessment_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    document_number: Mapped[str] = mapped_column(String(128), default="")
    document_date: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_empty(self) -> bool:
        return not (self.note.strip() or self.document_number.strip())


class EvidenceFile(db.Model):  # type: ignore[name-defined,misc]
    """An uploaded file, stored outside static/ under a random name; served only as an attachment."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SightedEvidence(db.Model):  # type: ignore[name-defined,misc]
    """Evidence that is not uploaded (state secrets, cipher devices, the security-level dossiers of classified
    systems): a consultant records that they saw it on site — what (a short description, never the content),
    when (the day of the visit), where, and who (the consultant, from the session). Counts as evidence."""

    __tablename__ = "sighted_evidence"
    __table_args__ = (
        CheckConstraint("length(description) > 0", name="description_given"),
        CheckConstraint("length(place) > 0", name="place_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500))
    place: Mapped[str] = mapped_column(String(300))
    sighted_on: Mapped[dt.date] = mapped_column(Date)
    # Who sighted it: the consultant who recorded it; the name is kept as it was, should the account go.
    sighted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sighted_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TargetLevel(db.Model):  # type: ignore[name-defined,misc]
    """The level an office aims at for a dimension in this assessment (default: the framework's)."""

    __tablename__ = "target_levels"
    __table_args__ = (
        UniqueConstraint("assessment_id", "dimension_code", name="uq_target_levels_assessment_dimension"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    dimension_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ScoreSnapshot(db.Model):  # type: ignore[name-defined,misc]
    """A scoring result frozen with the framework fingerprint and engine version that produced it, so that a
    published result is shown and printed identically years later."""

    __tablename__ = "score_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # submitted, approved, rescored …
    # Why a consultant re-scored an approved result (reason "rescored"); None for the lifecycle's snapshots.
    note: Mapped[str | None] = mapped_column(Text)
    framework_fingerprint: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(16))
    index_value: Mapped[float] = mapped_column()
    overall_level: Mapped[int] = mapped_column(Integer)
    # Dimension code → final level: what overviews of many offices read, without decoding the whole result.
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # The full result (traces, guidance), deferred: only the pages of one assessment need it.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()


class Notification(db.Model):  # type: ignore[name-defined,misc]
    """An in-app message; its text is built from `kind` and `params` in the reader's language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class EmailDefault(db.Model):  # type: ignore[name-defined,misc]
    """Whether a kind of notification also goes by e-mail to users who have not chosen (set by an admin);
    a kind without a row goes by e-mail."""

    __tablename__ = "email_defaults"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    by_email: Mapped[bool] = mapped_column(default=True)


class EmailPreference(db.Model):  # type: ignore[name-defined,misc]
    """One user's choice for one kind of notification: also by e-mail, or in the application only."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    by_email: Mapped[bool] = mapped_column(default=True)


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingEmail(db.Model):  # type: ignore[name-defined,misc]
    """The e-mail copy of one notification: created with it, sent after the commit by a background job,
    retried while the mail server is down (the status is the same on every host and worker)."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default=EmailStatus.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    notification: Mapped[Notification] = relationship()


class ReminderSent(db.Model):  # type: ignore[name-defined,misc]
    """A reminder given: at most one per kind, cycle, office and day, whatever the number of runs of
    `flask reminders send` or of clicks on the progress board (the unique key is the guarantee)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("kind", "cycle_id", "office_id", "day", name="uq_reminder_once_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewComment(db.Model):  # type: ignore[name-defined,misc]
    """A consultant's comment on an assessment, at one question (or on the whole: `question_code` None).

    Minimal on purpose: the survey shows comments at their questions when an assessment is returned; the
    review area (issue 7) writes them and may extend the model."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


# --- roadmaps (issue 6) ------------------------------------------------------------------------------


class RoadmapState(db.Model):  # type: ignore[name-defined,misc]
    """The roadmap's change counter, one row per assessment that has a roadmap.

    Every change of the roadmap (a new plan, an edit) bumps `version` by compare-and-set from the version
    the consultant's page showed: of two consultants editing at once the second gets a conflict, never a
    silent overwrite of the first one's change."""

    __tablename__ = "roadmap_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), unique=True, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RoadmapPlan(db.Model):  # type: ignore[name-defined,misc]
    """A generated plan, frozen with everything it was made from, so that it can be shown and explained
    identically later: the parameters asked for, the scoring result planned from (targets applied), the
    framework fingerprint and the planner's version. Never changed: regenerating adds a new version."""

    __tablename__ = "roadmap_plans"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version", name="uq_roadmap_plans_assessment_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per assessment
    cause: Mapped[str] = mapped_column(String(32))  # approval, regenerated, edit
    # What was asked: start, horizon, office size, capacity per phase, the reference day, and the
    # consultants' additions passed to the planner (catalogue codes and custom initiatives).
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)  # roadmap.engine.planner.plan_to_dict
    basis_result: Mapped[dict[str, Any]] = mapped_column(JSON)  # roadmap.engine.scoring.result_to_dict
    score_basis: Mapped[str] = mapped_column(String(16))  # "snapshot" or "live"
    score_snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("score_snapshots.id", ondelete="SET NULL")
    )
    framework_fingerprint: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()


class RoadmapEdit(db.Model):  # type: ignore[name-defined,misc]
    """A consultant's change, a layer over the generated plans: kept across regenerations, applied in `seq`
    order, each with its reason."""

    __tablename__ = "roadmap_edits"
    __table_args__ = (
        UniqueConstraint("assessment_id", "seq", name="uq_roadmap_edits_assessment_seq"),
        CheckConstraint(
            "kind IN ('add', 'add_custom', 'remove', 'move', 'reorder', 'note')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, … per assessment
    kind: Mapped[str] = mapped_column(String(16))
    initiative_code: Mapped[str | None] = mapped_column(String(64))  # None: a note on the whole roadmap
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    plan_version: Mapped[int] = mapped_column(Integer)  # the plan the consultant was looking at
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()

    @property
    def kind_enum(self) -> RoadmapEditKind:
        return RoadmapEditKind(self.kind)


# --- review (issue 7) --------------------------------------------------------------------------------


class OverrideKind(StrEnum):
    POINTS = "points"  # a question's points
    LEVEL = "level"  # a dimension's level


class ScoreOverride(db.Model):  # type: ignore[name-defined,misc]
    """A consultant's judgement replacing a computed value, always with its justification.

    One row per target: a new override of the same question (or dimension) replaces the old one, whose
    value and justification stay in the audit log. The computed value is never stored here: the engine
    keeps it beside the override (`computed_points`, `computed_level`), so the original stays visible."""

    __tablename__ = "score_overrides"
    __table_args__ = (
        UniqueConstraint("assessment_id", "kind", "target_code", name="uq_score_overrides_target"),
        CheckConstraint("kind IN ('points', 'level')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_code: Mapped[str] = mapped_column(String(64))  # a question code or a dimension code
    value: Mapped[float] = mapped_column()  # points, or the level (a whole number 1–5)
    justification: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class EvidenceVerdict(StrEnum):
    VERIFIED = "verified"
    REJECTED = "rejected"


class EvidenceReview(db.Model):  # type: ignore[name-defined,misc]
    """A consultant's verdict on the evidence of one question; the latest verdict replaces the previous."""

    __tablename__ = "evidence_reviews"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_code", name="uq_evidence_reviews_assessment_question"),
        CheckConstraint("verdict IN ('verified', 'rejected')", name="verdict_known"),
        # A rejection says why, so that the office knows what to bring.
        CheckConstraint("verdict = 'verified' OR length(reason) > 0", name="rejection_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reviewer: Mapped[User | None] = relationship()

    @property
    def verified(self) -> bool:
        return self.verdict == EvidenceVerdict.VERIFIED


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class Job(db.Model):  # type: ignore[name-defined,misc]
    """Work done away from the request (a batch export, a PDF render): its status for the requester, seen
    alike by every app host and worker; the result itself is a file in upload storage under `result_key`."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'ready', 'failed')", name="status_known"),
        CheckConstraint("status <> 'ready' OR result_key IS NOT NULL", name="ready_has_result"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex: also the RQ job id
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result_key: Mapped[str | None] = mapped_column(String(64))
    result_name: Mapped[str | None] = mapped_column(String(255))
    result_type: Mapped[str | None] = mapped_column(String(128))
    result_size: Mapped[int | None] = mapped_column(Integer)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    requested_by: Mapped[User] = relationship()


class ReportSettingsRecord(db.Model):  # type: ignore[name-defined,misc]
    """The official report's settings (Decree 30/2020): one row per save, the latest in force.

    Only valid settings are stored (roadmap.services.reporting.settings checks them), so a rejected save
    leaves the previous row in force; the rows are the settings' history.
    """

    __tablename__ = "report_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuing_body: Mapped[str] = mapped_column(String(255))
    issuing_body_parent: Mapped[str] = mapped_column(String(255), default="")
    number_pattern: Mapped[str] = mapped_column(String(128))
    place: Mapped[str] = mapped_column(String(128))
    signatory_position: Mapped[str] = mapped_column(String(255))
    signatory_name: Mapped[str] = mapped_column(String(255))
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Issue 23: the issuing body's symbol for the number, and what the English report prints.
    issuer_symbol: Mapped[str] = mapped_column(String(32))
    issuing_body_en: Mapped[str] = mapped_column(String(255))
    issuing_body_parent_en: Mapped[str] = mapped_column(String(255), default="")
    place_en: Mapped[str] = mapped_column(String(128))
    signatory_position_en: Mapped[str] = mapped_column(String(255))
    recipients_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- personal API tokens (issue 7) ---------------------------------------------------------------------


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A personal API token: it acts with its user's own permissions (roadmap.policy).

    The secret is shown once, when the token is made, and never stored: only its SHA-256 hash is. The
    public prefix (the token's first characters) finds the row and is what the token list shows."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


# --- signed reports (issue 25) ---------------------------------------------------------------------------


class SignedReport(db.Model):  # type: ignore[name-defined,misc]
    """One signed version of an assessment's official report (PDF) in one language.

    The signed file itself is in the file storage under `storage_key`; its SHA-256 is kept to show that the
    stored file is the one signed. Re-signing after a correction adds a version: the old row stays, marked
    superseded (when, by which version), so that every file ever issued can be accounted for."""

    __tablename__ = "signed_reports"
    __table_args__ = (
        UniqueConstraint("assessment_id", "locale", "version", name="uq_signed_reports_version"),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_version: Mapped[str] = mapped_column(String(64))  # what the report showed (reporting.cache)
    signers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("signed_reports.id", ondelete="SET NULL"))

    signed_by: Mapped[User | None] = relationship()

    @property
    def current(self) -> bool:
        return self.superseded_at is None


class SigningAppearanceRecord(db.Model):  # type: ignore[name-defined,misc]
    """The images of the signatures' visible appearance (Decree 30/2020): the body's seal and the
    signatory's handwritten signature, PNG, uploaded by an administrator. One row per save, the latest in
    force."""

    __tablename__ = "signing_appearance"

    id: Mapped[int] = mapped_column(primary_key=True)
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- the roadmap as a living plan (issue 22) -----------------------------------------------------------


class TrackingStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


class CompletionVerdict(StrEnum):
    """A consultant's word on what the office reported: its completion, or its dropping of a mandatory one."""

    ACCEPTED = "accepted"
    QUESTIONED = "questioned"


class InitiativeTracking(db.Model):  # type: ignore[name-defined,misc]
    """How one initiative of a published roadmap is getting on: owner, status, progress, actual quarters,
    completion evidence, and the consultant's verdict. `version` detects two people changing it at once;
    every version is kept in InitiativeTrackingVersion."""

    __tablename__ = "initiative_tracking"
    __table_args__ = (
        UniqueConstraint("assessment_id", "initiative_code", name="uq_initiative_tracking_initiative"),
        CheckConstraint(
            "status IN ('not_started', 'in_progress', 'done', 'blocked', 'dropped')", name="status_known"
        ),
        CheckConstraint("percent_done >= 0 AND percent_done <= 100", name="percent_in_range"),
        CheckConstraint("verdict IN ('', 'accepted', 'questioned')", name="verdict_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    initiative_code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_unit: Mapped[str] = mapped_column(String(200), default="")  # a named unit of the office
    status: Mapped[str] = mapped_column(String(16), default=TrackingStatus.NOT_STARTED.value)
    percent_done: Mapped[int] = mapped_column(Integer, default=0)
    # Quarters as "2027-Q1", the plan's own unit.
    actual_start: Mapped[str | None] = mapped_column(String(7))
    actual_finish: Mapped[str | None] = mapped_column(String(7))
    progress_note: Mapped[str] = mapped_column(Text, default="")
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    drop_justification: Mapped[str] = mapped_column(Text, default="")
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    evidence_document: Mapped[str] = mapped_column(String(128), default="")
    verdict: Mapped[str] = mapped_column(String(16), default="")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    @property
    def status_enum(self) -> TrackingStatus:
        return TrackingStatus(self.status)


class InitiativeTrackingVersion(db.Model):  # type: ignore[name-defined,misc]
    """Every state an initiative's tracking has had, as it was after each change (never changed)."""

    __tablename__ = "initiative_tracking_versions"
    __table_args__ = (
        UniqueConstraint("tracking_id", "version", name="uq_initiative_tracking_versions_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[int] = mapped_column(
        ForeignKey("initiative_tracking.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))  # "update" by the office, "review" by a consultant
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    changed_by: Mapped[User | None] = relationship()


class TrackingEvidenceFile(db.Model):  # type: ignore[name-defined,misc]
    """A file that shows an initiative of a published roadmap done: checked and stored as an answer's
    evidence files are (by content, outside static/, under a random key), served only as an attachment."""

    __tablename__ = "tracking_evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    initiative_code: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProgressReport(db.Model):  # type: ignore[name-defined,misc]
    """An office's quarterly progress report: at a quarter's end it confirms (or first updates) its
    initiatives; the state of every initiative as confirmed is kept, so that the consultant sees what changed
    since the previous quarter's report. One per roadmap and quarter (confirming again replaces it)."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("assessment_id", "quarter", name="uq_progress_reports_quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2027-Q3"
    state: Mapped[dict[str, Any]] = mapped_column(JSON)  # initiative code → its tracked state, as confirmed
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    confirmed_by: Mapped[User | None] = relationship()
