"""The roadmap as a living plan in a real Chromium (issue 22): an office reports an initiative of last
year's published roadmap done with its evidence; the office's consultant filters the follow-up (blocked, late
mandatory), finds the office there and questions the completion; the office sees the question."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from tests.browser.conftest import LiveApp, unavailable
from tests.browser.test_journeys import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

CONSULTANT = "tuvan1@cbdtw.demo.vn"
RESPONDENT = "daumoi.bnctw@demo.vn"


def test_office_reports_a_completion_with_evidence_and_the_consultant_questions_it(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    consultant = new_context().new_page()
    log_in(consultant, live_app, CONSULTANT)
    consultant.get_by_role("link", name="Theo dõi thực hiện", exact=True).click()
    expect(consultant.locator("h1")).to_contain_text("Theo dõi thực hiện lộ trình")
    # The demo's year of progress: the blocked initiative and its reason are on the follow-up.
    consultant.locator("#follow-up-filters select[name=show]").select_option("blocked")
    consultant.get_by_role("button", name="Lọc").click()
    expect(consultant.locator("#follow-up-rows tbody")).to_contain_text("Chờ bố trí kinh phí")
    look(consultant, "follow-up")
    # Late mandatory initiatives only: the demo's obligation left behind is there, and nothing optional.
    consultant.locator("#follow-up-filters select[name=show]").select_option("late")
    consultant.get_by_role("checkbox", name="Chỉ nhiệm vụ bắt buộc").check()
    consultant.get_by_role("button", name="Lọc").click()
    late_rows = consultant.locator("#follow-up-rows tbody tr")
    expect(late_rows.first).to_contain_text("bắt buộc")
    consultant.wait_for_load_state("domcontentloaded")  # count() does not wait for every row
    for index in range(late_rows.count()):
        expect(late_rows.nth(index)).to_contain_text("chậm tiến độ")
        expect(late_rows.nth(index).locator(".badge")).to_have_text("bắt buộc")
    progress_url = consultant.locator("#delivery a", has_text="BNCTW").get_attribute("href")
    assert progress_url is not None

    office = new_context().new_page()
    log_in(office, live_app, RESPONDENT)
    office.goto(progress_url)
    expect(office.locator("h1")).to_contain_text("Tiến độ thực hiện lộ trình")
    card = office.locator("section.tracking-card").first
    code = (card.get_attribute("id") or "").removeprefix("i-")
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    card.get_by_text("Cập nhật tiến độ", exact=True).click()
    card.locator("select[name$=-status]").select_option("done")
    card.locator("input[name$=-percent_done]").fill("150")
    card.locator("textarea[name$=-evidence_note]").fill("Biên bản nghiệm thu ngày 20/11")
    card.get_by_role("button", name="Lưu tiến độ").click()
    # Refused at its field, in Vietnamese, with everything typed kept.
    card = office.locator(f"#i-{code}")
    expect(card.locator(".error")).to_contain_text("Tỷ lệ hoàn thành phải là số nguyên từ 0 đến 100")
    expect(card.locator("textarea[name$=-evidence_note]")).to_have_value("Biên bản nghiệm thu ngày 20/11")
    card.locator("input[name$=-percent_done]").fill("100")
    card.locator("select[name$=-actual_start]").select_option(quarter)
    card.locator("select[name$=-actual_finish]").select_option(quarter)
    card.locator("input[name$=-evidence_document]").fill("45/BB-VP")
    card.get_by_role("button", name="Lưu tiến độ").click()
    expect(office.locator("main")).to_contain_text("Đã lưu tiến độ.")
    expect(office.locator(f"#i-{code}")).to_contain_text("45/BB-VP")
    look(office, "roadmap-progress")

    consultant.goto(progress_url)
    card = consultant.locator(f"#i-{code}")
    expect(card).to_contain_text("Biên bản nghiệm thu ngày 20/11")
    card.get_by_text("Thẩm định nhiệm vụ này", exact=True).click()
    card.locator("select[name$=-verdict]").select_option("questioned")
    card.locator("textarea[name$=-review_comment]").fill("Biên bản chưa có chữ ký của lãnh đạo đơn vị.")
    card.get_by_role("button", name="Lưu ý kiến thẩm định").click()
    expect(consultant.locator("main")).to_contain_text("Đã lưu ý kiến thẩm định.")

    office.reload()
    card = office.locator(f"#i-{code}")
    expect(card).to_contain_text("chuyên gia tư vấn đề nghị làm rõ")
    expect(card).to_contain_text("Biên bản chưa có chữ ký của lãnh đạo đơn vị.")
    office.screenshot(path="build/screenshots/roadmap-progress-questioned.png", full_page=True)


def test_on_a_phone_the_office_reads_its_plan_against_actual_attaches_a_file_and_confirms_the_quarter(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    from tests.browser.conftest import PHONE
    from tests.browser.test_issue23_journeys import page_width_fits

    consultant = new_context().new_page()
    log_in(consultant, live_app, CONSULTANT)
    consultant.goto("/review/follow-up")
    progress_url = consultant.locator("#delivery a", has_text="BNCTW").get_attribute("href")
    assert progress_url is not None

    office = new_context(viewport=PHONE).new_page()
    log_in(office, live_app, RESPONDENT)
    office.goto(progress_url)
    figure = office.locator("figure.progress-gantt")
    expect(figure).to_be_visible()
    expect(figure.locator("svg title")).to_have_text("Kế hoạch và thực tế, theo quý")
    # The demo's late initiatives: their planned bars outlined red, and said in words.
    assert figure.locator('svg rect[stroke="#b3261e"]').count() >= 1
    expect(figure.locator("svg desc")).to_contain_text("chậm tiến độ")
    # At 390 px the chart scrolls in its own box; the page does not get wider.
    assert figure.evaluate("element => element.scrollWidth > element.clientWidth")
    page_width_fits(office)
    look(office, "roadmap-progress-phone")

    card = office.locator("section.tracking-card").last
    code = (card.get_attribute("id") or "").removeprefix("i-")
    card.get_by_text("Cập nhật tiến độ", exact=True).click()
    card.locator("input[type=file]").set_input_files(
        {"name": "Biên bản nghiệm thu.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    card.get_by_role("button", name="Lưu tiến độ").click()
    expect(office.locator("main")).to_contain_text("Đã lưu tiến độ.")
    expect(office.locator(f"#files-{code} a")).to_have_text("Biên bản nghiệm thu.pdf")

    office.get_by_role("button", name="Xác nhận báo cáo quý này").click()
    expect(office.locator("main")).to_contain_text("Đã xác nhận báo cáo tiến độ của quý.")
    expect(office.locator("#quarter-report")).to_contain_text("Báo cáo đã xác nhận gần nhất")
