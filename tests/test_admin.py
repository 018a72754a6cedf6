"""Administration through the web: forms keep what was typed and say what is wrong, beside the field."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, ConsultantAssignment, Cycle, Office, User
from roadmap.services.survey import frameworks
from tests.conftest import Browser, logged_in

SMALL = "tests/fixtures/frameworks/small.yaml"


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, flags=re.S)
    return match.group(1).strip() if match else ""


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def admin(app, locale: str = "en") -> Browser:
    browser = logged_in(app, "admin@example.vn")
    if locale == "en":
        browser.post("/locale/en")
    return browser


def test_admin_creates_a_respondent_who_must_change_the_one_time_password(app, world):
    browser = admin(app)
    page = browser.post(
        "/admin/users/new",
        {
            "email": "New.Person@Example.vn",
            "full_name": "Nguyễn Văn Mới",
            "role": "respondent",
            "office_code": "vpb",
            "locale": "vi",
        },
    ).get_data(as_text=True)
    assert "Account created" in page
    password = re.search(r'<p class="one-time-password"><code>(.*?)</code>', page).group(1)
    user = db.session.scalar(select(User).where(User.email == "new.person@example.vn"))
    assert user.office_id == world.office_b.id
    assert user.must_change_password
    assert password not in user.password_hash
    assert (
        logged_in(app, "new.person@example.vn", password)
        .get("/")
        .headers["Location"]
        .endswith("/account/password")
    )


def test_duplicate_email_and_unknown_office_are_reported_beside_their_fields_with_values_kept(app, world):
    browser = admin(app)
    users_before = count(User)
    page = browser.post(
        "/admin/users/new",
        {
            "email": "resp.a@example.vn",
            "full_name": "Trần Thị Gõ",
            "role": "respondent",
            "office_code": "NOPE",
            "locale": "vi",
        },
    ).get_data(as_text=True)
    assert field_error(page, "email") == "An account with this e-mail address already exists."
    assert field_error(page, "office_code") == "There is no office with code NOPE."
    assert 'value="Trần Thị Gõ"' in page
    assert 'value="NOPE"' in page
    assert count(User) == users_before


def test_messages_are_vietnamese_by_default(app, world):
    browser = admin(app, locale="vi")
    page = browser.post(
        "/admin/users/new",
        {
            "email": "resp.a@example.vn",
            "full_name": "X",
            "role": "respondent",
            "office_code": "VPA",
            "locale": "vi",
        },
    ).get_data(as_text=True)
    assert field_error(page, "email") == "Đã có tài khoản sử dụng địa chỉ thư điện tử này."


def test_role_and_office_must_agree(app, world):
    browser = admin(app)
    page = browser.post(
        "/admin/users/new",
        {
            "email": "c2@example.vn",
            "full_name": "C",
            "role": "consultant",
            "office_code": "VPA",
            "locale": "en",
        },
    ).get_data(as_text=True)
    assert field_error(page, "office_code") == "Only respondents belong to an office."
    page = browser.post(
        "/admin/users/new",
        {"email": "r2@example.vn", "full_name": "R", "role": "respondent", "office_code": "", "locale": "en"},
    ).get_data(as_text=True)
    assert field_error(page, "office_code") == "A respondent must belong to an office."


def test_posted_role_outside_the_list_is_refused(app, world):
    browser = admin(app)
    page = browser.post(
        "/admin/users/new",
        {"email": "x@example.vn", "full_name": "X", "role": "superuser", "office_code": "", "locale": "en"},
    ).get_data(as_text=True)
    assert field_error(page, "role") != ""
    assert db.session.scalar(select(User).where(User.email == "x@example.vn")) is None


def test_office_create_edit_and_deactivate(app, world):
    browser = admin(app)
    response = browser.post(
        "/admin/offices/new",
        {
            "code": "vpx",
            "name_vi": "Văn phòng X",
            "name_en": "Office X",
            "kind": "state",
            "parent_code": "VPA",
        },
    )
    assert response.status_code == 302
    office = db.session.scalar(select(Office).where(Office.code == "VPX"))
    assert office.parent_id == world.office_a.id
    page = browser.post(
        f"/admin/offices/{office.id}/edit",
        {"code": "VPA", "name_vi": "Văn phòng X2", "name_en": "Office X", "kind": "state", "parent_code": ""},
    ).get_data(as_text=True)
    assert field_error(page, "code") == "An office with this code already exists."
    assert 'value="Văn phòng X2"' in page
    assert db.session.get(Office, office.id).name_vi == "Văn phòng X"
    browser.get("/admin/offices")
    browser.post(f"/admin/offices/{office.id}/active")
    assert db.session.get(Office, office.id).active is False


def test_an_office_cannot_become_its_own_ancestor(app, world):
    browser = admin(app)
    browser.post(
        "/admin/offices/new",
        {"code": "CHILD", "name_vi": "Con", "name_en": "Child", "kind": "other", "parent_code": "VPA"},
    )
    page = browser.post(
        f"/admin/offices/{world.office_a.id}/edit",
        {
            "code": "VPA",
            "name_vi": "Văn phòng A",
            "name_en": "Office A",
            "kind": "party",
            "parent_code": "CHILD",
        },
    ).get_data(as_text=True)
    assert field_error(page, "parent_code") == "An office cannot be placed under itself."


def test_assign_consultant_and_refuse_a_duplicate(app, world):
    browser = admin(app)
    browser.get("/admin/assignments")
    response = browser.post(
        "/admin/assignments", {"consultant_id": world.consultant.id, "office_id": world.office_b.id}
    )
    assert response.status_code == 302
    page = browser.post(
        "/admin/assignments", {"consultant_id": world.consultant.id, "office_id": world.office_b.id}
    ).get_data(as_text=True)
    assert field_error(page, "office_id") == "This consultant is already assigned to this office."
    assert count(ConsultantAssignment) == 2
    consultant = logged_in(app, "consultant@example.vn")
    assert consultant.get(f"/offices/{world.office_b.id}").status_code == 200


def test_a_respondent_cannot_be_assigned_as_consultant(app, world):
    browser = admin(app)
    page = browser.post(
        "/admin/assignments", {"consultant_id": world.respondent_a.id, "office_id": world.office_b.id}
    ).get_data(as_text=True)
    assert "Not a valid choice" in page
    assert count(ConsultantAssignment) == 1


def test_cycles_are_created_closed_and_reopened(app, world):
    version = frameworks.import_file(SMALL, actor=None).version
    browser = admin(app)
    page = browser.post(
        "/admin/cycles",
        {
            "code": "2027",
            "name_vi": "Kỳ 2027",
            "name_en": "2027",
            "opens_on": "2027-12-31",
            "closes_on": "2027-01-01",
        },
    ).get_data(as_text=True)
    assert field_error(page, "closes_on") == "The closing date must not be before the opening date."
    assert count(Cycle) == 1
    browser.post(
        "/admin/cycles",
        {
            "code": "2027",
            "name_vi": "Kỳ 2027",
            "name_en": "2027",
            "opens_on": "2027-01-01",
            "closes_on": "2027-12-31",
            "framework_version": str(version.id),
        },
    )
    cycle = db.session.scalar(select(Cycle).where(Cycle.code == "2027"))
    assert cycle.status == "open"
    assert cycle.framework_version_id == version.id
    browser.get("/admin/cycles")
    browser.post(f"/admin/cycles/{cycle.id}/closed")
    assert db.session.get(Cycle, cycle.id).status == "closed"
    browser.post(f"/admin/cycles/{cycle.id}/open")
    assert db.session.get(Cycle, cycle.id).status == "open"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "cycle")).all()
    assert actions == ["cycle.created", "cycle.closed", "cycle.opened"]


def test_a_cycle_is_not_opened_without_a_framework_version_and_keeps_what_was_typed(app, world):
    frameworks.import_file(SMALL, actor=None)
    browser = admin(app)
    page = browser.post(
        "/admin/cycles",
        {
            "code": "2029",
            "name_vi": "Kỳ 2029",
            "name_en": "2029 cycle",
            "opens_on": "2029-01-01",
            "closes_on": "2029-12-31",
            "framework_version": "",
        },
    ).get_data(as_text=True)
    assert field_error(page, "framework_version") == (
        "Choose the framework version of the cycle: a cycle cannot be opened without one."
    )
    assert 'value="2029 cycle"' in page
    assert count(Cycle) == 1


def test_the_cycle_list_shows_each_cycle_s_framework_version(app, world):
    version = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = version.id
    db.session.commit()
    page = admin(app).get("/admin/cycles").get_data(as_text=True)
    assert f"{version.framework_key} {version.version}" in page


def test_bad_date_keeps_the_typed_values(app, world):
    browser = admin(app)
    page = browser.post(
        "/admin/cycles",
        {"code": "2028", "name_vi": "Kỳ 2028", "name_en": "2028", "opens_on": "31/13/2028", "closes_on": ""},
    ).get_data(as_text=True)
    assert field_error(page, "opens_on") == "Please enter a valid date."
    assert 'value="Kỳ 2028"' in page
    assert count(Cycle) == 1


def test_admin_cannot_deactivate_their_own_account(app, world):
    browser = admin(app)
    browser.get("/admin/users")
    browser.post(f"/admin/users/{world.admin.id}/active")
    assert db.session.get(User, world.admin.id).active is True


def test_audit_log_lists_events_newest_first_and_filters(app, world):
    browser = admin(app)
    browser.get("/admin/users")
    browser.post(f"/admin/users/{world.respondent_b.id}/active")
    page = browser.get("/admin/audit?action=user.").get_data(as_text=True)
    assert "user.deactivated" in page
    assert "login.succeeded" not in page


def test_user_text_is_escaped(app, world):
    browser = admin(app)
    browser.post(
        "/admin/users/new",
        {
            "email": "xss@example.vn",
            "full_name": "<script>alert(1)</script>",
            "role": "consultant",
            "office_code": "",
            "locale": "en",
        },
    )
    page = browser.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_audit_log_filters_by_actor_office_and_date_and_exports_csv(app, world):
    import csv
    import datetime as dt
    import io

    from roadmap.services.platform import audit

    audit.record("office.updated", actor=world.admin, object_type="office", object_id=world.office_a.id)
    audit.record(
        "user.updated",
        actor=world.admin,
        object_type="user",
        object_id=world.respondent_b.id,
        details={"name": "Evil\nINJECTED,line", "formula": "=HYPERLINK(1)"},
    )
    audit.record("user.forged", actor=world.admin, object_type="user", object_id="7\r\nadmin,login.succeeded")
    db.session.commit()
    browser = admin(app)
    page = browser.get("/admin/audit?office=vpa").get_data(as_text=True)
    assert "office.updated" in page
    assert "user.updated" not in page
    today = dt.date.today().isoformat()
    assert "user.updated" in browser.get(f"/admin/audit?actor=admin@&since={today}&until={today}").get_data(
        as_text=True
    )
    assert "user.updated" not in browser.get("/admin/audit?until=2000-01-01").get_data(as_text=True)
    response = browser.get("/admin/audit.csv?action=user.u")
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time_utc", "actor", "action"]
    assert [row[2] for row in rows[1:]] == ["user.updated"]
    assert "Evil\\nINJECTED" in rows[1][5]
    assert "\n" not in rows[1][5]
    assert len(text.strip().splitlines()) == 2, "one line per event: newlines in names cannot forge entries"
    forged = browser.get("/admin/audit.csv?action=user.forged").get_data().decode("utf-8-sig")
    assert len(forged.strip().splitlines()) == 2
    assert "7\\r\\nadmin,login.succeeded" in forged
