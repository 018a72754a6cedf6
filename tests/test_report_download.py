"""Downloading the report, PDF and Word alike: who may, in which language, the headers, the cache and its
invalidation, bad input answered before any render, and a runaway render reported while the server carries
on."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pypdf
import pytest
from docx import Document

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import cache as report_cache
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.review import workflow as review
from roadmap.services.survey import answers, assessments, frameworks, steps
from tests.conftest import earlier_cycle, logged_in, stored_assessment
from tests.test_assessment_service import fill_everything

SMALL = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml"


@pytest.fixture
def assessment(world):
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    answer(assessment, world.respondent_a, "NW-01", "a")
    roadmaps.generate(assessment, actor=world.consultant, today=dt.date(2026, 11, 15))
    db.session.commit()
    return assessment


def answer(assessment, actor, code, value):
    question = assessments.framework_of(assessment).question(code)
    parsed = answers.parse_answer(question, "answered", value)
    answers.save_answer(assessment, question, parsed, None, actor=actor)
    db.session.commit()


def url(assessment, **query):
    suffix = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/assessments/{assessment.id}/report.pdf" + (f"?{suffix}" if suffix else "")


def test_consultant_downloads_the_vietnamese_pdf_with_attachment_headers(
    app, world, assessment, render_count
):
    browser = logged_in(app, "consultant@example.vn")
    response = browser.get(url(assessment, lang="vi"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(encoded) == "Báo cáo chuyển đổi số VPA 2026.pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["ETag"]
    reader = pypdf.PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Văn phòng A" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    assert render_count == [1]


def test_second_download_comes_from_the_cache_and_if_none_match_gives_304(
    app, world, assessment, render_count
):
    browser = logged_in(app, "consultant@example.vn")
    first = browser.get(url(assessment, lang="en"))
    second = browser.get(url(assessment, lang="en"))
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert first.headers["ETag"] == second.headers["ETag"]
    assert len(render_count) == 1
    again = browser.get(url(assessment, lang="en"), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert "no-store" in again.headers["Cache-Control"]
    assert len(render_count) == 1


def test_a_change_of_answers_roadmap_or_locale_renders_anew(app, world, assessment, render_count):
    browser = logged_in(app, "consultant@example.vn")
    etags = [browser.get(url(assessment, lang="vi")).headers["ETag"]]
    answer(assessment, world.respondent_a, "NW-04", "no")  # an answer
    etags.append(browser.get(url(assessment, lang="vi")).headers["ETag"])
    roadmap = roadmaps.load(assessment)
    roadmaps.add_edit(
        assessment,
        roadmaps.RoadmapEditKind.NOTE,
        actor=world.consultant,
        expected_version=roadmap.version,
        reason="Thống nhất với đơn vị",
        payload={"text": "Ưu tiên quý đầu"},
    )
    db.session.commit()
    etags.append(browser.get(url(assessment, lang="vi")).headers["ETag"])  # the roadmap
    etags.append(browser.get(url(assessment, lang="en")).headers["ETag"])  # the locale
    assert len(set(etags)) == 4
    assert len(render_count) == 4
    pdf = browser.get(url(assessment, lang="vi")).get_data()
    assert len(render_count) == 4
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Ưu tiên quý đầu" in text


def test_the_download_key_counts_the_reviewed_peers_of_its_own_cycle_only(
    app, world, assessment, render_count
):
    """The download reads its cache key in the statement that loads the assessment. Its peers are the
    reviewed assessments of the same cycle, not those of another cycle: when office B's is approved, the
    peer figures the report shows may change, so the download renders anew. Its key is always the one any
    other reader of the report computes (report_cache.key)."""

    def etag() -> str:
        response = consultant.get(url(assessment, lang="vi"))
        assert response.status_code == 200
        return response.get_etag()[0]

    def key_now() -> str:
        db.session.expire_all()
        return report_cache.key(
            db.session.get(Assessment, assessment.id),
            kind="pdf",
            locale="vi",
            template_version=report_jobs.FORMATS["pdf"].layout_version,
            day=roadmaps.local_today(),
        )

    # Office B's published assessment of an earlier cycle: a peer of nothing in this one.
    earlier = earlier_cycle()
    stored_assessment(
        world.office_b, earlier, assessment.framework_version_id, AssessmentStatus.PUBLISHED.value
    )
    consultant = logged_in(app, "consultant@example.vn")
    alone = etag()
    assert alone == key_now()
    peer = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    fill_everything(peer, world.respondent_b)
    db.session.commit()
    assert etag() == alone  # a draft is no peer yet
    assert steps.submit(peer, actor=world.respondent_b, expected_status_version=None)
    review.start_review(peer, actor=world.admin)  # the consultant serves office A only
    review.approve(peer, actor=world.admin)
    db.session.commit()
    with_peer = etag()
    assert with_peer != alone
    assert with_peer == key_now()
    assert len(render_count) == 2


def test_bad_input_is_refused_before_any_render(app, world, assessment, render_count):
    consultant = logged_in(app, "consultant@example.vn")
    refused = consultant.get(url(assessment, lang="fr"))
    assert refused.status_code == 400
    assert "tiếng Việt (vi) và tiếng Anh (en)" in refused.get_data(as_text=True)
    assert consultant.get("/assessments/999999/report.pdf").status_code == 404
    # The office's own representative: the assessment is not published yet, so for them there is no report.
    respondent = logged_in(app, "resp.a@example.vn")
    assert respondent.get(url(assessment)).status_code == 404
    other = logged_in(app, "resp.b@example.vn")
    assert other.get(url(assessment)).status_code == 404
    assert render_count == []


def test_the_office_downloads_once_published_and_the_pages_offer_the_link(
    app, world, assessment, render_count
):
    respondent = logged_in(app, "resp.a@example.vn")
    overview = respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert 'data-download="report-pdf"' not in overview
    assessment.status = AssessmentStatus.PUBLISHED.value
    db.session.commit()
    html = respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" data-download="report-pdf"', html)
    assert link
    assert link.group(1).endswith("report.pdf?lang=vi")
    # Every roadmap page sends to that one documents block (issue 23) instead of repeating the links.
    roadmap = respondent.get(f"/assessments/{assessment.id}/roadmap").get_data(as_text=True)
    assert f'href="/assessments/{assessment.id}#official-result"' in roadmap
    response = respondent.get(link.group(1))
    assert response.status_code == 200
    assert response.get_data().startswith(b"%PDF-")


def test_a_runaway_render_is_reported_and_the_server_carries_on(app, world, assessment):
    app.config["REPORT_RENDER_TIMEOUT"] = 0.05
    browser = logged_in(app, "consultant@example.vn")
    response = browser.get(url(assessment, lang="vi"))
    assert response.status_code == 503
    assert "kéo dài quá thời gian cho phép" in response.get_data(as_text=True)
    assert browser.get("/").status_code in (200, 302)
    app.config["REPORT_RENDER_TIMEOUT"] = 60
    assert browser.get(url(assessment, lang="vi")).status_code == 200


def test_command_line_renders_one_report_and_a_cycle_batch(app, world, assessment, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "one.pdf"
    result = runner.invoke(args=["report", "pdf", "--assessment", str(assessment.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(out)
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    assert "Văn phòng A" in reader.pages[0].extract_text()

    missing = runner.invoke(args=["report", "pdf", "--assessment", "999999", "--out", str(out)])
    assert missing.exit_code != 0
    assert "No assessment 999999" in missing.output
    wrong = runner.invoke(args=["report", "pdf", "--assessment", "1", "--lang", "fr", "--out", str(out)])
    assert wrong.exit_code != 0

    # The batch render_count the cycle's reviewed assessments only: none yet, then the approved one.
    folder = tmp_path / "batch"
    empty = runner.invoke(args=["report", "batch", "--cycle", world.cycle.code, "--out", str(folder)])
    assert empty.exit_code == 0, empty.output
    assert "0 of 0" in empty.output
    assessment.status = AssessmentStatus.APPROVED.value
    db.session.commit()
    batch = runner.invoke(
        args=["report", "batch", "--cycle", world.cycle.code, "--out", str(folder), "--processes", "2"]
    )
    assert batch.exit_code == 0, batch.output
    assert "1 of 1" in batch.output
    [written] = folder.glob("*.pdf")
    assert written.name == "Báo cáo chuyển đổi số VPA 2026.pdf"
    assert pypdf.PdfReader(written).pages
    unknown = runner.invoke(args=["report", "batch", "--cycle", "1999", "--out", str(folder)])
    assert unknown.exit_code != 0
    assert "No cycle 1999" in unknown.output


# --- one route family for every format (issue 17) ----------------------------------------------------------


def test_the_word_report_shares_the_address_family_language_default_cache_and_etag(app, world, assessment):
    browser = logged_in(app, "consultant@example.vn")
    browser.post("/locale/en")  # the interface in English: the report stays Vietnamese unless asked
    address = f"/assessments/{assessment.id}/report.docx"
    first = browser.get(address)
    assert first.status_code == 200
    assert first.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    encoded = re.search(r"filename\*=UTF-8''(\S+)", first.headers["Content-Disposition"]).group(1)
    assert unquote(encoded) == "Báo cáo chuyển đổi số VPA 2026.docx"
    assert "no-store" in first.headers["Cache-Control"]
    document = Document(io.BytesIO(first.get_data()))
    assert document.core_properties.language == "vi"
    assert browser.get(f"{address}?lang=vi").get_data() == first.get_data()  # the same cached rendering
    unchanged = browser.get(address, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    english = browser.get(f"{address}?lang=en")
    assert english.headers["ETag"] != first.headers["ETag"]
    assert Document(io.BytesIO(english.get_data())).core_properties.language == "en"
    # The PDF's rendering of the same report is another file under another tag.
    assert browser.get(url(assessment)).headers["ETag"] not in (
        first.headers["ETag"],
        english.headers["ETag"],
    )


def test_a_bad_language_or_format_is_refused_for_every_format(app, world, assessment, render_count):
    consultant = logged_in(app, "consultant@example.vn")
    for kind in ("pdf", "docx"):
        refused = consultant.get(f"/assessments/{assessment.id}/report.{kind}?lang=fr")
        assert refused.status_code == 400
        assert "tiếng Việt (vi) và tiếng Anh (en)" in refused.get_data(as_text=True)
    consultant.post("/locale/en")
    refused = consultant.get(f"/assessments/{assessment.id}/report.docx?lang=")
    assert refused.status_code == 400
    assert "Vietnamese (vi) and English (en) only" in refused.get_data(as_text=True)
    assert consultant.get(f"/assessments/{assessment.id}/report.odt").status_code == 404
    assert render_count == []
