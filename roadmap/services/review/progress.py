"""The progress board of a cycle: every office the viewer may see, with where its survey stands — the
questions a survey coordinator asks every morning: who has not started, who is stuck, who has gone quiet.

Percentages count the answers given (answered, N/A or "don't know") against the framework's questions,
required and all, as the assessment's own pages count them (`survey.results.progress`): a question that
show_if hides for the office's answers and profile is neither asked nor answered. The board does not score
every draft: it reads the answers that show_ifs test and walks the conditional questions alone
(`Scorer.hidden_codes`), so that the whole board costs a fixed number of statements whatever the number of
offices.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import bindparam, case, func, literal_column, select

from roadmap.engine.answers import Answer
from roadmap.engine.framework import Framework
from roadmap.engine.scoring import scorer_for
from roadmap.extensions import db
from roadmap.models import (
    AnswerRecord,
    Assessment,
    AssessmentStatus,
    Cycle,
    FrameworkVersion,
    Office,
    OfficeProfileAnswer,
    ReminderSent,
    User,
)
from roadmap.policy import Action, office_condition, visible_offices_query
from roadmap.services.platform.clock import local_today
from roadmap.services.platform.spreadsheet import safe_cell
from roadmap.services.review import reminders
from roadmap.services.survey import frameworks
from roadmap.services.survey.answers import stored_answer
from roadmap.services.survey.lifecycle import STATUS_LABELS
from roadmap.services.survey.profiles import profile_from

NOT_STARTED = "not_started"
STATUS_FILTERS = (NOT_STARTED, *(status.value for status in AssessmentStatus))
SORTS = ("required", "answered", "office", "status", "activity")


def status_label(status: str) -> Any:
    return _l("Not started") if status == NOT_STARTED else STATUS_LABELS[AssessmentStatus(status)]


@dataclass(frozen=True)
class OfficeProgress:
    office_id: int
    code: str
    name_vi: str
    name_en: str
    assessment_id: int | None
    status: str  # an assessment status, or NOT_STARTED
    required_answered: int
    required_total: int
    answered: int
    total: int
    last_activity: dt.datetime | None
    last_by: str
    days_to_deadline: int
    respondents: tuple[str, ...]
    reminded_today: bool
    # The viewer may remind the office (the policy's SEND_REMINDERS), read with the offices themselves.
    may_remind: bool = False

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    @property
    def required_share(self) -> float:
        return self.required_answered / self.required_total if self.required_total else 0.0

    @property
    def answered_share(self) -> float:
        return self.answered / self.total if self.total else 0.0

    @property
    def submitted(self) -> bool:
        return self.status not in (NOT_STARTED, AssessmentStatus.DRAFT.value, AssessmentStatus.RETURNED.value)


@dataclass(frozen=True)
class _Questions:
    """A framework version's questions as the board counts them."""

    framework: Framework
    required: frozenset[str]
    total: int
    # What decides visibility: the questions that show_ifs test and those that have one (empty: none).
    deciding: frozenset[str]

    def counts(self, hidden: frozenset[str], given: frozenset[str]) -> tuple[int, int, int, int]:
        """(required asked, all asked, required answered but hidden, answered but hidden), given what is
        hidden and which of the deciding questions have an answer."""
        hidden_given = hidden & given
        return (
            len(self.required - hidden),
            self.total - len(hidden),
            len(hidden_given & self.required),
            len(hidden_given),
        )


def _questions(version_ids: set[int]) -> dict[int, _Questions]:
    found = {}
    for row in db.session.scalars(select(FrameworkVersion).where(FrameworkVersion.id.in_(version_ids))):
        framework = frameworks.framework_of(row)
        scorer = scorer_for(framework)
        deciding: frozenset[str] = frozenset()
        if scorer.has_show_if:
            conditional = {q.code for q in framework.questions if q.show_if is not None}
            deciding = frozenset((scorer.show_if_sources & scorer.codes) | conditional)
        found[row.id] = _Questions(
            framework=framework,
            required=frozenset(q.code for q in framework.questions if q.required),
            total=len(framework.questions),
            deciding=deciding,
        )
    return found


def _profiles(office_ids: list[int]) -> dict[int, dict[str, OfficeProfileAnswer]]:
    rows: dict[int, dict[str, OfficeProfileAnswer]] = defaultdict(dict)
    for answer in db.session.scalars(
        select(OfficeProfileAnswer).where(OfficeProfileAnswer.office_id.in_(office_ids))
    ):
        rows[answer.office_id][answer.question_code] = answer
    return rows


def _of_cycle_and_version(cycle_id: int, version_id: int) -> tuple[Any, Any]:
    """The answers of one cycle's assessments of one framework version, with both ids written into the SQL
    (see _code_in)."""
    return (
        Assessment.cycle_id == bindparam("board_cycle", cycle_id, literal_execute=True),
        Assessment.framework_version_id == bindparam("board_version", version_id, literal_execute=True),
    )


def _code_in(codes: Iterable[str]) -> Any:
    """An answer's question among `codes`, the codes written into the SQL.

    The board's two statements scan a whole cycle's answers. On PostgreSQL a statement run often is
    prepared, and after five runs the server may plan it once for any parameters (a generic plan): its
    `IN (…)` over a hundred parameters was then searched one by one for each of 100,000 answers, where a list
    of constants is searched by hash — 70 against 15 ms at 1,000 offices (measured). With the codes and ids
    in the text, nothing is left to plan generically. (Codes of a validated framework and ids from the
    database, never user input; SQLAlchemy quotes them.)"""
    return AnswerRecord.question_code.in_(
        bindparam("board_codes", sorted(codes), expanding=True, literal_execute=True)
    )


def board(
    cycle: Cycle,
    viewer: User,
    *,
    status: str | None = None,
    search: str | None = None,
    sort: str = "required",
    descending: bool = False,
    today: dt.date | None = None,
) -> list[OfficeProgress]:
    """Every office of the cycle that the viewer may see, filtered and sorted."""
    day = today or local_today()
    offices = db.session.execute(
        visible_offices_query(viewer)
        .with_only_columns(
            Office.id,
            Office.code,
            Office.name_vi,
            Office.name_en,
            case((office_condition(viewer, Action.SEND_REMINDERS, Office.id), True), else_=False).label(
                "may_remind"
            ),
        )
        .where(Office.active.is_(True))
    ).all()
    assessments = {
        row.office_id: row
        for row in db.session.execute(
            select(
                Assessment.id,
                Assessment.office_id,
                Assessment.status,
                Assessment.framework_version_id,
                Assessment.updated_at,
                Assessment.last_edited_by_id,
            ).where(Assessment.cycle_id == cycle.id)
        )
    }
    version_ids = {row.framework_version_id for row in assessments.values()}
    # An office that has not started is measured against the cycle's framework.
    usual_id = cycle.framework_version_id or max(version_ids, default=None)
    questions = _questions(version_ids | ({usual_id} if usual_id is not None else set()))
    answered: dict[int, tuple[int, int]] = {}
    for version_id in version_ids:
        required_case = case(
            (_code_in(questions[version_id].required), literal_column("1")), else_=literal_column("0")
        )
        for assessment_id, given, given_required in db.session.execute(
            select(AnswerRecord.assessment_id, func.count(), func.sum(required_case))
            .join(Assessment, Assessment.id == AnswerRecord.assessment_id)
            .where(*_of_cycle_and_version(cycle.id, version_id))
            .group_by(AnswerRecord.assessment_id)
        ):
            answered[assessment_id] = (int(given), int(given_required or 0))
    # Visibility: the answers that show_ifs test (and those of the conditional questions) of the versions
    # that have a show_if, and the offices' profiles when such a version asks one.
    deciding: dict[int, dict[str, Answer]] = defaultdict(dict)
    for version_id in version_ids:
        counted = questions[version_id]
        if not counted.deciding:
            continue
        for assessment_id, code, state, value in db.session.execute(
            select(
                AnswerRecord.assessment_id, AnswerRecord.question_code, AnswerRecord.state, AnswerRecord.value
            )
            .join(Assessment, Assessment.id == AnswerRecord.assessment_id)
            .where(
                *_of_cycle_and_version(cycle.id, version_id),
                _code_in(counted.deciding),
            )
        ):
            deciding[assessment_id][code] = stored_answer(counted.framework.question(code), state, value)
    profiled = any(q.deciding and q.framework.profile for q in questions.values())
    profile_rows = _profiles([office.id for office in offices]) if profiled else {}

    def counts(office_id: int, version_id: int, given: dict[str, Answer]) -> tuple[int, int, int, int]:
        counted = questions[version_id]
        if not counted.deciding:
            return (len(counted.required), counted.total, 0, 0)
        framework = counted.framework
        profile = profile_from(framework, profile_rows.get(office_id, {})) if framework.profile else {}
        hidden = scorer_for(framework).hidden_codes(given, profile)
        return counted.counts(hidden, frozenset(given))

    people: dict[int, list[str]] = defaultdict(list)
    names: dict[int, str] = {}
    for user_id, office_id, full_name, active in db.session.execute(
        select(User.id, User.office_id, User.full_name, User.active).where(User.office_id.is_not(None))
    ):
        names[user_id] = full_name
        if active:
            people[office_id].append(full_name)
    editors = {row.last_edited_by_id for row in assessments.values()} - set(names) - {None}
    if editors:
        for user_id, full_name in db.session.execute(
            select(User.id, User.full_name).where(User.id.in_(editors))
        ):
            names[user_id] = full_name
    reminded = set(
        db.session.scalars(
            select(ReminderSent.office_id).where(
                ReminderSent.cycle_id == cycle.id,
                ReminderSent.kind == reminders.BOARD,
                ReminderSent.day == day,
            )
        )
    )
    days_left = (cycle.closes_on - day).days
    rows = []
    for office in offices:
        assessment = assessments.get(office.id)
        if assessment is None:
            required_total, total = counts(office.id, usual_id, {})[:2] if usual_id is not None else (0, 0)
            given = given_required = 0
            state, last_at, last_by, assessment_id = NOT_STARTED, None, "", None
        else:
            required_total, total, hidden_required, hidden = counts(
                office.id, assessment.framework_version_id, deciding.get(assessment.id, {})
            )
            given, given_required = answered.get(assessment.id, (0, 0))
            given, given_required = given - hidden, given_required - hidden_required
            state, last_at, assessment_id = assessment.status, assessment.updated_at, assessment.id
            last_by = names.get(assessment.last_edited_by_id or 0, "")
        rows.append(
            OfficeProgress(
                office_id=office.id,
                code=office.code,
                name_vi=office.name_vi,
                name_en=office.name_en,
                assessment_id=assessment_id,
                status=state,
                required_answered=given_required,
                required_total=required_total,
                answered=given,
                total=total,
                last_activity=last_at,
                last_by=last_by,
                days_to_deadline=days_left,
                respondents=tuple(sorted(people.get(office.id, []))),
                reminded_today=office.id in reminded,
                may_remind=bool(office.may_remind),
            )
        )
    if status in STATUS_FILTERS:
        rows = [row for row in rows if row.status == status]
    if search:
        needle = search.strip().casefold()
        rows = [
            row
            for row in rows
            if needle in row.code.casefold()
            or needle in row.name_vi.casefold()
            or needle in row.name_en.casefold()
        ]
    return _sorted(rows, sort, descending)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _sorted(rows: list[OfficeProgress], sort: str, descending: bool) -> list[OfficeProgress]:
    keys = {
        "required": lambda row: (row.required_share, row.code),
        "answered": lambda row: (row.answered_share, row.code),
        "office": lambda row: (row.code,),
        "status": lambda row: (STATUS_FILTERS.index(row.status), row.code),
        "activity": lambda row: (row.last_activity or _EPOCH, row.code),
    }
    return sorted(rows, key=keys.get(sort, keys["required"]), reverse=descending)


# --- exports -------------------------------------------------------------------------------------------


def _table(rows: list[OfficeProgress], locale: str) -> tuple[list[str], list[list[Any]]]:
    header = [
        str(_l("Office code")),
        str(_l("Office")),
        str(_l("Status")),
        str(_l("Required questions answered (%)")),
        str(_l("All questions answered (%)")),
        str(_l("Last activity (UTC)")),
        str(_l("Last edited by")),
        str(_l("Days to the deadline")),
        str(_l("Respondents")),
    ]
    body = [
        [
            row.code,
            row.name(locale),
            str(status_label(row.status)),
            round(100 * row.required_share, 1),
            round(100 * row.answered_share, 1),
            row.last_activity.strftime("%Y-%m-%d %H:%M") if row.last_activity else "",
            row.last_by,
            row.days_to_deadline,
            ", ".join(row.respondents),
        ]
        for row in rows
    ]
    return header, [[safe_cell(cell) for cell in line] for line in body]


def export_csv(rows: list[OfficeProgress], locale: str) -> bytes:
    header, body = _table(rows, locale)
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows(body)
    return ("\ufeff" + stream.getvalue()).encode("utf-8")  # the BOM: spreadsheets then read UTF-8


def export_xlsx(rows: list[OfficeProgress], locale: str) -> bytes:
    header, body = _table(rows, locale)
    book = Workbook()
    sheet = book.active
    sheet.title = str(_l("Progress"))[:31]
    sheet.append(header)
    for line in body:
        sheet.append(line)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()
