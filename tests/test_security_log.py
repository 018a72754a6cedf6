"""The structured security log (issue 9): JSON lines with who, what, when (UTC), where and the object; no
forged lines; and no password, session cookie, CSRF token or secret key in any log or in the audit table."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import select

from roadmap import security_log
from roadmap.extensions import db
from roadmap.models import AuditEvent
from roadmap.services.platform import audit
from tests.conftest import PASSWORD, Browser, isolated
from tests.test_survey import autosave, small_assessment


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(record) for record in self.records)

    def security_lines(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.name == "roadmap.security"]


@pytest.fixture
def capture():
    """Every log record of every logger, at every level, while the test runs."""
    handler = Capture()
    root, security = logging.getLogger(), logging.getLogger("roadmap.security")
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    if not security.propagate:  # a deployment's own handler: capture there too
        security.addHandler(handler)
    yield handler
    security.removeHandler(handler)
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_whole_session_leaves_no_secret_in_any_log(app, world, capture, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    assessment = small_assessment(world)
    browser = Browser(app.test_client())
    wrong = "wrong password typed here"
    new_password = "a brand new passphrase for Tết"
    tokens, cookies = set(), set()

    def remember() -> None:
        if browser.token:
            tokens.add(browser.token)
        cookie = browser.client.get_cookie("roadmap_session")
        if cookie is not None:
            cookies.add(cookie.value)

    browser.login(world.respondent_a.email, wrong)
    remember()
    assert browser.login(world.respondent_a.email, PASSWORD).status_code == 302
    remember()
    browser.get(f"/assessments/{assessment.id}/sections/NETW")
    remember()
    assert autosave(browser, assessment.id, "NW-04", "yes").status_code == 200
    response = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": new_password, "confirm_password": new_password},
    )
    assert response.status_code == 302
    remember()
    browser.get("/")
    remember()
    browser.logout()
    assert tokens
    assert cookies

    audit_rows = "\n".join(
        json.dumps([e.action, e.object_type, e.object_id, e.details, e.ip], ensure_ascii=False)
        for e in db.session.scalars(select(AuditEvent))
    )
    logs = capture.text()
    secrets = {
        "password": PASSWORD,
        "wrong password": wrong,
        "new password": new_password,
        "secret key": app.config["SECRET_KEY"],
        **{f"csrf token {i}": token for i, token in enumerate(tokens)},
        **{f"session cookie {i}": cookie for i, cookie in enumerate(cookies)},
    }
    for name, secret in secrets.items():
        assert secret not in logs, f"{name} in the logs"
        assert secret not in audit_rows, f"{name} in the audit table"
    events = [json.loads(line)["event"] for line in capture.security_lines()]
    for expected in ("login.failed", "login.succeeded", "password.changed", "logout"):
        assert expected in events


def test_each_line_says_who_what_when_where_and_on_what(app, world, capture):
    browser = Browser(app.test_client())
    browser.login(world.respondent_a.email, PASSWORD)
    assert browser.get(f"/offices/{world.office_b.id}").status_code == 404
    entries = [json.loads(line) for line in capture.security_lines()]
    denied = next(e for e in entries if e["event"] == "access.denied")
    assert denied["actor"] == world.respondent_a.email
    assert denied["actor_id"] == world.respondent_a.id
    assert (denied["object_type"], denied["object_id"]) == ("office", str(world.office_b.id))
    assert (denied["method"], denied["path"], denied["ip"]) == (
        "GET",
        f"/offices/{world.office_b.id}",
        "127.0.0.1",
    )
    when = dt.datetime.fromisoformat(denied["time"])
    assert when.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 60


FORGED = '\r\n{"event": "login.succeeded", "actor": "admin@example.vn"}\u2028\x85'


def test_no_value_can_forge_a_log_line(app, world, capture, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    assessment = small_assessment(world)
    browser = Browser(app.test_client())
    browser.login(world.respondent_b.email, PASSWORD)
    # A path the attacker chooses, with line breaks in it, refused and logged.
    response = isolated(
        browser.client.get,
        f"/assessments/{assessment.id}/sections/NETW%0D%0A%7B%22event%22%3A%22forged%22%7D",
    )
    assert response.status_code == 404
    with app.test_request_context("/x"):
        audit.record("login.failed", details={"account_key": FORGED})
        db.session.commit()
    lines = capture.security_lines()
    assert len(lines) >= 3
    text = "\n".join(lines)
    for line in text.splitlines():
        entry = json.loads(line)  # every physical line is one whole entry
        assert entry["event"] != "forged"
    assert not any(json.loads(line).get("actor") == "admin@example.vn" for line in text.splitlines())
    assert any(json.loads(line).get("path", "").endswith('NETW\r\n{"event":"forged"}') for line in lines)


def test_a_rolled_back_event_is_not_logged(app, world, capture):
    audit.record("user.deactivated", object_type="user", object_id=1)
    db.session.rollback()
    audit.record("user.activated", object_type="user", object_id=1)
    db.session.commit()
    events = [json.loads(line)["event"] for line in capture.security_lines()]
    assert events == ["user.activated"]


def test_line_escapes_every_line_break():
    text = security_log.line({"value": "a\nb\rc\u2028d\u2029e\x85f\x0bg\x0ch"})
    assert len(text.splitlines()) == 1
    assert json.loads(text)["value"] == "a\nb\rc\u2028d\u2029e\x85f\x0bg\x0ch"
