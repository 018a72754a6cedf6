"""Autosave under a low rate limit in a real Chromium (issue 20): the server answers 429, the page backs off
as Retry-After says, keeps every change queued, and in the end every answer typed is stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LiveApp, served_demo, unavailable

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

RESPONDENT = "daumoi.tandtc@demo.vn"  # Tòa án nhân dân tối cao: no assessment yet in the demo


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: Any) -> Iterator[LiveApp]:
    """The demo served with autosave limited to 3 saves in 5 seconds per user."""
    yield from served_demo(
        tmp_path_factory.mktemp("limited"),
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="process://",
        RATE_LIMIT_AUTOSAVE="3 per 5 seconds",
    )


def test_autosave_under_a_low_limit_backs_off_and_loses_nothing(chromium: Any, limited_app: LiveApp) -> None:
    context = chromium.new_context(base_url=limited_app.url, locale="vi-VN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    login = limited_app.login_of(RESPONDENT)
    page.goto("/login")
    page.fill('input[name="email"]', login.email)
    page.fill('input[name="password"]', login.password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Đánh giá", exact=True).click()
    page.get_by_role("button", name="Bắt đầu đánh giá").click()
    page.get_by_role("link", name="Tiếp tục trả lời").click()
    expect(page.locator("h1")).to_have_text("Lãnh đạo, chiến lược và nhận thức số")
    page.wait_for_load_state("domcontentloaded")  # count() and the deferred script need the whole page

    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/answers") else None)
    # Eight changes in quick succession, on four questions (the last choice of each must win).
    chosen = {}
    for code in ("LDR-01", "LDR-02", "LDR-04", "LDR-05"):
        options = page.locator(f'fieldset[data-question="{code}"] [data-answer]')
        if options.count() < 2 or page.locator(f'fieldset[data-question="{code}"]').is_hidden():
            continue
        options.nth(0).check()
        options.nth(1).check()
        chosen[code] = options.nth(1).get_attribute("value")
    assert len(chosen) >= 3

    expect(page.locator("[data-save-state]")).to_have_text(
        re.compile(r"Đã lưu lúc \d{1,2}:\d{2}"), timeout=45_000
    )
    assert 429 in statuses, statuses  # the limit was reached, and the page waited instead of dropping

    with limited_app.app.app_context():
        from sqlalchemy import select

        from roadmap.extensions import db
        from roadmap.models import AnswerRecord, Assessment, Office

        office = db.session.scalar(select(Office).where(Office.code == "TANDTC"))
        assessment = db.session.scalars(
            select(Assessment).where(Assessment.office_id == office.id).order_by(Assessment.id.desc())
        ).first()
        stored = {
            record.question_code: record.value
            for record in db.session.scalars(
                select(AnswerRecord).where(AnswerRecord.assessment_id == assessment.id)
            )
        }
        db.session.remove()
    for code, value in chosen.items():
        assert stored.get(code) in (value, [value]), (code, stored.get(code), value)
    context.close()
