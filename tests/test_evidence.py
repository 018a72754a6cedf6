"""Evidence: notes and document references, files checked by content, stored outside static/ under random
names, downloaded only as attachments by those who may see the assessment; the missing-evidence discount."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, Evidence, EvidenceFile
from roadmap.services.survey import evidence
from tests.conftest import Browser, isolated, logged_in
from tests.test_survey import autosave, fieldset_of, live, page_versions, small_assessment

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def office_file(main_part: str | None) -> bytes:
    """A minimal OOXML package whose manifest names `main_part` (None: a zip that is no document)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if main_part is not None:
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f'<Override PartName="/main.xml" ContentType="{main_part}"/></Types>',
            )
        archive.writestr("main.xml", "<x/>")
    return buffer.getvalue()


DOCX = office_file("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = office_file("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
DOCM = office_file("application/vnd.ms-word.document.macroEnabled.main+xml")
PLAIN_ZIP = office_file(None)


@pytest.fixture
def uploads(app, tmp_path) -> Path:
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, evidence.PDF),
        (PNG, evidence.PNG),
        (JPEG, evidence.JPEG),
        (DOCX, evidence.DOCX),
        (XLSX, evidence.XLSX),
        (DOCM, None),  # macros: not accepted
        (PLAIN_ZIP, None),
        (EXECUTABLE, None),
        (b"<html><script>alert(1)</script>", None),
        (b"PK\x03\x04 not really a zip", None),
    ],
)
def test_file_types_are_recognised_by_content_not_by_name(content, kind):
    assert evidence.detect_kind(content) == kind


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Kế hoạch 2026.pdf", evidence.PDF, "Kế hoạch 2026.pdf"),
        ("../../etc/passwd.png", evidence.PNG, "passwd.png"),
        ("C:\\Users\\a\\scan.JPG", evidence.JPEG, "scan.jpg"),
        ("report.pdf", evidence.PNG, "report.png"),  # the real type decides the extension
        ("bad\r\nname.pdf", evidence.PDF, "badname.pdf"),
        ("", evidence.XLSX, "evidence.xlsx"),
    ],
)
def test_file_names_are_made_safe(name, kind, expected):
    assert evidence.safe_file_name(name, kind) == expected


def upload(browser: Browser, assessment_id: int, question: str, content: bytes, name: str):
    return isolated(
        browser.client.post,
        f"/assessments/{assessment_id}/files",
        data={"question": question, "files": (io.BytesIO(content), name), "csrf_token": browser.csrf()},
        headers={"Accept": "application/json", "X-CSRFToken": browser.csrf()},
        content_type="multipart/form-data",
    )


def save_evidence(browser: Browser, assessment_id: int, **fields):
    return isolated(
        browser.client.post,
        f"/assessments/{assessment_id}/evidence",
        json=fields,
        headers={"Accept": "application/json", "X-CSRFToken": browser.csrf()},
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_files_are_stored_outside_static_under_random_names_and_downloaded_as_attachments(
    app, world, uploads
):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = upload(browser, assessment.id, "NW-01", PDF, "Quyết định 12.pdf")
    assert response.status_code == 200, response.get_json()
    assert "Quyết định 12.pdf" in response.get_json()["files_html"]
    row = db.session.scalar(select(EvidenceFile))
    assert (row.content_type, row.size, row.original_name) == (
        "application/pdf",
        len(PDF),
        "Quyết định 12.pdf",
    )
    [path] = stored_files(uploads)
    assert path.name == row.storage_key
    assert re.fullmatch(r"[0-9a-f]{32}", path.name)
    assert path.read_bytes() == PDF
    assert "static" not in path.parts
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "evidence.file_added")) == 1

    download = browser.get(f"/assessments/{assessment.id}/files/{row.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Quy%E1%BA%BFt" in download.headers["Content-Disposition"]
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "no-store" in download.headers["Cache-Control"]


def test_only_users_who_may_see_the_assessment_download_its_files(app, world, uploads):
    assessment = small_assessment(world)
    upload(logged_in(app, world.respondent_a.email), assessment.id, "NW-01", PDF, "a.pdf")
    row = db.session.scalar(select(EvidenceFile))
    url = f"/assessments/{assessment.id}/files/{row.id}"
    assert logged_in(app, world.consultant.email).get(url).status_code == 200  # assigned to office A
    assert logged_in(app, world.admin.email).get(url).status_code == 200
    assert logged_in(app, world.respondent_b.email).get(url).status_code == 404
    other = small_assessment(world, world.office_b, world.respondent_b)
    # The id of A's file under B's assessment finds nothing either.
    assert (
        logged_in(app, world.respondent_b.email).get(f"/assessments/{other.id}/files/{row.id}").status_code
        == 404
    )
    assert Browser(app.test_client()).get(url).status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("content", "name"), [(EXECUTABLE, "ke-hoach.pdf"), (DOCM, "bao-cao.docx"), (b"", "rong.pdf")]
)
def test_a_file_that_is_not_an_accepted_document_is_refused_and_nothing_is_stored(
    app, world, uploads, content, name
):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = upload(browser, assessment.id, "NW-01", content, name)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == "invalid"
    assert name in body["message"]
    assert "Tệp" in body["message"]  # in Vietnamese
    assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert stored_files(uploads) == []


@pytest.mark.parametrize("size", [20 * 1024 * 1024, evidence.MAX_FILE_BYTES + 1])
def test_a_file_over_10_mb_is_refused_with_413_and_nothing_is_stored(app, world, uploads, size):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    response = upload(browser, assessment.id, "NW-01", PDF + b"0" * (size - len(PDF)), "big.pdf")
    assert response.status_code == 413
    assert "10 MB" in response.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert stored_files(uploads) == []


def test_a_file_for_a_forged_question_is_refused(app, world, uploads):
    assessment = small_assessment(world)
    response = upload(logged_in(app, world.respondent_a.email), assessment.id, "ZZ-99", PDF, "a.pdf")
    assert response.status_code == 400
    assert stored_files(uploads) == []


def test_removing_a_file_deletes_it_from_storage(app, world, uploads):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    upload(browser, assessment.id, "NW-01", PNG, "so-do.png")
    row = db.session.scalar(select(EvidenceFile))
    response = isolated(
        browser.client.post,
        f"/assessments/{assessment.id}/files/delete",
        data={"file_id": str(row.id), "csrf_token": browser.csrf()},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert "so-do.png" not in response.get_json()["files_html"]
    assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert stored_files(uploads) == []
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "evidence.file_removed")) == 1


def test_missing_evidence_discounts_the_score_and_shows_it_until_evidence_is_given(app, world, uploads):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    assert autosave(browser, assessment.id, "NW-01", "c").status_code == 200  # "all units": needs evidence
    claimed = live(browser, assessment.id, "NETW")
    assert "NW-01" in claimed["evidence_needed"]
    assert "NW-01" in claimed["discounted"]
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    flag = re.search(
        r'<p class="evidence-flag" data-evidence-needed-for="NW-01"[^>]*>', fieldset_of(page, "NW-01")
    )
    assert "hidden" not in flag.group(0)
    assert "40" in fieldset_of(page, "NW-01")  # the discount, as a percentage

    noted = save_evidence(
        browser,
        assessment.id,
        question="NW-01",
        note="",
        document_number="15/QĐ-VPA",
        document_date="2026-02-01",
    )
    assert noted.status_code == 200, noted.get_json()
    body = live(browser, assessment.id, "NETW")
    assert "NW-01" not in body["evidence_needed"]
    assert "NW-01" not in body["discounted"]
    assert body["result"]["index"] > claimed["result"]["index"]
    row = db.session.scalar(select(Evidence))
    assert (row.document_number, row.document_date) == ("15/QĐ-VPA", dt.date(2026, 2, 1))
    # Emptying the evidence brings the discount back.
    emptied = save_evidence(
        browser, assessment.id, question="NW-01", note="", document_number="", document_date=""
    )
    assert emptied.status_code == 200
    assert "NW-01" in live(browser, assessment.id, "NETW")["discounted"]
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_evidence_text_is_checked_and_nothing_is_stored_when_it_is_wrong(app, world, uploads):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    for fields, field in (
        ({"document_date": tomorrow}, "document_date"),
        ({"document_date": "31/02/2026"}, "document_date"),
        ({"note": "x" * (evidence.NOTE_MAX_LENGTH + 1)}, "note"),
        ({"document_number": "9" * 200}, "document_number"),
    ):
        response = save_evidence(browser, assessment.id, question="NW-01", **fields)
        assert response.status_code == 400, fields
        assert [p["field"] for p in response.get_json()["problems"]] == [field]
    response = save_evidence(browser, assessment.id, question="NW-01", note=["not", "text"])
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_without_javascript_the_section_form_carries_evidence_and_files(app, world, uploads):
    assessment = small_assessment(world)
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    versions = page_versions(page)
    response = browser.post(
        f"/assessments/{assessment.id}/sections/NETW",
        {
            **versions,
            "NW-01-value": "c",
            "NW-01-note": "Đã kết nối toàn bộ đơn vị trực thuộc.",
            "NW-01-files": (io.BytesIO(JPEG), "anh.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Evidence.note)) == "Đã kết nối toàn bộ đơn vị trực thuộc."
    assert db.session.scalar(select(EvidenceFile.content_type)) == "image/jpeg"
    assert len(stored_files(uploads)) == 1
    # A wrong file in the form: nothing of the section is stored, and the message is beside the field.
    refused = browser.post(
        f"/assessments/{assessment.id}/sections/NETW",
        {
            **versions,
            "NW-01-version": "1",
            "NW-01-value": "b",
            "NW-02-files": (io.BytesIO(EXECUTABLE), "x.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert re.search(r'id="NW-02-files-error"[^>]*>[^<]*x\.pdf', refused.get_data(as_text=True))
    assert len(stored_files(uploads)) == 1
