"""The one text boundary (issue 20): what enters is NFC or refused naming its field, and what is already
stored cannot break an output. The four findings of the issue are pinned here, each as it was reported."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pypdf
import pytest
from docx import Document
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AnswerRecord, Evidence, Office, RoadmapEdit
from roadmap.services.review import workflow as review
from roadmap.services.survey import assessments, evidence, frameworks, steps
from tests.conftest import isolated, logged_in
from tests.test_assessment_service import SMALL, fill_everything

JSON = {"Accept": "application/json"}


@pytest.fixture
def draft(world):
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    db.session.commit()
    return assessment


@pytest.fixture
def approved(world):
    """Office A's assessment, answered and approved (so in the portfolio, with a roadmap)."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    db.session.commit()
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    review.start_review(assessment, actor=world.consultant)
    review.approve(assessment, actor=world.consultant)
    db.session.commit()
    return assessment


def autosave(app, world, assessment, endpoint, payload):
    browser = logged_in(app, world.respondent_a.email)
    return isolated(
        browser.client.post,
        f"/assessments/{assessment.id}/{endpoint}",
        json=payload,
        headers={"X-CSRFToken": browser.csrf(), **JSON},
    )


def stored_before_the_boundary(assessment, code, value):
    """An answer as a version without the boundary stored it (JSON keeps a lone surrogate as an escape)."""
    record = db.session.scalar(
        select(AnswerRecord).where(
            AnswerRecord.assessment_id == assessment.id, AnswerRecord.question_code == code
        )
    )
    if record is None:
        record = AnswerRecord(assessment_id=assessment.id, question_code=code, state="answered", version=1)
        db.session.add(record)
    record.state, record.value = "answered", value
    db.session.commit()


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    reader = pypdf.PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- finding 2: lone surrogates ---------------------------------------------------------------------------


def test_a_lone_surrogate_in_an_evidence_autosave_is_refused_naming_the_field(app, world, draft):
    response = autosave(app, world, draft, "evidence", {"question": "NW-01", "note": "Sơ đồ \ud800 mạng"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "note"
    assert body["question"] == "NW-01"
    assert "“Ghi chú”" in body["message"]
    assert "U+D800" in body["message"]
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_lone_surrogate_in_a_text_answer_is_refused_and_nothing_is_stored(app, world, draft):
    response = autosave(
        app, world, draft, "answers", {"question": "PP-03", "state": "answered", "value": "a\udc00"}
    )
    assert response.status_code == 400
    assert "U+DC00" in response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(AnswerRecord)) == 0


def test_a_stored_lone_surrogate_no_longer_breaks_the_section_page_or_the_report(app, world, draft):
    stored_before_the_boundary(draft, "PP-03", "trước\udc00sau")
    respondent = logged_in(app, world.respondent_a.email)
    page = respondent.get(f"/assessments/{draft.id}/sections/PEOP")
    assert page.status_code == 200
    assert "trướcsau" in page.get_data(as_text=True)
    consultant = logged_in(app, world.consultant.email)
    assert "trướcsau" in pdf_text(consultant.get(f"/assessments/{draft.id}/report.pdf?lang=vi"))


# --- finding 1: characters that spreadsheets forbid ----------------------------------------------------


@pytest.mark.parametrize("character", ["\x0b", "\x07", "\x1b"])
def test_a_spreadsheet_forbidden_character_is_refused_in_answers_and_notes(app, world, draft, character):
    answer = autosave(
        app, world, draft, "answers", {"question": "PP-03", "state": "answered", "value": f"a{character}b"}
    )
    assert answer.status_code == 400
    assert f"U+{ord(character):04X}" in answer.get_json()["message"]
    note = autosave(app, world, draft, "evidence", {"question": "NW-01", "document_number": f"1{character}"})
    assert note.status_code == 400
    assert "“Số, ký hiệu văn bản”" in note.get_json()["message"]


def test_stored_forbidden_characters_no_longer_break_the_roadmap_and_portfolio_spreadsheets(
    app, world, approved
):
    stored_before_the_boundary(approved, "PP-03", "Đào\x0btạo\x07 an\x1bninh")
    edit = RoadmapEdit(
        assessment_id=approved.id,
        seq=99,
        kind="note",
        initiative_code=None,
        payload={"text": "Ghi\x0bchú"},
        reason="Lý\x0bdo",
        plan_version=1,
        author_id=world.consultant.id,
    )
    db.session.add(edit)
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    roadmap = isolated(consultant.client.get, f"/assessments/{approved.id}/roadmap.xlsx")
    assert roadmap.status_code == 200
    cells = [
        c.value for s in openpyxl.load_workbook(io.BytesIO(roadmap.data)) for r in s.iter_rows() for c in r
    ]
    assert "Lýdo" in cells
    for fmt in ("xlsx", "csv"):
        portfolio = isolated(
            consultant.client.get, f"/review/portfolio/export.{fmt}?cycle={world.cycle.id}&part=answers"
        )
        assert portfolio.status_code == 200, fmt
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            isolated(consultant.client.get, f"/review/portfolio/export.xlsx?cycle={world.cycle.id}").data
        )
    )
    answers_sheet = [c.value for r in workbook["answers"].iter_rows() for c in r]
    assert "Đàotạo anninh" in answers_sheet
    rows = list(
        csv.reader(
            io.StringIO(
                isolated(
                    consultant.client.get,
                    f"/review/portfolio/export.csv?cycle={world.cycle.id}&part=answers",
                ).data.decode("utf-8-sig")
            )
        )
    )
    assert any("Đàotạo anninh" in row for row in rows)
    document = Document(
        io.BytesIO(isolated(consultant.client.get, f"/assessments/{approved.id}/report.docx?lang=vi").data)
    )
    assert "Đàotạo anninh" in "".join(document.element.body.itertext())


# --- finding 3: a bidirectional override in a document number --------------------------------------------


def test_a_right_to_left_override_in_a_document_number_does_not_reverse_the_report(app, world, draft):
    question = assessments.framework_of(draft).question("NW-01")
    evidence.save_text(
        draft,
        question,
        evidence.parse_text("Sơ đồ mạng", "12/QĐ\u202e-VP", "2026-01-15"),
        actor=world.respondent_a,
    )
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    text = pdf_text(consultant.get(f"/assessments/{draft.id}/report.pdf?lang=vi"))
    assert "ngày 15/01/2026" in text
    assert "6202/10/51" not in text
    assert "Ghi chú: Sơ đồ mạng" in text
    english = " ".join(pdf_text(consultant.get(f"/assessments/{draft.id}/report.pdf?lang=en")).split())
    assert re.search(r"Document: 12/QĐ\S* of 15", english)


def test_user_text_on_the_review_page_is_isolated(app, world, approved):
    db.session.add(
        Evidence(
            assessment_id=approved.id,
            question_code="NW-02",
            note="ghi\u202echú",
            document_number="12/QĐ\u202e-VP",
            updated_by_id=world.respondent_a.id,
        )
    )
    db.session.commit()
    page = logged_in(app, world.consultant.email).get(f"/review/assessments/{approved.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<bdi>12/QĐ\u202e-VP</bdi>" in html
    assert "<bdi>ghi\u202echú</bdi>" in html


# --- finding 4: a long word ----------------------------------------------------------------------------


def test_a_five_thousand_character_word_is_printed_whole(app, world, draft):
    word = "".join("abcdefghij"[i % 10] for i in range(5000))
    question = assessments.framework_of(draft).question("NW-01")
    evidence.save_text(draft, question, evidence.parse_text(word, "", None), actor=world.respondent_a)
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    text = pdf_text(consultant.get(f"/assessments/{draft.id}/report.pdf?lang=vi"))
    # A word cut at the page's edge is still in the page's text, on one line: wrapped, it is on many.
    assert max(len(line) for line in text.splitlines()) < 200
    printed = "".join(text.split())
    assert word in printed


# --- the boundary at every door ------------------------------------------------------------------------


def test_text_is_stored_in_nfc_with_vietnamese_marks_and_emoji_intact(app, world, draft):
    decomposed = "Vie\u0323\u0302t Nam 🇻🇳 đa\u0300o ta\u0323o"
    response = autosave(app, world, draft, "evidence", {"question": "NW-01", "note": decomposed})
    assert response.status_code == 200
    stored = db.session.scalar(select(Evidence.note))
    assert stored == "Việt Nam 🇻🇳 đào tạo"


def test_the_section_form_refuses_a_control_character_beside_its_field_and_keeps_the_typed_text(
    app, world, draft
):
    respondent = logged_in(app, world.respondent_a.email)
    response = respondent.post(
        f"/assessments/{draft.id}/sections/NETW",
        {"NW-01-version": "0", "NW-01-note": "Sơ đồ\x0bmạng", "NW-01-document_number": "12/QĐ"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“Ghi chú” chứa ký tự không thể lưu (U+000B" in page
    assert "12/QĐ" in page
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_an_admin_form_refuses_a_control_character_beside_its_field(app, world):
    admin = logged_in(app, world.admin.email)
    response = admin.post(
        "/admin/offices/new", {"code": "XYZ", "name_vi": "Văn\x1bphòng", "name_en": "Office"}
    )
    page = response.get_data(as_text=True)
    assert "chứa ký tự không thể lưu (U+001B" in page
    assert db.session.scalar(select(Office).where(Office.code == "XYZ")) is None


def test_a_query_parameter_or_an_upload_name_with_a_forbidden_character_is_refused(app, world, draft):
    admin = logged_in(app, world.admin.email)
    assert admin.get("/admin/audit?actor=a%0Bb").status_code == 400
    respondent = logged_in(app, world.respondent_a.email)
    response = isolated(
        respondent.client.post,
        f"/assessments/{draft.id}/sections/NETW",
        data={
            "csrf_token": respondent.csrf(),
            "NW-01-version": "0",
            "NW-01-files": (io.BytesIO(b"%PDF-1.4 x"), "bi\x07a.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


# --- the migration that cleans what was stored before ----------------------------------------------------


def test_the_migration_cleans_stored_text_and_reports_every_change(app, world, draft, capfd):
    from flask_migrate import downgrade, upgrade

    stored_before_the_boundary(draft, "PP-03", {"text": "trước\udc00sau\x0b", "đi\x07": ["a\ufffe"]})
    db.session.add(
        Evidence(
            assessment_id=draft.id,
            question_code="NW-01",
            note="Vie\u0323\u0302t\x1bNam",
            document_number="12\x85",
            updated_by_id=world.respondent_a.id,
        )
    )
    db.session.commit()
    answer_id = db.session.scalar(select(AnswerRecord.id))
    db.session.remove()
    downgrade(revision="signing_0001")  # hardening_0001 revises it
    capfd.readouterr()
    upgrade()  # logs as `flask db upgrade` does, on the standard error
    log = capfd.readouterr().err
    assert db.session.scalar(select(AnswerRecord.value)) == {"text": "trướcsau", "đi": ["a"]}
    evidence_row = db.session.scalar(select(Evidence))
    assert evidence_row.note == "ViệtNam"
    assert evidence_row.document_number == "12"
    lines = [line.split("] ", 1)[-1] for line in log.splitlines() if "text cleaned" in line]
    assert (
        f"text cleaned: answers.value (id={answer_id}): U+0007 ×1, U+000B ×1, U+DC00 ×1, U+FFFE ×1" in lines
    )
    assert f"text cleaned: evidence.note (id={evidence_row.id}): U+001B ×1" in lines
    assert f"text cleaned: evidence.document_number (id={evidence_row.id}): U+0085 ×1" in lines
    assert "text boundary: 3 stored values cleaned" in log


def test_the_command_line_refuses_a_forbidden_character_naming_the_option(app, world):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "moi@example.vn", "--name", "Nguyễn\x1bVăn", "--role", "admin"]
    )
    assert result.exit_code != 0
    assert "full_name" in result.output
    assert "U+001B" in result.output
    created = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "moi@example.vn",
            "--name",
            "Nguye\u0302\u0303n",
            "--role",
            "admin",
        ]
    )
    assert created.exit_code == 0, created.output
    from roadmap.models import User

    assert db.session.scalar(select(User.full_name).where(User.email == "moi@example.vn")) == "Nguyễn"
