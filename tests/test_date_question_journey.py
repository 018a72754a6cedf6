"""A date question end to end (issue 17): a framework file with one → the survey page shows a date input →
autosave and the form without script store the ISO day, refusing a day not yet come with a Vietnamese
message and losing nothing → the score counts the day's age at the cycle's closing day (figures by hand) →
the PDF and the Word report show it as the locale writes a date (01/06/2023; June 1, 2023)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from docx import Document

from roadmap.extensions import db
from roadmap.models import Assessment, Cycle
from roadmap.services.survey import answers, assessments, frameworks, results, steps
from tests.conftest import isolated, logged_in
from tests.test_survey import autosave, fieldset_of, record, section_post

DATED = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "dated.yaml"


@pytest.fixture
def assessment(world) -> Assessment:
    """The dated framework's assessment of a cycle that closed on 31 December 2024: its reference date."""
    cycle = db.session.get(Cycle, world.cycle.id)
    cycle.opens_on, cycle.closes_on = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    db.session.commit()
    frameworks.import_file(DATED, actor=None)
    started = steps.start(world.office_a, cycle, actor=world.respondent_a)
    for code, value in (("NW-01", "b"), ("SEC-01", "yes")):
        question = assessments.framework_of(started).question(code)
        answers.save_answer(
            started,
            question,
            answers.parse_answer(question, "answered", value),
            None,
            actor=world.respondent_a,
        )
    db.session.commit()
    return started


def figures(assessment_id: int) -> tuple[Any, ...]:
    result = results.live_score(db.session.get(Assessment, assessment_id)).result
    security = result.dimension("SEC")
    return result.question("SEC-02").points, security.score, security.level, result.index


def report_text(browser: Any, assessment_id: int, kind: str, lang: str) -> str:
    response = isolated(browser.client.get, f"/assessments/{assessment_id}/report.{kind}?lang={lang}")
    assert response.status_code == 200, response.status_code
    if kind == "pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    document = Document(io.BytesIO(response.data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def test_a_date_question_from_the_survey_page_to_the_score_and_the_reports(app, world, assessment):
    respondent = logged_in(app, world.respondent_a.email)

    # The survey page asks with a date input, bounded by the question's min.
    page = respondent.get(f"/assessments/{assessment.id}/sections/SEC").get_data(as_text=True)
    field = fieldset_of(page, "SEC-02")
    assert 'data-type="date"' in field
    assert 'data-input="text"' in field
    assert 'type="date"' in field
    assert 'name="SEC-02-value"' in field
    assert 'min="2015-01-01"' in field
    assert "Quyết định phê duyệt cấp độ an toàn hệ thống thông tin được ký ngày nào?" in field

    # Autosave stores the ISO day the date input sends.
    saved = autosave(respondent, assessment.id, "SEC-02", "2024-03-15")
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert record(assessment.id, "SEC-02").value == "2024-03-15"
    # SEC-02 within 12 months of 31/12/2024 → 1; SEC = (1 × 1 + 2 × 1) / 3 = 100.0, level 5;
    # NETW = 0.5 → 50.0; index = (40 × 50 + 60 × 100) × 10 / 100 = 800.
    assert figures(assessment.id) == (1.0, 100.0, 5, 800)

    # A day not yet come is refused in Vietnamese, and the stored answer stays.
    version = record(assessment.id, "SEC-02").version
    refused = autosave(respondent, assessment.id, "SEC-02", "2999-01-01", base_version=version)
    assert refused.status_code == 400
    message = refused.get_json()["message"]
    assert "SEC-02" in message
    assert "không được muộn hơn ngày hôm nay" in message
    assert re.search(r"\(\d{2}/\d{2}/\d{4}\)", message)  # today, as Vietnamese write a date
    assert record(assessment.id, "SEC-02").value == "2024-03-15"

    # Without script, a day typed as Vietnamese write it is stored as an ISO day; a bad one comes back
    # beside the field with what was typed, and nothing changes.
    bad = section_post(
        respondent, assessment.id, "SEC", {"SEC-02-value": "31/02/2023", "SEC-01-value": "yes"}
    )
    assert bad.status_code == 400
    returned = fieldset_of(bad.get_data(as_text=True), "SEC-02")
    assert 'value="31/02/2023"' in returned
    assert 'aria-invalid="true"' in returned
    assert "không phải là một ngày hợp lệ" in returned
    assert record(assessment.id, "SEC-02").value == "2024-03-15"
    posted = section_post(
        respondent, assessment.id, "SEC", {"SEC-02-value": "01/06/2023", "SEC-01-value": "yes"}
    )
    assert posted.status_code == 302
    assert record(assessment.id, "SEC-02").value == "2023-06-01"
    # 01/06/2023 is older than 12 months but within 24 → 0.5; SEC = (1 + 2 × 0.5) / 3 = 66.67 → 66.7,
    # level 3; index = (2000 + 60 × 66.7) / 10 = 600.2 → 600.
    assert figures(assessment.id) == (0.5, 66.7, 3, 600)
    page = respondent.get(f"/assessments/{assessment.id}/sections/SEC").get_data(as_text=True)
    assert 'value="2023-06-01"' in fieldset_of(page, "SEC-02")

    # The reports show the day as the locale writes it.
    consultant = logged_in(app, world.consultant.email)
    for kind in ("pdf", "docx"):
        vietnamese = report_text(consultant, assessment.id, kind, "vi")
        assert "01/06/2023" in vietnamese, kind
        assert "2023-06-01" not in vietnamese, kind
        assert "June 1, 2023" in report_text(consultant, assessment.id, kind, "en"), kind
