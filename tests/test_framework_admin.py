"""The administrator's framework page: stored versions and the cycles on each, an upload checked line by
line (nothing kept when it has problems), the difference from a chosen earlier version, a preview of the
survey, then the audited import — in both languages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, Cycle, FrameworkVersion
from roadmap.services.survey import frameworks
from tests.conftest import Browser, isolated, logged_in
from tests.framework_versions import small_next_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "frameworks"
SMALL = FIXTURES / "small.yaml"
SEVERAL_PROBLEMS = FIXTURES / "broken" / "several_problems.yaml"


@pytest.fixture
def uploads(app, tmp_path) -> Path:
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def admin(app, locale: str) -> Browser:
    browser = logged_in(app, "admin@example.vn")
    if locale == "en":
        browser.post("/locale/en")
    browser.get("/admin/frameworks")
    return browser


def upload(browser: Browser, content: bytes, name: str = "framework.yaml"):
    return isolated(
        browser.client.post,
        "/admin/frameworks",
        data={"file": (io.BytesIO(content), name), "csrf_token": browser.csrf()},
        content_type="multipart/form-data",
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FrameworkVersion))


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_page_lists_each_version_with_the_cycles_that_use_it(app, world):
    version = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = version.id
    db.session.commit()
    page = admin(app, "en").get("/admin/frameworks").get_data(as_text=True)
    row = re.search(r'<tr data-version="0.3.0">(.*?)</tr>', page, flags=re.S).group(1)
    assert "Small test framework" in row
    assert world.cycle.code in row


@pytest.mark.parametrize(
    ("locale", "heading"),
    [
        ("en", "Problems in the file: 6. Nothing was stored."),
        ("vi", "Số lỗi trong tệp: 6. Không có gì được lưu."),
    ],
)
def test_an_invalid_upload_lists_every_problem_with_its_line_and_stores_nothing(
    app, world, uploads, locale, heading
):
    frameworks.import_file(SMALL, actor=None)
    browser = admin(app, locale)
    response = upload(browser, SEVERAL_PROBLEMS.read_bytes(), "several_problems.yaml")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert heading in text_of(page)
    lines = [int(line) for line in re.findall(r'<tr data-line="(\d+)">', page)]
    assert lines == [53, 74, 97, 105, 112, 150]
    assert "NW-01 has no option d" in page
    assert version_count() == 1
    assert stored_files(uploads) == []


def test_a_file_that_is_not_yaml_text_is_refused_with_its_reason(app, world, uploads):
    response = upload(admin(app, "en"), b"\xff\xfe not utf-8", "broken.yaml")
    assert response.status_code == 400
    assert "the file is not UTF-8 text" in response.get_data(as_text=True)
    assert stored_files(uploads) == []


def test_an_upload_larger_than_the_limit_is_refused_beside_the_field(app, world, uploads):
    content = b"# " + b"x" * frameworks.MAX_UPLOAD_BYTES
    response = upload(admin(app, "en"), content)
    assert response.status_code == 400
    assert "at most 1024 kB" in response.get_data(as_text=True)
    assert stored_files(uploads) == []
    assert version_count() == 0


def test_an_upload_without_a_file_says_so(app, world, uploads):
    browser = admin(app, "en")
    response = browser.post("/admin/frameworks", {})
    assert response.status_code == 400
    assert "Please choose a framework file." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", ("What changed", "Preview of the survey", "points", "weight", "changed")),
        ("vi", ("Những thay đổi", "Xem trước phiếu khảo sát", "điểm", "trọng số", "thay đổi")),
    ],
)
def test_a_valid_upload_shows_the_difference_and_the_preview_then_imports_audited(
    app, world, uploads, locale, words
):
    old = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = old.id
    db.session.commit()
    browser = admin(app, locale)
    response = upload(browser, small_next_text().encode(), "small-0.4.0.yaml")
    assert response.status_code == 302
    review_url = response.headers["Location"]
    assert version_count() == 1  # nothing imported before the administrator decides
    page = browser.get(review_url).get_data(as_text=True)
    for word in words:
        assert word in page
    changed = re.findall(r'<li data-change="(\w+)" data-code="([^"]+)">', page)
    assert changed == [("changed", "CY-01"), ("changed", "NW-01/b")]
    assert re.search(r'data-code="NW-01/b">.*?<del>0.5</del> → <ins>0.6</ins>', page, flags=re.S)
    assert re.search(r'data-code="CY-01">.*?<del>3</del> → <ins>4</ins>', page, flags=re.S)
    preview = page[page.index('data-section="preview"') :]
    assert re.findall(r'data-question="([^"]+)"', preview)[:4] == ["NW-01", "NW-02", "NW-03", "NW-04"]

    response = browser.post(
        f"{review_url}/import",
        {"fingerprint": re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', page).group(1)},
    )
    assert response.status_code == 302
    assert version_count() == 2
    new = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.version == "0.4.0"))
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "framework.imported", AuditEvent.object_id == str(new.id)
        )
    )
    assert event.details["via"] == "administration page"
    assert event.actor_id == world.admin.id
    # The open cycle keeps its version.
    assert db.session.get(Cycle, world.cycle.id).framework_version_id == old.id
    assert stored_files(uploads) == []  # the file kept for review is gone once imported


def test_the_difference_is_against_the_chosen_version(app, world, uploads):
    frameworks.import_file(SMALL, actor=None)
    frameworks.import_text(small_next_text(), "small-0.4.0.yaml", actor=None)
    browser = admin(app, "en")
    edited = small_next_text("0.5.0")
    review_url = upload(browser, edited.encode()).headers["Location"]
    by_default = browser.get(review_url).get_data(as_text=True)
    assert "No difference from version 0.4.0" in by_default  # the newest of the same framework
    first = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.version == "0.3.0"))
    against_first = browser.get(f"{review_url}?base={first.id}").get_data(as_text=True)
    assert 'data-code="NW-01/b"' in against_first


def test_importing_refuses_content_other_than_what_was_reviewed(app, world, uploads):
    browser = admin(app, "en")
    review_url = upload(browser, SMALL.read_bytes()).headers["Location"]
    browser.get(review_url)
    response = browser.post(f"{review_url}/import", {"fingerprint": "0" * 64}, follow_redirects=True)
    assert "The file changed since it was reviewed" in response.get_data(as_text=True)
    assert version_count() == 0


def test_an_unknown_upload_key_leads_back_to_the_list(app, world, uploads):
    browser = admin(app, "en")
    response = browser.get("/admin/frameworks/uploads/" + "a" * 32, follow_redirects=True)
    assert "This upload is no longer available" in response.get_data(as_text=True)
    response = browser.get("/admin/frameworks/uploads/..%2F..%2Fetc", follow_redirects=True)
    assert response.status_code in (200, 404)
