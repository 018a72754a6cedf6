"""Reports ready before anyone asks (issue 21): approval, publication, a roadmap edit after approval and a
change of the report settings queue the PDF and the Word report in Vietnamese and English as the report
jobs; the reader's first download is then the cached file, streamed, with its ETag and 304."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, Job, JobStatus
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.reporting.formats import FORMATS
from tests.conftest import logged_in, run_worker
from tests.test_assessment_service import SMALL, fill_everything

EVERY_RENDERING = {(kind, locale) for kind in FORMATS for locale in ("vi", "en")}


@pytest.fixture
def submitted(world):
    """Office A's assessment, fully answered and submitted."""
    from roadmap.services.survey import frameworks, steps

    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    db.session.commit()
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    return assessment


def step(reviewer, assessment_id: int, name: str) -> None:
    db.session.rollback()
    version = db.session.get(Assessment, assessment_id).status_version
    # buffered: the response is closed as a real server closes it, which runs the renders queued to run
    # once the response has gone (the embedded shape).
    response = reviewer.post(
        f"/review/assessments/{assessment_id}/{name}",
        {"status_version": version, "confirm": "y"},  # approve and publish ask for a ticked confirmation
        buffered=True,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def cached(assessment_id: int) -> set[tuple[str, str]]:
    """The renderings in the cache under the assessment's current digests."""
    db.session.rollback()
    assessment = db.session.get(Assessment, assessment_id)
    day = roadmaps.local_today()
    return {
        (kind, locale)
        for kind, locale in EVERY_RENDERING
        if report_cache.path_of(
            assessment.id,
            kind=kind,
            locale=locale,
            digest=report_jobs.digest_of(assessment, kind, locale, day),
        )
    }


def test_publication_leaves_both_formats_in_both_languages_in_the_cache(app, world, submitted, render_count):
    reviewer = logged_in(app, world.consultant.email)
    for name in ("start", "approve"):
        step(reviewer, submitted.id, name)
    assert cached(submitted.id) == EVERY_RENDERING  # the approved report, for the consultants
    step(reviewer, submitted.id, "publish")
    assert cached(submitted.id) == EVERY_RENDERING
    kinds = db.session.scalars(select(Job.kind).where(Job.status == JobStatus.READY.value)).all()
    assert sorted(set(kinds)) == ["report-docx", "report-pdf"]
    assert len(kinds) == 8  # four at approval, four at publication

    # The office's first download is the cached file: no render, with the digest as ETag.
    renders = len(render_count)
    assert renders == 4  # the PDFs: vi and en, at approval and at publication
    office = logged_in(app, world.respondent_a.email)
    started = time.perf_counter()
    response = office.get(f"/assessments/{submitted.id}/report.pdf?lang=en")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.get_data()[:5] == b"%PDF-"
    assert len(render_count) == renders
    assert elapsed < 1.0, elapsed  # a render takes seconds
    etag = response.headers["ETag"]
    again = office.get(f"/assessments/{submitted.id}/report.pdf?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert db.session.scalar(select(Job).where(Job.requested_by_id == world.respondent_a.id)) is None


def test_a_roadmap_edit_after_approval_renders_the_reports_again(app, world, submitted):
    reviewer = logged_in(app, world.consultant.email)
    for name in ("start", "approve"):
        step(reviewer, submitted.id, name)
    db.session.rollback()
    assessment = db.session.get(Assessment, submitted.id)
    before = cached(submitted.id)
    initiative = roadmaps.load(assessment).effective.items[0].code
    reviewer.get(f"/assessments/{submitted.id}/roadmap/edit")
    response = reviewer.post(
        f"/assessments/{submitted.id}/roadmap/edits/note",
        {
            "note-version": str(roadmaps.version_of(assessment)),
            "note-initiative": initiative,
            "note-text": "Ưu tiên trong quý đầu.",
            "note-reason": "Theo ý kiến lãnh đạo đơn vị.",
        },
        buffered=True,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert before == EVERY_RENDERING
    # The edit changed what the report shows (a new digest), and the new renderings are there.
    assert cached(submitted.id) == EVERY_RENDERING
    db.session.rollback()
    assert len(db.session.scalars(select(Job).where(Job.status == JobStatus.READY.value)).all()) == 8


def test_a_change_of_report_settings_renders_every_read_report_again(app, world, submitted):
    reviewer = logged_in(app, world.consultant.email)
    for name in ("start", "approve"):
        step(reviewer, submitted.id, name)
    before = {path.name for path in Path(app.config["REPORT_CACHE_DIR"]).iterdir()}
    from roadmap.services.reporting import settings as report_settings

    current = report_settings.current()
    changed = report_settings.ReportSettings(
        **{**current.__dict__, "place": "Đà Nẵng", "signatory_name": "Nguyễn Văn An"}
    )
    report_settings.save(changed, actor=world.admin)
    db.session.commit()
    assert cached(submitted.id) == set()  # the settings are part of every report's key
    report_jobs.prerender_all(actor=world.admin)  # as the settings page does after saving
    assert cached(submitted.id) == EVERY_RENDERING
    after = {path.name for path in Path(app.config["REPORT_CACHE_DIR"]).iterdir()}
    assert before.isdisjoint(after)  # the old renderings were replaced, not kept beside


@pytest.fixture
def on_redis(app, job_queue, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "up")
    return job_queue


def test_on_redis_publication_queues_the_renders_for_the_workers(app, world, submitted, on_redis):
    reviewer = logged_in(app, world.consultant.email)
    for name in ("start", "approve", "publish"):
        step(reviewer, submitted.id, name)
    assert cached(submitted.id) == set()  # nothing rendered in the web process
    run_worker(app)
    assert cached(submitted.id) == EVERY_RENDERING


def test_the_nightly_prerender_readies_the_day_s_reports_once(app, world, submitted, render_count):
    """A report is dated the day it is read, so every report has a new key each day: `flask report
    prerender` (run each night) renders the day's reports before the first reader, once however often it
    runs, for the cycles still read."""
    import datetime as dt

    from roadmap.models import Cycle
    from roadmap.services.review import workflow as review
    from tests.conftest import stored_assessment

    today = roadmaps.local_today()
    world.cycle.opens_on = today - dt.timedelta(days=300)
    world.cycle.closes_on = today + dt.timedelta(days=30)
    # Published through the service, without the web's renders: as on a day after publication, when
    # nothing of today's reports is in the cache.
    review.start_review(submitted, actor=world.consultant)
    review.approve(submitted, actor=world.consultant)
    review.publish(submitted, actor=world.consultant)
    # A cycle closed more than a year ago, with a published report nobody reads any more, and a draft of
    # another office: neither is rendered.
    old = Cycle(
        code="OLD",
        name_vi="Kỳ cũ",
        name_en="Old cycle",
        status="closed",
        opens_on=today - dt.timedelta(days=800),
        closes_on=today - dt.timedelta(days=400),
    )
    db.session.add(old)
    db.session.commit()
    forgotten = stored_assessment(world.office_a, old, submitted.framework_version_id, "published")
    draft = stored_assessment(world.office_b, world.cycle, submitted.framework_version_id, "draft")
    assert cached(submitted.id) == set()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "prerender", "--as", world.admin.email])
    assert result.exit_code == 0, result.output
    summary = f"Cycles {world.cycle.code}: 4 rendering(s) asked for, 4 ready, 0 queued, 0 failed"
    assert summary in result.output
    assert cached(submitted.id) == EVERY_RENDERING
    assert cached(forgotten.id) == cached(draft.id) == set()
    assert len(render_count) == 2  # the PDFs, in Vietnamese and English

    # Run again (the timer fires again, or twice): nothing is asked for, nothing rendered.
    again = runner.invoke(args=["report", "prerender", "--as", world.admin.email])
    assert again.exit_code == 0, again.output
    assert "0 rendering(s) asked for" in again.output
    assert len(render_count) == 2

    # The office's first download of the day is the cached file.
    office = logged_in(app, world.respondent_a.email)
    response = office.get(f"/assessments/{submitted.id}/report.pdf?lang=vi")
    assert response.status_code == 200
    assert response.get_data()[:5] == b"%PDF-"
    assert len(render_count) == 2

    # Mistakes are named, and nothing is rendered for them.
    unknown_cycle = runner.invoke(args=["report", "prerender", "--as", world.admin.email, "--cycle", "NOPE"])
    assert unknown_cycle.exit_code != 0
    assert "No cycle NOPE." in unknown_cycle.output
    nobody = runner.invoke(args=["report", "prerender", "--as", "nobody@example.vn"])
    assert nobody.exit_code != 0
    assert "No active account nobody@example.vn." in nobody.output
    assert len(render_count) == 2


def test_on_redis_the_nightly_prerender_queues_the_renders_for_the_workers(app, world, submitted, on_redis):
    from roadmap.services.review import workflow as review

    for step_of_review in (review.start_review, review.approve, review.publish):
        step_of_review(submitted, actor=world.consultant)
    runner = app.test_cli_runner()
    command = ["report", "prerender", "--as", world.admin.email, "--cycle", world.cycle.code]
    result = runner.invoke(args=command)
    assert result.exit_code == 0, result.output
    assert "4 rendering(s) asked for, 0 ready, 4 queued, 0 failed" in result.output
    assert cached(submitted.id) == set()  # nothing rendered by the command itself
    run_worker(app)
    assert cached(submitted.id) == EVERY_RENDERING
