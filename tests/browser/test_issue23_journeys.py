"""Issue 23 in a real Chromium, on a desktop (1366×768) and a 390 px phone: the reader's path from the
notification to the official result, the review before submitting, an override refused and kept in place,
and the confirmations of approve and publish. Each page is screenshotted and checked by axe-core.

Offices of the demo used here and nowhere else in a state-changing way: VPTW (published; read only),
KTNN (a draft; read only), VPQH (in review; approved and published here).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import PHONE, LiveApp, unavailable
from tests.browser.test_journeys import log_in

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

DESKTOP_1366 = {"width": 1366, "height": 768}
SIZES = {"desktop": DESKTOP_1366, "phone": PHONE}


def page_width_fits(page: Page) -> None:
    """Nothing makes the page wider than the window (tables and charts scroll or stack inside it). Measured
    once the page's stylesheets have arrived: a script may lay the page out before a late one applies, and a
    loaded CI machine once measured the roadmap's chart before roadmap.css made it scroll in its box."""
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the window at {page.url}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_reader_follows_the_notification_to_the_official_result(
    new_context: Any, live_app: LiveApp, look: Any, size: str
) -> None:
    page = new_context(viewport=SIZES[size]).new_page()
    log_in(page, live_app, "daumoi.vptw@demo.vn")  # Văn phòng Trung ương Đảng: published this cycle
    page.goto("/notifications")
    notice = page.locator(".notification-list li", has_text="đã được công bố").first
    was_new = notice.locator(".badge").count() == 1
    notice.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+#official-result$"))
    page.wait_for_load_state("domcontentloaded")  # absences below mean something on the whole page only
    block = page.locator("#official-result")
    expect(block.locator("h2")).to_have_text("Kết quả chính thức")
    expect(block.get_by_role("link", name="Mở lộ trình")).to_be_visible()
    for name in (
        "Báo cáo tiếng Việt · PDF",
        "Báo cáo tiếng Việt · Word (DOCX)",
        "Báo cáo tiếng Anh · PDF",
        "Báo cáo tiếng Anh · Word (DOCX)",
    ):
        expect(block.get_by_role("link", name=name)).to_be_visible()
    # Readers get the documents, not the consultants' working tools.
    expect(page.get_by_role("link", name="Giả định")).to_have_count(0)
    expect(page.locator('[data-download="roadmap-csv"], [data-download="roadmap-json"]')).to_have_count(0)
    expect(page.locator("#result-heading")).to_have_text("Kết quả chính thức")
    expect(page.locator(".guidance")).to_have_count(0)
    page_width_fits(page)
    look(page, f"issue23-official-result-{size}", phone=size == "phone")

    page.goto("/notifications")
    if was_new:  # the first run of the two clicked it: it is read now
        expect(
            page.locator(".notification-list li", has_text="đã được công bố").first.locator(".badge")
        ).to_have_count(0)

    page.goto("/")
    page.get_by_role("link", name=re.compile("Kết quả chính thức và lộ trình")).click()
    page.locator("#official-result").get_by_role("link", name="Mở lộ trình").click()
    expect(page.locator("#phases-heading")).to_be_visible()
    page_width_fits(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 15_000, f"the roadmap page is {height}px tall"
    look(page, f"issue23-roadmap-{size}", phone=size == "phone")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_review_before_submitting_counts_what_is_missing_and_what_evidence_costs(
    new_context: Any, live_app: LiveApp, look: Any, size: str
) -> None:
    page = new_context(viewport=SIZES[size]).new_page()
    log_in(page, live_app, "daumoi.ktnn@demo.vn")  # Kiểm toán Nhà nước: a draft, 80 % answered
    continuing = page.locator("[data-continue]")
    expect(continuing).to_have_text(re.compile(r"Tiếp tục bản đánh giá kỳ \d{4} \(đã trả lời \d+\s?%\)"))
    continuing.click()
    page.get_by_role("link", name="Rà soát và gửi").click()
    expect(page.locator("h1")).to_have_text("Rà soát và gửi")
    missing = page.locator('[data-check="missing"]')
    expect(missing.locator("h2")).to_have_text(re.compile(r"1\. Câu hỏi còn phải trả lời: \d+"))
    page.wait_for_load_state("domcontentloaded")  # all_inner_texts does not wait for every count
    total = int(re.search(r"(\d+)$", missing.locator("h2").inner_text()).group(1))
    counts = [int(t.split()[0]) for t in missing.locator("[data-missing-count]").all_inner_texts()]
    assert sum(counts) == total
    expect(page.locator('[data-check="evidence"] h2')).to_be_visible()
    expect(page.locator('[data-check="warnings"] h2')).to_be_visible()
    expect(page.get_by_role("button", name="Gửi bản đánh giá")).to_have_count(0)
    page_width_fits(page)
    look(page, f"issue23-submit-review-{size}", phone=size == "phone")
    # A jump link lands on the first missing question of its dimension.
    first = missing.locator(".missing-by-dimension > li > a").first
    target = first.get_attribute("href").split("#")[1]
    first.click()
    expect(page.locator(f"#{target}")).to_be_in_viewport()
    page.wait_for_load_state("domcontentloaded")  # a table not parsed yet would pass for hidden below
    if size == "phone":
        # The result comes first on a phone, compact: on the first screen of the section page.
        page.evaluate("window.scrollTo(0, 0)")
        panel = page.locator("[data-result-panel]")
        expect(panel.locator(".result-index")).to_be_in_viewport()
        expect(panel.locator(".result-table")).to_be_hidden()
        look(page, "issue23-section-phone", phone=True)


def test_an_override_refused_stays_at_its_question_and_approve_and_publish_ask_first(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    page = new_context(viewport=DESKTOP_1366).new_page()
    log_in(page, live_app, "tuvan2@cbdtw.demo.vn")  # serves the National Assembly Office (VPQH)
    page.goto("/review")
    page.get_by_role("row", name=re.compile("Văn phòng Quốc hội")).get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/review/assessments/\d+$"))  # the review's address, not the queue's
    review_url = page.url
    article = page.locator("article.review-question").filter(has=page.locator("form[data-override]")).nth(3)
    code = article.get_attribute("id").removeprefix("q-")
    article.locator("details.review-form > summary").click()
    article.locator(f"#body-{code}").fill("Ý kiến đang viết dở")
    article.locator(f"#points-{code}").fill("0,4")
    article.get_by_role("button", name="Lưu điều chỉnh").click()
    # Refused (no justification): the page comes back at the question with what was typed.
    expect(page).to_have_url(re.compile(rf"/overrides/points#q-{re.escape(code)}$"))
    article = page.locator(f"#q-{code}")
    expect(article.locator("details.review-form")).to_have_attribute("open", "")
    expect(article.locator(f"#points-{code}")).to_have_value("0,4")
    expect(article.locator(f"#pj-{code}-error")).to_be_visible()
    expect(article).to_be_in_viewport()
    look(page, "issue23-override-kept")
    # The effect before saving, then the save.
    article.locator(f"#pj-{code}").fill("Số liệu chưa được kiểm chứng.")
    article.get_by_role("button", name="Xem tác động").click()
    article = page.locator(f"#q-{code}")
    expect(article.locator("[data-preview]")).to_contain_text("chỉ số")
    expect(article.locator(f"#pj-{code}")).to_have_value("Số liệu chưa được kiểm chứng.")
    article.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(page.locator(f"#q-{code} .override")).to_contain_text("Số liệu chưa được kiểm chứng.")

    page.goto(review_url)
    approve = page.get_by_role("button", name="Phê duyệt và lập lộ trình")
    approve.click()  # not ticked: the browser keeps the page, nothing is sent
    expect(page).to_have_url(review_url)
    expect(page.locator(".badge-in_review").first).to_be_visible()
    look(page, "issue23-approve-confirmation")
    page.get_by_label("Tôi đã kiểm tra câu trả lời, minh chứng và các điều chỉnh.").check()
    approve.click()
    expect(page.locator(".badge-approved").first).to_be_visible()
    page.get_by_label("Đơn vị được phép xem kết quả từ bây giờ.").check()
    page.get_by_role("button", name="Công bố cho cơ quan").click()
    expect(page.locator(".badge-published").first).to_be_visible()
    expect(page.locator("#decision")).to_contain_text("Đã công bố: đơn vị xem được kết quả")
    expect(page.locator("#decision")).not_to_contain_text("Không thể ra quyết định")
    look(page, "issue23-published-review")


def test_consultant_pages_fit_a_phone(new_context: Any, live_app: LiveApp, look: Any) -> None:
    """The review queue and the portfolio on a 390 px phone: no page wider than the window, office names
    not broken one word per line."""
    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_app, "tuvan1@cbdtw.demo.vn")
    page.goto("/review")
    page_width_fits(page)
    name = page.locator("table.stack tbody th a").first
    lines = page.evaluate(
        "(el) => { const s = getComputedStyle(el);"
        " const line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2;"
        " return Math.round(el.getBoundingClientRect().height / line); }",
        name.element_handle(),
    )
    words = len(name.inner_text().split())
    assert lines < words or words <= 2, f"{words} words on {lines} lines"
    look(page, "issue23-review-queue-phone", phone=True)
    page.goto("/review/portfolio")
    page_width_fits(page)
    look(page, "issue23-portfolio-phone", phone=True)
