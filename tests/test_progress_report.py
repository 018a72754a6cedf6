"""The progress report of a published roadmap (issue 22), "Báo cáo tiến độ thực hiện lộ trình", and the
follow-up's spreadsheets.

The documents are read back as a reader gets them: the Vietnamese PDF with pypdf's text extraction (the way
the main report's layout tests read it: Vietnamese intact, Decree 30's parts — national motto, number and
symbol, date line, title, signature block), the Word documents with python-docx. They are rendered once for
the module from the demo (a year of progress on last cycle's roadmaps: done with evidence and verdicts, late,
blocked, mandatory at risk), with hostile text planted in a progress note and a blocked reason. The download
routes, their refusals and the spreadsheets run on both databases with the small framework's roadmap.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pypdf
import pytest
from docx import Document
from flask_babel import force_locale
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import InitiativeTracking, User
from roadmap.services.plans import tracking
from roadmap.services.reporting import pdf as report_pdf
from roadmap.services.reporting import progress, progress_formats
from roadmap.services.review import follow_up as follow
from tests.conftest import demo_app, isolated, logged_in
from tests.test_report_pdf import A4, MM, PAYLOADS, _flat, _positions, _text
from tests.test_review import submitted  # noqa: F401 (the fixture `published` uses)
from tests.test_tracking import first_mandatory, first_optional, published  # noqa: F401 (fixture)

DATE_LINE = re.compile(r"Hà Nội, ngày (0[1-9]|[12]\d|3[01]) tháng (0[12]|[3-9]|1[0-2]) năm \d{4}")
HOSTILE_NOTE = f"Đã lắp đặt 7/10 thiết bị {PAYLOADS[0]} {PAYLOADS[2]}"


def _headings(document: Any, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def _all_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def documents(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo office with a blocked initiative: its progress report for the current quarter as a
    Vietnamese PDF and Word document, and for the year as an English Word document."""
    folder = tmp_path_factory.mktemp("progress-report")
    app = demo_app(sqlite_template, folder)
    found: dict[str, Any] = {"app": app}
    with app.app_context(), app.test_request_context():
        admin = db.session.scalars(select(User).where(User.role == "admin")).first()
        followed = follow.follow_up(admin)
        delivery = next(d for d in followed.offices if d.blocked)
        assessment = delivery.assessment
        rows = tracking.rows_of(assessment)
        blocked = next(row for row in rows.values() if row.status == "blocked")
        blocked.blocked_reason = f"{blocked.blocked_reason} {PAYLOADS[4]}"
        noted = next(row for row in rows.values() if row.status == "in_progress")
        noted.progress_note = HOSTILE_NOTE
        db.session.commit()
        found.update(
            assessment_id=assessment.id,
            office=assessment.office.name_vi,
            blocked=(blocked.initiative_code, blocked.blocked_reason),
            noted=noted.initiative_code,
        )
        quarter = progress.default_period(assessment)
        year = progress.Period(quarter.year)
        with force_locale("vi"):
            data = progress.build(assessment, quarter)
        html, css = progress_formats.html_for(data)
        rendered = report_pdf.render(html, css)
        found["vi"] = {"data": data, "html": html, "rendered": rendered}
        found["vi"]["reader"] = pypdf.PdfReader(io.BytesIO(rendered.pdf))
        found["vi"]["docx"] = Document(io.BytesIO(progress_formats.render_docx(data)))
        with force_locale("en"):
            english = progress.build(assessment, year)
        found["en"] = {"data": english, "docx": Document(io.BytesIO(progress_formats.render_docx(english)))}
        db.session.remove()
    return found


# --- the Vietnamese PDF: Decree 30 ---------------------------------------------------------------------


def test_vietnamese_pdf_has_the_decree_30_parts_and_vietnamese_intact(documents):
    reader = documents["vi"]["reader"]
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(round(A4[0]), round(A4[1]))}
    first = _flat(reader.pages[0].extract_text())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert "CỤC BƯU ĐIỆN TRUNG ƯƠNG" in first
    assert re.search(r"Số: \d+/BC-[A-ZĐ]+", first)
    assert DATE_LINE.search(first)
    assert "BÁO CÁO" in first
    assert "Tiến độ thực hiện lộ trình chuyển đổi số" in first
    assert documents["office"] in first
    assert first.index("Hạnh phúc") < DATE_LINE.search(first).start()
    text = _flat(_text(reader))
    assert "Nơi nhận:" in text
    assert "CỤC TRƯỞNG" in text
    # The report's own words in Vietnamese only.
    for heading in ("Tổng quan", "Tiến độ từng nhiệm vụ", "Những vấn đề cần lưu ý", "Tỷ lệ hoàn thành"):
        assert heading.upper() in text.upper(), heading
    for english in ("Overview", "Late initiatives", "Progress by initiative", "Recipients"):
        assert english not in text


def test_vietnamese_pdf_is_numbered_at_the_top_centre_from_page_two_with_its_metadata(documents):
    reader = documents["vi"]["reader"]
    assert len(reader.pages) >= 2
    top = A4[1] - 20 * MM
    centre = (30 * MM + (210 - 15) * MM) / 2

    def numbers_on_top(index: int) -> list[tuple[float, float, str]]:
        return [(x, y, s) for x, y, s in _positions(reader.pages[index]) if y > top and s.isdigit()]

    assert numbers_on_top(0) == []
    [(x, _y, label)] = numbers_on_top(1)
    assert label == "2"
    assert abs(x + 3 - centre) < 8
    assert reader.metadata.author == "CỤC BƯU ĐIỆN TRUNG ƯƠNG"
    assert reader.metadata.title.startswith("Báo cáo tiến độ thực hiện lộ trình")
    assert reader.trailer["/Root"]["/Lang"] == "vi"


def test_pdf_shows_each_initiative_planned_against_actual_with_evidence_verdict_and_what_needs_attention(
    documents,
):
    data = documents["vi"]["data"]
    text = _flat(_text(documents["vi"]["reader"]))
    assert data.initiatives, "the demo's roadmap has initiatives in the current quarter"
    for item in data.initiatives:
        assert item.code in text
    for fact in ("Người chủ trì", "Ghi chú tiến độ", "Minh chứng hoàn thành", "Kết luận của chuyên gia"):
        assert fact in text
    code, reason = documents["blocked"]
    assert any(line.startswith(code) for line in data.blocked)
    assert "Chờ bố trí kinh phí" in text or reason.split()[0] in text
    assert data.late
    assert data.at_risk
    assert f"Chậm tiến độ: {len(data.late)}." in text
    assert re.search(r"tỷ lệ hoàn thành đúng kế hoạch: [\d,]+ %", text, re.IGNORECASE)
    # The counts by status add up to the roadmap.
    *by_status, (_label, total) = data.counts
    assert sum(int(number) for _status, number in by_status) == int(total)


def test_user_text_is_escaped_and_the_renderer_read_nothing_else(documents):
    rendered = documents["vi"]["rendered"]
    html = documents["vi"]["html"]
    assert rendered.refused == ()
    assert "<img src=" not in html
    assert "<script>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html or "&lt;img" in html
    text = _flat(_text(documents["vi"]["reader"]))
    assert "<script>alert(1)</script>" in text  # shown as the text it is
    assert "7/10 thiết bị" in text


# --- the Word documents ----------------------------------------------------------------------------------


def test_vietnamese_word_document_has_the_same_parts_and_the_decree_30_heading(documents):
    document, data = documents["vi"]["docx"], documents["vi"]["data"]
    outline = data.outline()
    assert _headings(document, 1) == [words for level, words in outline if level == 1]
    assert _headings(document, 2) == [words for level, words in outline if level == 2]
    assert _headings(document, 3) == [item.heading for item in data.initiatives]
    header = "\n".join(p.text for cell in document.tables[0].rows[0].cells for p in cell.paragraphs)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header
    assert "Độc lập - Tự do - Hạnh phúc" in header
    assert DATE_LINE.search(header)
    text = _all_text(document)
    assert "Tiến độ thực hiện lộ trình chuyển đổi số" in text
    assert "Nơi nhận:" in text
    assert HOSTILE_NOTE in text  # typed text is written as text
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # The table of initiatives: planned against actual, status and percent, one row each.
    table = next(t for t in document.tables if t.rows[0].cells[0].text == data.words.columns[0])
    assert [tuple(cell.text for cell in row.cells) for row in table.rows[1:]] == [
        item.cells for item in data.initiatives
    ]


def test_english_word_document_for_the_year_has_no_vietnamese_boilerplate(documents):
    document, data = documents["en"]["docx"], documents["en"]["data"]
    text = _all_text(document)
    assert data.words.title.startswith("Progress report on the roadmap")
    assert data.words.title in text
    assert "the year" in data.period_label
    for words in ("Overview", "Progress by initiative", "Late initiatives", "Mandatory initiatives at risk"):
        assert words in _headings(document, 1) + _headings(document, 2)
    assert "CỘNG HÒA" not in text
    assert "Nơi nhận" not in text
    assert "Recipients:" in text
    # A year covers at least what its current quarter covers.
    assert {item.code for item in documents["vi"]["data"].initiatives} <= {
        item.code for item in data.initiatives
    }


# --- the downloads (both databases) ------------------------------------------------------------------------


def test_the_office_downloads_its_progress_report_and_bad_requests_are_refused_clearly(app, world, published):  # noqa: F811
    url = f"/assessments/{published.id}/roadmap/progress-report"
    code = first_optional(published)
    tracking.update_progress(
        published,
        code,
        {"status": "in_progress", "percent_done": "40", "actual_start": "2027-Q1", "progress_note": "Đã ký"},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    office = logged_in(app, world.respondent_a.email)
    page = office.get(f"/assessments/{published.id}/roadmap/progress").get_data(as_text=True)
    assert 'id="progress-report"' in page
    assert '<option value="2027-Q1">' in page
    response = isolated(office.client.get, f"{url}.docx?period=2027-Q1&lang=vi")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    name = "Báo cáo tiến độ VPA 2027-Q1.docx"
    assert f"filename*=UTF-8''{quote(name)}" in response.headers["Content-Disposition"]
    text = _all_text(Document(io.BytesIO(response.data)))
    assert "Văn phòng A" in text
    assert "Đã ký" in text
    for query, words in (
        ("period=2027-Q5", "2026-Q3"),  # the form expected
        ("period=quý 1", "2026-Q3"),
        ("period=2019", "2027-Q1"),  # outside the roadmap: the periods that may be asked
        ("period=2027-Q1&lang=fr", "(vi)"),
    ):
        refused = isolated(office.client.get, f"{url}.docx?{query}")
        assert refused.status_code == 400, query
        assert words in refused.get_data(as_text=True), query
    other = logged_in(app, world.respondent_b.email)
    assert isolated(other.client.get, f"{url}.docx?period=2027-Q1").status_code == 404


def test_follow_up_and_office_progress_as_xlsx_with_typed_formulas_kept_as_text(app, world, published):  # noqa: F811
    mandatory = first_mandatory(published)
    tracking.update_progress(
        published,
        mandatory,
        {"status": "blocked", "percent_done": "10", "blocked_reason": '=HYPERLINK("http://x")'},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    csv_rows = (
        consultant.get("/review/follow-up.csv?show=blocked").get_data().decode("utf-8-sig").splitlines()
    )
    response = consultant.get("/review/follow-up.xlsx?show=blocked")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == len(csv_rows)  # the same rows as the CSV, with a header
    header, [row] = rows[0], rows[1:]
    assert header[:4] == ("Đơn vị", "Kỳ đánh giá", "Mã", "Nhiệm vụ/giải pháp")
    assert row[2] == mandatory
    assert row[header.index("Trạng thái")] == "bị vướng mắc"
    assert row[header.index("Tỷ lệ hoàn thành")] == 10  # a number stays a number
    assert row[header.index("Vướng mắc")] == '\'=HYPERLINK("http://x")'
    everything = consultant.get("/review/follow-up.xlsx")
    assert len(list(openpyxl.load_workbook(io.BytesIO(everything.data)).active.iter_rows())) == 1 + len(
        tracking.lines(published)
    )
    office = logged_in(app, world.respondent_a.email)
    assert office.get("/review/follow-up.xlsx").status_code == 403
    own = office.get(f"/assessments/{published.id}/roadmap/progress.xlsx")
    assert own.status_code == 200
    codes = [r[2] for r in openpyxl.load_workbook(io.BytesIO(own.data)).active.iter_rows(values_only=True)]
    assert codes[1:] == [line.code for line in tracking.lines(published)]
    other = logged_in(app, world.respondent_b.email)
    assert other.get(f"/assessments/{published.id}/roadmap/progress.xlsx").status_code == 404
    assert (
        db.session.scalar(
            select(InitiativeTracking.version).where(InitiativeTracking.initiative_code == mandatory)
        )
        == 1
    )
