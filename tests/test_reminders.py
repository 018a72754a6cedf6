"""Deadline and review reminders: `flask reminders send` gives each once per office, kind and day, however
often it runs; the e-mails reach a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, Notification, ReminderSent
from roadmap.services.review import reminders
from roadmap.services.survey import frameworks, steps
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, fill_everything

CLOSES = dt.date(2026, 12, 31)


@pytest.fixture
def office_a_submitted(world):
    """Office A has submitted (on 1 December); office B has not started."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    db.session.commit()
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    assessment.submitted_at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    db.session.commit()
    return assessment


def run(app, day: dt.date) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    return str(result.output)


def count(model, **where) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model).filter_by(**where)))


def test_deadline_reminders_go_once_per_office_and_day_however_often_the_timer_runs(
    app, world, office_a_submitted, smtp
):
    seven_days_before = CLOSES - dt.timedelta(days=7)
    first = run(app, seven_days_before)
    assert "1 office(s) reminded of the deadline" in first
    for _ in range(3):
        assert "0 office(s) reminded of the deadline" in run(app, seven_days_before)

    # Office B (not started) once; office A (submitted) never.
    assert count(ReminderSent, kind=reminders.SCHEDULED) == 1
    assert count(Notification, user_id=world.respondent_b.id, kind=reminders.DEADLINE) == 1
    assert count(Notification, user_id=world.respondent_a.id, kind=reminders.DEADLINE) == 0
    smtp.messages(wait_for=2)  # office B's reminder, and the consultant's mail of A's submission
    mails = smtp.to(world.respondent_b.email)
    assert len(mails) == 1
    assert smtp.to(world.respondent_a.email) == []
    from tests.test_email import parts

    text = parts(mails[0])["text/plain"]
    assert "31/12/2026" in text  # the date as Vietnamese write it
    assert "còn 7 ngày" in text
    assert f"/offices/{world.office_b.id}/assessments" in text

    # A day that is not one of the cycle's (14, 7, 2): nothing; the next one: once more.
    assert "0 office(s)" in run(app, CLOSES - dt.timedelta(days=6))
    assert "1 office(s)" in run(app, CLOSES - dt.timedelta(days=2))
    assert "0 office(s)" in run(app, CLOSES - dt.timedelta(days=2))
    assert count(Notification, user_id=world.respondent_b.id, kind=reminders.DEADLINE) == 2


def test_the_cycle_chooses_its_reminder_days(app, world):
    world.cycle.reminder_days = "3"
    db.session.commit()
    assert "0 office(s)" in run(app, CLOSES - dt.timedelta(days=7))
    assert "2 office(s)" in run(app, CLOSES - dt.timedelta(days=3))


def test_consultants_are_reminded_of_a_submission_waiting_longer_than_the_cycles_days(
    app, world, office_a_submitted
):
    world.cycle.review_reminder_days = 5
    db.session.commit()
    assert "0 review reminder(s)" in run(app, dt.date(2026, 12, 5))  # waited 4 days
    assert "1 review reminder(s)" in run(app, dt.date(2026, 12, 6))  # 5 days
    assert "0 review reminder(s)" in run(app, dt.date(2026, 12, 6))  # the same day again
    assert "0 review reminder(s)" in run(app, dt.date(2026, 12, 7))
    assert "1 review reminder(s)" in run(app, dt.date(2026, 12, 11))  # 10 days: again every 5
    db.session.rollback()
    texts = [
        n.params["days_waiting"]
        for n in db.session.scalars(select(Notification).where(Notification.kind == reminders.REVIEW_WAITING))
    ]
    assert texts == [5, 10]
    assert count(Notification, user_id=world.consultant.id, kind=reminders.REVIEW_WAITING) == 2


def test_a_closed_cycle_reminds_nobody(app, world):
    world.cycle.status = "closed"
    db.session.commit()
    assert "0 office(s)" in run(app, CLOSES - dt.timedelta(days=7))


def test_an_administrator_sets_a_new_cycles_reminder_days_and_a_bad_value_is_named(app, world):
    version = frameworks.import_file(SMALL, actor=None).version
    admin = logged_in(app, world.admin.email)
    admin.get("/admin/cycles")
    data = {
        "framework_version": str(version.id),
        "code": "2027",
        "name_vi": "Kỳ 2027",
        "name_en": "2027 cycle",
        "opens_on": "2027-01-01",
        "closes_on": "2027-12-31",
        "review_reminder_days": "3",
    }
    refused = admin.post("/admin/cycles", {**data, "reminder_days": "14, sometimes"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "14, sometimes" in page  # nothing typed is lost
    assert 'id="reminder_days-error"' in page
    admin.get("/admin/cycles")
    response = admin.post("/admin/cycles", {**data, "reminder_days": "7, 30,1"})
    assert response.status_code == 302
    db.session.rollback()
    from roadmap.models import Cycle

    cycle = db.session.scalar(select(Cycle).where(Cycle.code == "2027"))
    assert (cycle.reminder_days, cycle.review_reminder_days) == ("30,7,1", 3)
    assert count(AuditEvent, action="cycle.created") == 1


def test_an_existing_cycles_reminder_days_change_from_the_command_line_and_a_bad_value_is_refused(app, world):
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["reminders", "configure", "--cycle", "2026", "--days", "10, 3", "--review-after", "4"]
    )
    assert done.exit_code == 0, done.output
    db.session.rollback()
    assert (world.cycle.reminder_days, world.cycle.review_reminder_days) == ("10,3", 4)
    assert "0 office(s)" in run(app, CLOSES - dt.timedelta(days=7))
    assert "2 office(s)" in run(app, CLOSES - dt.timedelta(days=10))
    refused = runner.invoke(
        args=["reminders", "configure", "--cycle", "2026", "--days", "soon", "--review-after", "4"]
    )
    assert refused.exit_code == 1
    db.session.rollback()
    assert world.cycle.reminder_days == "10,3"


def test_an_administrator_changes_an_existing_cycles_reminders_on_its_page(app, world):
    """The page of the cycle's reminders: what the command line sets, with the refusals beside their fields
    in the user's language (Vietnamese by default), what was typed kept, the change audited."""
    admin = logged_in(app, world.admin.email)
    cycles_page = admin.get("/admin/cycles").get_data(as_text=True)
    url = f"/admin/cycles/{world.cycle.id}/reminders"
    assert url in cycles_page
    page = admin.get(url).get_data(as_text=True)
    assert 'value="14,7,2"' in page  # what the cycle has now

    refused = admin.post(url, {"reminder_days": "14, sometimes", "review_reminder_days": "soon"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert 'value="14, sometimes"' in page
    assert 'value="soon"' in page
    assert 'id="reminder_days-error"' in page
    assert 'id="review_reminder_days-error"' in page
    assert "Nhập các số ngày nguyên, cách nhau bởi dấu phẩy" in page
    assert "Nhập số ngày từ 1 đến 365." in page
    too_many = admin.post(
        url, {"reminder_days": ",".join(str(d) for d in range(1, 30)), "review_reminder_days": "0"}
    )
    page = too_many.get_data(as_text=True)
    assert "Nhập tối đa 16 ngày, mỗi ngày không quá 365." in page
    assert "Nhập số ngày từ 1 đến 365." in page
    db.session.rollback()
    assert (world.cycle.reminder_days, world.cycle.review_reminder_days) == ("14,7,2", 5)
    assert count(AuditEvent, action="cycle.reminders_set") == 0

    saved = admin.post(url, {"reminder_days": "3, 10", "review_reminder_days": "4"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/admin/cycles")
    db.session.rollback()
    assert (world.cycle.reminder_days, world.cycle.review_reminder_days) == ("10,3", 4)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.reminders_set"))
    assert event.actor_id == world.admin.id
    assert event.object_id == str(world.cycle.id)
    assert event.details == {"reminder_days": "10,3", "review_reminder_days": 4}
    assert "10,3" in admin.get("/admin/cycles").get_data(as_text=True)
    # The reminders follow the new days.
    assert "2 office(s)" in run(app, CLOSES - dt.timedelta(days=10))
    assert "0 office(s)" in run(app, CLOSES - dt.timedelta(days=7))


def test_the_reminders_page_needs_the_csrf_token_and_an_administrator(app, world):
    url = f"/admin/cycles/{world.cycle.id}/reminders"
    admin = logged_in(app, world.admin.email)
    admin.get(url)
    refused = admin.post(url, {"reminder_days": "1", "review_reminder_days": "2"}, csrf=False)
    assert refused.status_code == 400
    consultant = logged_in(app, world.consultant.email)
    assert consultant.get(url).status_code == 403
    assert consultant.post(url, {"reminder_days": "1", "review_reminder_days": "2"}).status_code == 403
    db.session.rollback()
    assert (world.cycle.reminder_days, world.cycle.review_reminder_days) == ("14,7,2", 5)
