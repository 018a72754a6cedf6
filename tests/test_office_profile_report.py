"""The honest figures of issue 18 in the report and on the roadmap page, read back from the PDF and the Word
document: the answers' score beside the capped one with the gate that caps it, a dimension not applicable by
rule with its reason, obligations listed apart from recommendations with their source and "overdue since …",
and a cited text that is no longer in force marked as such. Framework: tests/fixtures/frameworks/profiled.yaml
(golden scoring cases 06 and 07 for the figures)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from docx import Document

from roadmap.extensions import db
from roadmap.models import Assessment, Cycle
from roadmap.services.plans import roadmaps
from roadmap.services.survey import answers, assessments, frameworks, steps
from tests.conftest import isolated, logged_in
from tests.test_office_profile import ANSWERS, GOVERNMENT, PARTY

PROFILED = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "profiled.yaml"

# The architecture directive is cited as replaced by a newer text: the report says so wherever it cites it.
SUPERSEDED = """  - code: KT-CPDT
    status: superseded
    superseded_by: KT-CPDT-3
    title:
      vi: "Khung Kiến trúc Chính phủ điện tử Việt Nam (văn bản dùng cho kiểm thử)"
      en: "Vietnam e-government architecture framework (a text for tests)"
  - code: KT-CPDT-3
    title:
      vi: "Khung Kiến trúc Chính phủ số Việt Nam, phiên bản 3.0 (văn bản dùng cho kiểm thử)"
      en: "Vietnam digital government architecture framework, version 3.0 (a text for tests)"
"""


def framework_file(tmp_path: Path) -> Path:
    source = PROFILED.read_text(encoding="utf-8")
    original = re.search(r"  - code: KT-CPDT\n    title:\n(?:      .*\n){2}", source)
    assert original is not None
    path = tmp_path / "profiled-superseded.yaml"
    path.write_text(source.replace(original.group(0), SUPERSEDED), encoding="utf-8")
    return path


def started(world: Any, tmp_path: Path, given: dict[str, str]) -> Assessment:
    frameworks.import_file(framework_file(tmp_path), actor=None)
    assessment = steps.start(world.office_a, db.session.get(Cycle, world.cycle.id), actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    for code, value in given.items():
        question = framework.question(code)
        answers.save_answer(
            assessment,
            question,
            answers.parse_answer(question, "answered", value),
            None,
            actor=world.respondent_a,
        )
    db.session.commit()
    return assessment


# Golden case 07's answers but for GV-03: documents are not yet exchanged over the national axis, which the
# law (P04's obligation, due 1/1/2019) requires of government bodies. GOV: (2×0 + 2×1 + 1×0) / 5 = 40.0.
NOT_ON_THE_AXIS = {**ANSWERS, "GV-03": "no"}


def planned(app: Any, world: Any, tmp_path: Path, profile: dict[str, str]) -> int:
    """An assessment of office A with the profile given on its page, and its roadmap planned on 1/10/2026
    (so the 2019 deadline of P04 has long passed; P03's is six months after the plan starts)."""
    assessment = started(world, tmp_path, NOT_ON_THE_AXIS)
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.post(f"/offices/{world.office_a.id}/profile", profile).status_code == 302
    roadmaps.generate(
        db.session.get(Assessment, assessment.id), actor=world.admin, today=dt.date(2026, 10, 1)
    )
    db.session.commit()
    return assessment.id


def report_text(browser: Any, assessment_id: int, kind: str, lang: str) -> str:
    response = isolated(browser.client.get, f"/assessments/{assessment_id}/report.{kind}?lang={lang}")
    assert response.status_code == 200, response.status_code
    if kind == "pdf":
        pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
        words = "\n".join(page.extract_text() for page in pages)
    else:
        document = Document(io.BytesIO(response.data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        words = "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)
    # Lines wrap where the page ends: compare the words, not the line breaks.
    return re.sub(r"\s+", " ", words)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_the_report_of_a_government_body_shows_capped_scores_and_its_obligations_apart(
    app, world, tmp_path, kind
):
    assessment_id = planned(app, world, tmp_path, GOVERNMENT)
    consultant = logged_in(app, world.consultant.email)
    vietnamese = report_text(consultant, assessment_id, kind, "vi")

    # As golden case 07: NET raw 50, capped at 39.9 by G-NET-DUAL; GOV raw 40 (band 3), capped by
    # G-GOV-ARCH at level 2, whose band tops at 39.9.
    assert (
        "Điểm theo câu trả lời là 50 / 100; điều kiện giới hạn mức G-NET-DUAL giới hạn điểm được tính ở 39,9."
        in vietnamese
    )
    assert (
        "Điểm theo câu trả lời là 40 / 100; điều kiện giới hạn mức G-GOV-ARCH giới hạn điểm được tính ở 39,9."
        in vietnamese
    )

    # Obligations under their own heading, each with its source and its due date; the 2019 one overdue.
    assert "Nghĩa vụ" in vietnamese
    assert re.search(
        r"P04 Gửi, nhận văn bản điện tử qua Trục liên thông — Quy định pháp luật: "
        r"Quyết định số 28/2018/QĐ-TTg.*?; quá hạn từ ngày 01/01/2019\.",
        vietnamese,
    )
    assert re.search(
        r"P03 Ban hành Kiến trúc Chính phủ điện tử — Chỉ đạo: Khung Kiến trúc Chính phủ điện tử", vietnamese
    )
    # The superseded directive is marked where it is cited.
    assert (
        "(đã hết hiệu lực: được thay thế bởi Khung Kiến trúc Chính phủ số Việt Nam, phiên bản 3.0"
        in vietnamese
    )

    english = report_text(consultant, assessment_id, kind, "en")
    assert "The answers score 50 / 100; the gate G-NET-DUAL caps the score that counts at 39.9." in english
    assert "Obligations" in english
    assert re.search(
        r"P04 Exchange documents over the national axis — Law: Decision 28/2018/QD-TTg.*?; overdue since",
        english,
    )
    assert (
        "(no longer in force: superseded by Vietnam digital government architecture framework, version 3.0"
        in english
    )


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_the_report_of_a_party_office_has_no_government_obligation_and_says_why_a_dimension_does_not_apply(
    app, world, tmp_path, kind
):
    assessment_id = planned(app, world, tmp_path, PARTY)
    consultant = logged_in(app, world.consultant.email)
    vietnamese = report_text(consultant, assessment_id, kind, "vi")

    assert "Lộ trình này không có nghĩa vụ pháp lý nào của bộ tiêu chí áp dụng cho đơn vị." in vietnamese
    assert "quá hạn từ ngày" not in vietnamese
    assert "giới hạn điểm được tính" not in vietnamese  # no gate caps a Party office that is a level-II user
    assert (
        "Không áp dụng cho đơn vị theo quy tắc của bộ tiêu chí: Hồ sơ đơn vị: "
        "Đơn vị có cung cấp dịch vụ công trực tuyến không?: “Không”" in vietnamese
    )


def test_the_roadmap_page_lists_obligations_apart_with_their_source_and_overdue_date(app, world, tmp_path):
    assessment_id = planned(app, world, tmp_path, GOVERNMENT)
    consultant = logged_in(app, world.consultant.email)
    page = html.unescape(consultant.get(f"/assessments/{assessment_id}/roadmap").get_data(as_text=True))
    section = page[page.index('id="obligations-heading"') : page.index('id="initiatives-heading"')]
    assert 'data-obligation="P04"' in section
    assert 'data-obligation="P03"' in section
    assert 'data-obligation="P02"' not in section  # a recommendation, not an obligation
    assert "quá hạn từ ngày 01/01/2019" in section
    assert "Quyết định số 28/2018/QĐ-TTg" in section
    assert "đã hết hiệu lực: được thay thế bởi" in section
