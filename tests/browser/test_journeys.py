"""The three journeys of issue 11 in a real Chromium: what a respondent and a consultant see and do.

Each journey uses its own demo office, so each test stands alone on the shared live app.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, LiveApp

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
    assert sections == 10
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

    page.get_by_role("link", name="Tổng quan").click()
    look(page, "results-draft")
    page.get_by_role("link", name="Rà soát và gửi").click()
    look(page, "submit-confirmation")
    page.get_by_role("button", name="Gửi bản đánh giá").click()
    expect(page.locator(".badge-submitted").first).to_be_visible()
