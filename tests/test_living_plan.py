"""The roadmap as a living plan, part 2 (issue 22): the office's planned-against-actual Gantt, completion
evidence files on tracking (checked and stored as answers' files, downloaded only by those who may see the
roadmap), and the quarterly progress report (reminded once per office and quarter, confirmed, compared with
the previous report)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import (
    AuditEvent,
    InitiativeTracking,
    Notification,
    ProgressReport,
    ReminderSent,
    TrackingEvidenceFile,
)
from roadmap.services import Invalid
from roadmap.services.plans import completion, quarterly, tracking
from roadmap.services.plans.figures import progress_gantt_chart
from roadmap.services.plans.tracking import Quarter
from tests.conftest import logged_in
from tests.test_email import parts, subject
from tests.test_review import fresh, submitted  # noqa: F401  (the fixture)
from tests.test_tracking import codes, first_mandatory, first_optional, published  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def count(model, **where) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).filter_by(**where)))


def url(assessment, tail: str = "") -> str:
    return f"/assessments/{assessment.id}/roadmap/progress{tail}"


def posted(code: str, version: int, **values) -> dict:
    form = {f"t-{code}-initiative": code, f"t-{code}-version": str(version)}
    form.update({f"t-{code}-{name}": value for name, value in values.items()})
    return form


# --- the Gantt -------------------------------------------------------------------------------------------


def test_gantt_draws_planned_and_actual_bars_marks_the_late_and_escapes_labels(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
):
    code = first_optional(published)
    tracking.update_progress(
        published,
        code,
        {
            "status": "in_progress",
            "percent_done": "30",
            "actual_start": str(codes(published)[code].planned_start),
        },
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    lines = tracking.lines(fresh(published.id))
    finish = max(line.planned_finish for line in lines)
    later = dt.date(finish.year + 1, 2, 10)  # every planned quarter has passed: all not done are late
    late_lines = tracking.lines(fresh(published.id), today=later)
    assert all(line.late for line in late_lines)
    hostile = [
        tracking.Line(**{**line.__dict__, "name": "<script>alert(1)</script> & co"}) for line in late_lines
    ]
    svg = progress_gantt_chart(hostile, later).svg()
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "<title>Kế hoạch và thực tế, theo quý</title>" in svg
    assert re.search(r"<desc>[^<]*đang chậm tiến độ", svg), "the description says in words how many are late"
    assert svg.count('stroke="#b3261e"') >= len(lines)  # every planned bar outlined red: late
    assert "stroke-dasharray" in svg  # the line of today
    drawing = progress_gantt_chart(hostile, later)
    assert sum(1 for shape in drawing.shapes if getattr(shape, "label", "") == "chậm tiến độ") == len(lines)
    # Before the plan's end, the one under way has an actual bar running to today, not late.
    early = progress_gantt_chart(lines, dt.date(lines[0].planned_start.year, 1, 15)).svg()
    assert "chậm tiến độ" not in early.split("</desc>")[1]


def test_progress_page_shows_the_gantt_in_its_own_scrolling_box_with_the_table_beside(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
):
    page = logged_in(app, world.respondent_a.email).get(url(published)).get_data(as_text=True)
    figure = page.split('class="chart chart-wide progress-gantt"')[1].split("</figure>")[0]
    assert 'tabindex="0"' in figure  # scrolls by keyboard inside its box at 390 px
    assert "<svg" in figure
    assert "<desc>" in figure
    assert 'id="progress-table"' in page  # the same quarters in words


def test_the_demo_gantt_shows_late_initiatives(sqlite_template, tmp_path):
    from roadmap.models import User
    from roadmap.services.platform.clock import local_today
    from roadmap.services.review import follow_up as follow
    from tests.conftest import Browser, demo_app

    app = demo_app(sqlite_template, tmp_path)
    saved = json.loads((Path(tmp_path) / "demo-logins.json").read_text(encoding="utf-8"))
    passwords = {entry["email"]: entry["password"] for entry in saved}
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.role == "admin")).first()
        late_row = next(row for row in follow.follow_up(admin, show=follow.Show.LATE).rows)
        assessment_id = late_row.assessment.id
        office_id = late_row.assessment.office_id
        person = db.session.scalars(
            select(User).where(User.office_id == office_id, User.email.in_(list(passwords)))
        ).first()
        lines = tracking.lines(fresh(assessment_id))
        svg = progress_gantt_chart(lines, local_today()).svg()
        assert svg.count('stroke="#b3261e"') == sum(1 for line in lines if line.late) >= 1
        browser = Browser(app.test_client())
        assert browser.login(person.email, passwords[person.email]).status_code == 302
        page = browser.get(f"/assessments/{assessment_id}/roadmap/progress").get_data(as_text=True)
        figure = page.split('class="chart chart-wide progress-gantt"')[1].split("</figure>")[0]
        assert 'stroke="#b3261e"' in figure


# --- completion evidence files ---------------------------------------------------------------------------


def test_a_mandatory_initiative_is_done_with_a_file_alone_and_only_the_office_and_its_consultant_download_it(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
):
    code = first_mandatory(published)
    office = logged_in(app, world.respondent_a.email)
    done = posted(code, 0, status="done", percent_done="100", actual_start="2027-Q1", actual_finish="2027-Q2")
    # Without any evidence: refused at its field, nothing stored.
    refused = office.post(url(published, "/update"), done)
    assert refused.status_code == 400
    assert count(InitiativeTracking) == 0
    saved = office.post(
        url(published, "/update"),
        {**done, f"t-{code}-evidence_files": (io.BytesIO(PDF), "../../Biên bản nghiệm thu.exe.pdf")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    row = db.session.scalars(select(TrackingEvidenceFile)).one()
    assert row.original_name == "Biên bản nghiệm thu.exe.pdf"  # no path, the real type's extension
    assert row.content_type == "application/pdf"
    assert codes(fresh(published.id))[code].status.value == "done"
    assert count(AuditEvent, action="tracking.file_added") == 1
    page = office.get(url(published)).get_data(as_text=True)
    link = url(published, f"/files/{row.id}")
    assert link in page
    download = office.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert logged_in(app, world.consultant.email).get(link).status_code == 200
    other = logged_in(app, world.respondent_b.email)
    assert other.get(link).status_code == 404
    # Office B's own id in the URL does not reach office A's file either.
    assert other.post(url(published, "/files/delete"), {"file_id": str(row.id)}).status_code == 404
    # The last evidence of a mandatory initiative done cannot be removed; the file stays.
    office.post(url(published, "/files/delete"), {"file_id": str(row.id)})
    assert count(TrackingEvidenceFile) == 1
    assert office.get(link).status_code == 200
    # The JSON API lists the file with the initiative's state.
    from roadmap.services.directory import api_tokens
    from tests.conftest import isolated

    secret = api_tokens.create(world.consultant, "progress").secret
    body = isolated(
        app.test_client(use_cookies=False).get,
        f"/api/v1/assessments/{published.id}/progress",
        headers={"Authorization": f"Bearer {secret}"},
    ).get_json()
    [entry] = [item for item in body["initiatives"] if item["code"] == code]
    assert [(f["id"], f["name"], f["size"]) for f in entry["evidence_files"]] == [
        (row.id, "Biên bản nghiệm thu.exe.pdf", len(PDF))
    ]
    assert body["last_report"] is None


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (b"MZ\x90\x00 an executable", "report.pdf", 400),
        (b"", "empty.pdf", 400),
        (b"%PDF-" + b"0" * (10 * 1024 * 1024), "huge.pdf", 413),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
    tmp_path,
    content,
    name,
    status,
):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    code = first_optional(published)
    office = logged_in(app, world.respondent_a.email)
    response = office.post(
        url(published, "/update"),
        {
            **posted(code, 0, status="in_progress", percent_done="20", actual_start="2027-Q1"),
            f"t-{code}-evidence_files": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == status
    assert count(TrackingEvidenceFile) == 0
    assert count(InitiativeTracking) == 0  # the report with a bad file is not stored either
    folder = tmp_path / "uploads"
    assert not folder.exists() or not any(path.is_file() for path in folder.rglob("*"))


def test_another_offices_respondent_cannot_upload_to_this_roadmap(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
):
    code = first_optional(published)
    other = logged_in(app, world.respondent_b.email)
    response = other.post(
        url(published, "/update"),
        {
            **posted(code, 0, status="in_progress", percent_done="20", actual_start="2027-Q1"),
            f"t-{code}-evidence_files": (io.BytesIO(PNG), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert count(TrackingEvidenceFile) == 0


def test_a_file_removed_by_the_office_is_gone_from_storage(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
):
    code = first_optional(published)
    office = logged_in(app, world.respondent_a.email)
    office.post(
        url(published, "/update"),
        {
            **posted(code, 0, status="in_progress", percent_done="20", actual_start="2027-Q1"),
            f"t-{code}-evidence_files": (io.BytesIO(PNG), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    row = db.session.scalars(select(TrackingEvidenceFile)).one()
    key = row.storage_key
    assert office.post(url(published, "/files/delete"), {"file_id": str(row.id)}).status_code == 302
    assert count(TrackingEvidenceFile) == 0
    assert count(AuditEvent, action="tracking.file_removed") == 1
    assert not completion.storage_module.storage().exists(key)


# --- quarterly reports -----------------------------------------------------------------------------------


def test_quarter_windows():
    assert quarterly.reported_quarter(dt.date(2027, 3, 20)) == Quarter(2027, 1)
    assert quarterly.reported_quarter(dt.date(2027, 4, 10)) == Quarter(2027, 1)
    assert quarterly.reported_quarter(dt.date(2027, 5, 10)) == Quarter(2027, 2)
    assert quarterly.reported_quarter(dt.date(2027, 1, 5)) == Quarter(2026, 4)
    assert quarterly.reminder_due(dt.date(2027, 3, 20))
    assert quarterly.reminder_due(dt.date(2027, 4, 10))
    assert not quarterly.reminder_due(dt.date(2027, 5, 10))
    assert quarterly.last_day(Quarter(2027, 4)) == dt.date(2027, 12, 31)


def run_reminders(app, day: dt.date) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_the_quarterly_report_is_reminded_once_per_office_and_quarter_in_app_and_by_mail(
    app,
    world,
    smtp,
    published,  # noqa: F811 (the fixture imported above)
):
    start = min(line.planned_start for line in tracking.lines(published))
    end = quarterly.last_day(start)
    days = [end - dt.timedelta(days=5), end - dt.timedelta(days=1), end + dt.timedelta(days=10)]
    outputs = [run_reminders(app, day) for day in days]
    assert "1 office(s) reminded of their quarterly progress report" in outputs[0]
    assert all("0 office(s) reminded of their quarterly" in output for output in outputs[1:])
    assert count(ReminderSent, kind=quarterly.PROGRESS) == 1
    assert count(Notification, user_id=world.respondent_a.id, kind=quarterly.PROGRESS_REPORT_DUE) == 1
    assert count(Notification, user_id=world.respondent_b.id, kind=quarterly.PROGRESS_REPORT_DUE) == 0
    smtp.messages(wait_for=1)
    mails = [m for m in smtp.to(world.respondent_a.email) if "sắp kết thúc" in subject(m)]
    assert len(mails) == 1
    assert f"Quý {start.number}/{start.year} sắp kết thúc" in subject(mails[0])
    assert f"/assessments/{published.id}/roadmap/progress" in parts(mails[0])["text/plain"]
    # Confirmed before the next quarter's window: that quarter's reminder is not given.
    following = start.next()
    quarterly.confirm(
        fresh(published.id), str(following), actor=world.respondent_a, today=quarterly.last_day(following)
    )
    db.session.commit()
    assert "0 office(s) reminded of their quarterly" in run_reminders(
        app, quarterly.last_day(following) - dt.timedelta(days=2)
    )
    assert count(ReminderSent, kind=quarterly.PROGRESS) == 1


def test_the_consultant_sees_what_changed_since_the_previous_report(
    app,
    world,
    published,  # noqa: F811 (the fixture imported above)
):
    first, second = tracking.lines(published)[:2]
    quarter = first.planned_start
    office = logged_in(app, world.respondent_a.email)
    quarterly.confirm(
        fresh(published.id), str(quarter), actor=world.respondent_a, today=quarterly.last_day(quarter)
    )
    db.session.commit()
    tracking.update_progress(
        fresh(published.id),
        first.code,
        {"status": "in_progress", "percent_done": "50", "actual_start": str(quarter)},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    following = quarter.next()
    quarterly.confirm(
        fresh(published.id), str(following), actor=world.respondent_a, today=quarterly.last_day(following)
    )
    db.session.commit()
    assert count(ProgressReport) == 2
    assert count(AuditEvent, action="tracking.report_confirmed") == 2
    seen = quarterly.changes(fresh(published.id), tracking.lines(fresh(published.id)))
    assert seen.latest.quarter == str(following)
    assert seen.previous.quarter == str(quarter)
    assert set(seen.in_report[first.code]) == {"status", "percent_done", "actual_start"}
    assert second.code not in seen.in_report
    assert not seen.after_report
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(url(published)).get_data(as_text=True)
    cell = page.split(f'class="report-change" data-initiative="{first.code}">')[1].split("</td>")[0]
    assert "Trạng thái" in cell
    assert "Tỷ lệ hoàn thành" in cell
    other = page.split(f'class="report-change" data-initiative="{second.code}">')[1].split("</td>")[0]
    assert "không thay đổi" in other
    # A report of a quarter not reached yet is refused; another office cannot confirm this one's.
    with pytest.raises(Invalid):
        quarterly.confirm(fresh(published.id), "2099-Q1", actor=world.respondent_a)
    other_office = logged_in(app, world.respondent_b.email)
    assert other_office.post(url(published, "/confirm"), {"quarter": str(quarter)}).status_code == 404
    today = quarterly.reported_quarter(dt.date.today())
    assert office.post(url(published, "/confirm"), {"quarter": str(today)}).status_code == 302
    assert count(ProgressReport) == 3
