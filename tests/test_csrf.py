"""Every state-changing route refuses a request without a valid CSRF token, and changes nothing."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import ApiToken, AuditEvent, ConsultantAssignment, Cycle, FrameworkVersion, Office, User
from roadmap.services.directory import api_tokens
from tests.conftest import PASSWORD, Browser

ARGUMENTS = {
    "office_id": "office",
    "user_id": "user",
    "assignment_id": "assignment",
    "cycle_id": "cycle",
    # The token is checked before the view runs: the object need not exist.
    "assessment_id": "assessment",
    "token_id": "token",  # the admin's own API token: revoking it without a valid token must change nothing
    "key": "upload",  # a framework file kept for review: importing it without a valid token imports nothing
}


def _state() -> tuple:
    rows = []
    for model in (Office, User, ConsultantAssignment, Cycle, ApiToken, FrameworkVersion):
        rows.append(tuple(db.session.execute(select(model.__table__)).all()))
    return tuple(rows)


def test_every_post_route_refuses_a_missing_or_forged_token(app, world):
    assignment = db.session.scalar(select(ConsultantAssignment))
    ids = {
        "office": world.office_b.id,
        "user": world.respondent_b.id,
        "assignment": assignment.id,
        "cycle": world.cycle.id,
        "assessment": 999,
        "token": api_tokens.create(world.admin, "csrf").token.id,
        "upload": "0" * 32,
    }
    browser = Browser(app.test_client())
    browser.login(world.admin.email, PASSWORD)
    before = _state()
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        arguments = {}
        for name in rule.arguments:
            arguments[name] = {"code": "en", "status": "closed", "dimension": "NETW"}.get(name) or ids[
                ARGUMENTS[name]
            ]
        with app.test_request_context():
            url = url_for(rule.endpoint, **arguments)
        form = {
            "email": world.admin.email,
            "password": PASSWORD,
            "code": "NEW",
            "name_vi": "X",
            "name_en": "X",
        }
        missing = browser.post(url, form, csrf=False)
        forged = browser.post(url, {**form, "csrf_token": "forged"}, csrf=False)
        assert missing.status_code == 400, url
        assert forged.status_code == 400, url
        checked.append(rule.endpoint)
    assert _state() == before
    assert len(checked) >= 12
    # The language switch without a token did not change the account either.
    assert db.session.get(User, world.admin.id).locale == "vi"


def test_csrf_failure_page_is_localised_and_explains_what_to_do(app, world):
    browser = Browser(app.test_client())
    page = browser.post("/login", {"email": "a@b.vn", "password": "x"}, csrf=False).get_data(as_text=True)
    assert "Go back, reload the page and try again." not in page  # Vietnamese by default
    assert "tải lại trang" in page


def test_token_from_another_session_is_refused(app, world):
    first = Browser(app.test_client())
    second = Browser(app.test_client())
    token = first.csrf()
    response = second.post(
        "/login", {"email": world.admin.email, "password": PASSWORD, "csrf_token": token}, csrf=False
    )
    assert response.status_code == 400
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.succeeded")
        )
        == 0
    )
