"""The cycle progress board in a real Chromium (issue 21): a consultant filters the demo's cycle, selects an
office that is behind and reminds it; the office's representative finds the reminder."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveApp, unavailable
from tests.browser.test_journeys import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

CONSULTANT = "tuvan1@cbdtw.demo.vn"
RESPONDENT = "daumoi.bnctw@demo.vn"


def test_consultant_filters_the_board_selects_an_office_and_reminds_it(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    page = new_context().new_page()
    log_in(page, live_app, CONSULTANT)
    page.get_by_role("link", name="Tiến độ", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Tiến độ kỳ đánh giá")
    page.wait_for_load_state("domcontentloaded")  # the office absent below is absent from the whole table
    board = page.locator("table.progress-board tbody")
    # Only the consultant's five offices; those of the other consultant are not shown.
    expect(board.locator("tr")).to_have_count(5)
    expect(board).not_to_contain_text("Tòa án nhân dân tối cao")

    page.locator("#progress-filters select[name=status]").select_option("draft")
    page.get_by_role("button", name="Lọc").click()
    expect(board.locator("tr")).to_have_count(2)  # UBKTTW (50 %) and BNCTW (20 %), least complete first
    expect(board.locator("tr").first).to_contain_text("Ban Nội chính Trung ương")
    look(page, "progress-board")

    page.get_by_role("checkbox", name="Chọn Ban Nội chính Trung ương").check()
    page.get_by_role("button", name="Nhắc các đơn vị đã chọn").click()
    expect(page.locator("main")).to_contain_text("Đã nhắc hạn 1 đơn vị.")
    expect(board.locator("tr[data-office=BNCTW]")).to_contain_text("đã nhắc hôm nay")
    # The filter survived the reminder.
    expect(board.locator("tr")).to_have_count(2)
    page.wait_for_load_state("load")  # the page after the reminder, whole and styled, in the screenshot
    page.screenshot(path="build/screenshots/progress-board-reminded.png", full_page=True)

    # Once a day: reminding again says so and gives nothing twice.
    page.get_by_role("checkbox", name="Chọn Ban Nội chính Trung ương").check()
    page.get_by_role("button", name="Nhắc các đơn vị đã chọn").click()
    expect(page.locator("main")).to_contain_text("đã được nhắc trong hôm nay")

    office = new_context().new_page()
    log_in(office, live_app, RESPONDENT)
    office.goto("/notifications")
    expect(office.locator("main")).to_contain_text("Nhắc việc: bản đánh giá của Ban Nội chính Trung ương")
