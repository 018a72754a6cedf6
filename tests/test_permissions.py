"""Every route × every role × own/foreign office → the expected status.

Routes are enumerated from the URL map, so a new route without an entry in EXPECTED fails this test
instead of escaping it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AuditEvent, ConsultantAssignment, Role, User
from roadmap.services.directory.accounts import hash_password
from tests.conftest import PASSWORD, Browser
from tests.security_checks import header_problems

ANON, RESPONDENT, CONSULTANT, ADMIN = None, Role.RESPONDENT, Role.CONSULTANT, Role.ADMIN
# A consultant of office A who has a second factor and has given the password but not yet the code (issue
# 20): granted nothing, led to the code page; JSON and API requests get 401.
PENDING = "second factor pending"
ROLES = (ANON, RESPONDENT, CONSULTANT, ADMIN, PENDING)

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


def own_office_edit(status: int, anonymous: int = 302) -> Expectation:
    """Writing an office's assessment: only its own representatives (others who may see it get 403)."""

    def expectation(role: Role | None, scope: str) -> int:
        if role is None:
            return anonymous
        if role is RESPONDENT:
            return status if scope == "own" else 404
        if role is CONSULTANT:
            return 403 if scope == "own" else 404
        return 403  # administrators see every office but do not answer for one

    return expectation


def roadmap_view(status: int) -> Expectation:
    """A roadmap: the consultants of the office and administrators; its office only once published (the
    matrix's assessments are drafts, so their own respondents get 404: for them it does not exist yet)."""

    def expectation(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if role is RESPONDENT:
            return 404
        if role is CONSULTANT:
            return status if scope == "own" else 404
        return status

    return expectation


def roadmap_edit(status: int) -> Expectation:
    """Generating and editing a roadmap: the office's consultants and administrators; its respondents, who
    may see the assessment, get 403."""

    def expectation(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if role is RESPONDENT:
            return 403 if scope == "own" else 404
        if role is CONSULTANT:
            return status if scope == "own" else 404
        return status

    return expectation


EXPECTED: dict[str, Expectation] = {
    "static": lambda role, scope: 200,
    "auth.login": lambda role, scope: 200 if role is None else 302,
    "auth.logout": signed_in(302),
    "auth.change_password": signed_in(200),
    # Without a code to give, the code page sends a signed-in user on.
    "auth.second_factor": lambda role, scope: 302,
    "auth.enrol_second_factor": signed_in(200),
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
    "admin.user_reset_second_factor": admin_only(302),
    "admin.assignments": admin_only(200),
    "admin.assignment_remove": admin_only(302),
    "admin.cycles_admin": admin_only(200),
    "admin.cycle_status": admin_only(302),
    "admin.cycle_reminders": admin_only(200),
    # Framework versions (issue 18): the administrators'. The matrix's upload key names no kept file: the
    # review leads back to the list, and an import of it is refused there (both redirect).
    "admin.frameworks_admin": admin_only(200),
    "admin.framework_review": admin_only(302),
    "admin.framework_import": admin_only(302),
    "admin.audit_log": admin_only(200),
    "admin.audit_export": admin_only(200),
    "survey.office_assessments": office_page,
    # A representative starts their own office's assessment; other roles have no office to start one for.
    "survey.start": lambda role, scope: {None: 302, RESPONDENT: 302}.get(role, 403),
    "survey.overview": office_page,
    # Anyone who may see the assessment sees its targets; the service decides who may change them.
    "survey.targets": office_page,
    "survey.section": office_page,
    # The office profile (issue 18): read by whoever sees the office; its posts are tested in
    # tests/test_office_profile.py (the office and administrators write, its consultants get 403).
    "survey.office_profile": office_page,
    # The live result, asked for by the page's script: a missing session is 401 JSON, not a redirect.
    "survey.live": lambda role, scope: 401 if role is None else office_page(role, scope),
    "survey.download_file": office_page,
    "survey.save_section": own_office_edit(302),
    # The JSON endpoints answer a missing session with 401 (the page's script keeps the change), and an
    # empty post from the right user with 400.
    "survey.save_answer": own_office_edit(400, anonymous=401),
    "survey.save_evidence": own_office_edit(400, anonymous=401),
    "survey.upload_files": own_office_edit(400, anonymous=401),
    "survey.delete_file": own_office_edit(400),
    "survey.confirm_submit": own_office_edit(200),
    "survey.submit": own_office_edit(400),
    "survey.csrf_token": lambda role, scope: 401 if role is None else 200,
    # Following a notification: one's own only; any other number is unknown.
    "survey.open_notification": signed_in(404),
    "survey.notifications_list": signed_in(200),
    "survey.notifications_read": signed_in(302),
    "roadmaps.page": roadmap_view(200),
    "roadmaps.what_if": roadmap_view(200),
    "roadmaps.changes": roadmap_view(200),
    "roadmaps.export_csv": roadmap_view(200),
    "roadmaps.export_xlsx": roadmap_view(200),
    "roadmaps.export_json": roadmap_view(200),
    # The official report's settings (issue 12) are the administrators'.
    "admin.report_settings_edit": admin_only(200),
    "roadmaps.edit": roadmap_edit(200),
    # An empty post from someone allowed: the form is refused (400), nothing changes.
    "roadmaps.generate": roadmap_edit(400),
    "roadmaps.add": roadmap_edit(400),
    "roadmaps.add_custom": roadmap_edit(400),
    "roadmaps.remove": roadmap_edit(400),
    "roadmaps.move": roadmap_edit(400),
    "roadmaps.reorder": roadmap_edit(400),
    "roadmaps.note": roadmap_edit(400),
    # Review (issue 7): the queue is for consultants and administrators; an assessment's review for the
    # office's consultants and administrators (its respondents, who may see the assessment, get 403).
    "review.queue": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "review.portfolio": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    # Without a cycle in the query the export has nothing to export: 404 for those allowed.
    "review.portfolio_export": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 404),
    "review.page": roadmap_edit(200),
    # Status changes: an empty post lacks the status version the page carries: refused (400).
    "review.start": roadmap_edit(400),
    "review.return_for_revision": roadmap_edit(400),
    "review.approve": roadmap_edit(400),
    "review.publish": roadmap_edit(400),
    # A comment or points without justification on a draft: the status refuses first (409); a form whose
    # choice is missing is refused as such (400).
    "review.comment": roadmap_edit(409),
    "review.override_points": roadmap_edit(409),
    "review.judge_evidence": roadmap_edit(400),
    # Evidence sighted on site (issue 19): recorded by the office's consultants and administrators, never by
    # the office (403: it may see the assessment). An empty post names no question (400); a removal names
    # no record of this assessment (404).
    "review.record_sighted": roadmap_edit(400),
    "review.remove_sighted": lambda role, scope: (
        302 if role is None else (403 if (role, scope) == (RESPONDENT, "own") else 404)
    ),
    "review.override_level": roadmap_edit(400),
    "review.clear_override": roadmap_edit(400),
    # A re-score (issue 18) of the matrix's drafts: the status refuses it (409), reason or not.
    "review.rescore": roadmap_edit(409),
    # Background jobs (issue 10): preparing a cycle export is the portfolio's (without a cycle: 404); a job's
    # status and result are its requester's only (the matrix's consultant asked for the "own" job).
    "review.portfolio_export_job": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 404),
    "jobs.status": lambda role, scope: (
        302 if role is None else (200 if (role, scope) == (CONSULTANT, "own") else 404)
    ),
    "jobs.status_json": lambda role, scope: (
        302 if role is None else (200 if (role, scope) == (CONSULTANT, "own") else 404)
    ),
    "jobs.download": lambda role, scope: (
        302 if role is None else (200 if (role, scope) == (CONSULTANT, "own") else 404)
    ),
    # Health probes (issue 10): no login, the same answer for everyone.
    "health.healthz": lambda role, scope: 200,
    "health.readyz": lambda role, scope: 200,
    # JSON API and personal tokens (issue 7). The API answers anonymous callers 401 in JSON (no redirect);
    # objects follow the pages' rules; scores are the office's once published, like its roadmap. The token
    # of the matrix belongs to another user: revoking it looks like revoking a missing one (404).
    "account.tokens": signed_in(200),
    "account.token_revoke": lambda role, scope: 302 if role is None else 404,
    "api.openapi": lambda role, scope: 200,
    "api.assessments_list": lambda role, scope: 401 if role is None else 200,
    "api.assessment": lambda role, scope: 401 if role is None else office_page(role, scope),
    "api.scores": lambda role, scope: 401 if role is None else roadmap_view(200)(role, scope),
    "api.roadmap": lambda role, scope: 401 if role is None else roadmap_view(200)(role, scope),
    "api.progress": lambda role, scope: 401 if role is None else roadmap_view(200)(role, scope),
    # The official report, PDF and Word alike (issues 8, 12, 17): like the roadmap, the office's consultants
    # and administrators; its office once published (the matrix's drafts: 404 for their respondents).
    "reports.download": roadmap_view(200),
    # E-mail notifications (issue 21): one's own choices; the defaults are the administrators'.
    "account.notification_preferences": signed_in(200),
    "admin.email_defaults": admin_only(200),
    # The cycle progress board: consultants (their offices) and administrators; a post without a cycle: 400.
    "progress.board": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "progress.export": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "progress.remind": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 400),
    # Signed reports (issue 25): signing is the office's consultants' and administrators' (the matrix's
    # drafts cannot be signed yet: 409); anyone signed in verifies a file (an empty post to the API: not a
    # PDF, 400); the images of the signatures are the administrators' (none uploaded yet: 404).
    "signing.sign": roadmap_edit(409),
    "signing.verify": signed_in(200),
    "signing.appearance": admin_only(200),
    "signing.appearance_image": lambda role, scope: 302 if role is None else (404 if role is ADMIN else 403),
    "api.verify_report": lambda role, scope: 401 if role is None else 400,
    # The roadmap as a living plan (issue 22). The page is the roadmap's (the matrix's drafts: it says that
    # progress is followed once published). Reporting progress is the office's, once published: on the
    # matrix's drafts nobody may, and nobody learns more than "not found". Reviewing it is the office's
    # consultants': on a draft the roadmap cannot be followed yet (409).
    "tracking.page": roadmap_view(200),
    "tracking.update": lambda role, scope: 302 if role is None else 404,
    "tracking.follow_up": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "tracking.follow_up_csv": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "tracking.review": lambda role, scope: (
        302 if role is None else (409 if (role, scope) == (CONSULTANT, "own") else 404)
    ),
    # The follow-up as a spreadsheet: as its CSV. The progress report (PDF, Word) and one office's progress as
    # a spreadsheet: whoever may read the roadmap; on the matrix's drafts there is no progress yet (409).
    "tracking.follow_up_xlsx": lambda role, scope: {None: 302, RESPONDENT: 403}.get(role, 200),
    "tracking.progress_xlsx": roadmap_view(409),
    "tracking.progress_report": roadmap_view(409),
    # Completion evidence files and the quarterly report: downloading is for those who see the roadmap (the
    # matrix's file is an answer's, not a tracked initiative's: 404 even to them); removing a file and
    # confirming the quarter are the office's reports, refused on a draft as `tracking.update` is.
    "tracking.download_file": roadmap_view(404),
    "tracking.delete_file": lambda role, scope: 302 if role is None else 404,
    "tracking.confirm_report": lambda role, scope: 302 if role is None else 404,
}


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTED) == set(), "add the new routes to EXPECTED"
    assert set(EXPECTED) - endpoints == set(), "remove routes that no longer exist"


def _cases(app, world, spare_user, spare_assignment, survey):
    """(endpoint, method, url, scope) for every route; object routes once per scope (every scoped argument
    of a route follows the same scope: the own office's assessment with its own file, and so on)."""
    values = {
        "filename": ["css/app.css"],
        "office_id": [("own", world.office_a.id), ("foreign", world.office_b.id)],
        "user_id": [("-", spare_user.id)],
        "assignment_id": [("-", spare_assignment.id)],
        "cycle_id": [("-", world.cycle.id)],
        "code": ["vi"],
        "fmt": ["csv"],
        "status": ["closed"],
        "assessment_id": [("own", survey["own"].id), ("foreign", survey["foreign"].id)],
        "dimension": ["NETW"],
        "file_id": [("own", survey["own_file"].id), ("foreign", survey["foreign_file"].id)],
        "job_id": [("own", survey["own_job"].id), ("foreign", survey["foreign_job"].id)],
        "token_id": [("-", survey["token"].id)],
        "notification_id": [("-", 999_999)],
        "kind": ["pdf", "docx"],  # every format of the report
        "key": ["0" * 32],  # an upload of a framework file kept for review
        "image": ["seal"],
    }
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = rule.methods - {"HEAD", "OPTIONS"}
        method = "GET" if "GET" in methods else "POST"
        scoped = [a for a in rule.arguments if isinstance(values[a][0], tuple)]
        scopes = values[scoped[0]] if scoped else [("-", None)]
        plain = sorted(a for a in rule.arguments if a not in scoped)
        for scope, _ in scopes:
            # Every value of an unscoped argument that has several (the report's formats).
            for choice in itertools.product(*(values[name] for name in plain)):
                arguments = dict(zip(plain, choice, strict=True))
                for name in scoped:
                    options = values[name]
                    arguments[name] = dict(options).get(scope, options[0][1])
                with app.test_request_context():
                    from flask import url_for

                    url = url_for(rule.endpoint, **arguments)
                yield rule.endpoint, method, url, scope


EMAILS = {
    RESPONDENT: "resp.a@example.vn",
    CONSULTANT: "consultant@example.vn",
    ADMIN: "admin@example.vn",
    PENDING: "pending.consultant@example.vn",
}

# What a user whose second factor is pending may still reach; everything else leads to the code page (302),
# or answers 401 in JSON.
PENDING_REACHES = {
    "static": 200,
    "auth.second_factor": 200,
    "auth.logout": 302,
    "main.set_locale": 302,
    "health.healthz": 200,
    "health.readyz": 200,
}


def pending_expected(endpoint: str, scope: str) -> int:
    if endpoint in PENDING_REACHES:
        return PENDING_REACHES[endpoint]
    return 401 if endpoint.startswith("api.") or EXPECTED[endpoint](ANON, scope) == 401 else 302


def _survey_objects(app, world, tmp_path):
    """An assessment of each office (small framework), each with an evidence file."""
    import io

    from roadmap.services.survey import assessments, evidence, frameworks, steps

    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    frameworks.import_file("tests/fixtures/frameworks/small.yaml", actor=None)
    objects = {}
    for scope, office, respondent in (
        ("own", world.office_a, world.respondent_a),
        ("foreign", world.office_b, world.respondent_b),
    ):
        assessment = steps.start(office, world.cycle, actor=respondent)
        framework = assessments.framework_of(assessment)
        # A PDF: its bytes are text, which the test browser reads for a CSRF token.
        upload = evidence.check_upload("plan.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
        [row] = evidence.add_files(assessment, framework.question("NW-01"), [upload], actor=respondent)
        objects[scope], objects[f"{scope}_file"] = assessment, row
    return objects


def _roadmap_of_each(objects, world):
    """A generated roadmap for both assessments, so that roadmap pages exist for those allowed to see them."""
    from roadmap.services.plans import roadmaps

    for scope in ("own", "foreign"):
        roadmaps.generate(objects[scope], actor=world.admin)
    db.session.commit()


def _job_of_each(objects, world, other_consultant):
    """A finished cycle export asked for by the matrix's consultant ("own") and by another ("foreign")."""
    from roadmap.services.platform import jobs

    params = {"cycle": world.cycle.id, "fmt": "csv"}
    objects["own_job"] = jobs.enqueue("cycle-export", params, requested_by=world.consultant)
    objects["foreign_job"] = jobs.enqueue("cycle-export", params, requested_by=other_consultant)


def test_permission_matrix(app, world, tmp_path):
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
    pending = User(
        email=EMAILS[PENDING],
        full_name="Pending",
        role="consultant",
        password_hash=spare_user.password_hash,
        totp_secret="JBSWY3DPEHPK3PXP",
    )
    db.session.add_all([spare_user, other_consultant, pending])
    db.session.flush()
    spare_assignment = ConsultantAssignment(consultant_id=other_consultant.id, office_id=world.office_b.id)
    db.session.add_all(
        [spare_assignment, ConsultantAssignment(consultant_id=pending.id, office_id=world.office_a.id)]
    )
    db.session.commit()
    survey = _survey_objects(app, world, tmp_path)
    _roadmap_of_each(survey, world)
    _job_of_each(survey, world, other_consultant)
    from roadmap.services.directory import api_tokens

    survey["token"] = api_tokens.create(spare_user, "matrix").token
    cases = list(_cases(app, world, spare_user, spare_assignment, survey))

    failures = []
    for role in ROLES:
        for endpoint, method, url, scope in cases:
            browser = Browser(app.test_client())
            if role is not None:
                assert browser.login(EMAILS[role], PASSWORD).status_code == 302
            response = browser.get(url) if method == "GET" else browser.post(url)
            expected = (
                pending_expected(endpoint, scope) if role is PENDING else EXPECTED[endpoint](role, scope)
            )
            if response.status_code != expected:
                failures.append(
                    f"{role or 'anonymous'} {method} {url} ({scope}): {response.status_code} != {expected}"
                )
            # Issue 9: every response of every route, whoever asks, carries the browser protections.
            failures += [f"{role or 'anonymous'} {method} {p}" for p in header_problems(response, url)]
    assert failures == []
    print(
        f"permission matrix: {len(cases)} route cases x {len(ROLES)} roles = {len(cases) * len(ROLES)} checks"
    )


CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


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

    # Only the address itself (kept for the language switch) differs, and the CSRF tokens, which carry the
    # second they were signed in (two requests may straddle a second).
    def comparable(page: str, address: str) -> str:
        return CSRF_VALUE.sub('name="csrf_token" value="T"', page.replace(address, "/offices/X"))

    foreign_page = comparable(foreign.get_data(as_text=True), f"/offices/{world.office_b.id}")
    assert foreign_page == comparable(missing.get_data(as_text=True), "/offices/999999")


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
