"""Logging in and out: sessions, lockout, open redirects, password changes."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AuditEvent, User
from tests.conftest import PASSWORD, Browser, logged_in, redis_test_url

GENERIC_REFUSAL = "The e-mail address or the password is not correct."


def english(browser: Browser) -> None:
    browser.post("/locale/en")


def test_login_page_is_vietnamese_by_default(browser, world):
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


def test_login_succeeds_and_the_home_page_greets_the_user(app, world):
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get("/").get_data(as_text=True)
    assert world.respondent_a.full_name in page
    assert db.session.get(User, world.respondent_a.id).last_login_at is not None


def test_wrong_password_and_unknown_account_get_the_same_message(app, world, browser):
    english(browser)
    wrong = browser.login(world.respondent_a.email, "not the password!")
    unknown = browser.login("nobody@example.vn", "not the password!")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC_REFUSAL in wrong.get_data(as_text=True)
    assert GENERIC_REFUSAL in unknown.get_data(as_text=True)
    assert db.session.get(User, world.respondent_a.id).failed_logins == 1


def test_rejected_login_keeps_the_typed_email(app, world, browser):
    page = browser.login("typed@example.vn", "wrong password here").get_data(as_text=True)
    assert 'value="typed@example.vn"' in page
    assert "wrong password here" not in page


def test_five_failures_lock_the_account_even_with_the_right_password(app, world, browser):
    english(browser)
    for _ in range(5):
        browser.login(world.respondent_a.email, "wrong password 123")
    page = browser.login(world.respondent_a.email, PASSWORD).get_data(as_text=True)
    assert "Too many failed attempts" in page
    assert browser.get("/").status_code == 302


def test_lockout_does_not_reveal_whether_an_account_exists(app, world, browser):
    english(browser)
    for _ in range(5):
        browser.login("ghost@example.vn", "wrong password 123")
    page = browser.login("ghost@example.vn", "wrong password 123").get_data(as_text=True)
    assert "Too many failed attempts" in page


def test_lockout_is_shared_between_workers(app, world):
    """Two clients (as two workers would be) count failures in the same shared store."""
    first, second = Browser(app.test_client()), Browser(app.test_client())
    english(second)
    for attempt in range(5):
        (first if attempt % 2 else second).login(world.consultant.email, "wrong password 123")
    page = second.login(world.consultant.email, PASSWORD).get_data(as_text=True)
    assert "Too many failed attempts" in page


@pytest.fixture
def redis_url():
    url = redis_test_url()
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def test_lockout_is_counted_in_redis_when_configured(app, world, redis_url):
    import redis

    app.config["REDIS_URL"] = redis_url
    browser = Browser(app.test_client())
    english(browser)
    for _ in range(5):
        browser.login(world.admin.email, "wrong password 123")
    keys = redis.Redis.from_url(redis_url).keys("roadmap:login-failures:*")
    assert len(keys) == 1
    page = browser.login(world.admin.email, PASSWORD).get_data(as_text=True)
    assert "Too many failed attempts" in page
    # Nothing was counted in the database: the shared store is Redis.
    from roadmap.models import LoginFailure

    assert db.session.scalars(select(LoginFailure)).all() == []


def test_a_successful_login_clears_earlier_failures(app, world, browser):
    for _ in range(4):
        browser.login(world.respondent_a.email, "wrong password 123")
    assert browser.login(world.respondent_a.email, PASSWORD).status_code == 302
    browser.logout()
    for _ in range(4):
        browser.login(world.respondent_a.email, "wrong password 123")
    assert browser.login(world.respondent_a.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aLocation:evil",
        " //evil.example",
    ],
)
def test_next_parameter_never_leads_off_site(app, world, target):
    browser = Browser(app.test_client())
    browser.get("/login")
    response = browser.post(f"/login?next={target}", {"email": world.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


def test_next_parameter_leads_to_a_local_page(app, world):
    browser = Browser(app.test_client())
    response = browser.post("/login?next=/cycles", {"email": world.admin.email, "password": PASSWORD})
    assert response.headers["Location"] == "/cycles"


def test_login_starts_a_new_session(app, world):
    browser = Browser(app.test_client())
    with browser.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    browser.login(world.admin.email, PASSWORD)
    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_logout_ends_the_session_even_if_the_cookie_is_replayed(app, world):
    browser = logged_in(app, world.respondent_a.email)
    with browser.client.session_transaction() as session:
        stolen = dict(session)
    browser.logout()
    assert browser.get("/").status_code == 302
    thief = Browser(app.test_client())
    with thief.client.session_transaction() as session:
        session.update(stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_deactivation_ends_the_users_sessions(app, world):
    victim = logged_in(app, world.respondent_b.email)
    assert victim.get("/").status_code == 200
    admin = logged_in(app, world.admin.email)
    admin.get("/admin/users")
    assert admin.post(f"/admin/users/{world.respondent_b.id}/active").status_code == 302
    assert victim.get("/").status_code == 302
    assert victim.login(world.respondent_b.email, PASSWORD).status_code == 200


def test_password_change_needs_the_current_password_and_ends_other_sessions(app, world):
    other = logged_in(app, world.consultant.email)
    browser = logged_in(app, world.consultant.email)
    english(browser)
    page = browser.post(
        "/account/password",
        {
            "current_password": "not it at all",
            "new_password": "a new long passphrase",
            "confirm_password": "a new long passphrase",
        },
    ).get_data(as_text=True)
    assert "The current password is not correct." in page
    response = browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long passphrase",
            "confirm_password": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert browser.get("/").status_code == 200, "the session that changed the password goes on"
    assert other.get("/").status_code == 302, "other sessions end"
    assert logged_in(app, world.consultant.email, "a new long passphrase")


def test_too_short_and_mismatched_new_passwords_are_refused(app, world):
    browser = logged_in(app, world.consultant.email)
    english(browser)
    page = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "other"},
    ).get_data(as_text=True)
    assert "at least 12 characters" in page
    assert "do not match" in page


def test_one_time_password_forces_a_change_before_anything_else(app, world):
    admin = logged_in(app, world.admin.email)
    admin.get("/admin/users")
    page = admin.post(f"/admin/users/{world.respondent_a.id}/reset-password").get_data(as_text=True)
    user = db.session.get(User, world.respondent_a.id)
    db.session.refresh(user)
    assert user.must_change_password
    one_time = page.split('<p class="one-time-password"><code>')[1].split("</code>")[0]
    browser = logged_in(app, world.respondent_a.email, one_time)
    response = browser.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")
    browser.post(
        "/account/password",
        {
            "current_password": one_time,
            "new_password": "my own good passphrase",
            "confirm_password": "my own good passphrase",
        },
    )
    assert browser.get("/").status_code == 200


def test_idle_session_expires(app, world):
    browser = logged_in(app, world.admin.email)
    with browser.client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 31 * 60
    response = browser.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_activity_moves_the_idle_clock_without_a_new_cookie_on_every_request(app, world):
    browser = logged_in(app, world.admin.email)
    browser.get("/")
    # Within the minute nothing in the session changes: no cookie to sign again and send.
    again = browser.get("/")
    assert again.status_code == 200
    assert "Set-Cookie" not in again.headers
    # After 25 quiet minutes, a request starts the idle clock again, so a working user stays logged in.
    with browser.client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 25 * 60
    response = browser.get("/")
    assert response.status_code == 200
    assert "Set-Cookie" in response.headers
    with browser.client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60


def test_session_has_an_absolute_lifetime(app, world):
    browser = logged_in(app, world.admin.email)
    with browser.client.session_transaction() as session:
        session["login_at"] = int(time.time()) - 13 * 3600
    assert browser.get("/").status_code == 302


def test_logins_and_failures_are_audited(app, world, browser):
    browser.login(world.respondent_a.email, "wrong password 123")
    browser.login(world.respondent_a.email, PASSWORD)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login.failed", "login.succeeded"]


def test_anonymous_language_choice_is_kept_in_the_session(browser, world):
    browser.get("/login")
    browser.post("/locale/en", {"next": "/login"})
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_logged_in_language_choice_is_remembered_on_the_account(app, world):
    browser = logged_in(app, world.respondent_a.email)
    browser.post("/locale/en")
    assert db.session.get(User, world.respondent_a.id).locale == "en"
    again = logged_in(app, world.respondent_a.email)
    assert '<html lang="en">' in again.get("/").get_data(as_text=True)
