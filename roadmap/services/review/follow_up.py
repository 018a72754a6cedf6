"""The consultants' follow-up across offices (issue 22): of every published roadmap they may see, the
initiatives due this quarter, the late ones, the blocked ones with their reasons, the mandatory ones at risk,
and per office the delivery rate (done of what was planned to be finished by now). Exported as CSV (codes, for
programs) and XLSX (the same rows and columns in the reader's language), and one office's progress as XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, CompletionVerdict, Office, TrackingStatus, User
from roadmap.policy import Action, office_condition
from roadmap.services.plans import tracking
from roadmap.services.plans.tracking import Line, Quarter
from roadmap.services.platform.clock import local_today
from roadmap.services.platform.spreadsheet import Cell, safe_cell


class Show(StrEnum):
    ALL = "all"
    DUE = "due"  # planned to finish this quarter, not done
    LATE = "late"
    BLOCKED = "blocked"
    AT_RISK = "at_risk"  # mandatory, late or blocked or planned past its legal date


SHOW_LABELS = {
    Show.ALL: _l("All initiatives"),
    Show.DUE: _l("Due this quarter"),
    Show.LATE: _l("Late"),
    Show.BLOCKED: _l("Blocked"),
    Show.AT_RISK: _l("Mandatory at risk"),
}


@dataclass(frozen=True)
class FollowUpRow:
    office: Office
    assessment: Assessment
    line: Line
    due: bool

    def shown(self, show: Show) -> bool:
        if show is Show.DUE:
            return self.due
        if show is Show.LATE:
            return self.line.late
        if show is Show.BLOCKED:
            return self.line.status is TrackingStatus.BLOCKED
        if show is Show.AT_RISK:
            return self.line.at_risk
        return True


@dataclass
class OfficeDelivery:
    office: Office
    assessment: Assessment
    initiatives: int = 0
    planned_by_now: int = 0  # planned to be finished by the end of this quarter (dropped ones left out)
    done_of_planned: int = 0
    done: int = 0
    late: int = 0
    blocked: int = 0
    at_risk: int = 0

    def count(self, line: Line, quarter: Quarter) -> None:
        """Counts one initiative in, as at `quarter`: what was planned to be finished by its end (dropped ones
        left out) and how much of it is done. The follow-up and the progress report count alike."""
        status = line.status
        self.initiatives += 1
        self.done += status is TrackingStatus.DONE
        self.late += line.late
        self.blocked += status is TrackingStatus.BLOCKED
        self.at_risk += line.at_risk
        if (
            line.planned_finish is not None
            and line.planned_finish <= quarter
            and status is not TrackingStatus.DROPPED
        ):
            self.planned_by_now += 1
            self.done_of_planned += status is TrackingStatus.DONE

    @property
    def delivery_rate(self) -> float | None:
        """Done of what was planned to be finished by now, 0–100; None when nothing was due yet."""
        if not self.planned_by_now:
            return None
        return round(100 * self.done_of_planned / self.planned_by_now, 1)


@dataclass(frozen=True)
class FollowUp:
    quarter: Quarter
    rows: list[FollowUpRow]  # filtered
    offices: list[OfficeDelivery]
    counts: dict[Show, int] = field(default_factory=dict)  # over every row, before the filter


def published_assessments(user: User, office_code: str = "") -> list[Assessment]:
    """The published assessments of the offices the user may view (latest cycle first)."""
    query = (
        select(Assessment)
        .options(joinedload(Assessment.office), joinedload(Assessment.cycle))
        .where(
            Assessment.status == AssessmentStatus.PUBLISHED.value,
            office_condition(user, Action.VIEW_OFFICE, Assessment.office_id),
        )
        .order_by(Assessment.office_id, Assessment.id.desc())
    )
    if office_code.strip():
        query = query.join(Office, Office.id == Assessment.office_id).where(
            Office.code == office_code.strip().upper()
        )
    # The latest published roadmap of each office is the one it follows.
    latest: dict[int, Assessment] = {}
    for assessment in db.session.scalars(query).unique():
        latest.setdefault(assessment.office_id, assessment)
    return list(latest.values())


def follow_up(
    user: User,
    *,
    show: Show = Show.ALL,
    office_code: str = "",
    mandatory_only: bool = False,
    today: dt.date | None = None,
) -> FollowUp:
    today = today or local_today()
    quarter = Quarter.of_day(today)
    rows: list[FollowUpRow] = []
    offices: list[OfficeDelivery] = []
    for assessment in published_assessments(user, office_code):
        delivery = OfficeDelivery(assessment.office, assessment)
        for line in tracking.lines(assessment, today=today):
            status = line.status
            due = line.planned_finish == quarter and status not in (
                TrackingStatus.DONE,
                TrackingStatus.DROPPED,
            )
            rows.append(FollowUpRow(assessment.office, assessment, line, due))
            delivery.count(line, quarter)
        offices.append(delivery)
    if mandatory_only:
        rows = [row for row in rows if row.line.mandatory]
    counts = {kind: sum(1 for row in rows if row.shown(kind)) for kind in Show}
    return FollowUp(quarter, [row for row in rows if row.shown(show)], offices, counts)


def export_csv(rows: Sequence[FollowUpRow]) -> bytes:
    """The rows shown as CSV (UTF-8 with BOM, for spreadsheets; codes, the same in every language), safe
    against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "office",
            "cycle",
            "initiative",
            "name",
            "mandatory",
            "planned_start",
            "planned_finish",
            "status",
            "percent_done",
            "actual_start",
            "actual_finish",
            "late",
            "at_risk",
            "blocked_reason",
            "verdict",
        ]
    )
    for row in rows:
        state = row.line.state
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    row.office.code,
                    row.assessment.cycle.code,
                    row.line.code,
                    row.line.name,
                    "yes" if row.line.mandatory else "no",
                    str(row.line.planned_start or ""),
                    str(row.line.planned_finish or ""),
                    state["status"],
                    state["percent_done"],
                    state["actual_start"] or "",
                    state["actual_finish"] or "",
                    "yes" if row.line.late else "no",
                    "yes" if row.line.at_risk else "no",
                    state["blocked_reason"],
                    state["verdict"],
                )
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def office_rows(assessment: Assessment, *, today: dt.date | None = None) -> list[FollowUpRow]:
    """Every initiative of one office's published roadmap as rows of the follow-up (its progress export)."""
    quarter = Quarter.of_day(today or local_today())
    return [
        FollowUpRow(
            assessment.office,
            assessment,
            line,
            line.planned_finish == quarter
            and line.status not in (TrackingStatus.DONE, TrackingStatus.DROPPED),
        )
        for line in tracking.lines(assessment, today=today)
    ]


def xlsx_headers() -> list[str]:
    """The CSV's columns, in the reader's language."""
    return [
        _("Office"),
        _("Cycle"),
        _("Code"),
        _("Initiative"),
        _("Mandatory"),
        _("Planned start"),
        _("Planned finish"),
        _("Status"),
        _("Percent done"),
        _("Actual start"),
        _("Actual finish"),
        _("Late"),
        _("Mandatory at risk"),
        _("What blocks it"),
        _("Consultant's verdict"),
    ]


def xlsx_cells(row: FollowUpRow) -> list[Cell]:
    state = row.line.state

    def yes_no(value: bool) -> str:
        return _("Yes") if value else _("No")

    verdict = state["verdict"]
    return [
        row.office.code,
        row.assessment.cycle.code,
        row.line.code,
        row.line.name,
        yes_no(row.line.mandatory),
        str(row.line.planned_start or ""),
        str(row.line.planned_finish or ""),
        str(tracking.STATUS_LABELS[row.line.status]),
        int(state["percent_done"]),
        state["actual_start"] or "",
        state["actual_finish"] or "",
        yes_no(row.line.late),
        yes_no(row.line.at_risk),
        state["blocked_reason"],
        str(tracking.VERDICT_LABELS[CompletionVerdict(verdict)]) if verdict else "",
    ]


def export_xlsx(rows: Sequence[FollowUpRow], title: str) -> bytes:
    """The rows as one sheet (the CSV's rows and columns, in the reader's language), every cell through the
    safe spreadsheet writer (typed text never runs as a formula); numbers stay numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = safe_title(title)
    sheet.append([safe_cell(label) for label in xlsx_headers()])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(value) for value in xlsx_cells(row)])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str))
    sheet.freeze_panes = "D2"
    workbook.properties.title = str(safe_cell(title))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_title(title: str) -> str:
    """A sheet's name: at most 31 characters, none of those a sheet name may not hold."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in str(safe_cell(title)))
    return cleaned.strip()[:31] or "Sheet"
