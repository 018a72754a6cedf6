"""Two-factor sign-in in a real Chromium (issue 20): a consultant enrols with the QR page, signs in with a
code, cannot replay it, signs in once with a recovery code; an administrator resets the second factor and
the consultant can then do nothing but enrol again. Uses its own demo consultant (tuvan2)."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp

from tests.browser.conftest import LiveApp, unavailable

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the pinned dev requirements have it
    unavailable("Playwright for Python is not installed (pip install -r requirements-dev.txt)", module=True)

CONSULTANT = "tuvan2@cbdtw.demo.vn"
ADMIN = "quantri@cbdtw.demo.vn"


def password_step(page: Page, live_app: LiveApp, email: str) -> None:
    login = live_app.login_of(email)
    page.goto("/login")
    page.fill('input[name="email"]', login.email)
    page.fill('input[name="password"]', login.password)
    page.get_by_role("button", name="Đăng nhập").click()


def give_code(page: Page, code: str) -> None:
    page.fill('input[name="code"]', code)
    page.get_by_role("button", name="Tiếp tục").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/login"))


def test_consultant_enrols_signs_in_with_codes_and_an_administrator_resets_it(
    new_context: Any, live_app: LiveApp, look: Any
) -> None:
    page = new_context().new_page()
    password_step(page, live_app, CONSULTANT)
    expect(page.locator(".flash, [role=alert], .alert").first).to_contain_text(
        "Vui lòng bật đăng nhập hai lớp"
    )

    # Enrolment: the QR code is drawn by the server (an image that loads under the page's CSP), the key is
    # shown for typing, and a first code turns it on.
    page.get_by_role("link", name="Đăng nhập hai lớp").click()
    qr = page.get_by_role("img", name="Mã QR cho ứng dụng xác thực")
    expect(qr).to_be_visible()
    page.wait_for_load_state("load")  # the image has its set size before it is decoded (naturalWidth 0)
    assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 0
    look(page, "two-factor-enrolment")
    totp = pyotp.TOTP(page.locator("#totp-key").input_value())
    page.fill('input[name="code"]', totp.now())
    page.get_by_role("button", name="Bật đăng nhập hai lớp").click()
    expect(page.locator(".recovery-codes code")).to_have_count(10)  # all_inner_texts does not wait
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Tôi đã lưu các mã: tiếp tục").click()
    log_out(page)

    # Sign-in: after the password, nothing but the code page.
    password_step(page, live_app, CONSULTANT)
    expect(page).to_have_url(re.compile(r"/login/code"))
    page.goto("/review")
    expect(page).to_have_url(re.compile(r"/login/code"))
    code = totp.at(time.time() + 30)  # the enrolment spent this step's code
    give_code(page, code)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto("/review")
    expect(page.locator("h1")).to_be_visible()
    log_out(page)

    # The same code again is refused; a recovery code signs in, once.
    password_step(page, live_app, CONSULTANT)
    give_code(page, code)
    expect(page.locator(".field.has-error")).to_contain_text("Mã này đã được dùng")
    give_code(page, codes[0])
    expect(page.locator("body")).to_contain_text("Còn lại 9 mã")
    log_out(page)
    password_step(page, live_app, CONSULTANT)
    give_code(page, codes[0])
    expect(page.locator(".field.has-error")).to_contain_text("Mã không đúng.")
    page.get_by_role("button", name="Đăng xuất").click()

    # The administrator resets it (a lost phone).
    admin = new_context().new_page()
    password_step(admin, live_app, ADMIN)
    admin.goto("/admin/users")
    row = admin.locator("tr", has_text=CONSULTANT)
    row.get_by_role("button", name="Đặt lại đăng nhập hai lớp").click()
    expect(admin.locator("body")).to_contain_text("Đã đặt lại đăng nhập hai lớp của " + CONSULTANT)

    # The consultant must enrol again before anything else: no office's data until then.
    password_step(page, live_app, CONSULTANT)
    expect(page).to_have_url(re.compile(r"/account/two-factor"))
    expect(page.locator("body")).to_contain_text("Tài khoản của bạn phải dùng đăng nhập hai lớp")
    for address in ("/review", "/review/portfolio", "/"):
        page.goto(address)
        expect(page).to_have_url(re.compile(r"/account/two-factor"))
