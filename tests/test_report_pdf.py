"""The report PDF, read back with pypdf: structure, Decree 30 layout (Vietnamese), modern layout (English),
metadata and PDF/A, fonts, and the renderer's safety (escaped user text, the fetcher's allowlist, limits).

The demo office's reports are rendered once for the module (on SQLite: the PDF does not depend on the
database), with hostile text planted in the office's name, an evidence note and a consultant's note.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from docx import Document
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, Evidence, Office, RoadmapEdit
from roadmap.services.plans import roadmaps
from roadmap.services.reporting import formats
from roadmap.services.reporting import pdf as report_pdf
from roadmap.services.reporting.citations import short_form
from tests.conftest import demo_app, first_published_assessment

MM = 72 / 25.4
A4 = (595.28, 841.89)
PAYLOADS = (
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    "<style>p { background: url(http://169.254.169.254/) }</style>",
    "@import url(http://169.254.169.254/latest);",
    "<script>alert(1)</script>",
)
HOSTILE = " ".join(PAYLOADS)
ISSUED = dt.date(2026, 3, 5)


@pytest.fixture(scope="module")
def demo_reports(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The published report of the demo's last cycle, in Vietnamese and English, rendered once."""
    folder = tmp_path_factory.mktemp("report")
    app = demo_app(sqlite_template, folder)
    with app.app_context():
        assessment = first_published_assessment()
        office = db.session.get(Office, assessment.office_id)
        clean_name = office.name_vi
        office.name_vi = f"{clean_name} {PAYLOADS[0]}"
        office.name_en = f"{office.name_en} {PAYLOADS[0]}"
        framework_question = roadmaps.load(assessment).framework.questions[0].code
        note = db.session.scalar(
            select(Evidence).where(
                Evidence.assessment_id == assessment.id, Evidence.question_code == framework_question
            )
        )
        if note is None:
            note = Evidence(assessment_id=assessment.id, question_code=framework_question)
            db.session.add(note)
        note.note = HOSTILE
        db.session.add(
            RoadmapEdit(
                assessment_id=assessment.id,
                seq=999,
                kind="note",
                initiative_code=None,
                payload={"text": HOSTILE},
                reason=HOSTILE,
                plan_version=roadmaps.current_plan(assessment).version,
            )
        )
        db.session.commit()
        reports: dict[str, Any] = {"clean_name": clean_name, "app": app, "assessment_id": assessment.id}
        reports["typed"] = {
            "edits": [(row.reason, str(row.payload.get("text", ""))) for row in assessment_edits(assessment)]
        }
        reports["docx_en"] = formats.render(assessment, "docx", "en", today=ISSUED)
        for locale in ("vi", "en"):
            html, css, data = report_pdf.html_of(assessment, locale, today=ISSUED)
            rendered = report_pdf.render(html, css)
            reports[locale] = {
                "html": html,
                "data": data,
                "rendered": rendered,
                "reader": pypdf.PdfReader(io.BytesIO(rendered.pdf)),
            }
        db.session.remove()
    return reports


def assessment_edits(assessment: Assessment) -> list[RoadmapEdit]:
    return list(db.session.scalars(select(RoadmapEdit).where(RoadmapEdit.assessment_id == assessment.id)))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _outline(reader: pypdf.PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                titles.append(entry.title)

    walk(reader.outline)
    return titles


def _positions(page: pypdf.PageObject, serif_only: bool = True) -> list[tuple[float, float, str]]:
    """(x, y, text) of every text run of the page (body text: the serif; chart labels are sans)."""
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if not text.strip():
            return
        if serif_only and (font is None or "Serif" not in str(font.get("/BaseFont", ""))):
            return
        matrix = pypdf.mult(tm, cm)
        found.append((matrix[4], matrix[5], text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def _fonts(reader: pypdf.PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


# --- the Vietnamese report: Decree 30/2020 ---------------------------------------------------------------


def test_vietnamese_report_is_a4_with_a_bookmark_for_every_part_and_correct_diacritics(demo_reports):
    reader = demo_reports["vi"]["reader"]
    data = demo_reports["vi"]["data"]
    assert 15 <= len(reader.pages) <= 60
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]
    landscape = A4[::-1]
    assert [size for size in sizes if size != pytest.approx(A4, abs=0.5)] == [
        pytest.approx(landscape, abs=0.5)
    ]
    # (A4 portrait but for the schedule, on an A4 landscape page of its own)
    bookmarks = _outline(reader)
    for part in (
        "Tóm tắt kết quả",
        "Kết quả đánh giá theo từng trụ cột",
        "Lộ trình đề xuất",
        "Kết quả dự kiến theo giai đoạn",
        "Điều chỉnh và ghi chú của chuyên gia tư vấn",
        "Phụ lục: câu trả lời và minh chứng",
        "Phương pháp đánh giá",
        "Giải thích thuật ngữ",
    ):
        assert any(title.upper() == part.upper() for title in bookmarks), part
    text = _flat(_text(reader))
    assert demo_reports["clean_name"] in text
    for part in data.dimensions:
        assert f"{part.code}. {part.name}" in bookmarks
        assert part.name in text
    assert "Lãnh đạo, chiến lược và nhận thức số" in text
    # One language: the English headings are absent.
    for english in ("Executive summary", "Appendix", "Glossary", "Page 1 of"):
        assert english not in text


def test_vietnamese_report_has_the_decree_30_format_elements(demo_reports):
    reader = demo_reports["vi"]["reader"]
    first = _flat(reader.pages[0].extract_text())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert "CỤC BƯU ĐIỆN TRUNG ƯƠNG" in first
    assert "Hà Nội, ngày 05 tháng 3 năm 2026" in first
    assert re.search(r"Số: \d+/BC-[A-Z]+", first)
    assert "BÁO CÁO" in first
    assert "Kết quả đánh giá mức độ chuyển đổi số và lộ trình đề xuất" in first
    text = _flat(_text(reader))
    assert "Nơi nhận:" in text
    assert "CỤC TRƯỞNG" in text
    # The motto's rule is drawn under it: the date line comes after, on the same page.
    assert first.index("Hạnh phúc") < first.index("Hà Nội, ngày")


def test_vietnamese_page_numbers_are_at_the_top_centre_from_page_two(demo_reports):
    reader = demo_reports["vi"]["reader"]
    top = A4[1] - 20 * MM  # the top margin's edge: page numbers sit above it
    centre = (30 * MM + (210 - 15) * MM) / 2

    def numbers_on_top(index: int) -> list[tuple[float, float, str]]:
        return [(x, y, s) for x, y, s in _positions(reader.pages[index]) if y > top and s.isdigit()]

    assert numbers_on_top(0) == []
    [(x, _y, label)] = numbers_on_top(1)
    assert label == "2"
    assert abs(x + 3 - centre) < 8  # the digit's left edge, about half its width left of the centre
    [(x, _y, label)] = numbers_on_top(2)
    assert label == "3"
    # No footer page number either.
    for index in range(3):
        assert not [s for _x, y, s in _positions(reader.pages[index]) if y < 20 * MM]


def test_vietnamese_margins_measured_from_text_positions_are_within_decree_30(demo_reports):
    reader = demo_reports["vi"]["reader"]
    lefts, tops, bottoms = [], [], []
    for page in reader.pages:
        body = [(x, y) for x, y, s in _positions(page) if not s.isdigit() or y < A4[1] - 20 * MM]
        if not body:
            continue
        lefts.append(min(x for x, _y in body))
        tops.append(max(y for _x, y in body))
        bottoms.append(min(y for _x, y in body))
        assert max(x for x, _y in body) < A4[0] - 15 * MM
    left_margin = min(lefts) / MM
    assert 29.5 <= left_margin <= 35
    assert (A4[1] - max(tops)) / MM >= 20
    assert min(bottoms) / MM >= 19.5  # the baseline of the last line sits just above the bottom margin


def test_vietnamese_report_embeds_the_serif_with_metadata_language_and_pdfa(demo_reports):
    reader = demo_reports["vi"]["reader"]
    fonts = _fonts(reader)
    assert any(name.endswith("+Liberation-Serif") for name in fonts)
    assert all("Liberation" in name for name in fonts)  # never a system font
    for font in fonts:
        assert re.match(r"/[A-Z]{6}\+", font)  # embedded subsets
    metadata = reader.metadata
    assert "Kiểm toán" in metadata.title or demo_reports["clean_name"] in metadata.title
    assert metadata.author == "CỤC BƯU ĐIỆN TRUNG ƯƠNG"
    assert metadata.subject == "Kết quả đánh giá mức độ chuyển đổi số và lộ trình đề xuất"
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_a_draft_carries_the_watermark_and_a_reviewed_report_does_not(demo_reports):
    assert "DỰ THẢO" not in demo_reports["vi"]["html"]  # the demo assessment is published
    app = demo_reports["app"]
    with app.app_context():
        draft = db.session.scalars(select(Assessment).where(Assessment.status == "draft")).first()
        html, _css, data = report_pdf.html_of(draft, "vi", today=ISSUED)
        assert not data.final
        assert '<div class="draft" aria-hidden="true">DỰ THẢO</div>' in html
        html, _css, _data = report_pdf.html_of(draft, "en", today=ISSUED)
        assert '<div class="draft" aria-hidden="true">DRAFT</div>' in html
        db.session.remove()


# --- the English report ------------------------------------------------------------------------------------


def test_english_report_has_page_x_of_y_footers_bookmarks_and_english_metadata(demo_reports):
    reader = demo_reports["en"]["reader"]
    count = len(reader.pages)
    assert count >= 10
    for number in (1, 2, count):
        assert f"Page {number} of {count}" in reader.pages[number - 1].extract_text()
    bookmarks = _outline(reader)
    for part in ("Executive summary", "Assessment by dimension", "The roadmap", "Methodology", "Glossary"):
        assert part in bookmarks
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.metadata.subject.startswith("Results of the digital transformation")
    text = _flat(_text(reader))
    assert "Leadership, strategy and digital awareness" in text
    for vietnamese in ("Tóm tắt", "Mục lục", "Phụ lục", "Nơi nhận"):
        assert vietnamese not in text


# --- safety ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_hostile_text_appears_literally_and_nothing_outside_the_allowlist_is_fetched(demo_reports, locale):
    report = demo_reports[locale]
    text = _flat(_text(report["reader"])).replace(" ", "")
    for payload in PAYLOADS:
        assert payload.replace(" ", "") in text, payload
    assert "root:x:0:0" not in text
    rendered = report["rendered"]
    assert rendered.refused == ()
    assert rendered.served
    assert all(url.startswith(report_pdf.ASSET_BASE + "fonts/Liberation") for url in rendered.served)
    root = report["reader"].trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    assert report["reader"].attachments == {}
    for page in report["reader"].pages:
        for annotation in page.get("/Annots", []) or []:
            assert annotation.get_object()["/Subtype"] == "/Link"
    # The HTML holds the payloads escaped, never as elements.
    assert "<script>alert" not in report["html"]
    assert "&lt;script&gt;" in report["html"]


def test_the_fetcher_refuses_and_records_every_address_but_the_packaged_assets():
    fetcher = report_pdf.new_fetcher()
    for url in (
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/font.ttf",
        "data:text/css,body{}",
        report_pdf.ASSET_BASE + "../../etc/passwd",
        report_pdf.ASSET_BASE + "fonts/../../../etc/passwd",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6
    response = fetcher.fetch(report_pdf.ASSET_BASE + "fonts/LiberationSerif-Regular.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"


def test_raw_html_that_asks_for_files_and_urls_gets_nothing():
    """Defence in depth: even markup that escaped escaping could not make the renderer read anything."""
    html = (
        '<p>x<img src="file:///etc/passwd"><img src="http://169.254.169.254/"></p>'
        '<link rel="attachment" href="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">'
        "<style>@import url(http://169.254.169.254/a.css); p { background: url(data:image/png;base64,AA==) }"
        "</style>"
    )
    rendered = report_pdf.render(html, "")
    assert "file:///etc/passwd" in rendered.refused
    assert "http://169.254.169.254/" in rendered.refused
    assert rendered.served == ()
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    assert reader.attachments == {}
    assert "root:" not in _text(reader)


def test_a_runaway_render_is_stopped_and_reported():
    html = "<body>" + "<p>Chuyển đổi số của cơ quan nhà nước.</p>" * 4000 + "</body>"
    with pytest.raises(report_pdf.RenderFailed) as stopped:
        report_pdf.render(html, "", report_pdf.Limits(seconds=0.2))
    assert stopped.value.reason == "timeout"
    # The budget counts new address space only; a long-lived parent may hand the child free heap, so the
    # starved render is made large enough to need far more than any such slack.
    huge = "<body>" + "<p>Chuyển đổi số của cơ quan nhà nước.</p>" * 40000 + "</body>"
    with pytest.raises(report_pdf.RenderFailed) as starved:
        # The font libraries start before the fork (report_pdf._preload): the budget is what the layout
        # itself may add, far less than this document needs.
        report_pdf.render(huge, "", report_pdf.Limits(seconds=120, memory_mb=8))
    assert starved.value.reason in ("memory", "error")
    # The process that asked carries on: a small render right after works.
    assert report_pdf.render("<p>Xin chào</p>", "").pdf.startswith(b"%PDF-")


def test_legal_documents_are_cited_in_full_once_then_by_type_and_number(demo_reports):
    data = demo_reports["vi"]["data"]
    text = _flat(_text(demo_reports["vi"]["reader"])).replace(" ", "")  # lines may break anywhere
    assert data.legal_basis[0].startswith("Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị")
    in_order = [
        *data.legal_basis,
        *(c for card in data.roadmap.cards for c in card.policies),
        *(c for group in data.answers for line in group.lines for c in line.references),
    ]
    seen: dict[str, str] = {}
    repeated = 0
    for citation in in_order:
        short = short_form(citation, "vi")
        if short in seen:
            assert citation == short  # later: type and number only
            repeated += 1
        else:
            seen[short] = citation  # first: type, number, date, issuing body and summary
    assert repeated > 0
    dated = [full for short, full in seen.items() if full != short]
    assert dated
    for full in dated:
        assert " ngày " in full
        assert text.count(full.replace(" ", "")) == 1, full


# --- speed without loss (the compact answers; the render process's own garbage collector) ---------------


def test_the_appendix_lists_every_answer_with_its_answer_and_evidence_on_one_entry(demo_reports):
    reader = demo_reports["vi"]["reader"]
    data = demo_reports["vi"]["data"]
    appendix = _flat(_text(reader)).split("PHỤ LỤC: CÂU TRẢ LỜI VÀ MINH CHỨNG")[-1]
    lines = [line for group in data.answers for line in group.lines]
    assert len(lines) > 100
    for line in lines:
        # The code opens the entry, then the question, then "Câu trả lời: …" (one compact paragraph).
        entry = appendix.split(line.code + " ", 1)[1]
        assert entry.startswith(line.question[:20]), line.code
        assert "Câu trả lời:" in entry[: len(line.question) + 40], line.code
    with_evidence = [line for line in lines if line.evidence]
    assert with_evidence
    for line in with_evidence:
        for ref in line.evidence:
            assert _flat(ref)[:30] in appendix, (line.code, ref)
    # Compact, yet complete: the demo office's report stays near the goal of about 20 pages (29 before the
    # roadmap's phases became tables and its schedule got a landscape page of its own, issue 23).
    assert len(reader.pages) <= 32


def test_the_render_process_tunes_only_its_own_garbage_collector():
    import gc

    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    rendered = report_pdf.render("<p>Chuyển đổi số</p>", "")
    assert rendered.pdf.startswith(b"%PDF-")
    assert 0 < rendered.cpu_seconds <= rendered.seconds + 1
    # The serving process keeps its collector as it was: nothing frozen, the same thresholds.
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen


def test_the_warm_up_before_forking_reads_only_the_packaged_fonts():
    css = report_pdf._warm_up_css()
    addresses = re.findall(r'url\("([^"]+)"\)', css)
    assert sorted(addresses) == sorted(report_pdf.ASSET_BASE + name for name in report_pdf.ASSETS)
    pdf, refused, served = report_pdf._write_pdf('<p class="f0">Độc lập</p>', css)
    assert pdf.startswith(b"%PDF-")
    assert refused == []
    assert set(served) <= set(addresses)


def test_dates_in_documents_read_as_official_papers_write_them(app):
    import datetime as dt

    from flask_babel import force_locale

    from roadmap.services.plans import wording as roadmap_text

    with app.test_request_context():
        with force_locale("vi"):
            assert roadmap_text.date_text(dt.date(2026, 3, 5)) == "05/03/2026"
        with force_locale("en"):
            assert roadmap_text.date_text(dt.date(2026, 3, 5)) == "5 March 2026"


VI_DATE_LINE = re.compile(r"ngày \d{2} tháng \d{1,2} năm \d{4}")
NUMERIC_DATE = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}(?![\d/])")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def test_every_date_of_the_vietnamese_report_is_in_one_form(demo_reports):
    """The date line as Decree 30 writes it, once; every other date dd/mm/yyyy (legal documents' titles
    too); none of the screens' short forms ("5 thg 3, 2026")."""
    text = _flat(_text(demo_reports["vi"]["reader"]))
    assert VI_DATE_LINE.findall(text) == ["ngày 05 tháng 3 năm 2026"]
    dates = NUMERIC_DATE.findall(text)
    assert len(dates) > 10
    assert [d for d in dates if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", d)] == []
    assert "thg" not in text


def test_every_date_of_the_english_report_is_in_one_form(demo_reports):
    text = _flat(_text(demo_reports["en"]["reader"]))
    assert "Hanoi, 5 March 2026" in text or "5 March 2026" in text
    assert NUMERIC_DATE.findall(text) == []
    assert re.findall(rf"(?:{MONTHS}) \d{{1,2}}, \d{{4}}", text) == []  # "March 5, 2026"
    assert len(re.findall(rf"\d{{1,2}} (?:{MONTHS}) \d{{4}}", text)) > 10


def test_the_number_names_the_issuing_body_and_the_signatory_is_named_in_both_languages(demo_reports):
    """Decree 30: "Số: 1/BC-CBĐTW" (the issuing body's symbol, never the assessed office's code), and the
    signatory's full name under the position, in Vietnamese and in English."""
    from roadmap.services.demo.loader import DEMO_SIGNATORY

    vi = _flat(_text(demo_reports["vi"]["reader"]))
    assert re.search(r"Số: \d+/BC-CBĐTW ", vi)
    assert "/BC-VPTW" not in vi
    assert "CỤC TRƯỞNG" in vi
    en = _flat(_text(demo_reports["en"]["reader"]))
    assert re.search(r"Reference \d+/BC-CBĐTW ", en)
    assert "Director General" in en
    for text in (vi, en):
        assert text.count(DEMO_SIGNATORY) == 1


def test_the_vietnamese_report_calls_a_dimension_by_the_glossary_s_one_term(demo_reports):
    """DESIGN.md §3: dimension — trụ cột, in headings and tables alike."""
    text = _flat(_text(demo_reports["vi"]["reader"])).casefold()
    assert "trụ cột" in text
    assert "lĩnh vực" not in text


# --- the roadmap's schedule: a landscape page, whole labels, a legend ------------------------------------


def test_the_schedule_has_a_landscape_page_with_every_initiative_named_in_full_and_legibly(demo_reports):
    data = demo_reports["vi"]["data"]
    reader = demo_reports["vi"]["reader"]
    wide = [page for page in reader.pages if page.mediabox.width > page.mediabox.height]
    assert len(wide) == 1
    sizes: list[float] = []
    chunks: list[str] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() and font is not None and "Sans" in str(font.get("/BaseFont", "")):
            matrix = pypdf.mult(tm, cm)
            sizes.append(size * (matrix[0] ** 2 + matrix[1] ** 2) ** 0.5)
            chunks.append(text)

    wide[0].extract_text(visitor_text=visit)
    labels = "".join(chunks).replace(" ", "").replace("\n", "")
    names = [f"{bar.label}" for bar in _gantt_labels(data)]
    assert names
    for name in names:
        assert name.replace(" ", "") in labels, name  # whole: wrapped, never cut
    assert "…" not in labels
    assert min(sizes) >= 6.5  # points on paper: the quarter and note labels; names are larger
    # Most text (the names) at about 8 pt: 11 units scaled to the landscape page are 7.95 pt. (Before the
    # report's charts placed their labels themselves, the names sat in form XObjects, where pypdf read their
    # size without the page's scaling, as 11.)
    assert sorted(sizes)[len(sizes) // 2] >= 7.9
    assert "Dohệthốngđềxuất" in labels  # the legend, in the report's language
    assert "bắtbuộc" in labels  # the colour said in words after the bar


def _gantt_labels(data: Any) -> list[Any]:
    """The initiatives the schedule draws (one per counted initiative), rebuilt from its text shapes."""
    from roadmap.charts import GanttBar, Text

    shapes = data.roadmap.gantt.shapes
    rows: list[str] = []
    last_y = None
    for shape in shapes:
        if isinstance(shape, Text) and shape.anchor == "end":
            if last_y is not None and shape.y - last_y < 14:
                rows[-1] += " " + shape.label
            else:
                rows.append(shape.label)
            last_y = shape.y
    return [GanttBar(label, 0, 1) for label in rows]


def test_the_english_cover_title_is_set_ragged_right_without_wide_gaps(demo_reports):
    first = demo_reports["en"]["reader"].pages[0].extract_text()
    title = demo_reports["en"]["data"].words.title
    assert "  " not in first  # justification's wide gaps come out of the text as double spaces
    assert _flat(first).startswith(title[:30])


# --- the English report is in English -----------------------------------------------------------------------

VIETNAMESE_LETTER = re.compile(
    "[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE
)


def _typed_words(reports: dict[str, Any]) -> str:
    """Every word that people typed (answers in words, evidence, the office's and signatory's names, the
    document number, consultants' reasons and notes): what an English report prints as it was typed."""
    data = reports["en"]["data"]
    typed = [data.office_name, data.signatory_name, data.document_number, reports["clean_name"]]
    for group in data.answers:
        for line in group.lines:
            typed += [line.answer, *line.evidence]
    for reason, note in reports["typed"]["edits"]:
        typed += [reason, note]
    return "\n".join(typed)


def _vietnamese_words(text: str) -> set[str]:
    return {word for word in re.split(r"[\s·,;:()“”\"]+", text) if VIETNAMESE_LETTER.search(word)}


def test_the_english_pdf_and_word_document_are_in_english_but_for_what_people_typed(demo_reports):
    typed = _typed_words(demo_reports)
    pdf = _text(demo_reports["en"]["reader"]).replace("-\n", "-")  # a line may break after a hyphen
    document = Document(io.BytesIO(demo_reports["docx_en"]))
    word = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    for text in (pdf, word):
        assert {word for word in _vietnamese_words(text) if word not in typed} == set()
        for boilerplate in (
            "CỤC",
            "Nơi nhận",
            "Như trên",
            "Lưu: VT",
            "Số:",
            "ngày",
            "tháng",
            "Quý",
            "trụ cột",
        ):
            assert boilerplate not in text
        assert "Central Post Office Department" in text
        assert "As addressed above;" in text
    assert [w for w in _vietnamese_words("Issued by CỤC BƯU ĐIỆN") if w not in typed]  # it sees Vietnamese


def _fill(page: pypdf.PageObject) -> float:
    """How far down the page's text area the body reaches (0–1), page furniture left out."""
    height = float(page.mediabox.height)
    lowest = [y for _x, y, _text in _positions(page, serif_only=False) if 60 < y < height - 60]
    return (height - 60 - min(lowest)) / (height - 120) if lowest else 0.0


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_no_page_is_left_mostly_blank_but_at_the_end_of_a_part(demo_reports, locale):
    """Issue 23: page 3 was mostly blank. A page that is less than 40 % full is followed by the start of a
    part (a page break by design: contents, summary, dimensions, roadmap, appendix, methodology) or by the
    schedule's landscape page."""
    reader, data = demo_reports[locale]["reader"], demo_reports[locale]["data"]
    w = data.words
    starts = {
        part.casefold() for part in (w.summary, w.dimensions, w.roadmap, w.answers, w.methodology, w.contents)
    }
    pages = reader.pages
    for number, (page, following) in enumerate(itertools.pairwise(pages), start=1):
        if _fill(page) >= 0.4:
            continue
        landscape = following.mediabox.width > following.mediabox.height
        first_line = following.extract_text().strip().splitlines()[0].strip().casefold()
        assert landscape or first_line in starts, (number, round(_fill(page), 2), first_line)
