"""The report PDF as a background job: with Redis, a download that finds no cached rendering becomes a
"report-pdf" job (one per requester and rendering) run by a real RQ worker, followed on its status page
and downloaded from it; a stopped render fails the job with its reason; the result stays the entitled
requester's. Without Redis the download renders in the request, as tests/test_report_download.py shows."""

from __future__ import annotations

import io
import re
import threading
from urllib.parse import unquote

import pypdf
import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AssessmentStatus, AuditEvent, Job
from tests.conftest import logged_in, run_worker
from tests.test_report_download import SMALL, answer, url

CONSULTANT = "consultant@example.vn"


@pytest.fixture
def small_assessment(world):
    import datetime as dt

    from roadmap.services.plans import roadmaps
    from roadmap.services.survey import frameworks, steps

    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    answer(assessment, world.respondent_a, "NW-01", "a")
    roadmaps.generate(assessment, actor=world.consultant, today=dt.date(2026, 11, 15))
    db.session.commit()
    return assessment


@pytest.fixture
def on_redis(app, job_queue, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "up")
    return job_queue


def _job_id(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.fullmatch(r"(?:https?://[^/]+)?/jobs/([0-9a-f]{32})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _jobs() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Job))


def test_on_redis_an_uncached_report_is_rendered_by_the_worker_and_downloaded(
    app, world, small_assessment, on_redis, render_count
):
    browser = logged_in(app, CONSULTANT)
    job_id = _job_id(browser.get(url(small_assessment, lang="vi")))
    assert render_count == []  # nothing rendered in the web request

    waiting = browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Báo cáo (PDF)" in waiting
    assert "Đang chờ xử lý" in waiting  # Queued
    assert 'http-equiv="refresh"' in waiting  # refreshes by itself, no script
    # A second click while it waits leads to the same job.
    assert _job_id(browser.get(url(small_assessment, lang="vi"))) == job_id
    assert _jobs() == 1

    assert run_worker(app) is True
    job = db.session.get(Job, job_id)
    assert (job.kind, job.status, job.attempts) == ("report-pdf", "ready", 1)
    assert job.params["locale"] == "vi"
    assert render_count == [1]

    ready = browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Sẵn sàng" in ready
    assert 'http-equiv="refresh"' not in ready
    assert f"/jobs/{job_id}/download" in ready
    download = browser.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert "no-store" in download.headers["Cache-Control"]
    encoded = re.search(r"filename\*=UTF-8''(\S+)", download.headers["Content-Disposition"]).group(1)
    assert unquote(encoded) == "Báo cáo chuyển đổi số VPA 2026.pdf"
    reader = pypdf.PdfReader(io.BytesIO(download.get_data()))
    assert "Văn phòng A" in "\n".join(page.extract_text() for page in reader.pages)

    # The worker filled the report cache: the report's own address now serves it at once, with its ETag.
    direct = browser.get(url(small_assessment, lang="vi"))
    assert direct.status_code == 200
    assert direct.get_data() == download.get_data()
    again = browser.get(url(small_assessment, lang="vi"), headers={"If-None-Match": direct.headers["ETag"]})
    assert again.status_code == 304
    assert render_count == [1]
    assert _jobs() == 1

    # Another locale is another rendering, hence another job.
    assert _job_id(browser.get(url(small_assessment, lang="en"))) != job_id
    assert _jobs() == 2


def test_on_redis_two_clicks_at_the_same_moment_ask_for_one_job(app, world, small_assessment, on_redis):
    browsers = [logged_in(app, CONSULTANT), logged_in(app, CONSULTANT)]
    start = threading.Barrier(2)
    answers: list[str] = []
    address = url(small_assessment, lang="vi")

    def click(browser) -> None:
        start.wait()
        answers.append(_job_id(browser.client.get(address)))

    threads = [threading.Thread(target=click, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 2
    assert answers[0] == answers[1]
    assert _jobs() == 1


def test_on_redis_an_unreachable_queue_fails_the_job_with_its_reason(app, world, small_assessment, on_redis):
    browser = logged_in(app, CONSULTANT)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    job_id = _job_id(browser.get(url(small_assessment, lang="vi")))
    page = browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Hàng đợi công việc hiện không sẵn sàng" in page
    assert db.session.get(Job, job_id).status == "failed"


def test_on_redis_a_changed_report_or_another_requester_gets_its_own_job(
    app, world, small_assessment, on_redis
):
    consultant = logged_in(app, CONSULTANT)
    first = _job_id(consultant.get(url(small_assessment, lang="vi")))
    answer(small_assessment, world.respondent_a, "NW-04", "no")  # new content: a new rendering
    second = _job_id(consultant.get(url(small_assessment, lang="vi")))
    assert second != first
    # The administrator cannot follow the consultant's job: theirs is their own.
    admin = logged_in(app, world.admin.email)
    assert admin.get(f"/jobs/{second}").status_code == 404
    third = _job_id(admin.get(url(small_assessment, lang="vi")))
    assert third not in (first, second)
    assert _job_id(admin.get(url(small_assessment, lang="vi"))) == third
    assert _jobs() == 3


def test_on_redis_a_stopped_render_fails_the_job_with_its_reason(app, world, small_assessment, on_redis):
    app.config["REPORT_RENDER_TIMEOUT"] = 0.05
    browser = logged_in(app, CONSULTANT)
    job_id = _job_id(browser.get(url(small_assessment, lang="vi")))
    run_worker(app)
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts) == ("failed", 1)  # a runaway render is not retried
    page = browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Thất bại" in page
    assert "kéo dài quá thời gian cho phép" in page  # the reason, in Vietnamese
    assert 'http-equiv="refresh"' not in page
    assert browser.get(f"/jobs/{job_id}/download").status_code == 404
    browser.post("/locale/en")
    status = browser.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["reason"].startswith("The report took too long to prepare")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.failed")).all()
    assert [event.details["reason"] for event in events] == ["timeout"]

    # Clicking again after the failure asks anew, and with the limit restored the report is made.
    app.config["REPORT_RENDER_TIMEOUT"] = 60
    retry = _job_id(browser.get(url(small_assessment, lang="vi")))
    assert retry != job_id
    run_worker(app)
    assert db.session.get(Job, retry).status == "ready"


def test_on_redis_the_result_is_for_a_requester_still_entitled_to_the_report(
    app, world, small_assessment, on_redis
):
    small_assessment.status = AssessmentStatus.PUBLISHED.value
    db.session.commit()
    respondent = logged_in(app, world.respondent_a.email)
    job_id = _job_id(respondent.get(url(small_assessment, lang="vi")))
    run_worker(app)
    assert respondent.get(f"/jobs/{job_id}/download").status_code == 200
    assert logged_in(app, CONSULTANT).get(f"/jobs/{job_id}/download").status_code == 404  # not theirs

    # Reopened: the office no longer sees its report, nor the prepared copy of it.
    db.session.rollback()
    small_assessment.status = AssessmentStatus.APPROVED.value
    db.session.commit()
    assert respondent.get(f"/jobs/{job_id}/download").status_code == 404
    assert respondent.get(url(small_assessment, lang="vi")).status_code == 404

    # A job asked for before the right was lost is refused by the worker, not rendered.
    small_assessment.status = AssessmentStatus.PUBLISHED.value
    db.session.commit()
    late = _job_id(respondent.get(url(small_assessment, lang="en")))
    db.session.rollback()
    small_assessment.status = AssessmentStatus.APPROVED.value
    db.session.commit()
    run_worker(app)
    job = db.session.get(Job, late)
    assert (job.status, job.reason) == ("failed", "This report is no longer available to you.")


def test_without_redis_the_download_renders_in_the_request_and_asks_for_no_job(
    app, world, small_assessment, render_count
):
    assert not app.config.get("REDIS_URL")
    response = logged_in(app, CONSULTANT).get(url(small_assessment, lang="en"))
    assert response.status_code == 200
    assert response.get_data().startswith(b"%PDF-")
    assert render_count == [1]
    assert _jobs() == 0


def test_on_redis_the_word_report_is_a_job_of_its_own_kind_and_then_served_from_the_cache(
    app, world, small_assessment, on_redis
):
    browser = logged_in(app, CONSULTANT)
    address = f"/assessments/{small_assessment.id}/report.docx"
    job_id = _job_id(browser.get(address))
    assert "Báo cáo (Word)" in browser.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert _job_id(browser.get(f"{address}?lang=vi")) == job_id  # the same rendering: the same job
    assert _job_id(browser.get(url(small_assessment, lang="vi"))) != job_id  # the PDF: another job
    assert run_worker(app) is True
    job = db.session.get(Job, job_id)
    assert (job.kind, job.status, job.params["format"]) == ("report-docx", "ready", "docx")
    download = browser.get(f"/jobs/{job_id}/download")
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    encoded = re.search(r"filename\*=UTF-8''(\S+)", download.headers["Content-Disposition"]).group(1)
    assert unquote(encoded) == "Báo cáo chuyển đổi số VPA 2026.docx"
    direct = browser.get(address)
    assert direct.status_code == 200
    assert direct.get_data() == download.get_data()
    assert browser.get(address, headers={"If-None-Match": direct.headers["ETag"]}).status_code == 304
    assert _jobs() == 2
