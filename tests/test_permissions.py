"""Every route × every role × own/foreign office → the expected status.

Routes are enumerated from the URL map, so a new route without an entry in EXPECTED fails this test
instead of escaping it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AuditEvent, ConsultantAssignment, Role, User
from roadmap.services.accounts import hash_password
from tests.conftest import PASSWORD, Browser

ANON, RESPONDENT, CONSULTANT, ADMIN = None, Role.RESPONDENT, Role.CONSULTANT, Role.ADMIN
ROLES = (ANON, RESPONDENT, CONSULTANT, ADMIN)

Expectation = Callable[[Role | None, str], int]


def signed_in(status: int) -> Expectation:
    """Any logged-in role gets `status`; anonymous users are sent to the login page."""
    return lambda role, scope: 302 if role is None else status


def admin_only(status: int) -> Expectation:
    return lambda role, scope: 302 if role is None else (status if role is ADMIN else 403)


def office_page(role: Role | None, scope: str) -> int:
    if role is None:
        return 302
    if role is ADMIN or scope == "own":
        return 200
    return 404  # an office the user may not know about


EXPECTED: dict[str, Expectation] = {
    "static": lambda role, scope: 200,
    "auth.login": lambda role, scope: 200 if role is None else 302,
    "auth.logout": signed_in(302),
    "auth.change_password": signed_in(200),
    "main.home": signed_in(200),
    "main.offices": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "main.office": office_page,
    "main.cycles": signed_in(200),
    "main.set_locale": lambda role, scope: 302,
    "admin.offices_list": admin_only(200),
    "admin.office_new": admin_only(200),
    "admin.office_edit": admin_only(200),
    "admin.office_toggle": admin_only(302),
    "admin.users_list": admin_only(200),
    "admin.user_new": admin_only(200),
    "admin.user_edit": admin_only(200),
    "admin.user_toggle": admin_only(302),
    "admin.user_reset_password": admin_only(200),
    "admin.assignments": admin_only(200),
    "admin.assignment_remove": admin_only(302),
    "admin.cycles_admin": admin_only(200),
    "admin.cycle_status": admin_only(302),
    "admin.audit_log": admin_only(200),
}


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTED) == set(), "add the new routes to EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "remove routes that no longer exist"


def _cases(app, world, spare_user, spare_assignment):
    """(endpoint, method, url, scope) for every route; object routes once per scope."""
    values = {
        "filename": ["css/app.css"],
        "office_id": [("own", world.office_a.id), ("foreign", world.office_b.id)],
        "user_id": [("-", spare_user.id)],
        "assignment_id": [("-", spare_assignment.id)],
        "cycle_id": [("-", world.cycle.id)],
        "code": ["vi"],
        "status": ["closed"],
    }
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = rule.methods - {"HEAD", "OPTIONS"}
        method = "GET" if "GET" in methods else "POST"
        scoped = [a for a in rule.arguments if isinstance(values[a][0], tuple)]
        scopes = values[scoped[0]] if scoped else [("-", None)]
        for scope, _ in scopes:
            arguments = {}
            for name in rule.arguments:
                options = values[name]
                if isinstance(options[0], tuple):
                    arguments[name] = dict(options)[scope] if name == scoped[0] else options[0][1]
                else:
                    arguments[name] = options[0]
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **arguments)
            yield rule.endpoint, method, url, scope


EMAILS = {RESPONDENT: "resp.a@example.vn", CONSULTANT: "consultant@example.vn", ADMIN: "admin@example.vn"}


def test_permission_matrix(app, world):
    spare_user = User(
        email="spare@example.vn",
        full_name="Spare",
        role="respondent",
        office_id=world.office_b.id,
        password_hash=hash_password(PASSWORD),
    )
    # Another consultant's assignment, so that removing it leaves the matrix's consultant unchanged.
    other_consultant = User(
        email="other.consultant@example.vn",
        full_name="Other",
        role="consultant",
        password_hash=spare_user.password_hash,
    )
    db.session.add_all([spare_user, other_consultant])
    db.session.flush()
    spare_assignment = ConsultantAssignment(consultant_id=other_consultant.id, office_id=world.office_b.id)
    db.session.add(spare_assignment)
    db.session.commit()
    cases = list(_cases(app, world, spare_user, spare_assignment))

    failures = []
    for role in ROLES:
        for endpoint, method, url, scope in cases:
            browser = Browser(app.test_client())
            if role is not None:
                assert browser.login(EMAILS[role], PASSWORD).status_code == 302
            response = browser.get(url) if method == "GET" else browser.post(url)
            expected = EXPECTED[endpoint](role, scope)
            if response.status_code != expected:
                failures.append(
                    f"{role or 'anonymous'} {method} {url} ({scope}): {response.status_code} != {expected}"
                )
    assert failures == []


@pytest.mark.parametrize("role", [RESPONDENT, CONSULTANT])
def test_denials_are_written_to_the_audit_log(app, world, role):
    browser = Browser(app.test_client())
    browser.login(EMAILS[role], PASSWORD)
    assert browser.get(f"/offices/{world.office_b.id}").status_code == 404
    assert browser.get("/admin/users").status_code == 403
    denials = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    statuses = sorted(event.details["status"] for event in denials)
    assert statuses == [403, 404]


def test_a_missing_office_and_a_foreign_office_look_the_same(app, world):
    browser = Browser(app.test_client())
    browser.login(EMAILS[RESPONDENT], PASSWORD)
    foreign = browser.get(f"/offices/{world.office_b.id}")
    missing = browser.get("/offices/999999")
    assert foreign.status_code == missing.status_code == 404
    # Only the address itself (kept for the language switch) differs.
    foreign_page = foreign.get_data(as_text=True).replace(f"/offices/{world.office_b.id}", "/offices/X")
    assert foreign_page == missing.get_data(as_text=True).replace("/offices/999999", "/offices/X")


def test_respondent_home_lists_only_the_own_office(app, world):
    browser = Browser(app.test_client())
    browser.login(EMAILS[RESPONDENT], PASSWORD)
    page = browser.get("/").get_data(as_text=True)
    assert world.office_a.name_vi in page
    assert world.office_b.name_vi not in page


def test_consultant_sees_only_assigned_offices(app, world):
    browser = Browser(app.test_client())
    browser.login(EMAILS[CONSULTANT], PASSWORD)
    page = browser.get("/offices").get_data(as_text=True)
    assert world.office_a.name_vi in page
    assert world.office_b.name_vi not in page
