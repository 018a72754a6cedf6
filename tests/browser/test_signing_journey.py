"""Issue 25 in a real Chromium: with signing required, a consultant cannot publish the approved report until
it is signed; signs it; publishes; and anyone signed in verifies the downloaded file (valid) and a tampered
copy (not valid) on the verification page. Uses the demo's approved office (VPCTN), which no other journey
touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import LiveApp, unavailable
from tests.browser.test_journeys import CONSULTANT, log_in, status_is
from tests.signing_pki import make_hierarchy, write_files

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)


@pytest.fixture
def signing_required(live_app: LiveApp, tmp_path: Path) -> Iterator[int]:
    """The live app with signing keys and REPORT_SIGNING_REQUIRED, for this test only; the approved
    assessment's id."""
    files = write_files(make_hierarchy(), tmp_path / "pki")
    settings = {
        "SIGNING_REQUIRED": True,
        "SIGNING_BODY_PKCS12": str(files["body"]),
        "SIGNING_BODY_SECRET_FILE": str(files["passphrase"]),
        "SIGNING_SIGNATORY_PKCS12": str(files["signatory"]),
        "SIGNING_SIGNATORY_SECRET_FILE": str(files["passphrase"]),
        "SIGNING_CHAIN": str(files["chain"]),
        "SIGNING_CRLS": str(files["crl"]),
        "SIGNING_TRUST_ANCHORS": str(files["root"]),
    }
    before = {name: live_app.app.config.get(name) for name in settings}
    live_app.app.config.update(settings)
    with live_app.app.app_context():
        from roadmap.extensions import db
        from roadmap.models import Assessment, Office

        assessment_id = db.session.scalar(
            select(Assessment.id)
            .join(Office, Office.id == Assessment.office_id)
            .where(Office.code == "VPCTN", Assessment.status == "approved")
        )
    assert assessment_id is not None
    try:
        yield assessment_id
    finally:
        live_app.app.config.update(before)


def test_consultant_signs_before_publishing_and_a_reader_verifies_good_and_tampered_files(
    new_context: Any, live_app: LiveApp, look: Any, signing_required: int
) -> None:
    page = new_context().new_page()
    log_in(page, live_app, CONSULTANT)
    page.goto(f"/review/assessments/{signing_required}")
    status_is(page, "approved")
    expect(page.locator(".report-signing")).to_contain_text("Báo cáo phải được ký số trước khi công bố.")

    page.get_by_label(
        "Đơn vị được phép xem kết quả từ bây giờ."
    ).check()  # publishing is confirmed (issue 23)
    page.get_by_role("button", name="Công bố cho cơ quan").click()
    expect(page.locator("body")).to_contain_text("phải được ký số trước khi công bố")
    page.goto(f"/review/assessments/{signing_required}")
    status_is(page, "approved")

    page.get_by_role("button", name="Ký số báo cáo").click(
        timeout=180_000
    )  # the report is rendered, then signed
    expect(page.locator("body")).to_contain_text("Báo cáo đã được ký số (phiên bản 1)")
    expect(page.locator(".report-signing")).to_contain_text("Phiên bản 1 được ký số")
    page.get_by_label("Đơn vị được phép xem kết quả từ bây giờ.").check()
    page.get_by_role("button", name="Công bố cho cơ quan").click()
    status_is(page, "published")

    signed = page.request.get(f"/assessments/{signing_required}/report.pdf")
    assert signed.ok
    good = signed.body()
    tampered = bytearray(good)
    tampered[good.index(b"stream", len(good) // 4) + 50] ^= 0x01  # one byte of a signed content stream

    page.get_by_role("link", name="Kiểm tra báo cáo").click()
    expect(page.locator("h1")).to_have_text("Kiểm tra báo cáo đã ký số")
    page.locator('input[type="file"][name="file"]').set_input_files(
        {"name": "bao-cao.pdf", "mimeType": "application/pdf", "buffer": good}
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator(".verification")).to_have_attribute("data-verdict", "valid")
    expect(page.locator(".verification h2")).to_have_text("Chữ ký số hợp lệ")
    expect(page.locator(".signature-finding")).to_have_count(2)
    expect(page.locator(".verification")).to_contain_text("Test Root CA")
    look(page, "verify-report")

    page.locator('input[type="file"][name="file"]').set_input_files(
        {"name": "bao-cao-sua.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)}
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator(".verification")).to_have_attribute("data-verdict", "tampered")
    expect(page.locator(".verification h2")).to_have_text("Chữ ký số không hợp lệ")
    expect(page.locator(".verification .verdict")).to_contain_text("nội dung tệp đã bị sửa đổi sau khi ký số")
