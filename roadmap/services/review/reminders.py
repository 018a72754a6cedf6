"""Reminders that keep a cycle moving: to offices that have not submitted, on the cycle's chosen days
before its deadline, and to consultants for submissions that wait for review; and, around each quarter's
end, to offices following a published roadmap, of their quarterly progress report
(roadmap.services.plans.quarterly, once per office and quarter).

`send_due()` is what `flask reminders send` runs from a timer (docs/deploy.md). It is idempotent: a
reminder is given at most once per kind, cycle, office and day (`ReminderSent`, whose unique key also
stops two runs at once), whatever the number of runs. A consultant or administrator may also remind
chosen offices from the progress board (`remind_from_board`): audited, and once a day per office.

Reminders are notifications (in the application, and by e-mail to those who want them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from roadmap.extensions import db
from roadmap.models import (
    EDITABLE_STATUSES,
    Assessment,
    AssessmentStatus,
    ConsultantAssignment,
    Cycle,
    CycleStatus,
    Office,
    ReminderSent,
    User,
)
from roadmap.policy import Action, office_condition
from roadmap.services.plans import quarterly
from roadmap.services.platform import audit, notifications
from roadmap.services.platform.clock import local_today

# Kinds of notification.
DEADLINE = "reminder.deadline"
REVIEW_WAITING = "reminder.review_waiting"
# Kinds of reminder given (ReminderSent.kind): each once a day per office.
SCHEDULED = "deadline"
REVIEW = "review"
BOARD = "board"

_SUBMITTED_STATUSES = [s.value for s in AssessmentStatus if s not in EDITABLE_STATUSES]


def _office_name(params: dict[str, Any]) -> str:
    name = params.get("office_en") if str(get_locale() or "vi") == "en" else params.get("office_vi")
    return str(name or params.get("office_code", ""))


def _date(iso: str | None) -> str:
    """A date as the reader writes it: 31/12/2026 in Vietnamese, December 31, 2026 in English."""
    if not iso:
        return ""
    vietnamese = str(get_locale() or "vi") == "vi"
    return str(format_date(dt.date.fromisoformat(iso), "dd/MM/yyyy" if vietnamese else "long"))


def _deadline_text(params: dict[str, Any]) -> Any:
    return _l(
        "Reminder: the assessment of %(office)s for the cycle %(cycle)s closes on %(date)s, in %(days)s "
        "days, and has not been submitted yet.",
        office=_office_name(params),
        cycle=params.get("cycle_code", ""),
        date=_date(params.get("closes_on")),
        days=params.get("days_left", ""),
    )


def _review_text(params: dict[str, Any]) -> Any:
    return _l(
        "The assessment of %(office)s for the cycle %(cycle)s has waited %(days)s days for review.",
        office=_office_name(params),
        cycle=params.get("cycle_code", ""),
        days=params.get("days_waiting", ""),
    )


notifications.TEXTS[DEADLINE] = _deadline_text
notifications.TEXTS[REVIEW_WAITING] = _review_text
notifications.LABELS[DEADLINE] = _l("Reminders of the survey's deadline")
notifications.LABELS[REVIEW_WAITING] = _l("Reminders of assessments waiting for review")
notifications.LINKS[DEADLINE] = ("survey.office_assessments", "office_id")
notifications.LINKS[REVIEW_WAITING] = ("review.page", "assessment_id")


@dataclass(frozen=True)
class Given:
    """What one run gave: reminders to offices (deadline) and to consultants (reviews waiting)."""

    deadline: int = 0
    review: int = 0
    progress: int = 0  # offices reminded of their quarterly progress report


def offices_not_submitted(cycle: Cycle) -> list[int]:
    """The active offices whose assessment for the cycle is not started, a draft or returned."""
    submitted = exists().where(
        Assessment.office_id == Office.id,
        Assessment.cycle_id == cycle.id,
        Assessment.status.in_(_SUBMITTED_STATUSES),
    )
    return list(db.session.scalars(select(Office.id).where(Office.active.is_(True), ~submitted)))


def _already(kind: str, cycle: Cycle, day: dt.date) -> set[int]:
    return set(
        db.session.scalars(
            select(ReminderSent.office_id).where(
                ReminderSent.kind == kind, ReminderSent.cycle_id == cycle.id, ReminderSent.day == day
            )
        )
    )


def _remind_offices(
    cycle: Cycle, office_ids: Iterable[int], day: dt.date, *, kind: str, actor: User | None
) -> list[int]:
    """Remind each office's respondents of the deadline, once this day for `kind`; returns the offices
    reminded. The caller commits."""
    due = sorted(set(office_ids) - _already(kind, cycle, day))
    if not due:
        return []
    offices = {office.id: office for office in db.session.scalars(select(Office).where(Office.id.in_(due)))}
    respondents: dict[int, list[int]] = defaultdict(list)
    for user_id, office_id in db.session.execute(
        select(User.id, User.office_id).where(User.office_id.in_(due), User.active.is_(True))
    ):
        respondents[office_id].append(user_id)
    batches = []
    for office_id in due:
        office = offices[office_id]
        db.session.add(
            ReminderSent(
                kind=kind,
                cycle_id=cycle.id,
                office_id=office_id,
                day=day,
                sent_by_id=actor.id if actor else None,
            )
        )
        params = {
            "office_id": office_id,
            "office_code": office.code,
            "office_vi": office.name_vi,
            "office_en": office.name_en,
            "cycle_code": cycle.code,
            "closes_on": cycle.closes_on.isoformat(),
            "days_left": (cycle.closes_on - day).days,
        }
        batches.append((params, respondents.get(office_id, [])))
    notifications.notify_many(DEADLINE, batches)
    return due


def _remind_reviews(cycle: Cycle, day: dt.date) -> int:
    """Remind the assigned consultants of each submission of the cycle that has waited a multiple of the
    cycle's `review_reminder_days` (so every N days while it waits)."""
    every = max(1, cycle.review_reminder_days or 1)
    waiting = db.session.execute(
        select(Assessment.id, Assessment.office_id, Assessment.submitted_at).where(
            Assessment.cycle_id == cycle.id,
            Assessment.status == AssessmentStatus.SUBMITTED.value,
            Assessment.submitted_at.is_not(None),
        )
    ).all()
    due = {}
    for assessment_id, office_id, submitted_at in waiting:
        days = (day - submitted_at.date()).days
        if days >= every and days % every == 0:
            due[office_id] = (assessment_id, days)
    for office_id in _already(REVIEW, cycle, day):
        due.pop(office_id, None)
    if not due:
        return 0
    consultants: dict[int, list[int]] = defaultdict(list)
    for consultant_id, office_id in db.session.execute(
        select(ConsultantAssignment.consultant_id, ConsultantAssignment.office_id).where(
            ConsultantAssignment.office_id.in_(list(due))
        )
    ):
        consultants[office_id].append(consultant_id)
    offices = {
        office.id: office for office in db.session.scalars(select(Office).where(Office.id.in_(list(due))))
    }
    batches = []
    for office_id, (assessment_id, days) in sorted(due.items()):
        office = offices[office_id]
        db.session.add(ReminderSent(kind=REVIEW, cycle_id=cycle.id, office_id=office_id, day=day))
        params = {
            "assessment_id": assessment_id,
            "office_code": office.code,
            "office_vi": office.name_vi,
            "office_en": office.name_en,
            "cycle_code": cycle.code,
            "days_waiting": days,
        }
        batches.append((params, consultants.get(office_id, [])))
    notifications.notify_many(REVIEW_WAITING, batches)
    return len(batches)


def send_due(today: dt.date | None = None) -> Given:
    """Give every reminder due today in the open cycles (the timer's run). Commits; a run that meets
    another one's reminders of the same day (the unique key) gives nothing twice."""
    day = today or local_today()
    deadline = review = 0
    for cycle in db.session.scalars(select(Cycle).where(Cycle.status == CycleStatus.OPEN.value)):
        try:
            if (cycle.closes_on - day).days in cycle.reminder_offsets:
                deadline += len(
                    _remind_offices(cycle, offices_not_submitted(cycle), day, kind=SCHEDULED, actor=None)
                )
            review += _remind_reviews(cycle, day)
            db.session.commit()
        except IntegrityError:  # another run gave them at the same moment
            db.session.rollback()
    progress = 0
    try:
        progress = quarterly.remind_due(day)
        db.session.commit()
    except IntegrityError:  # another run gave them at the same moment
        db.session.rollback()
    return Given(deadline, review, progress)


def remindable_by(actor: User, office_ids: Iterable[int]) -> set[int]:
    """Of these offices, those the actor may remind (the policy's SEND_REMINDERS, in one statement)."""
    ids = list(office_ids)
    if not ids:
        return set()
    condition = office_condition(actor, Action.SEND_REMINDERS, Office.id)
    return set(db.session.scalars(select(Office.id).where(Office.id.in_(ids), condition)))


@dataclass(frozen=True)
class BoardReminder:
    reminded: list[int]
    already_today: list[int]
    not_due: list[int]  # submitted meanwhile, or not the actor's to remind


def remind_from_board(
    cycle: Cycle, office_ids: Iterable[int], *, actor: User, today: dt.date | None = None
) -> BoardReminder:
    """Remind the chosen offices of the deadline now: only those the actor may remind and that have not
    submitted, each at most once a day (the simple rate limit). Audited; commits."""
    day = today or local_today()
    chosen = sorted(set(office_ids))
    allowed = remindable_by(actor, chosen)
    open_ones = allowed & set(offices_not_submitted(cycle))
    already = open_ones & _already(BOARD, cycle, day)
    try:
        reminded = _remind_offices(cycle, open_ones - already, day, kind=BOARD, actor=actor)
        audit.record(
            "reminders.sent",
            actor=actor,
            object_type="cycle",
            object_id=cycle.id,
            details={"offices": reminded, "already_today": sorted(already)},
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        reminded = []
        already = open_ones
    return BoardReminder(reminded, sorted(already), sorted(set(chosen) - open_ones))
