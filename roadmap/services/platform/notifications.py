"""In-app notifications: stored as a kind and parameters, so each reader sees them in their own language.

A notification may also go by e-mail: when it is created, an `OutgoingEmail` row is added for each
recipient who wants that kind by e-mail (their own choice, else the administrators' default, else yes);
roadmap.services.platform.mail sends it after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update

from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    ConsultantAssignment,
    EmailDefault,
    EmailPreference,
    Notification,
    OutgoingEmail,
    User,
    utcnow,
)

ASSESSMENT_SUBMITTED = "assessment.submitted"
LIST_LIMIT = 100


def _office_name(params: dict[str, Any]) -> str:
    name = params.get("office_en") if str(get_locale() or "vi") == "en" else params.get("office_vi")
    return str(name or params.get("office_code", ""))


# A notification's text by kind, built from its parameters in the reader's language. Services that send
# other kinds add theirs here (TEXTS[kind] = builder), with a label for the e-mail preferences (LABELS) and
# the page a mail links to (LINKS: an endpoint taking `assessment_id`).
TEXTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    ASSESSMENT_SUBMITTED: lambda params: _l(
        "%(office)s has submitted its assessment for the cycle %(cycle)s.",
        office=_office_name(params),
        cycle=params.get("cycle_code", ""),
    ),
}
LABELS: dict[str, Any] = {ASSESSMENT_SUBMITTED: _l("An assessment waits for review")}
# kind → (endpoint, the parameter that names its object): the page a mail links to.
LINKS: dict[str, tuple[str, str]] = {ASSESSMENT_SUBMITTED: ("review.page", "assessment_id")}
DEFAULT_LINK = ("survey.overview", "assessment_id")


def text(notification: Notification) -> str:
    builder = TEXTS.get(notification.kind)
    return str(builder(notification.params or {})) if builder is not None else notification.kind


def about_assessment(assessment: Assessment, kind: str, user_ids: Iterable[int]) -> list[Notification]:
    """One notification of `kind` about the assessment for each user; the caller commits, so the
    notifications exist exactly when the change they announce does."""
    office, cycle = assessment.office, assessment.cycle
    params = {
        "assessment_id": assessment.id,
        "office_code": office.code,
        "office_vi": office.name_vi,
        "office_en": office.name_en,
        "cycle_code": cycle.code,
    }
    return notify(kind, params, user_ids)


def notify(kind: str, params: dict[str, Any], user_ids: Iterable[int]) -> list[Notification]:
    """One notification of `kind` with `params` for each user, and its e-mail for those who want it; the
    caller commits."""
    return notify_many(kind, [(params, user_ids)])


def notify_many(kind: str, batches: Iterable[tuple[dict[str, Any], Iterable[int]]]) -> list[Notification]:
    """`notify` for many parameter sets at once (a reminder to a thousand offices): the recipients'
    e-mail choices are read in one statement."""
    rows = [
        Notification(user_id=user_id, kind=kind, params=dict(params))
        for params, user_ids in batches
        for user_id in sorted(set(user_ids))
    ]
    db.session.add_all(rows)
    if current_app.config.get("MAIL_ENABLED"):  # without a mail server, notifications stay in the app
        by_email = email_wanted(kind, {row.user_id for row in rows})
        db.session.add_all(OutgoingEmail(notification=row) for row in rows if row.user_id in by_email)
    return rows


# --- e-mail preferences ----------------------------------------------------------------------------------


def default_by_email(kind: str) -> bool:
    row = db.session.get(EmailDefault, kind)
    return True if row is None else bool(row.by_email)


def email_wanted(kind: str, user_ids: Iterable[int]) -> set[int]:
    """Of these users, the active ones who want `kind` by e-mail: their choice, else the default."""
    ids = list(user_ids)
    if not ids:
        return set()
    default = default_by_email(kind)
    rows = db.session.execute(
        select(User.id, EmailPreference.by_email)
        .outerjoin(EmailPreference, (EmailPreference.user_id == User.id) & (EmailPreference.kind == kind))
        .where(User.id.in_(ids), User.active.is_(True))
    )
    return {user_id for user_id, chosen in rows if (default if chosen is None else chosen)}


def preferences_of(user: User) -> dict[str, bool]:
    """Every kind with whether this user gets it by e-mail (their choice, else the default)."""
    rows = db.session.execute(
        select(EmailPreference.kind, EmailPreference.by_email).where(EmailPreference.user_id == user.id)
    )
    chosen = dict(rows.all())  # type: ignore[arg-type]
    return {kind: bool(chosen.get(kind, default_by_email(kind))) for kind in LABELS}


def set_preferences(user: User, by_email: dict[str, bool]) -> None:
    """Keep this user's choices for the known kinds. Commits."""
    for kind in LABELS:
        if kind in by_email:
            db.session.merge(EmailPreference(user_id=user.id, kind=kind, by_email=bool(by_email[kind])))
    db.session.commit()


def defaults() -> dict[str, bool]:
    return {kind: default_by_email(kind) for kind in LABELS}


def set_defaults(by_email: dict[str, bool]) -> None:
    """The administrators' defaults for users who have not chosen. Commits."""
    for kind in LABELS:
        if kind in by_email:
            db.session.merge(EmailDefault(kind=kind, by_email=bool(by_email[kind])))
    db.session.commit()


def assessment_submitted(assessment: Assessment) -> list[Notification]:
    """Tell the office's assigned consultants that an assessment waits for review."""
    consultant_ids = db.session.scalars(
        select(ConsultantAssignment.consultant_id).where(
            ConsultantAssignment.office_id == assessment.office_id
        )
    ).all()
    return about_assessment(assessment, ASSESSMENT_SUBMITTED, consultant_ids)


# Built once: every page with the navigation counts them.
_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
)


def unread_count(user: User) -> int:
    return int(db.session.scalar(_UNREAD, {"user_id": user.id}) or 0)


# The signed-in user with their unread count, in one statement: every page shows the count in its navigation,
# and on PostgreSQL a statement of its own is a round trip of its own.
_USER_WITH_UNREAD = select(
    User,
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate(User)
    .scalar_subquery(),
).where(User.id == bindparam("user_id"))


def user_with_unread_count(user_id: int) -> tuple[User | None, int]:
    """The user with this id (None if there is none) and their unread notifications."""
    row = db.session.execute(_USER_WITH_UNREAD, {"user_id": user_id}).one_or_none()
    if row is None:
        return None, 0
    return row[0], int(row[1] or 0)


def recent(user: User) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def open_for(user: User, notification_id: int) -> Notification | None:
    """The user's own notification, marked read now that it is being followed; None for anyone else's."""
    row = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if row is not None and row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return row


def mark_all_read(user: User) -> int:
    changed = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(changed.rowcount)  # type: ignore[attr-defined]
