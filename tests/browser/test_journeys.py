"""The three journeys of issue 11 in a real Chromium: what a respondent and a consultant see and do.

Each journey uses its own demo office, so each test stands alone on the shared live app.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from roadmap.engine.loader import load_framework
from roadmap.services.survey.frameworks import FRAMEWORK_2026
from tests.browser.conftest import PHONE, LiveApp, unavailable

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

TYPED = {"percent": "60", "number": "3", "text": "Đơn vị đang triển khai theo kế hoạch năm."}
SAVED = re.compile(r"Đã lưu lúc \d{1,2}:\d{2}")


def log_in(page: Page, live_app: LiveApp, email: str) -> None:
    login = live_app.login_of(email)
    page.goto("/login")
    page.fill('input[name="email"]', login.email)
    page.fill('input[name="password"]', login.password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".who")).to_be_visible()


def is_answer_save(response: Any) -> bool:
    return response.request.method == "POST" and response.url.endswith("/answers")


# --- journey 1: a respondent fills the whole survey ------------------------------------------------------


def answer_question(page: Page, fieldset: Any, answers: dict[str, Any], *, wait: bool = True) -> None:
    """Give one question a plausible answer the way a person does, and (by default) see it saved."""
    code = fieldset.get_attribute("data-question")
    kind = fieldset.get_attribute("data-type")
    options = fieldset.locator("[data-answer]")

    def act() -> None:
        if kind in ("single_choice", "scale"):
            choice = options.nth(min(2, options.count() - 1))
            choice.check()
            answers[code] = ("checked", [choice.get_attribute("value")])
        elif kind == "yes_no":
            options.first.check()
            answers[code] = ("checked", [options.first.get_attribute("value")])
        elif kind == "multi_choice":
            options.nth(0).check()
            answers[code] = ("checked", [options.nth(0).get_attribute("value")])
        else:
            value = TYPED[kind]
            box = options.first
            box.fill(value)
            box.press("Tab")  # leaving the field is a change: saved at once
            answers[code] = ("value", value)

    if not wait:
        act()
        return
    with page.expect_response(is_answer_save) as saved:
        act()
    assert saved.value.ok, saved.value.text()
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)
    expect(fieldset.locator("[data-meta-for]")).to_contain_text("Dương Quang Huy")


def choose(page: Page, code: str, option: str) -> None:
    with page.expect_response(is_answer_save):
        page.locator(f'input[name="{code}-value"][value="{option}"]').check()
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)


def fill_visible_questions(page: Page, answers: dict[str, Any], skip: set[str] = frozenset()) -> None:
    fieldsets = page.locator("fieldset[data-question]")
    for index in range(fieldsets.count()):
        fieldset = fieldsets.nth(index)
        code = fieldset.get_attribute("data-question")
        if code in skip or code in answers or fieldset.is_hidden():
            continue
        answer_question(page, fieldset, answers)


def test_respondent_fills_every_section_offline_too_and_submits(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    context = new_context()
    page = context.new_page()
    page.goto("/login")
    look(page, "login")
    log_in(page, live_app, "daumoi.tandtc@demo.vn")  # Tòa án nhân dân tối cao: no assessment yet
    look(page, "respondent-home")

    page.get_by_role("link", name="Đánh giá", exact=True).click()
    look(page, "respondent-assessments")
    page.get_by_role("button", name="Bắt đầu đánh giá").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("link", name="Tiếp tục trả lời").click()
    expect(page.locator("h1")).to_have_text("Lãnh đạo, chiến lược và nhận thức số")
    look(page, "survey-section")
    answers: dict[str, Any] = {}

    # A conditional question: LDR-03 asks for the share of the plan done only once there is a plan.
    later = page.locator("#q-LDR-03")
    choose(page, "LDR-01", "a")
    expect(later).to_be_hidden()
    choose(page, "LDR-01", "c")
    expect(later).to_be_visible()
    choose(page, "LDR-01", "a")
    expect(later).to_be_hidden()
    answer_question(page, page.locator("#q-LDR-01"), answers)
    expect(later).to_be_visible()

    # Keyboard only: Space picks an option, the arrow key moves to the next; each is saved at once.
    page.locator("#LDR-02-value-0").focus()
    with page.expect_response(is_answer_save):
        page.keyboard.press("Space")
    with page.expect_response(is_answer_save):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#LDR-02-value-1")).to_be_checked()
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)
    answers["LDR-02"] = ("checked", [page.locator("#LDR-02-value-1").get_attribute("value")])
    fill_visible_questions(page, answers)

    sections = 1
    while True:
        following = page.locator('a[rel="next"]')
        if following.count() == 0:
            break
        following.click()
        page.wait_for_load_state()
        sections += 1
        if sections == 2:
            # The office's network drops while three answers are given: they wait in the browser.
            fieldsets = page.locator("fieldset[data-question]:visible")
            context.set_offline(True)
            for index in range(3):
                answer_question(page, fieldsets.nth(index), answers, wait=False)
            expect(page.locator("[data-pending]")).to_have_text("3 thay đổi chưa được lưu")
            expect(page.locator("[data-offline-banner]")).to_be_visible()
            look(page, "survey-offline")
            with page.expect_response(is_answer_save):
                context.set_offline(False)
            expect(page.locator("[data-pending]")).to_be_hidden()
            expect(page.locator("[data-offline-banner]")).to_be_hidden()
            expect(page.locator("[data-save-state]")).to_have_text(SAVED)
        fill_visible_questions(page, answers)
    # Every dimension of the 2026 framework (central-offices 1.1.0, the demo's current cycle) is a section.
    assert sections == len(load_framework(FRAMEWORK_2026).dimensions) == 11
    assert len(answers) > 90

    # Every answer is on the server: reload each section and find it.
    for link in page.locator("[data-progress-section] a").all():
        page.goto(link.get_attribute("href"))
        for code, (kind, expected) in answers.items():
            fieldset = page.locator(f"#q-{code}")
            if fieldset.count() == 0:
                continue
            if kind == "checked":
                for value in expected:
                    expect(fieldset.locator(f'[data-answer][value="{value}"]')).to_be_checked()
            else:
                expect(fieldset.locator("[data-answer]")).to_have_value(expected)
    expect(page.locator("[data-progress-overall]")).to_contain_text("Đã trả lời")

    phone = new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(page.url)
    look(small, "survey-section-phone", phone=True)
    # Usable on a phone: nothing wider than the screen, so no sideways scrolling.
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Tổng quan").click()
    look(page, "results-draft")
    page.get_by_role("link", name="Rà soát và gửi").click()
    look(page, "submit-confirmation")
    page.get_by_role("button", name="Gửi bản đánh giá").click()
    expect(page.locator(".badge-submitted").first).to_be_visible()


# --- journey 2: a consultant reviews, returns, approves, edits the roadmap, publishes --------------------

CONSULTANT = "tuvan1@cbdtw.demo.vn"  # serves the Central Organisation Commission (BTCTW)
BTCTW_RESPONDENT = "daumoi.btctw@demo.vn"


def status_is(page: Page, status: str) -> None:
    expect(page.locator(f".facts .badge-{status}, .survey-status .badge-{status}").first).to_be_visible()


def comment_on(page: Page, code: str, text: str) -> None:
    article = page.locator(f"#q-{code}")
    article.locator("details.review-form > summary").click()
    article.locator(f"#body-{code}").fill(text)
    article.get_by_role("button", name="Thêm ý kiến").click()
    expect(page.locator(f"#q-{code} .review-comment")).to_contain_text(text)


def pick_option(select: Any, index: int) -> str:
    # A click that submits a form returns once the next page's response has arrived, not once it is parsed: a
    # clean-clone CI run read the options of a select the parser had not reached yet (none). Read them once
    # the document is whole.
    select.page.wait_for_load_state("domcontentloaded")
    values = [value for value in select.locator("option").evaluate_all("os => os.map(o => o.value)") if value]
    value = values[index]
    select.select_option(value)
    return str(value)


def test_consultant_reviews_returns_approves_edits_the_roadmap_and_publishes(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    consultant = new_context().new_page()
    log_in(consultant, live_app, CONSULTANT)
    consultant.get_by_role("link", name="Thẩm định", exact=True).click()
    expect(consultant.locator("h1")).to_have_text("Hàng đợi thẩm định")
    look(consultant, "review-queue")
    consultant.get_by_role("link", name="Ban Tổ chức Trung ương").click()
    status_is(consultant, "submitted")
    consultant.get_by_role("button", name="Bắt đầu thẩm định").click()
    status_is(consultant, "in_review")
    look(consultant, "review-page")
    review_url = consultant.url.split("#")[0]
    assessment_id = int(review_url.rstrip("/").rsplit("/", 1)[1])

    comment_on(consultant, "LDR-01", "Đề nghị bổ sung số, ngày quyết định phê duyệt kế hoạch.")
    comment_on(consultant, "NET-01", "Đề nghị nêu rõ hai hướng kết nối cáp quang.")

    dimension = consultant.locator("#d-SEC")
    dimension.locator("> details.review-form > summary").click()
    dimension.locator("#level-SEC").select_option("1")
    dimension.locator("#lj-SEC").fill("Chưa có phương án ứng cứu sự cố được phê duyệt.")
    dimension.locator("> details.review-form").get_by_role("button", name="Lưu điều chỉnh").click()
    expect(consultant.locator("#d-SEC .override")).to_contain_text(
        "Chưa có phương án ứng cứu sự cố được phê duyệt."
    )

    # The return form is a part of its own, folded, away from the approve button (issue 23).
    consultant.locator("#return summary").click()
    consultant.locator("#return-comment").fill("Đề nghị rà soát câu LDR-01 và NET-01.")
    consultant.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    status_is(consultant, "returned")

    # The office's representative reads the comments at their questions, fixes an answer and resubmits.
    respondent = new_context().new_page()
    log_in(respondent, live_app, BTCTW_RESPONDENT)
    respondent.goto(f"/assessments/{assessment_id}/sections/LDR")
    expect(respondent.locator("#q-LDR-01 .review-comment")).to_contain_text("quyết định phê duyệt kế hoạch")
    current = respondent.locator('input[name="LDR-01-value"]:checked').get_attribute("value")
    choose(respondent, "LDR-01", "d" if current != "d" else "e")
    respondent.goto(f"/assessments/{assessment_id}/sections/NET")
    expect(respondent.locator("#q-NET-01 .review-comment")).to_contain_text("hai hướng kết nối")
    respondent.get_by_role("link", name="Tổng quan").click()
    respondent.get_by_role("link", name="Rà soát và gửi").click()
    respondent.get_by_role("button", name="Gửi bản đánh giá").click()
    status_is(respondent, "submitted")

    consultant.goto(review_url)
    status_is(consultant, "submitted")
    # A resubmission goes on with the review it came back from: no second start (issue 23); approving asks
    # for the ticked confirmation.
    expect(consultant.get_by_role("button", name="Bắt đầu thẩm định")).to_have_count(0)
    consultant.get_by_label("Tôi đã kiểm tra câu trả lời, minh chứng và các điều chỉnh.").check()
    consultant.get_by_role("button", name="Phê duyệt và lập lộ trình").click()
    status_is(consultant, "approved")

    consultant.get_by_role("link", name="Mở lộ trình").click()
    consultant.get_by_role("link", name="Điều chỉnh lộ trình").click()
    look(consultant, "roadmap-edit")
    move = consultant.locator("#edit-move")
    moved = pick_option(move.locator('select[name="move-initiative"]'), 0)
    pick_option(move.locator('select[name="move-quarter"]'), -1)
    move.locator('textarea[name="move-reason"]').fill("Đơn vị đề nghị lùi do chưa bố trí được kinh phí.")
    move.get_by_role("button", name="Dời lịch").click()
    expect(consultant).to_have_url(re.compile(r"[?&]changed="))
    remove = consultant.locator("#edit-remove")
    removed = pick_option(remove.locator('select[name="remove-initiative"]'), -1)
    assert removed != moved
    remove.locator('textarea[name="remove-justification"]').fill("Đơn vị đã hoàn thành nội dung này.")
    remove.locator('textarea[name="remove-reason"]').fill("Đã thực hiện trong năm trước.")
    remove.get_by_role("button", name="Loại khỏi lộ trình").click()

    consultant.get_by_role("link", name="Lộ trình", exact=True).click()
    expect(consultant.locator(f"#initiative-{moved}")).to_contain_text("Do chuyên gia tư vấn dời lịch")
    removed_card = consultant.locator(f"#initiative-{removed}")
    expect(removed_card).to_contain_text("Lý do: Đã thực hiện trong năm trước.")
    look(consultant, "roadmap-consultant")

    consultant.goto(review_url)
    consultant.get_by_label("Đơn vị được phép xem kết quả từ bây giờ.").check()
    consultant.get_by_role("button", name="Công bố cho cơ quan").click()
    status_is(consultant, "published")

    consultant.get_by_role("link", name="Tổng quan các đơn vị").click()
    look(consultant, "portfolio")


# --- journey 3: the office reads its published result and roadmap, in both languages -----------------------


def test_respondent_reads_results_and_roadmap_in_vietnamese_and_english(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    cycle_vi = f"Kỳ đánh giá năm {dt.date.today().year}"
    page = new_context().new_page()
    log_in(page, live_app, "daumoi.vptw@demo.vn")  # Văn phòng Trung ương Đảng: this cycle is published
    page.get_by_role("link", name="Đơn vị của tôi").click()
    current = page.locator(".office-list li", has_text=cycle_vi)
    current.get_by_role("link", name=cycle_vi).click()
    expect(page.locator("h1")).to_have_text(f"Bản đánh giá của Văn phòng Trung ương Đảng, {cycle_vi}")
    status_is(page, "published")
    expect(page.locator("#result-heading")).to_have_text("Kết quả chính thức")
    expect(page.locator(".result-index")).to_contain_text("/ 1000")
    look(page, "results")

    results_url = page.url
    page.go_back()
    page.locator(".office-list li", has_text=cycle_vi).get_by_role("link", name="Lộ trình").click()
    expect(page.locator("h1")).to_have_text("Lộ trình của Văn phòng Trung ương Đảng")
    expect(page.locator("#phases-heading")).to_have_text("Các giai đoạn")
    page.wait_for_load_state("domcontentloaded")  # inner_text does not wait for the heading's text
    first_initiative = page.locator(".initiative-card h3").first.inner_text()
    look(page, "roadmap")
    roadmap_url = page.url
    # The documents are in one place, the assessment's official-result block (issue 23).
    page.goto(results_url)
    # The report PDF, downloaded as a person does, then read back: the office and the first initiative.
    with page.expect_download(timeout=120_000) as pending:
        page.locator('[data-download="report-pdf"]').first.click()
    download = pending.value
    assert download.suggested_filename.endswith(".pdf")
    import pypdf

    reader = pypdf.PdfReader(download.path())
    squashed = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in reader.pages))
    assert "VănphòngTrungươngĐảng" in squashed
    assert re.sub(r"\s+", "", first_initiative) in squashed
    # The same report as a Word document, from the same row of links: the same office and initiative.
    with page.expect_download(timeout=120_000) as pending:
        page.locator('[data-download="report-docx"]').first.click()
    download = pending.value
    assert download.suggested_filename.endswith(".docx")
    from docx import Document

    document = Document(download.path())
    words = re.sub(r"\s+", "", "".join(p.text for p in document.paragraphs))
    assert "VănphòngTrungươngĐảng" in words
    assert re.sub(r"\s+", "", first_initiative) in words

    page.goto(roadmap_url)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Roadmap of Party Central Office")
    expect(page.locator("#phases-heading")).to_have_text("Phases")
    expect(page.get_by_role("link", name="My office")).to_be_visible()
    look(page, "roadmap-english")
    page.get_by_role("link", name="My office").click()
    page.get_by_role("link", name=f"{dt.date.today().year} assessment cycle").click()
    expect(page.locator("h1")).to_have_text(
        f"Assessment of Party Central Office, {dt.date.today().year} assessment cycle"
    )
    expect(page.locator("#result-heading")).to_have_text("Official result")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text(f"Bản đánh giá của Văn phòng Trung ương Đảng, {cycle_vi}")
    page.go_back()
    page.goto(page.url)  # the roadmap again, now in Vietnamese: the same first initiative
    page.get_by_role("link", name="Đơn vị của tôi").click()
    page.locator(".office-list li", has_text=cycle_vi).get_by_role("link", name="Lộ trình").click()
    expect(page.locator(".initiative-card h3").first).to_have_text(first_initiative)
