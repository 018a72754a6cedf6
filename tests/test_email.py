"""E-mail notifications through a real SMTP server: aiosmtpd in its own process (the `smtp` fixture of
tests/conftest.py), writing what it receives into a Maildir that the tests read back."""

from __future__ import annotations

from email.message import Message

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import EmailStatus, Notification, OutgoingEmail, User
from roadmap.services.survey import frameworks, steps
from tests.conftest import SMTP_PUBLIC_URL as PUBLIC_URL
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, fill_everything


@pytest.fixture
def ready_to_submit(world):
    """Office A's assessment, fully answered, a draft; its consultant reads English."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    world.consultant.locale = "en"
    db.session.commit()
    return assessment


def submit_through_the_page(app, world, assessment) -> None:
    browser = logged_in(app, world.respondent_a.email)
    browser.get(f"/assessments/{assessment.id}/submit")
    # buffered: the test client then closes the response as a real server does, which runs what waits
    # for the response to have gone (the mail, in the embedded shape).
    response = browser.post(
        f"/assessments/{assessment.id}/submit", {"status_version": assessment.status_version}, buffered=True
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if not part.is_multipart()
    }


def subject(message: Message) -> str:
    from email.header import decode_header, make_header

    return " ".join(str(make_header(decode_header(message["Subject"]))).split())


def test_a_submission_mails_the_consultant_in_english_with_a_link_to_the_review_page(
    app, world, smtp, ready_to_submit
):
    submit_through_the_page(app, world, ready_to_submit)

    received = smtp.messages(wait_for=1)
    assert len(received) == 1
    message = received[0]
    assert message["To"] == world.consultant.email
    assert message["From"] == "lotrinh@example.vn"
    assert "Office A has submitted its assessment for the cycle 2026." in subject(message)
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    link = f"{PUBLIC_URL}/review/assessments/{ready_to_submit.id}"
    assert link in body["text/plain"]
    assert f'href="{link}"' in body["text/html"]
    assert f"{PUBLIC_URL}/account/notifications" in body["text/plain"]
    assert "Dear Consultant," in body["text/plain"]


def test_approval_and_publication_mail_the_respondent_in_vietnamese_without_answer_content(
    app, world, smtp, ready_to_submit
):
    submit_through_the_page(app, world, ready_to_submit)
    reviewer = logged_in(app, world.consultant.email)
    for step in ("start", "approve", "publish"):
        db.session.rollback()
        version = db.session.get(type(ready_to_submit), ready_to_submit.id).status_version
        response = reviewer.post(
            f"/review/assessments/{ready_to_submit.id}/{step}",
            {"status_version": version, "confirm": "y"},  # approve and publish ask for a ticked confirmation
            buffered=True,
        )
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:500])

    to_office = smtp.to(world.respondent_a.email)
    subjects = sorted(subject(message) for message in to_office)
    assert len(subjects) == 3, subjects
    assert any("Đánh giá" in s or "đánh giá" in s for s in subjects), subjects
    assert all("has been" not in s for s in subjects)  # Vietnamese, not English
    for message in to_office:
        body = parts(message)
        assert f"{PUBLIC_URL}/assessments/{ready_to_submit.id}" in body["text/plain"]
        # What the office answered never leaves by e-mail.
        assert "Kế hoạch đào tạo năm 2027" not in body["text/plain"] + body["text/html"]
    # Nothing for the office that has nothing to do with it.
    assert smtp.to(world.respondent_b.email) == []


def test_no_mail_for_a_kind_the_user_opted_out_of_while_the_notification_still_appears(
    app, world, smtp, ready_to_submit
):
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get("/account/notifications")
    assert page.status_code == 200
    # Every box but "an assessment waits for review" stays ticked.
    response = consultant.post(
        "/account/notifications",
        {
            "kind_review__started": "y",
            "kind_assessment__returned": "y",
            "kind_assessment__approved": "y",
            "kind_assessment__published": "y",
        },
    )
    assert response.status_code == 302

    submit_through_the_page(app, world, ready_to_submit)

    assert smtp.messages(wait_for=1) == []
    db.session.rollback()
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == world.consultant.id))
    assert list(kinds) == ["assessment.submitted"]


def test_an_administrators_default_turns_a_kind_off_for_users_who_have_not_chosen(
    app, world, smtp, ready_to_submit
):
    admin = logged_in(app, world.admin.email)
    admin.get("/admin/email-defaults")
    response = admin.post("/admin/email-defaults", {"kind_assessment__published": "y"})
    assert response.status_code == 302
    submit_through_the_page(app, world, ready_to_submit)
    assert smtp.messages(wait_for=1) == []


def test_a_mail_server_that_is_down_fails_nothing_and_the_mail_goes_when_it_is_back(
    app, world, smtp, ready_to_submit
):
    smtp.stop()
    submit_through_the_page(app, world, ready_to_submit)  # the submission itself succeeds

    db.session.rollback()
    email = db.session.scalar(select(OutgoingEmail))
    assert email.status == EmailStatus.QUEUED.value
    assert email.attempts == 1
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()
    assert db.session.get(type(ready_to_submit), ready_to_submit.id).status == "submitted"

    smtp.start()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s) sent, 0 still waiting." in result.output
    assert len(smtp.messages(wait_for=1)) == 1
    db.session.rollback()
    email = db.session.scalar(select(OutgoingEmail))
    assert (email.status, email.attempts) == (EmailStatus.SENT.value, 2)

    # A second run sends nothing again.
    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "0 e-mail(s) sent, 0 still waiting." in again.output
    assert len(smtp.messages()) == 1


def test_with_redis_a_worker_sends_the_mail_and_retries_it_after_a_failure(
    app, world, smtp, ready_to_submit, job_queue
):
    from tests.conftest import run_worker

    smtp.stop()
    submit_through_the_page(app, world, ready_to_submit)
    run_worker(app)  # the first attempt fails; RQ schedules a retry
    db.session.rollback()
    email = db.session.scalar(select(OutgoingEmail))
    assert (email.status, email.attempts) == (EmailStatus.QUEUED.value, 1)

    smtp.start()
    # The retry's pause is minutes; the timer's `flask mail send` is what catches up meanwhile.
    assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
    assert len(smtp.messages(wait_for=1)) == 1
    assert db.session.scalar(select(User.locale).where(User.id == world.consultant.id)) == "en"
