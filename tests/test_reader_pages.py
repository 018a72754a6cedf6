"""What the office reads once its result is published (issue 23): the official-result block on the
assessment page, the documents in one place by role, and notifications that lead there and become read.

On the demo (a published assessment with its roadmap), served by the real app on SQLite.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, ConsultantAssignment, Notification, User
from tests.conftest import Browser, demo_app, first_published_assessment


@pytest.fixture(scope="module")
def demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("reader")
    app = demo_app(sqlite_template, folder)
    saved = json.loads((folder / "demo-logins.json").read_text(encoding="utf-8"))
    passwords = {entry["email"]: entry["password"] for entry in saved}
    with app.app_context():
        published = first_published_assessment()
        reader = db.session.scalars(
            select(User).where(User.office_id == published.office_id, User.role == "respondent")
        ).first()
        consultant = db.session.scalars(
            select(User)
            .join(ConsultantAssignment, ConsultantAssignment.consultant_id == User.id)
            .where(ConsultantAssignment.office_id == published.office_id)
        ).first()
        other = db.session.scalars(
            select(User).where(User.role == "respondent", User.office_id != published.office_id)
        ).first()
        ids = {"assessment": published.id, "reader": reader.id, "other": other.id}
        emails = {"reader": reader.email, "consultant": consultant.email, "other": other.email}
    return {"app": app, "ids": ids, "emails": emails, "passwords": passwords}


def _as(demo: dict[str, Any], who: str) -> Browser:
    browser = Browser(demo["app"].test_client())
    email = demo["emails"][who]
    with demo["app"].app_context():
        response = browser.login(email, demo["passwords"][email])
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def _get(demo: dict[str, Any], browser: Browser, url: str) -> Any:
    with demo["app"].app_context():
        return browser.get(url)


def _block(page: str) -> str:
    match = re.search(r'<section id="official-result".*?</section>', page, re.S)
    assert match, "the page has no official-result block"
    return match.group(0)


def test_published_assessment_page_opens_with_the_official_result_roadmap_and_every_document(demo):
    assessment_id = demo["ids"]["assessment"]
    page = _get(demo, _as(demo, "reader"), f"/assessments/{assessment_id}").get_data(as_text=True)
    block = _block(page)
    assert "Kết quả chính thức" in block
    assert f'href="/assessments/{assessment_id}/roadmap"' in block
    for kind in ("pdf", "docx"):
        for lang in ("vi", "en"):
            assert f"/assessments/{assessment_id}/report.{kind}?lang={lang}" in block
    # One naming scheme for the four documents.
    names = re.findall(r'data-download="report-[^"]+"[^>]*>([^<]+)</a>', block)
    assert names == [
        "Báo cáo tiếng Việt · PDF",
        "Báo cáo tiếng Việt · Word (DOCX)",
        "Báo cáo tiếng Anh · PDF",
        "Báo cáo tiếng Anh · Word (DOCX)",
    ]
    # The documents are in this one place only.
    assert page.count("report.pdf?lang=vi") == 1


def test_published_result_is_not_called_provisional_and_gives_no_answering_hints(demo):
    page = _get(demo, _as(demo, "reader"), f"/assessments/{demo['ids']['assessment']}").get_data(as_text=True)
    assert "Kết quả tạm tính" not in page
    assert 'class="guidance"' not in page
    assert "sau bước này" not in page


def test_readers_see_neither_the_what_if_nor_the_raw_data_and_cannot_open_them(demo):
    assessment_id = demo["ids"]["assessment"]
    reader = _as(demo, "reader")
    page = _get(demo, reader, f"/assessments/{assessment_id}").get_data(as_text=True)
    roadmap = _get(demo, reader, f"/assessments/{assessment_id}/roadmap").get_data(as_text=True)
    for text in (page, roadmap):
        assert "roadmap.csv" not in text
        assert "roadmap.json" not in text
        assert "roadmap/what-if" not in text
    assert "roadmap.xlsx" in page
    for address in ("roadmap/what-if", "roadmap.csv", "roadmap.json"):
        assert _get(demo, reader, f"/assessments/{assessment_id}/{address}").status_code == 404


def test_consultants_find_the_working_data_beside_the_documents(demo):
    assessment_id = demo["ids"]["assessment"]
    consultant = _as(demo, "consultant")
    block = _block(_get(demo, consultant, f"/assessments/{assessment_id}").get_data(as_text=True))
    for address in ("roadmap/what-if", "roadmap.csv", "roadmap.json"):
        assert f"/assessments/{assessment_id}/{address}" in block
    assert _get(demo, consultant, f"/assessments/{assessment_id}/roadmap.csv").status_code == 200


def test_roadmap_pages_send_to_the_one_documents_block_instead_of_repeating_the_downloads(demo):
    assessment_id = demo["ids"]["assessment"]
    roadmap = _get(demo, _as(demo, "reader"), f"/assessments/{assessment_id}/roadmap").get_data(as_text=True)
    assert "report.pdf" not in roadmap
    assert f'href="/assessments/{assessment_id}#official-result"' in roadmap


def _notify(demo: dict[str, Any], user: str, kind: str = "assessment.published") -> int:
    from roadmap.services.platform import notifications

    with demo["app"].app_context():
        assessment = db.session.get(Assessment, demo["ids"]["assessment"])
        [row] = notifications.about_assessment(assessment, kind, [demo["ids"][user]])
        db.session.commit()
        return row.id


def _read_at(demo: dict[str, Any], notification_id: int) -> Any:
    with demo["app"].app_context():
        return db.session.get(Notification, notification_id).read_at


def test_publication_notification_leads_to_the_official_result_and_is_read_once_clicked(demo):
    notification_id = _notify(demo, "reader")
    reader = _as(demo, "reader")
    listing = _get(demo, reader, "/notifications").get_data(as_text=True)
    assert f'href="/notifications/{notification_id}"' in listing
    assert _read_at(demo, notification_id) is None
    followed = _get(demo, reader, f"/notifications/{notification_id}")
    assert followed.status_code == 302
    assert followed.headers["Location"].endswith(f"/assessments/{demo['ids']['assessment']}#official-result")
    assert _read_at(demo, notification_id) is not None


def test_someone_elses_notification_cannot_be_followed_nor_marked_read(demo):
    notification_id = _notify(demo, "reader")
    assert _get(demo, _as(demo, "other"), f"/notifications/{notification_id}").status_code == 404
    assert _read_at(demo, notification_id) is None


# --- no internal code on any page of the Vietnamese UI ------------------------------------------------------

# Codes of the engine and the models that must never reach a reader as words.
INTERNAL_CODES = re.compile(
    r"\b(not_scored|not_applicable|unanswered|hidden|in_review|returned|submitted|published|approved|draft|"
    r"triggered|enabler|included|scheduled|not_fitting|deadline_missed|blocked_by_gate|out_of_reach|"
    r"level_overridden|reachable|snapshot|None|True|False)\b"
)


def _visible_text(page: str) -> str:
    """The words a person reads: no markup, scripts, styles or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return page


def _pages_of(demo: dict[str, Any], who: str) -> list[str]:
    with demo["app"].app_context():
        rows = db.session.scalars(select(Assessment)).all()
        ids = [row.id for row in rows]
        dimension_codes = ["LDR", "NET", "SEC"]
    pages = ["/", "/notifications", "/cycles"]
    for assessment_id in ids:
        pages.append(f"/assessments/{assessment_id}")
        pages.extend(f"/assessments/{assessment_id}/sections/{code}" for code in dimension_codes)
        pages.append(f"/assessments/{assessment_id}/roadmap")
        if who == "consultant":
            pages.extend(
                [
                    f"/review/assessments/{assessment_id}",
                    f"/assessments/{assessment_id}/roadmap/edit",
                    f"/assessments/{assessment_id}/roadmap/changes",
                    f"/assessments/{assessment_id}/roadmap/what-if",
                    f"/assessments/{assessment_id}/submit",
                ]
            )
        else:
            pages.append(f"/assessments/{assessment_id}/submit")
    if who == "consultant":
        pages.extend(["/review", "/review/portfolio"])
    return pages


@pytest.mark.parametrize("who", ["reader", "consultant"])
def test_no_page_of_the_vietnamese_ui_shows_an_internal_code(demo, who):
    browser = _as(demo, who)
    seen = 0
    found = {}
    for url in _pages_of(demo, who):
        response = _get(demo, browser, url)
        if response.status_code != 200:
            continue
        seen += 1
        codes = set(INTERNAL_CODES.findall(_visible_text(response.get_data(as_text=True))))
        if codes:
            found[url] = sorted(codes)
    assert seen > (10 if who == "reader" else 40)
    assert found == {}
