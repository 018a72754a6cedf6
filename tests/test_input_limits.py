"""Input limits (issue 9): oversized bodies, too many form parts and oversized text parts are refused with a
413 and a localised message before anything is read; the largest legitimate survey section is accepted."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from roadmap.engine.framework import QuestionType
from roadmap.extensions import db
from roadmap.models import AnswerRecord, Evidence
from roadmap.services.survey import assessments, frameworks, steps
from roadmap.services.survey.answers import TEXT_MAX_LENGTH
from roadmap.services.survey.evidence import DOCUMENT_NUMBER_MAX_LENGTH, NOTE_MAX_LENGTH
from tests.conftest import isolated, logged_in
from tests.test_survey import autosave, good_answer, page_versions, small_assessment

SHIPPED = Path(__file__).resolve().parent.parent / "roadmap" / "frameworks" / "central-offices-1.0.1.yaml"
VIETNAMESE = "Đơn vị đã triển khai hệ thống quản lý văn bản điện tử liên thông. "  # three-byte letters


def long_text(length: int) -> str:
    return (VIETNAMESE * (length // len(VIETNAMESE) + 1))[:length]


def test_the_largest_section_of_the_shipped_framework_at_full_length_is_accepted(app, world, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    frameworks.import_file(SHIPPED, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    framework = assessments.framework_of(assessment)
    sizes = {
        d.code: len([q for q in framework.questions if q.dimension == d.code]) for d in framework.dimensions
    }
    dimension = max(sizes, key=sizes.get)
    questions = [q for q in framework.questions if q.dimension == dimension]
    browser = logged_in(app, world.respondent_a.email)
    url = f"/assessments/{assessment.id}/sections/{dimension}"
    data = page_versions(browser.get(url).get_data(as_text=True))
    for question in questions:
        _, value = good_answer(question)
        if question.type is QuestionType.TEXT:
            value = long_text(TEXT_MAX_LENGTH)
        data[f"{question.code}-value"] = value
        data[f"{question.code}-note"] = long_text(NOTE_MAX_LENGTH)
        data[f"{question.code}-document_number"] = "Số " + "9" * (DOCUMENT_NUMBER_MAX_LENGTH - 3)
    # Beside the texts, one evidence file of nearly the largest size.
    data[f"{questions[0].code}-files"] = (io.BytesIO(b"%PDF-1.4\n" + b"0" * (9 * 1024 * 1024)), "plan.pdf")
    response = browser.post(url, data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    saved = db.session.scalar(
        select(func.count()).select_from(AnswerRecord).where(AnswerRecord.assessment_id == assessment.id)
    )
    notes = db.session.scalars(select(Evidence.note).where(Evidence.assessment_id == assessment.id)).all()
    assert saved >= len([q for q in questions if q.show_if is None])
    assert len(notes) == len(questions)
    assert all(len(note) == NOTE_MAX_LENGTH for note in notes)


def test_too_many_form_parts_are_refused(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    data = {f"field{i}": "x" for i in range(1_001)}
    response = browser.post(
        f"/assessments/{assessment.id}/sections/NETW", data, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Dữ liệu gửi lên quá lớn" in page
    assert "Traceback" not in page


def test_an_oversized_text_part_is_refused(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = browser.post(
        f"/assessments/{assessment.id}/sections/NETW",
        {"NW-01-note": "x" * 600_000},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_an_oversized_form_without_files_is_refused_in_the_users_language(app, world):
    browser = logged_in(app, world.admin.email)
    browser.post("/locale/en")
    response = browser.post("/admin/offices/new", {"name_vi": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)


def test_an_oversized_autosave_is_refused_as_json_and_nothing_changes(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = autosave(browser, assessment.id, "NW-01", "a" * 300_000)
    assert response.status_code == 413
    body = response.get_json()
    assert body["status"] == "too_large"
    assert "quá lớn" in body["message"]
    assert db.session.scalar(select(func.count()).select_from(AnswerRecord)) == 0


def test_an_over_long_field_is_refused_with_its_limit(app, world):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = isolated(
        browser.client.post,
        f"/assessments/{assessment.id}/evidence",
        json={"question": "NW-01", "note": "x" * (NOTE_MAX_LENGTH + 1)},
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert str(NOTE_MAX_LENGTH) in response.get_json()["message"].replace(".", "").replace(",", "")


def test_a_nul_character_is_refused_everywhere_and_nothing_is_stored(app, world):
    """A fuzzing finding: PostgreSQL cannot store NUL, which made these server errors."""
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    headers = {"X-CSRFToken": browser.csrf(), "Accept": "application/json"}
    for endpoint, payload in (
        ("evidence", {"question": "NW-01", "note": "a\x00b"}),
        ("evidence", {"question": "NW-01", "document_number": "\x00"}),
        ("answers", {"question": "NW-04", "state": "answered", "value": "yes", "x\x00": 1}),
    ):
        response = isolated(
            browser.client.post, f"/assessments/{assessment.id}/{endpoint}", json=payload, headers=headers
        )
        assert response.status_code == 400
        assert "ký tự không thể lưu" in response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert db.session.scalar(select(func.count()).select_from(AnswerRecord)) == 0
    admin = logged_in(app, world.admin.email)
    assert admin.get("/admin/audit?actor=a%00b").status_code == 400
    assert (
        admin.post("/admin/offices/new", {"code": "X\x00", "name_vi": "A", "name_en": "A"}).status_code == 400
    )
