"""The report as an editable Word document, and the report settings behind it (issues 12 and 17).

The .docx is opened with python-docx as Word would open it: Heading styles, the Decree 30/2020 page setup
(A4, margins, Times New Roman 13 pt, page number centred at the top and absent from the first page), every
dimension and every initiative, Vietnamese text intact, and a save-and-reopen round trip. The settings form
refuses bad input beside the field, keeps what was typed, and the report keeps the settings in force.
The Word document and the PDF are two layouts of one report model: tests/test_report_equivalence.py reads
both back and compares them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from urllib.parse import quote

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from flask_babel import force_locale
from lxml import etree
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AssessmentStatus, AuditEvent, ReportSettingsRecord, RoadmapEdit
from roadmap.models import RoadmapEditKind as K
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import formats, model
from roadmap.services.reporting import settings as report_settings
from roadmap.services.survey import assessments, evidence, frameworks, lifecycle, results, steps
from tests.conftest import isolated, logged_in
from tests.test_i18n import catalogue
from tests.test_roadmaps import SMALL, TODAY, WORST, answer, edit

DIMENSIONS_VI = ["Hạ tầng mạng và kết nối", "An toàn thông tin cơ bản", "Con người và kỹ năng số"]
DIMENSIONS_EN = ["Network and connectivity", "Cyber hygiene", "People and digital skills"]
DATE_LINE = re.compile(r"^Hà Nội, ngày (0[1-9]|[12]\d|3[01]) tháng (0[12]|[3-9]|1[0-2]) năm \d{4}$")


@pytest.fixture
def assessment(world):
    frameworks.import_file(SMALL, actor=None)
    return steps.start(world.office_a, world.cycle, actor=world.respondent_a)


@pytest.fixture
def published(world, assessment):
    """Through the real lifecycle, with a custom initiative and a note typed in Vietnamese, then published."""
    for code, value in WORST.items():
        answer(assessment, world.respondent_a, code, value)
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    lifecycle.transition(assessment, AssessmentStatus.IN_REVIEW, actor=world.consultant)
    lifecycle.transition(assessment, AssessmentStatus.APPROVED, actor=world.consultant)
    results.take_snapshot(assessment, "approved", actor=world.consultant)
    roadmaps.generate(assessment, actor=world.consultant, today=TODAY)
    edit(
        assessment,
        world.consultant,
        K.ADD_CUSTOM,
        reason="Theo đề nghị của đơn vị",
        payload={
            "code": "X-1",
            "name": {"vi": "Số hóa hồ sơ lưu trữ <b>cũ</b>"},
            "raises": [{"dimension": "PEOP", "levels": 1}],
            "duration_months": "2",
            "effort_person_months": "1.5",
            "cost_class": "S",
            "kpis": [{"vi": "Tỷ lệ hồ sơ được số hóa đạt 80%"}],
        },
    )
    edit(assessment, world.consultant, K.NOTE, payload={"text": "Ưu tiên nguồn vốn năm 2027"})
    lifecycle.transition(assessment, AssessmentStatus.PUBLISHED, actor=world.consultant)
    db.session.commit()
    return assessment


def docx_of(browser, assessment, query=""):
    response = isolated(browser.client.get, f"/assessments/{assessment.id}/report.docx{query}")
    assert response.status_code == 200, response.status_code
    return response, Document(io.BytesIO(response.data))


def all_text(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def dimension_names(document):
    """The names of the dimensions' parts: Heading 2 'NETW. Hạ tầng mạng …' (code, then name)."""
    return [h.split(". ", 1)[1] for h in headings(document, 2) if re.match(r"^[A-Z]{2,8}\. ", h)]


def headings(document, level=None):
    return [
        p.text
        for p in document.paragraphs
        if p.style.name.startswith("Heading") and (level is None or p.style.name == f"Heading {level}")
    ]


# --- the document --------------------------------------------------------------------------------------


def test_vietnamese_docx_follows_decree_30_with_every_dimension_and_initiative(app, world, published):
    response, document = docx_of(logged_in(app, "consultant@example.vn"), published)
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"]
    name = "Báo cáo chuyển đổi số VPA 2026.docx"  # the PDF's name, with its own extension
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition

    # Page setup: A4 portrait, margins within Decree 30's ranges; the schedule alone on an A4 landscape page
    # (a section of its own, with the same margins and the running page number), then portrait again.
    section, schedule, rest = document.sections
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # stored in twips
    assert (round(schedule.page_width.mm), round(schedule.page_height.mm)) == (297, 210)
    assert (round(rest.page_width.mm), round(rest.page_height.mm)) == (210, 297)
    for later in (schedule, rest):
        assert not later.different_first_page_header_footer  # numbered from its first page
        assert later.header.is_linked_to_previous
        assert later.left_margin == section.left_margin
    pictures = schedule.iter_inner_content()
    assert any(p.runs and p._p.xpath(".//pic:pic") for p in pictures if hasattr(p, "runs"))

    def mm(length):
        return round(length.mm, 1)  # Word stores twips: 15 mm is 14.99 mm once stored

    assert 20 <= mm(section.top_margin) <= 25
    assert 20 <= mm(section.bottom_margin) <= 25
    assert 30 <= mm(section.left_margin) <= 35
    assert 15 <= mm(section.right_margin) <= 20
    # Page numbers: a centred PAGE field at the top, a first page without one.
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" in "".join(node.text or "" for node in header._p.iter(qn("w:instrText")))
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert not list(first._element.iter(qn("w:instrText")))
    assert all(p.text == "" for p in first.paragraphs)
    # A Times New Roman–compatible serif at 13 pt, black, in the body and the headings.
    normal = document.styles["Normal"]
    assert (normal.font.name, normal.font.size) == ("Times New Roman", Pt(13))
    assert document.styles["Heading 1"].font.name == "Times New Roman"

    # The format elements of Decree 30 in their places.
    [left, right] = document.tables[0].rows[0].cells
    assert "CỤC BƯU ĐIỆN TRUNG ƯƠNG" in left.text
    assert "BỘ KHOA HỌC VÀ CÔNG NGHỆ" in left.text
    assert re.search(r"Số: 1/BC-CBĐTW$", left.text)  # the issuing body's symbol (Decree 30)
    motto = [p.text for p in right.paragraphs]
    assert motto[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    assert any(DATE_LINE.match(line) for line in motto), motto
    kind = next(p.text for p in document.paragraphs if p.text.startswith("BÁO CÁO"))
    assert kind == (
        "BÁO CÁO\nKết quả đánh giá mức độ chuyển đổi số và lộ trình đề xuất\n"
        "của Văn phòng A — Kỳ đánh giá năm 2026"
    )
    text = all_text(document)
    assert "Nơi nhận:" in text
    assert "- Lưu: VT." in text
    assert "CỤC TRƯỞNG" in text

    # Headings are Word Heading styles: parts, every dimension, every initiative.
    assert headings(document, 1)[:3] == [
        "Tóm tắt kết quả",
        "Kết quả đánh giá theo từng trụ cột",
        "Lộ trình đề xuất",
    ]
    assert dimension_names(document) == DIMENSIONS_VI
    initiative_headings = [h for h in headings(document, 3) if re.match(r"^\d+\. ", h)]
    roadmap_codes = {h.split()[1] for h in initiative_headings}
    assert roadmap_codes == {item.code for item in roadmaps.load(published).effective.items}
    assert {"K01", "K02", "X-1"} <= roadmap_codes
    assert any(
        h.endswith(". X-1 Số hóa hồ sơ lưu trữ <b>cũ</b>") for h in initiative_headings
    )  # typed text kept as text

    # A table of contents Word generates from those headings (shown with the parts until it is updated).
    contents = next(p for p in document.paragraphs if p._p.xpath(".//w:instrText[contains(., 'TOC')]"))
    assert 'TOC \\o "1-2"' in "".join(contents._p.xpath(".//w:instrText/text()"))
    assert contents.text.split("\n") == [
        ("    " if h.style.name == "Heading 2" else "") + h.text
        for h in document.paragraphs
        if h.style.name in ("Heading 1", "Heading 2")
    ]

    # Vietnamese text intact: the office, the framework's texts, the consultants' words.
    for phrase in (
        "Văn phòng A",
        "Phê duyệt cấp độ hệ thống thông tin",
        "100% hệ thống thông tin được phê duyệt cấp độ",
        "Tỷ lệ hồ sơ được số hóa đạt 80%",
        "Ưu tiên nguồn vốn năm 2027",
        "Theo đề nghị của đơn vị",
        "Kết nối rời rạc, chưa có giám sát",  # a level descriptor
    ):
        assert phrase in text, phrase

    # Tables are Word tables (summary, phases, initiatives, answers…), charts are images; rows never split
    # across pages and header rows repeat.
    summary = document.tables[1]
    assert [c.text for c in summary.rows[0].cells] == ["Trụ cột", "Điểm", "Mức", "Mục tiêu", "Khoảng cách"]
    assert summary.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in summary.rows)
    assert len(document.tables) >= 10
    assert len(document.inline_shapes) == 3
    assert document.core_properties.language == "vi"


def test_the_docx_reopens_after_a_round_trip_with_well_formed_parts(app, world, published):
    response, document = docx_of(logged_in(app, "consultant@example.vn"), published)
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    for name in archive.namelist():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(archive.read(name))  # raises on malformed XML
        assert not name.lower().endswith((".bin", ".vba", ".docm")), name  # no macros, no embedded objects
    assert any(name.startswith("word/media/") and name.endswith(".png") for name in archive.namelist())

    buffer = io.BytesIO()
    document.save(buffer)
    reopened = Document(io.BytesIO(buffer.getvalue()))
    assert all_text(reopened) == all_text(document)
    assert headings(reopened) == headings(document)
    assert reopened.sections[0].left_margin == document.sections[0].left_margin


def test_english_docx_on_request_has_no_vietnamese_furniture(app, world, published):
    response, document = docx_of(logged_in(app, "consultant@example.vn"), published, "?lang=en")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Digital transformation report VPA 2026.docx"'
    )
    text = all_text(document)
    assert "CỘNG HÒA" not in text
    assert "Nơi nhận" not in text
    assert "BÁO CÁO" not in text
    assert "Recipients:" in text
    assert "Digital transformation assessment and roadmap: Office A, 2026 cycle" in text  # the cover
    assert headings(document, 1)[:3] == ["Executive summary", "Assessment by dimension", "The roadmap"]
    assert dimension_names(document) == DIMENSIONS_EN
    assert "Approve security levels of information systems" in text
    assert document.core_properties.language == "en"


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_report_is_in_one_language_only(app, world, published, locale):
    """No sentence of the other language's catalogue in the document (the settings' values, typed in
    Vietnamese, are the administrator's words, not the interface's)."""
    _response, document = docx_of(logged_in(app, "consultant@example.vn"), published, f"?lang={locale}")
    text = all_text(document)
    messages = [m for m in catalogue("vi") if m.id and isinstance(m.id, str) and "%" not in m.id]
    if locale == "vi":
        foreign = [m.id for m in messages if " " in m.id and m.string != m.id]
    else:
        foreign = [m.string for m in messages if " " in m.string and m.string != m.id]
    assert [s for s in foreign if s in text] == []


def test_legal_references_are_cited_in_full_first_and_short_after(app, world, published):
    """Decree 30: the first citation gives type, number, date, issuing body and summary; later ones type and
    number. Decree 85/2016 is cited in the summary's legal basis, again by initiative K02 (the roadmap) and
    again by question CY-03 (appendix)."""
    _response, document = docx_of(logged_in(app, "consultant@example.vn"), published)
    text = all_text(document)
    full = "Nghị định số 85/2016/NĐ-CP ngày 01/07/2016 về bảo đảm an toàn hệ thống thông tin theo cấp độ"
    # (the framework writes "01/7/2016"; the report has one form of date, dd/mm/yyyy)
    assert text.count(full) == 1
    basis = next(i for i, p in enumerate(document.paragraphs) if p.text == "Căn cứ pháp lý:")
    assert document.paragraphs[basis + 1].text == f"{full};"
    cards = [t for t in document.tables if t.rows and t.rows[0].cells[0].text == "Lý do đề xuất"]
    cited = [
        row.cells[1].text
        for card in cards
        for row in card.rows
        if row.cells[0].text == "Căn cứ pháp lý" and "85/2016" in row.cells[1].text
    ]
    assert cited == ["Nghị định số 85/2016/NĐ-CP"]  # initiative K02: type and number only
    appendix = next(t for t in document.tables if any(row.cells[0].text == "CY-03" for row in t.rows))
    cy03 = next(row for row in appendix.rows if row.cells[0].text == "CY-03").cells[1].text
    assert cy03.endswith("Căn cứ: Nghị định số 85/2016/NĐ-CP")


def all_cells(table):
    return "\n".join(cell.text for row in table.rows for cell in row.cells)


def test_typed_text_is_kept_as_literal_text_and_nothing_points_outside(app, world, assessment):
    """Markup and links typed into evidence notes stay text; characters XML cannot hold are dropped rather
    than breaking the document; the file has no external relationship (nothing for Word to fetch)."""
    for code, value in WORST.items():
        answer(assessment, world.respondent_a, code, value)
    payload = '<img src="file:///etc/passwd"> <link rel="attachment" href="file:///etc/passwd">'
    note = f"Biên bản kiểm tra {payload} url(http://169.254.169.254/)"
    question = assessments.framework_of(assessment).question("NW-01")
    evidence.save_text(
        assessment, question, evidence.parse_text(note, "12/QĐ-VPA", "2026-03-05"), actor=world.respondent_a
    )
    db.session.commit()
    # The text boundary refuses control characters today (issue 20); a note stored before it may hold them.
    stored = evidence.of_questions(assessment, ["NW-01"]).notes["NW-01"]
    stored.note = f"Biên bản\x01 kiểm tra\x0b {payload} url(http://169.254.169.254/)"
    db.session.commit()
    assert "\x01" in evidence.of_questions(assessment, ["NW-01"]).notes["NW-01"].note
    response, document = docx_of(logged_in(app, "consultant@example.vn"), assessment)
    row = next(r for t in document.tables for r in t.rows if r.cells[0].text == "NW-01")
    assert row.cells[4].text == (
        f"Văn bản: 12/QĐ-VPA ngày 05/03/2026\nGhi chú: Biên bản kiểm tra {payload} url(http://169.254.169.254/)"
    )
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    for name in archive.namelist():
        if name.endswith(".rels"):
            assert b'TargetMode="External"' not in archive.read(name), name
    assert not any("etc/passwd" in name for name in archive.namelist())


# --- who may download, and bad requests ----------------------------------------------------------------


def test_download_follows_the_roadmap_policy_and_refuses_bad_input(app, world, assessment):
    for code, value in WORST.items():
        answer(assessment, world.respondent_a, code, value)
    db.session.commit()
    url = f"/assessments/{assessment.id}/report.docx"
    respondent = logged_in(app, "resp.a@example.vn")
    assert isolated(respondent.client.get, url).status_code == 404  # not published: no report for the office
    consultant = logged_in(app, "consultant@example.vn")
    _response, document = docx_of(consultant, assessment)  # a draft, before any roadmap
    text = all_text(document)
    assert "DỰ THẢO" in text or "DRAFT" in text
    assert isolated(consultant.client.get, f"{url}?lang=fr").status_code == 400
    assert isolated(consultant.client.get, f"{url}?lang=").status_code == 400
    assert isolated(consultant.client.get, "/assessments/999999/report.docx").status_code == 404
    other = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    db.session.commit()
    assert isolated(consultant.client.get, f"/assessments/{other.id}/report.docx").status_code == 404


def test_the_office_downloads_its_report_once_published_from_the_results_and_roadmap_pages(
    app, world, published
):
    respondent = logged_in(app, "resp.a@example.vn")
    # The documents sit in one place, the official result; the roadmap page leads there (issue 23).
    html = isolated(respondent.client.get, f"/assessments/{published.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" data-download="report-docx" download>', html)
    assert link is not None
    assert link.group(1) == f"/assessments/{published.id}/report.docx?lang=vi"
    english = re.search(r'<a href="([^"]+)" data-download="report-docx-en"', html)
    assert english.group(1) == f"/assessments/{published.id}/report.docx?lang=en"
    roadmap = isolated(respondent.client.get, f"/assessments/{published.id}/roadmap").get_data(as_text=True)
    assert f'href="/assessments/{published.id}#official-result"' in roadmap
    docx_of(respondent, published)


# --- report settings -----------------------------------------------------------------------------------


def settings_form(**overrides):
    form = {
        "issuing_body_parent": "BỘ KHOA HỌC VÀ CÔNG NGHỆ",
        "issuing_body": "Cục Chuyển đổi số quốc gia",
        "issuer_symbol": "CĐS",
        "number_pattern": "{seq}/BC-{issuer_symbol}",
        "place": "Hà Nội",
        "signatory_position": "Cục trưởng",
        "signatory_name": "Nguyễn Văn Ánh",
        "recipients": "Văn phòng A;\nLãnh đạo Cục (để b/c);\nLưu: VT, CĐS.",
        "issuing_body_parent_en": "Ministry of Science and Technology",
        "issuing_body_en": "National Digital Transformation Agency",
        "place_en": "Hanoi",
        "signatory_position_en": "Director General",
        "recipients_en": "Office A;\nAgency leaders (for information);\nArchived: Records, NDTA.",
    }
    form.update(overrides)
    return form


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_settings_are_saved_audited_and_used_by_the_report(app, world, published):
    admin = logged_in(app, "admin@example.vn")
    page = isolated(admin.get, "/admin/report-settings")
    assert page.status_code == 200
    assert "{seq}/BC-{issuer_symbol}" in page.get_data(as_text=True)  # the defaults, before any save
    response = isolated(admin.post, "/admin/report-settings", settings_form())
    assert response.status_code == 302
    assert count(ReportSettingsRecord) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_settings.saved"))
    assert event.actor_id == world.admin.id
    assert event.details["changed"]["signatory_name"] == {"from": "", "to": "Nguyễn Văn Ánh"}

    _response, document = docx_of(logged_in(app, "consultant@example.vn"), published)
    text = all_text(document)
    assert "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA" in text
    assert "Số: 1/BC-CĐS" in text.splitlines()  # the issuing body's symbol, not the assessed office's code
    assert "Nguyễn Văn Ánh" in text
    assert "CỤC TRƯỞNG" in text
    assert "- Lãnh đạo Cục (để b/c);" in text

    _response, english = docx_of(logged_in(app, "consultant@example.vn"), published, "?lang=en")
    text = all_text(english)
    assert "Issued by: National Digital Transformation Agency" in text
    assert "Reference: 1/BC-CĐS" in text
    assert "Director General" in text
    assert "Nguyễn Văn Ánh" in text
    assert "- Agency leaders (for information);" in text
    for vietnamese in ("CỤC", "Cục", "Nơi nhận", "Lãnh đạo", "Lưu: VT", "Như trên"):
        assert vietnamese not in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number_pattern", "{seq}/BC-{don_vi}", "Trường giữ chỗ không xác định {don_vi}"),
        ("number_pattern", "{seq/BC", "dấu ngoặc"),
        ("signatory_name", "   ", "Vui lòng nhập họ và tên người ký."),
        ("signatory_position", "", "Vui lòng nhập chức vụ người ký."),
        ("number_pattern", "{seq}/BC-{office_code}", "ký hiệu của cơ quan ban hành"),
        ("issuer_symbol", " ", "Vui lòng nhập ký hiệu của cơ quan ban hành"),
        ("signatory_position_en", "", "Vui lòng nhập chức vụ người ký bằng tiếng Anh."),
        ("issuing_body_en", "", "Vui lòng nhập tên cơ quan ban hành bằng tiếng Anh."),
    ],
)
def test_bad_settings_are_refused_beside_the_field_and_the_previous_ones_stay_in_force(
    app, world, published, field, value, message
):
    admin = logged_in(app, "admin@example.vn")
    assert isolated(admin.post, "/admin/report-settings", settings_form()).status_code == 302
    typed = settings_form(**{field: value}, issuing_body="Tên mới chưa lưu")
    response = isolated(admin.post, "/admin/report-settings", typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error is not None, html
    assert message in error.group(1)
    assert 'value="Tên mới chưa lưu"' in html  # what was typed is kept
    assert count(ReportSettingsRecord) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "report_settings.saved")
        )
        == 1
    )

    _response, document = docx_of(logged_in(app, "consultant@example.vn"), published)
    text = all_text(document)
    assert "Số: 1/BC-CĐS" in text
    assert "Nguyễn Văn Ánh" in text
    assert "TÊN MỚI CHƯA LƯU" not in text


def test_settings_service_defaults_sequence_and_validation(app, world, assessment):
    assert report_settings.current() == report_settings.DEFAULTS
    second = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    db.session.commit()
    assert report_settings.number_for(assessment) == "1/BC-CBĐTW"
    assert report_settings.number_for(second) == "2/BC-CBĐTW"
    pattern = report_settings.ReportSettings(number_pattern="{seq:03d}/{year}/BC-{cycle_code}")
    assert report_settings.number_for(second, pattern) == "002/2026/BC-2026"
    bad = report_settings.ReportSettings(number_pattern="{issuer_symbol:d}", signatory_name="A")
    assert [p.field for p in report_settings.problems(bad)] == ["number_pattern"]
    assert report_settings.date_line("Hà Nội", dt.date(2026, 3, 5)) == "Hà Nội, ngày 05 tháng 3 năm 2026"
    assert report_settings.date_line_en("Hanoi", dt.date(2026, 3, 5)) == "Hanoi, 5 March 2026"
    assert TODAY  # the roadmap tests' planning date, shared


def test_the_word_report_is_kept_and_made_anew_only_when_what_it_shows_changes(
    app, world, published, monkeypatch
):
    renders = []
    word = formats.FORMATS["docx"]

    def counting(data):
        renders.append(data.locale)
        return word.render(data)

    monkeypatch.setitem(formats.FORMATS, "docx", dataclasses.replace(word, render=counting))
    browser = logged_in(app, world.consultant.email)
    first, _ = docx_of(browser, published)
    second, _ = docx_of(browser, published)
    assert first.data == second.data
    assert renders == ["vi"]  # the second download came from the cache
    docx_of(browser, published, "?lang=en")
    assert renders == ["vi", "en"]  # another language is another document
    world.office_a.name_vi = "Văn phòng Bổ sung Thử nghiệm"  # the office is renamed
    db.session.commit()
    _, document = docx_of(browser, published)
    assert renders == ["vi", "en", "vi"]  # what the report shows changed: made anew
    assert "Văn phòng Bổ sung Thử nghiệm" in all_text(document)


def test_consultant_edits_are_dated_on_the_service_s_day_as_the_date_line_is(app, world, published):
    """An edit made at 23:30 UTC on 4 December was made on 5 December in Hà Nội (UTC+7): the report dates it
    so, in the report's one form of date."""
    late = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)
    for row in db.session.scalars(select(RoadmapEdit).where(RoadmapEdit.assessment_id == published.id)):
        row.created_at = late
    db.session.commit()
    expected = {"vi": "05/12/2026", "en": "5 December 2026"}
    for locale, day in expected.items():
        with app.test_request_context(), force_locale(locale):
            data = model.build(published, today=dt.date(2026, 12, 5))
        written = " ".join((*data.roadmap.edits, *(f.value for c in data.roadmap.cards for f in c.facts)))
        assert data.roadmap.edits
        assert all(day in line for line in data.roadmap.edits)
        assert "04/12/2026" not in written
        assert "4 December 2026" not in written
    assert data.date_line == "Hanoi, 5 December 2026"
