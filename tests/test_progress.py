"""The cycle progress board: what each office's survey stands at, for the consultants of its offices and
the administrators; reminders from it (audited, once a day per office); its exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, Notification, ReminderSent
from roadmap.services.review import progress, reminders
from roadmap.services.survey import frameworks, steps
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, save


@pytest.fixture
def started(world):
    """Office A has answered two questions (one required); office B has not started."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    save(assessment, world.respondent_a, "NW-01", value="c")
    save(assessment, world.respondent_a, "PP-03", value="Kế hoạch")
    db.session.commit()
    return assessment


def test_the_board_shows_status_progress_activity_and_respondents(app, world, started):
    rows = {row.code: row for row in progress.board(world.cycle, world.admin)}
    a, b = rows["VPA"], rows["VPB"]
    assert (a.status, b.status) == ("draft", progress.NOT_STARTED)
    assert a.answered == 2
    assert a.required_total > 0
    assert 1 <= a.required_answered <= 2
    assert a.total >= a.required_total
    assert a.last_by == world.respondent_a.full_name
    assert a.respondents == (world.respondent_a.full_name,)
    assert (b.answered, b.last_activity, b.total) == (0, None, a.total)
    assert a.days_to_deadline == b.days_to_deadline


def test_a_consultant_sees_only_the_assigned_offices(app, world, started):
    assert [row.code for row in progress.board(world.cycle, world.consultant)] == ["VPA"]
    page = logged_in(app, world.consultant.email).get("/review/progress").get_data(as_text=True)
    assert "Văn phòng A" in page
    assert "Văn phòng B" not in page


def test_filters_and_sorting(app, world, started):
    def codes(**options):
        return [row.code for row in progress.board(world.cycle, world.admin, **options)]

    assert codes(status="not_started") == ["VPB"]
    assert codes(status="draft") == ["VPA"]
    assert codes(search="phòng b") == ["VPB"]
    assert codes(sort="required") == ["VPB", "VPA"]  # least complete first
    assert codes(sort="required", descending=True) == ["VPA", "VPB"]
    admin = logged_in(app, world.admin.email)
    page = admin.get("/review/progress?status=not_started").get_data(as_text=True)
    assert "Văn phòng B" in page
    assert "Văn phòng A" not in page


def test_reminding_from_the_board_is_audited_and_once_a_day_per_office(app, world, started):
    consultant = logged_in(app, world.consultant.email)
    consultant.get("/review/progress")
    # Office B is not the consultant's: it is skipped, not reminded.
    data = {"cycle": world.cycle.id, "office": [world.office_a.id, world.office_b.id]}
    response = consultant.post("/review/progress/remind", data)
    assert response.status_code == 302
    db.session.rollback()
    notes = db.session.scalars(select(Notification).where(Notification.kind == reminders.DEADLINE)).all()
    assert [n.user_id for n in notes] == [world.respondent_a.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reminders.sent"))
    assert event.details["offices"] == [world.office_a.id]

    consultant.get("/review/progress")
    again = consultant.post("/review/progress/remind", data, follow_redirects=True)
    assert "already been reminded today" in again.get_data(as_text=True) or "đã được nhắc" in again.get_data(
        as_text=True
    )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == reminders.DEADLINE)
        )
        == 1
    )


def test_a_submitted_office_has_no_box_and_is_not_reminded(app, world, started):
    from tests.test_assessment_service import fill_everything

    fill_everything(started, world.respondent_a)
    db.session.commit()
    assert steps.submit(started, actor=world.respondent_a, expected_status_version=None)
    admin = logged_in(app, world.admin.email)
    page = admin.get("/review/progress").get_data(as_text=True)
    assert f'id="office-{world.office_a.id}"' not in page
    assert f'id="office-{world.office_b.id}"' in page
    outcome = reminders.remind_from_board(world.cycle, [world.office_a.id], actor=world.admin)
    assert (outcome.reminded, outcome.not_due) == ([], [world.office_a.id])


def test_exports_carry_what_the_board_shows(app, world, started):
    admin = logged_in(app, world.admin.email)
    response = admin.get(f"/review/progress/export.csv?cycle={world.cycle.id}&status=draft")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(lines) == 2
    assert lines[1][0] == "VPA"
    assert lines[1][6] == world.respondent_a.full_name
    sheet = load_workbook(
        io.BytesIO(admin.get(f"/review/progress/export.xlsx?cycle={world.cycle.id}").get_data())
    ).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["VPA", "VPB"]


def _required_counts_on(page: str) -> tuple[int, int]:
    """(answered, required) as a page of the assessment says them (English)."""
    match = re.search(r"(\d+) of (\d+) required questions", page)
    assert match, page
    return int(match.group(1)), int(match.group(2))


def _overview_counts(page: str) -> tuple[int, int]:
    """The overview's section list: the sum of its sections' answered/required."""
    pairs = [tuple(map(int, pair)) for pair in re.findall(r"data-progress-count>(\d+)/(\d+)<", page)]
    assert pairs, page
    return sum(a for a, _ in pairs), sum(r for _, r in pairs)


def test_a_question_hidden_by_show_if_is_neither_asked_nor_answered_on_every_page(app, world):
    """small.yaml's CY-04 (required) is shown only when CY-03 is yes. Hidden, it leaves the denominators
    (required and all) and its stored answer leaves the numerators: on the board, the assessment overview,
    the submit page and the office's list of assessments alike."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    save(assessment, world.respondent_a, "NW-01", value="c")
    save(assessment, world.respondent_a, "CY-03", value="yes")
    save(assessment, world.respondent_a, "CY-04", value="b")
    db.session.commit()
    respondent = logged_in(app, world.respondent_a.email)
    respondent.post("/locale/en")

    def everywhere() -> tuple[set[tuple[int, int]], tuple[int, int]]:
        db.session.expire_all()
        row = next(r for r in progress.board(world.cycle, world.admin) if r.code == "VPA")
        pages = {
            _overview_counts(respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True)),
            _required_counts_on(
                respondent.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
            ),
            _required_counts_on(
                respondent.get(f"/offices/{world.office_a.id}/assessments").get_data(as_text=True)
            ),
        }
        return pages | {(row.required_answered, row.required_total)}, (row.answered, row.total)

    shown, all_shown = everywhere()
    assert shown == {(3, 11)}  # NW-01, CY-03, CY-04 of the 11 required questions
    assert all_shown == (3, 12)

    save(assessment, world.respondent_a, "CY-03", value="no")  # CY-04 hides; its answer stays stored
    db.session.commit()
    hidden, all_hidden = everywhere()
    assert hidden == {(2, 10)}
    assert all_hidden == (2, 11)
    # Not started: office B is measured against what the framework asks before any answer (CY-04 hidden).
    b = next(r for r in progress.board(world.cycle, world.admin) if r.code == "VPB")
    assert (b.required_answered, b.required_total, b.total) == (0, 10, 11)


def test_the_boards_scans_of_a_cycles_answers_leave_nothing_to_plan_for_any_parameters(app, world, started):
    """The two statements that read a whole cycle's answers carry their codes and ids in the SQL, with no
    parameter: on PostgreSQL a prepared statement with parameters may get a plan made once for any values,
    which searched the required codes one by one for every answer (4.8 × slower at 1,000 offices)."""
    scans: list[tuple[str, object]] = []

    def keep(connection, cursor, statement, parameters, context, executemany):
        if "FROM answers" in statement:
            scans.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        rows = {row.code: row for row in progress.board(world.cycle, world.admin)}
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert rows["VPA"].answered == 2
    assert scans
    for statement, parameters in scans:
        assert not parameters, statement
        assert "question_code IN ('" in statement  # the codes written in
