"""The signing step in the workflow and the verification page, API and command (issue 25), over HTTP on
SQLite and PostgreSQL: publication waits for signing when required; who signed and when goes to the audit
log; readers download the signed file; re-signing adds a version and keeps the old one, superseded; the
verification page gives a verdict for a good file and a tampered one and refuses a non-PDF, an unsigned PDF
and a 200 MB upload with a clear message, storing nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, SignedReport, SigningAppearanceRecord
from roadmap.services.directory import api_tokens
from roadmap.services.reporting import formats, signed_reports
from roadmap.services.review import workflow as review
from tests.conftest import isolated, logged_in
from tests.signing_pki import Hierarchy, make_hierarchy, write_files
from tests.test_report_signing import SEAL, SIGNATURE
from tests.test_review import fresh, status_post, submitted  # noqa: F401  (the fixture)

_HIERARCHY: list[Hierarchy] = []


@pytest.fixture
def pki(tmp_path_factory: pytest.TempPathFactory) -> Hierarchy:
    """One hierarchy for the module's tests (keys take a while to make), with its files on disk."""
    if not _HIERARCHY:
        hierarchy = make_hierarchy()
        write_files(hierarchy, tmp_path_factory.mktemp("pki"))
        _HIERARCHY.append(hierarchy)
    return _HIERARCHY[0]


@pytest.fixture
def signing_app(app, pki, tmp_path):
    files = pki.files
    app.config.update(
        SIGNING_REQUIRED=True,
        SIGNING_BODY_PKCS12=str(files["body"]),
        SIGNING_BODY_SECRET_FILE=str(files["passphrase"]),
        SIGNING_SIGNATORY_PKCS12=str(files["signatory"]),
        SIGNING_SIGNATORY_SECRET_FILE=str(files["passphrase"]),
        SIGNING_CHAIN=str(files["chain"]),
        SIGNING_CRLS=str(files["crl"]),
        SIGNING_TRUST_ANCHORS=str(files["root"]),
        EVIDENCE_UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    return app


@pytest.fixture
def approved(signing_app, world, submitted):  # noqa: F811
    review.start_review(submitted, actor=world.consultant)
    review.approve(fresh(submitted.id), actor=world.consultant)
    return fresh(submitted.id)


def _stored_files(app) -> list[Path]:
    root = Path(app.config["EVIDENCE_UPLOAD_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_publication_waits_for_the_signature_then_readers_get_the_signed_record(signing_app, world, approved):
    consultant = logged_in(signing_app, world.consultant.email)
    refused = status_post(consultant, approved.id, "publish")
    assert refused.status_code == 409
    assert "phải được ký số trước khi công bố" in refused.get_data(as_text=True)
    assert fresh(approved.id).status == "approved"

    page = consultant.get(f"/review/assessments/{approved.id}")
    assert "Ký số báo cáo" in page.get_data(as_text=True)
    signed = consultant.post(f"/assessments/{approved.id}/report/sign")
    assert signed.status_code == 302
    record = db.session.scalars(select(SignedReport)).one()
    assert (record.version, record.locale, record.current) == (1, "vi", True)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.signed")).one()
    assert event.actor_id == world.consultant.id
    assert [s["role"] for s in event.details["signers"]] == ["signatory", "body"]

    assert status_post(consultant, approved.id, "publish").status_code == 302
    assert fresh(approved.id).status == "published"

    office = logged_in(signing_app, world.respondent_a.email)
    download = office.get(f"/assessments/{approved.id}/report.pdf")
    assert download.status_code == 200
    assert download.get_data() == signed_reports.signed_file(record)
    assert download.headers["ETag"].strip('"') == record.sha256
    verdict = consultant.client.post(
        "/api/v1/reports/verify", data=download.get_data(), headers={"Content-Type": "application/pdf"}
    )
    assert verdict.get_json()["verdict"] == "valid"


def test_re_signing_adds_a_version_and_keeps_the_old_one_superseded(signing_app, world, approved):
    first = signed_reports.sign(approved, actor=world.consultant)[0]
    first_file = signed_reports.signed_file(first)
    second = signed_reports.sign(fresh(approved.id), actor=world.admin)[0]
    db.session.expire_all()
    rows = db.session.scalars(select(SignedReport).order_by(SignedReport.version)).all()
    assert [(row.version, row.current) for row in rows] == [(1, False), (2, True)]
    assert rows[0].superseded_by_id == second.id
    assert rows[0].superseded_at is not None
    assert signed_reports.signed_file(rows[0]) == first_file  # the old file is kept
    assert signed_reports.current(fresh(approved.id), "vi").id == second.id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.signed")).all()
    assert [(e.actor_id, e.details["version"], e.details["supersedes"]) for e in events] == [
        (world.consultant.id, 1, None),
        (world.admin.id, 2, 1),
    ]


def test_a_draft_cannot_be_signed_and_respondents_may_not_sign(signing_app, world, submitted):  # noqa: F811
    consultant = logged_in(signing_app, world.consultant.email)
    assert consultant.post(f"/assessments/{submitted.id}/report/sign").status_code == 409
    respondent = logged_in(signing_app, world.respondent_a.email)
    assert respondent.post(f"/assessments/{submitted.id}/report/sign").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SignedReport)) == 0


def test_the_verification_page_gives_the_verdict_for_a_good_and_a_tampered_file(signing_app, world, approved):
    record = signed_reports.sign(approved, actor=world.consultant)[0]
    good = signed_reports.signed_file(record)
    reader = logged_in(signing_app, world.respondent_b.email)  # anyone who may sign in
    page = reader.post("/reports/verify", {"file": (io.BytesIO(good), "report.pdf")})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="valid"' in text
    assert "Test Root CA" in text
    assert "Nguyễn Văn An" in text
    tampered = bytearray(good)
    tampered[len(good) // 3] ^= 0x01
    page = reader.post("/reports/verify", {"file": (io.BytesIO(bytes(tampered)), "report.pdf")})
    assert page.status_code in (200, 400)
    text = page.get_data(as_text=True)
    assert 'data-verdict="valid"' not in text
    assert 'data-verdict="tampered"' in text or "bị lỗi" in text


def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_is_stored(signing_app, world, approved):
    unsigned_pdf = formats.render(approved, "pdf", "vi")
    before_files = _stored_files(signing_app)
    reader = logged_in(signing_app, world.respondent_a.email)
    before_events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    cases = [
        ({"file": (io.BytesIO(b"GIF89a not a report"), "report.pdf")}, 400, "không phải tài liệu PDF"),
        ({"file": (io.BytesIO(unsigned_pdf), "report.pdf")}, 400, "không có chữ ký số"),
        ({}, 400, "chọn tệp PDF cần kiểm tra"),
    ]
    for data, status, message in cases:
        page = reader.post("/reports/verify", data)
        assert page.status_code == status
        assert message in page.get_data(as_text=True)
    # 200 MB announced: refused from the header, before a byte of it is read.
    huge = isolated(
        reader.client.post,
        "/reports/verify",
        input_stream=io.BytesIO(b"--x--\r\n"),
        content_type="multipart/form-data; boundary=x",
        # What the server sees of a 200 MB upload before reading it: its announced length.
        environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)},
    )
    assert huge.status_code == 413
    assert "quá lớn (tối đa 12 MB)" in huge.get_data(as_text=True)
    assert _stored_files(signing_app) == before_files
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before_events


def test_the_api_and_the_command_give_the_same_verdict(signing_app, world, approved, tmp_path):
    good = signed_reports.signed_file(signed_reports.sign(approved, actor=world.consultant)[0])
    secret = api_tokens.create(world.respondent_b, "verify").secret
    client = signing_app.test_client(use_cookies=False)
    answer = isolated(
        client.post,
        "/api/v1/reports/verify",
        data=good,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/pdf"},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["valid"] is True
    assert [s["role"] for s in body["signatures"]] == ["signatory", "body"]
    refused = isolated(
        client.post, "/api/v1/reports/verify", data=b"hello", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "not_pdf"

    path = tmp_path / "signed.pdf"
    path.write_bytes(good)
    result = signing_app.test_cli_runner().invoke(
        args=["report", "verify", str(path), "--lang", "en", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["verdict"] == body["verdict"]
    tampered = bytearray(good)
    tampered[len(good) // 3] ^= 0x01
    path.write_bytes(bytes(tampered))
    assert signing_app.test_cli_runner().invoke(args=["report", "verify", str(path)]).exit_code != 0


def test_administrators_upload_the_images_and_a_bad_image_keeps_the_ones_in_force(signing_app, world):
    admin = logged_in(signing_app, world.admin.email)
    saved = admin.post(
        "/admin/signing",
        {"seal": (io.BytesIO(SEAL), "seal.png"), "signature": (io.BytesIO(SIGNATURE), "signature.png")},
    )
    assert saved.status_code == 302
    refused = admin.post("/admin/signing", {"seal": (io.BytesIO(b"\xff\xd8\xff not a png"), "seal.jpg")})
    assert refused.status_code == 400
    assert "phải là tệp PNG" in refused.get_data(as_text=True)
    records = db.session.scalars(select(SigningAppearanceRecord)).all()
    assert len(records) == 1
    assert records[0].seal_png == SEAL
    assert records[0].signature_png == SIGNATURE
    respondent = logged_in(signing_app, world.respondent_a.email)
    assert respondent.get("/admin/signing").status_code == 403


def test_the_english_report_is_signed_too_when_the_office_wants_it(signing_app, world, approved, tmp_path):
    from roadmap.config import from_environment

    assert from_environment(tmp_path, {"REPORT_SIGNED_LOCALES": "vi,en"})["SIGNING_LOCALES"] == (
        "vi",
        "en",
    )
    assert from_environment(tmp_path, {})["SIGNING_LOCALES"] == ("vi",)
    signing_app.config["SIGNING_LOCALES"] = ("vi", "en")
    records = signed_reports.sign(approved, actor=world.consultant)
    assert [(r.locale, r.version) for r in records] == [("vi", 1), ("en", 1)]
    consultant = logged_in(signing_app, world.consultant.email)
    english = consultant.get(f"/assessments/{approved.id}/report.pdf?lang=en")
    assert english.get_data() == signed_reports.signed_file(records[1])
