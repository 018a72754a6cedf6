"""Issue 24 in a real Chromium: what a person types is what is stored. Two browsers of one account never
overwrite each other in silence, a change whose first attempt did arrive is accepted quietly, queued changes
leave from the overview page, "Đã lưu" follows logging in again, and "1.000" is a thousand in Vietnamese.

Each test uses its own draft office of the demo (UBKTTW, BNCTW, KTNN), so each stands alone on the shared
live app.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.browser.conftest import LiveApp, unavailable
from tests.browser.test_journeys import SAVED, is_answer_save, log_in

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

OPTION_D = "Từ 02 cuộc trở lên"
OPTION_E = "Từ 02 cuộc trở lên, trong đó có diễn tập thực chiến với đội tấn công bên ngoài"


def draft_of(live_app: LiveApp, office_code: str) -> int:
    """The id of the office's current (draft) assessment."""
    from roadmap.models import Assessment, Office

    with live_app.app.app_context():
        from roadmap.extensions import db

        return int(
            db.session.scalar(
                select(Assessment.id)
                .join(Office, Office.id == Assessment.office_id)
                .where(Office.code == office_code, Assessment.status == "draft")
            )
        )


def stored(live_app: LiveApp, assessment_id: int, code: str) -> Any:
    """The value the server holds for a question (None: no answer)."""
    from roadmap.models import AnswerRecord

    with live_app.app.app_context():
        from roadmap.extensions import db

        return db.session.scalar(
            select(AnswerRecord.value).where(
                AnswerRecord.assessment_id == assessment_id, AnswerRecord.question_code == code
            )
        )


def section_page(new_context: Any, live_app: LiveApp, email: str, assessment_id: int) -> tuple[Any, Page]:
    context = new_context()
    page = context.new_page()
    log_in(page, live_app, email)
    page.goto(f"/assessments/{assessment_id}/sections/SEC")
    expect(page.locator("#q-SEC-08")).to_be_visible()
    return context, page


def option(page: Page, value: str) -> Any:
    return page.locator(f'input[name="SEC-08-value"][value="{value}"]')


def test_a_stale_browser_of_the_same_account_meets_a_conflict_and_nothing_is_stored_silently(
    new_context: Any, live_app: LiveApp
) -> None:
    email = "daumoi.ubkttw@demo.vn"
    assessment_id = draft_of(live_app, "UBKTTW")
    _laptop_context, laptop = section_page(new_context, live_app, email, assessment_id)
    phone_context, phone = section_page(new_context, live_app, email, assessment_id)

    # The phone goes offline and changes SEC-08 to e: the change never leaves the browser.
    phone_context.set_offline(True)
    option(phone, "e").check()
    expect(phone.locator("[data-pending]")).to_have_text("1 thay đổi chưa được lưu")
    # The laptop, on the same account, changes it to d and sees it saved.
    with laptop.expect_response(is_answer_save):
        option(laptop, "d").check()
    expect(laptop.locator("[data-save-state]")).to_have_text(SAVED)

    # Back online, the phone's change meets the laptop's as a conflict, shown with both answers.
    with phone.expect_response(is_answer_save) as sent:
        phone_context.set_offline(False)
    assert sent.value.status == 409
    box = phone.locator('[data-conflict-for="SEC-08"]')
    expect(box).to_be_visible()
    expect(box.locator("strong").nth(0)).to_have_text(OPTION_D)
    expect(box.locator("strong").nth(1)).to_have_text(OPTION_E)
    expect(box.get_by_role("button", name="Giữ câu trả lời của tôi")).to_be_visible()
    expect(phone.locator("[data-pending]")).to_have_text("1 thay đổi chưa được lưu")
    phone.wait_for_timeout(500)  # nothing is sent again behind the person's back
    assert stored(live_app, assessment_id, "SEC-08") == "d"

    # The person chooses to keep the phone's answer: only now is it stored.
    with phone.expect_response(is_answer_save) as kept:
        box.get_by_role("button", name="Giữ câu trả lời của tôi").click()
    assert kept.value.ok
    expect(phone.locator("[data-save-state]")).to_have_text(SAVED)
    assert stored(live_app, assessment_id, "SEC-08") == "e"


def test_a_change_whose_answer_was_lost_on_the_way_back_is_accepted_quietly(
    new_context: Any, live_app: LiveApp
) -> None:
    assessment_id = draft_of(live_app, "BNCTW")
    _context, page = section_page(new_context, live_app, "daumoi.bnctw@demo.vn", assessment_id)

    # The first attempt reaches the server, which stores it; its answer never comes back to the page.
    def deliver_then_drop(route: Any) -> None:
        route.fetch()
        route.abort("connectionreset")

    page.route("**/answers", deliver_then_drop)
    option(page, "e").check()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    expect(page.locator("[data-pending]")).to_have_text("1 thay đổi chưa được lưu")
    page.unroute("**/answers")
    assert stored(live_app, assessment_id, "SEC-08") == "e"

    # Sent again with the same key: the server recognises it, no conflict is shown.
    with page.expect_response(is_answer_save) as again:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    assert again.value.status == 200
    assert again.value.json()["status"] == "unchanged"
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)
    expect(page.locator("[data-pending]")).to_be_hidden()
    expect(page.locator('[data-conflict-for="SEC-08"]')).to_be_hidden()

    # The same again, and the person changes the answer once more before the page hears back: the later
    # change follows its own earlier attempt instead of meeting it as a conflict.
    page.route("**/answers", deliver_then_drop)
    option(page, "c").check()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    page.unroute("**/answers")
    option(page, "b").check()
    with page.expect_response(is_answer_save) as later:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    assert later.value.status == 200
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)
    expect(page.locator('[data-conflict-for="SEC-08"]')).to_be_hidden()
    assert stored(live_app, assessment_id, "SEC-08") == "b"


def test_changes_queued_offline_are_sent_from_the_overview_page(new_context: Any, live_app: LiveApp) -> None:
    assessment_id = draft_of(live_app, "KTNN")
    context, page = section_page(new_context, live_app, "daumoi.ktnn@demo.vn", assessment_id)
    before = stored(live_app, assessment_id, "SEC-08")
    wanted = "a" if before != "a" else "b"
    context.set_offline(True)
    option(page, wanted).check()
    expect(page.locator("[data-pending]")).to_have_text("1 thay đổi chưa được lưu")
    page.close()
    context.set_offline(False)

    overview = context.new_page()
    with overview.expect_response(is_answer_save) as sent:
        overview.goto(f"/assessments/{assessment_id}")
    assert sent.value.ok
    expect(overview.locator("[data-save-state]")).to_have_text(SAVED)
    expect(overview.locator("[data-pending]")).to_be_hidden()
    assert stored(live_app, assessment_id, "SEC-08") == wanted


def test_the_page_says_saved_once_its_changes_are_stored_after_logging_in_again(
    new_context: Any, live_app: LiveApp
) -> None:
    email = "daumoi.ktnn@demo.vn"
    assessment_id = draft_of(live_app, "KTNN")
    context, page = section_page(new_context, live_app, email, assessment_id)
    context.clear_cookies()  # the session ends
    with page.expect_response(is_answer_save) as refused:
        page.locator("#SEC-01A-value").fill("12")
        page.locator("#SEC-01A-value").press("Tab")
    assert refused.value.status == 401
    banner = page.locator("[data-login-banner]")
    expect(banner).to_be_visible()
    expect(page.locator("[data-pending]")).to_have_text("1 thay đổi chưa được lưu")

    with context.expect_page() as opened:
        banner.get_by_role("link", name="Đăng nhập lại (mở trong thẻ mới)").click()
    login = opened.value
    login.wait_for_load_state()
    credentials = live_app.login_of(email)
    login.fill('input[name="email"]', credentials.email)
    login.fill('input[name="password"]', credentials.password)
    login.get_by_role("button", name="Đăng nhập").click()

    # The original page hears that its change is stored, and says so.
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)
    expect(page.locator("[data-pending]")).to_be_hidden()
    expect(banner).to_be_hidden()
    assert stored(live_app, assessment_id, "SEC-01A") == 12


def test_one_thousand_typed_in_vietnamese_is_stored_as_a_thousand_and_an_ambiguous_form_is_refused(
    new_context: Any, live_app: LiveApp
) -> None:
    assessment_id = draft_of(live_app, "KTNN")
    _context, page = section_page(new_context, live_app, "daumoi.ktnn@demo.vn", assessment_id)
    figure = page.locator("#SEC-01A-value")
    expect(page.locator("#q-SEC-01A span.help")).to_contain_text("từ 0 đến 1.000")
    with page.expect_response(is_answer_save):
        figure.fill("1.000")
        figure.press("Tab")
    expect(page.locator("[data-save-state]")).to_have_text(SAVED)
    assert stored(live_app, assessment_id, "SEC-01A") == 1000

    page.reload()
    expect(figure).to_have_value("1.000")
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/answers") else None)
    figure.fill("1.0000")
    figure.press("Tab")
    error = page.locator("#q-SEC-01A [data-error-for]")
    expect(error).to_contain_text("SEC-01A")
    expect(error).to_contain_text("1.234,5")
    expect(figure).to_have_value("1.0000")  # what was typed stays, to be corrected
    page.wait_for_timeout(300)
    assert sent == []
    assert stored(live_app, assessment_id, "SEC-01A") == 1000
