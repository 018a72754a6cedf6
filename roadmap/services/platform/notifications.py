"""In-app notifications: stored as a kind and parameters, so each reader sees them in their own language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update

from roadmap.extensions import db
from roadmap.models import Assessment, ConsultantAssignment, Notification, User, utcnow

ASSESSMENT_SUBMITTED = "assessment.submitted"
LIST_LIMIT = 100


def _office_name(params: dict[str, Any]) -> str:
    name = params.get("office_en") if str(get_locale() or "vi") == "en" else params.get("office_vi")
    return str(name or params.get("office_code", ""))


# A notification's text by kind, built from its parameters in the reader's language. Services that send
# other kinds add theirs here (TEXTS[kind] = builder).
TEXTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    ASSESSMENT_SUBMITTED: lambda params: _l(
        "%(office)s has submitted its assessment for the cycle %(cycle)s.",
        office=_office_name(params),
        cycle=params.get("cycle_code", ""),
    ),
}


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
    rows = [
        Notification(user_id=user_id, kind=kind, params=dict(params)) for user_id in sorted(set(user_ids))
    ]
    db.session.add_all(rows)
    return rows


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
