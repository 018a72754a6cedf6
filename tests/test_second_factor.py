"""Two-factor sign-in (issue 20): enrolment, sign-in with a code, recovery codes, no replay, lockout, the
administrator's reset, and the grace period after which a consultant without a second factor sees nothing."""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AuditEvent, RecoveryCode, User
from tests.conftest import PASSWORD, Browser, logged_in


def fresh(user_id: int) -> User:
    db.session.rollback()
    return db.session.get(User, user_id)


def code_of(user: User, steps_ahead: int = 0) -> str:
    """The authenticator's code, `steps_ahead` steps of 30 s from now (the window accepts one ahead)."""
    return pyotp.TOTP(user.totp_secret or user.totp_pending_secret).at(time.time() + 30 * steps_ahead)


def enrol(app, user: User) -> tuple[Browser, list[str]]:
    browser = logged_in(app, user.email)
    page = browser.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn by the server
    secret = fresh(user.id).totp_pending_secret
    assert secret in html
    done = browser.post("/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(
        r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", done.get_data(as_text=True)
    )
    return browser, codes


def sign_in(app, user: User) -> Browser:
    browser = Browser(app.test_client())
    response = browser.login(user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/code")
    return browser


def test_enrolment_is_confirmed_by_a_first_code_and_shows_ten_recovery_codes_once(app, world):
    browser, codes = enrol(app, world.consultant)
    assert len(codes) == len(set(codes)) == 10
    consultant = fresh(world.consultant.id)
    assert consultant.totp_secret is not None
    assert consultant.totp_pending_secret is None
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == consultant.id)
    ).all()
    assert len(stored) == 10
    assert not set(stored) & ({code.replace("-", "") for code in codes} | set(codes))  # hashes only
    again = browser.get("/account/two-factor").get_data(as_text=True)
    assert not any(code in again for code in codes)
    assert "Mã khôi phục còn lại: 10." in again


def test_a_wrong_first_code_does_not_turn_it_on(app, world):
    browser = logged_in(app, world.consultant.email)
    browser.get("/account/two-factor")
    response = browser.post("/account/two-factor", {"code": "000000"})
    assert "Mã không đúng." in response.get_data(as_text=True)
    assert fresh(world.consultant.id).totp_secret is None


def test_sign_in_needs_the_code_after_the_password_and_each_code_is_accepted_once(app, world):
    enrol(app, world.consultant)
    consultant = fresh(world.consultant.id)
    browser = sign_in(app, consultant)
    # Between the password and the code nothing is reachable: not a page, not a JSON endpoint.
    assert browser.get(f"/offices/{world.office_a.id}").headers["Location"].startswith("/login/code")
    assert browser.get("/review", headers={"Accept": "application/json"}).status_code == 401
    code = code_of(consultant, steps_ahead=1)  # the enrolment used this step's code
    response = browser.post("/login/code", {"code": code})
    assert response.status_code == 302
    assert browser.get(f"/offices/{world.office_a.id}").status_code == 200
    browser.logout()
    replay = sign_in(app, consultant)
    refused = replay.post("/login/code", {"code": code})
    assert "Mã này đã được dùng" in refused.get_data(as_text=True)
    assert replay.get(f"/offices/{world.office_a.id}").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == consultant.id)).all()
    assert {"second_factor.enrolled", "second_factor.succeeded", "second_factor.replayed"} <= set(actions)


def test_a_recovery_code_signs_in_once(app, world):
    _browser, codes = enrol(app, world.consultant)
    consultant = fresh(world.consultant.id)
    browser = sign_in(app, consultant)
    used = browser.post("/login/code", {"code": codes[3].upper().replace("-", " ")}, follow_redirects=True)
    assert "Còn lại 9 mã" in used.get_data(as_text=True)
    assert browser.get(f"/offices/{world.office_a.id}").status_code == 200
    browser.logout()
    again = sign_in(app, consultant)
    assert "Mã không đúng." in again.post("/login/code", {"code": codes[3]}).get_data(as_text=True)


def test_failed_codes_count_towards_the_lockout(app, world):
    enrol(app, world.consultant)
    consultant = fresh(world.consultant.id)
    browser = sign_in(app, consultant)
    for _ in range(4):
        assert "Mã không đúng." in browser.post("/login/code", {"code": "123456"}).get_data(as_text=True)
    locked = browser.post("/login/code", {"code": "123456"})
    assert locked.headers["Location"] == "/login"
    assert browser.get(f"/offices/{world.office_a.id}").status_code == 302  # logged out
    # The account is locked for passwords too, even the right one.
    again = Browser(app.test_client()).login(consultant.email, PASSWORD)
    assert again.status_code == 200
    assert "quá nhiều lần" in again.get_data(as_text=True)


def test_an_administrator_resets_a_second_factor_and_the_user_must_enrol_again(app, world):
    user_browser, _codes = enrol(app, world.consultant)
    admin = logged_in(app, world.admin.email)
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{world.consultant.id}/second-factor/reset" in listing
    response = admin.post(f"/admin/users/{world.consultant.id}/second-factor/reset")
    assert response.status_code == 302
    consultant = fresh(world.consultant.id)
    assert consultant.totp_secret is None
    assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == consultant.id)) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "second_factor.reset"))
    assert event.actor_id == world.admin.id
    assert event.object_id == str(consultant.id)
    # The reset ended the user's sessions; at the next login the user may only enrol.
    assert user_browser.get(f"/offices/{world.office_a.id}").status_code == 302
    browser = Browser(app.test_client())
    assert browser.login(consultant.email, PASSWORD).headers["Location"].startswith("/account/two-factor")
    assert browser.get(f"/offices/{world.office_a.id}").headers["Location"].startswith("/account/two-factor")


def test_after_the_grace_period_a_consultant_without_a_second_factor_reaches_no_office_data(app, world):
    browser = logged_in(app, world.consultant.email)
    assert browser.get(f"/offices/{world.office_a.id}").status_code == 200  # within the grace period
    consultant = fresh(world.consultant.id)
    assert consultant.second_factor_grace_until > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    consultant.second_factor_grace_until = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    for url in (f"/offices/{world.office_a.id}", "/review", "/review/portfolio", "/"):
        assert browser.get(url).headers["Location"].startswith("/account/two-factor"), url
    assert browser.get("/api/v1/offices", headers={"Accept": "application/json"}).status_code == 401
    assert browser.get("/account/two-factor").status_code == 200


def test_an_administrator_can_require_a_second_factor_of_a_respondent(app, world):
    admin = logged_in(app, world.admin.email)
    respondent = world.respondent_a
    response = admin.post(
        f"/admin/users/{respondent.id}/edit",
        {
            "email": respondent.email,
            "full_name": respondent.full_name,
            "role": "respondent",
            "office_code": "VPA",
            "locale": "vi",
            "second_factor_required": "y",
        },
    )
    assert response.status_code == 302
    assert fresh(respondent.id).second_factor_required is True
    browser = Browser(app.test_client())
    welcome = browser.login(respondent.email, PASSWORD)
    assert welcome.status_code == 302
    page = browser.get(welcome.headers["Location"]).get_data(as_text=True)
    assert "Vui lòng bật đăng nhập hai lớp" in page
