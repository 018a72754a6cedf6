"""The password policy (issue 9): 12 to 128 characters, no composition rules, the 10,000 most common
passwords and context words (the service's name, offices' names and codes, the user's own) refused."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from roadmap.services.directory import accounts, password_policy
from roadmap.services.directory.accounts import UserDetails
from tests.conftest import PASSWORD, logged_in

COMMON = "among the most used passwords"
CONTEXT = "must not be made mostly of"


def messages(password: str, **kwargs) -> str:
    with force_locale("en"):
        return " ".join(str(problem.message) for problem in accounts.password_problems(password, **kwargs))


def test_the_list_has_ten_thousand_distinct_entries():
    lines = password_policy.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10_000
    assert len(set(lines)) == 10_000
    assert lines[:3] == ["password", "123456", "12345678"]


def test_every_common_password_is_refused(app, world):
    refused = [
        p for p in password_policy.COMMON_PASSWORDS_FILE.read_text("utf-8").splitlines() if messages(p)
    ]
    assert len(refused) == 10_000


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password!2024",
        "qwertyqwerty",
        "passwordpassword",
        "  iloveyou  12345",
        "123456789012",
        "aaaaaaaaaaaaaaaa",
        "2026!!!football",
        "monkey monkey monkey",
    ],
)
def test_long_variants_of_common_passwords_are_refused(app, world, password):
    assert COMMON in messages(password)


@pytest.mark.parametrize(
    "password",
    [
        "all lowercase words here",  # no composition rule: lower case only is fine
        "ĐỒNG HỒ CÁT CHẠY MÃI",  # capitals and Vietnamese letters
        "1 con mèo, 2 con chó",
        "🐢 chậm mà chắc 🐢",
    ],
)
def test_no_composition_rules(app, world, password):
    assert messages(password) == ""


def test_length_limits_12_to_128(app, world):
    assert "at least 12" in messages("elevenchars")
    assert messages("twelve chars") == ""
    assert messages("a long phrase " * 9 + "ab") == ""  # 128
    assert len("a long phrase " * 9 + "ab") == 128
    assert "at most 128" in messages("a long phrase " * 9 + "abc")


@pytest.mark.parametrize(
    "password",
    ["Lộ trình chuyển đổi số!", "lo trinh chuyen doi so 2026", "roadmap roadmap 2026", "Văn phòng A 2026!"],
)
def test_the_services_and_offices_names_are_refused(app, world, password):
    assert CONTEXT in messages(password)


def test_the_office_code_and_the_users_own_name_are_refused(app, world):
    user = world.respondent_a
    assert CONTEXT in messages("resp.a@example.vn!", user=user)
    assert CONTEXT in messages("Resp.A resp.a 12", user=user)
    # The same context words inside a real phrase are fine: enough remains once they are taken out.
    assert messages("VPA sáng nay mưa to quá trời", user=user) == ""


def test_the_change_password_page_explains_the_refusal(app, world):
    browser = logged_in(app, world.consultant.email)
    browser.post("/locale/en")
    page = browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "password123456",
            "confirm_password": "password123456",
        },
    ).get_data(as_text=True)
    assert COMMON in page
    assert logged_in(app, world.consultant.email, PASSWORD)


def test_the_change_password_page_is_vietnamese_by_default(app, world):
    browser = logged_in(app, world.consultant.email)
    page = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "qwertyqwerty!", "confirm_password": "qwertyqwerty!"},
    ).get_data(as_text=True)
    assert "Mật khẩu này nằm trong số những mật khẩu được dùng nhiều nhất" in page


def test_creating_an_account_with_a_context_password_is_refused(app, world):
    with pytest.raises(accounts.Invalid) as refused:
        accounts.create_user(
            UserDetails("nguyen.van.minh@example.vn", "Nguyễn Văn Minh", "consultant", None),
            "Nguyễn Văn Minh 1990",
            actor=None,
        )
    with force_locale("en"):
        assert CONTEXT in " ".join(str(problem.message) for problem in refused.value.problems)


def test_session_limits_come_from_the_environment(tmp_path):
    from roadmap import config

    settings = config.from_environment(
        tmp_path, {"SECRET_KEY": "k" * 40, "SESSION_IDLE_MINUTES": "10", "SESSION_MAX_HOURS": "8"}
    )
    assert (settings["SESSION_IDLE_MINUTES"], settings["SESSION_MAX_HOURS"]) == (10, 8)
    defaults = config.from_environment(tmp_path, {"SECRET_KEY": "k" * 40})
    assert (defaults["SESSION_IDLE_MINUTES"], defaults["SESSION_MAX_HOURS"]) == (30, 12)
