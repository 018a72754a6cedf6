"""Quarterly progress reports on a published roadmap (issue 22).

At each quarter's end the office confirms (or first updates, then confirms) its initiatives in one page: the
state of every initiative as confirmed is kept (`ProgressReport`), so that the consultant sees per
initiative what changed in this report since the previous quarter's, and what changed after it.

The quarter being reported: until 30 days into a quarter, the one just ended; afterwards the current one.
From 14 days before the reported quarter's end (and through the 30 days after it), the office's people are
reminded once (in the application, and by e-mail to those who want it) while the report is not confirmed:
`remind_due()`, run by `flask reminders send` with the other reminders. Once per office and quarter,
whatever the number of runs (a `ReminderSent` of kind PROGRESS dated the quarter's last day; its unique key
stops two runs at once).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    Office,
    ProgressReport,
    ReminderSent,
    TrackingStatus,
    User,
    utcnow,
)
from roadmap.policy import OFFICE_ROLES
from roadmap.services import invalid
from roadmap.services.plans import tracking
from roadmap.services.plans.tracking import Line, Quarter
from roadmap.services.platform import audit, notifications
from roadmap.services.platform.clock import local_today

PROGRESS_REPORT_DUE = "reminder.progress_report"
PROGRESS = "progress"  # ReminderSent.kind
DAYS_BEFORE_END = 14
DAYS_AFTER_END = 30
# What the office reports (the consultant's verdict and comment are not the office's report).
REPORTED_FIELDS = tuple(name for name in tracking.OFFICE_FIELDS)


def _office_name(params: dict[str, Any]) -> str:
    name = params.get("office_en") if str(get_locale() or "vi") == "en" else params.get("office_vi")
    return str(name or params.get("office_code", ""))


def _reminder_text(params: dict[str, Any]) -> Any:
    return _l(
        "Q%(number)s/%(year)s is ending: please confirm or update the progress of %(office)s on its roadmap "
        "(%(count)s initiatives due).",
        number=params.get("quarter_number", ""),
        year=params.get("quarter_year", ""),
        office=_office_name(params),
        count=params.get("due", ""),
    )


notifications.TEXTS[PROGRESS_REPORT_DUE] = _reminder_text
notifications.LABELS[PROGRESS_REPORT_DUE] = _l("Reminders of the quarterly progress report")
notifications.LINKS[PROGRESS_REPORT_DUE] = ("tracking.page", "assessment_id")


# --- quarters ----------------------------------------------------------------------------------------------


def first_day(quarter: Quarter) -> dt.date:
    return dt.date(quarter.year, 3 * quarter.number - 2, 1)


def last_day(quarter: Quarter) -> dt.date:
    return first_day(quarter.next()) - dt.timedelta(days=1)


def previous(quarter: Quarter) -> Quarter:
    return Quarter(quarter.year - (quarter.number == 1), (quarter.number - 2) % 4 + 1)


def reported_quarter(today: dt.date) -> Quarter:
    """The quarter a report made today is for: the one just ended during the first 30 days of a quarter."""
    current = Quarter.of_day(today)
    return previous(current) if (today - first_day(current)).days < DAYS_AFTER_END else current


def reminder_due(today: dt.date) -> bool:
    """Whether today is in the reported quarter's reminding window (its last 14 days or the 30 after)."""
    return today > last_day(reported_quarter(today)) - dt.timedelta(days=DAYS_BEFORE_END)


def due_lines(lines: list[Line], quarter: Quarter) -> list[Line]:
    """The initiatives the report of `quarter` is about: planned to have started by its end, not closed."""
    closed = (TrackingStatus.DONE, TrackingStatus.DROPPED)
    return [
        line
        for line in lines
        if line.status not in closed and line.planned_start is not None and line.planned_start <= quarter
    ]


# --- confirming a report --------------------------------------------------------------------------------


def reports_of(assessment: Assessment) -> list[ProgressReport]:
    """The office's confirmed reports, newest quarter first."""
    return list(
        db.session.scalars(
            select(ProgressReport)
            .where(ProgressReport.assessment_id == assessment.id)
            .order_by(ProgressReport.quarter.desc())
        )
    )


def confirm(
    assessment: Assessment, quarter_text: str, *, actor: User, today: dt.date | None = None
) -> ProgressReport:
    """The office confirms its report of a quarter as its initiatives now stand (the one being reported, or
    an earlier one already reported, again). Audited; does not commit."""
    if assessment.status_enum is not AssessmentStatus.PUBLISHED:
        raise invalid(
            None,
            _l("Progress is followed only on a published roadmap: this roadmap has not been published yet."),
        )
    quarter = Quarter.parse(quarter_text or "")
    if quarter is None or quarter > reported_quarter(today or local_today()):
        raise invalid("quarter", _l("This quarter cannot be reported yet."))
    state = {line.code: line.state for line in tracking.lines(assessment, today=today)}
    row = db.session.scalar(
        select(ProgressReport).where(
            ProgressReport.assessment_id == assessment.id, ProgressReport.quarter == str(quarter)
        )
    )
    if row is None:
        row = ProgressReport(assessment_id=assessment.id, quarter=str(quarter))
        db.session.add(row)
    row.state = state
    row.confirmed_at = utcnow()
    row.confirmed_by_id = actor.id
    db.session.flush()
    audit.record(
        "tracking.report_confirmed",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={"quarter": str(quarter), "initiatives": len(state)},
    )
    return row


@dataclass(frozen=True)
class ReportChanges:
    """What the consultant reads beside each initiative: the latest confirmed report and the one before it,
    the fields changed in the latest report since the previous one, and those changed after it."""

    latest: ProgressReport | None
    previous: ProgressReport | None
    in_report: dict[str, list[str]] = field(default_factory=dict)
    after_report: dict[str, list[str]] = field(default_factory=dict)


def _differing(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    default = tracking.state_of(None)
    return [
        name for name in REPORTED_FIELDS if before.get(name, default[name]) != after.get(name, default[name])
    ]


def changes(assessment: Assessment, lines: list[Line]) -> ReportChanges:
    reports = reports_of(assessment)
    if not reports:
        return ReportChanges(None, None)
    latest = reports[0]
    earlier = reports[1] if len(reports) > 1 else None
    empty = tracking.state_of(None)
    in_report: dict[str, list[str]] = {}
    after_report: dict[str, list[str]] = {}
    for line in lines:
        confirmed = latest.state.get(line.code, empty)
        before = earlier.state.get(line.code, empty) if earlier is not None else empty
        changed = _differing(before, confirmed)
        if changed:
            in_report[line.code] = changed
        since = _differing(confirmed, line.state)
        if since:
            after_report[line.code] = since
    return ReportChanges(latest, earlier, in_report, after_report)


# --- the reminder --------------------------------------------------------------------------------------


def followed_roadmaps() -> list[Assessment]:
    """Each active office's newest published roadmap (an older one is superseded)."""
    newest = (
        select(func.max(Assessment.id))
        .join(Office, Office.id == Assessment.office_id)
        .where(Assessment.status == AssessmentStatus.PUBLISHED.value, Office.active.is_(True))
        .group_by(Assessment.office_id)
    )
    return list(
        db.session.scalars(select(Assessment).where(Assessment.id.in_(newest)).order_by(Assessment.id))
    )


def remind_due(today: dt.date | None = None) -> int:
    """Remind every office whose report of the reported quarter is due and not confirmed, once per office
    and quarter. Returns the offices reminded; the caller commits."""
    day = today or local_today()
    if not reminder_due(day):
        return 0
    quarter = reported_quarter(day)
    quarter_end = last_day(quarter)
    already = set(
        db.session.scalars(
            select(ReminderSent.office_id).where(
                ReminderSent.kind == PROGRESS, ReminderSent.day == quarter_end
            )
        )
    )
    confirmed = set(
        db.session.scalars(select(ProgressReport.assessment_id).where(ProgressReport.quarter == str(quarter)))
    )
    chosen = [
        assessment
        for assessment in followed_roadmaps()
        if assessment.office_id not in already and assessment.id not in confirmed
    ]
    if not chosen:
        return 0
    offices = {
        office.id: office
        for office in db.session.scalars(select(Office).where(Office.id.in_([a.office_id for a in chosen])))
    }
    people: dict[int, list[int]] = defaultdict(list)
    for user_id, office_id in db.session.execute(
        select(User.id, User.office_id).where(
            User.office_id.in_(list(offices)),
            User.active.is_(True),
            User.role.in_([role.value for role in OFFICE_ROLES]),
        )
    ):
        people[office_id].append(user_id)
    batches = []
    for assessment in chosen:
        due = due_lines(tracking.lines(assessment, today=day), quarter)
        if not due:
            continue
        office = offices[assessment.office_id]
        db.session.add(
            ReminderSent(kind=PROGRESS, cycle_id=assessment.cycle_id, office_id=office.id, day=quarter_end)
        )
        params = {
            "assessment_id": assessment.id,
            "office_code": office.code,
            "office_vi": office.name_vi,
            "office_en": office.name_en,
            "quarter_number": quarter.number,
            "quarter_year": quarter.year,
            "due": len(due),
        }
        batches.append((params, people.get(office.id, [])))
    notifications.notify_many(PROGRESS_REPORT_DUE, batches)
    return len(batches)
