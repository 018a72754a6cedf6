"""The 2026 demo's reports read back from the PDF (issue 19): a Party office on central-offices 1.1.0 sees
its obligations with their dates, the questions that do not apply to it with the reason (its profile), and
the DTI view; a level-II user of the special-use network sees the level-I questions set aside for its level.

Rendered once for the module, on SQLite (a report does not depend on the database): the published
assessment of the Party Central Office (VPTW) and the draft of a level-II commission (UBKTTW), in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from docx import Document
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, Cycle, Office
from roadmap.services.reporting import docx as report_docx
from roadmap.services.reporting import pdf as report_pdf

ISSUED = dt.date(2026, 12, 5)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _assessment_2026(office_code: str) -> Assessment:
    office = db.session.scalar(select(Office).where(Office.code == office_code))
    cycle = db.session.scalar(select(Cycle).where(Cycle.code == "2026"))
    assert office is not None
    assert cycle is not None
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.office_id == office.id, Assessment.cycle_id == cycle.id)
    )
    assert assessment is not None
    return assessment


@pytest.fixture(scope="module")
def reports(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.conftest import demo_app

    folder = tmp_path_factory.mktemp("report-2026")
    app = demo_app(sqlite_template, folder)
    rendered: dict[str, Any] = {}
    with app.app_context():
        for code in ("VPTW", "UBKTTW"):
            assessment = _assessment_2026(code)
            assert assessment.framework_version.version == "1.1.0"
            html, css, data = report_pdf.html_of(assessment, "vi", today=ISSUED)
            reader = pypdf.PdfReader(io.BytesIO(report_pdf.render(html, css).pdf))
            text = _flat("\n".join(page.extract_text() for page in reader.pages))
            rendered[code] = {"data": data, "text": text, "status": assessment.status}
        # The Word document lays out the same model: the Party office's, from the data already built.
        document = Document(io.BytesIO(report_docx.render_report(rendered["VPTW"]["data"])))
        rendered["VPTW"]["docx_rows"] = [
            [cell.text for cell in row.cells] for table in document.tables for row in table.rows
        ]
        db.session.remove()
    return rendered


def test_the_party_office_reads_its_obligations_with_their_dates(reports: dict[str, Any]) -> None:
    report = reports["VPTW"]
    assert report["status"] == "published"
    data, text = report["data"], report["text"]
    assert data.roadmap is not None
    assert data.roadmap.obligations
    # Decree 278/2025 binds every profile: mandatory data connection by 31/12/2026.
    dated = [line for line in data.roadmap.obligations if "31/12/2026" in line]
    assert dated, data.roadmap.obligations
    assert "278/2025/NĐ-CP" in " ".join(dated)
    assert "31/12/2026" in text
    for line in data.roadmap.obligations:
        assert _flat(line)[:40] in text


def test_the_party_office_reads_which_questions_do_not_apply_and_why(reports: dict[str, Any]) -> None:
    data, text = reports["VPTW"]["data"], reports["VPTW"]["text"]
    reasons = [
        line
        for group in data.answers
        for line in group.lines
        if line.answer.startswith("Không áp dụng cho đơn vị theo quy tắc của bộ tiêu chí")
    ]
    # The Government-only rules (the architecture framework's question) do not reach a Party office.
    assert reasons
    assert any("Văn phòng Trung ương Đảng" in line.answer for line in reasons), reasons[0].answer
    assert "Không áp dụng cho đơn vị theo quy tắc của bộ tiêu chí" in text
    assert "Văn phòng Trung ương Đảng hoặc cơ quan Đảng ở Trung ương" in text


def test_the_level_two_user_reads_the_level_one_questions_set_aside(reports: dict[str, Any]) -> None:
    data, text = reports["UBKTTW"]["data"], reports["UBKTTW"]["text"]
    reasons = [line.answer for group in data.answers for line in group.lines if "cấp II" in line.answer]
    assert reasons
    assert "Người sử dụng mạng truy nhập cấp II" in text


@pytest.mark.parametrize("code", ["VPTW", "UBKTTW"])
def test_the_dti_view_reads_back_with_points_adding_up_to_the_index(
    reports: dict[str, Any], code: str
) -> None:
    data, text = reports[code]["data"], reports[code]["text"]
    assert data.dti is not None
    assert "Đối chiếu theo Bộ chỉ số DTI" in text
    assert "không phải điểm DTI chính thức" in text
    names = [row.name for row in data.dti.rows]
    assert names[:6] == [
        "BO.1 Nhận thức số",
        "BO.2 Thể chế số",
        "BO.3 Hạ tầng số",
        "BO.4 Nhân lực số",
        "BO.5 An toàn thông tin mạng",
        "BO.6 Hoạt động chuyển đổi số",
    ]
    assert names[6] == "Ngoài Bộ chỉ số DTI"
    for row in data.dti.rows:
        assert row.name in text
    # The total is the index, as the summary states it.
    assert f"Tổng cộng: {data.index} / 1000" in text
    assert f"Chỉ số: {data.index} / 1000" in text
    # The outline lists the DTI view between the dimensions and the roadmap.
    headings = [heading for _, heading in data.outline()]
    assert headings.index("Đối chiếu theo Bộ chỉ số DTI") < headings.index(data.words.roadmap)


def test_the_word_document_has_the_same_dti_table(reports: dict[str, Any]) -> None:
    data, rows = reports["VPTW"]["data"], reports["VPTW"]["docx_rows"]
    assert data.dti is not None
    words = data.words
    assert [words.dti_index, words.points, words.possible, words.questions] in rows
    for row in data.dti.rows:
        assert [row.name, row.points, row.possible, row.questions] in rows
