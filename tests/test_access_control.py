"""Access control beyond the matrix (issue 9): random object ids never leak, field-level rights (only the
office's consultants override points and edit roadmaps) and no mass assignment (a posted `status`,
`office_id` or `role` is ignored).

Routes and their id arguments come from the URL map: a new route, or a new kind of object id, is fuzzed
without a change here (add the id to OWN below if it names an office's object)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, AuditEvent, User
from roadmap.services.review import workflow as review
from roadmap.services.survey import assessments, steps
from tests.conftest import PASSWORD, isolated, logged_in
from tests.test_permissions import _roadmap_of_each, _survey_objects
from tests.test_survey import fill_small, page_versions, small_assessment

FIGURES = Path(__file__).resolve().parent.parent / "build" / "fuzz.json"
ID_ARGUMENTS = {"assessment_id", "file_id", "office_id", "user_id", "cycle_id", "assignment_id"}
MISSING = 2**31 - 2  # an id no object has
FIXED = {"dimension": "NETW", "status": "open", "filename": "css/app.css"}


def test_random_object_ids_never_leak(app, world, tmp_path):
    objects = _survey_objects(app, world, tmp_path)
    _roadmap_of_each(objects, world)
    foreign = {
        "assessment_id": [objects["foreign"].id],
        "file_id": [objects["foreign_file"].id],
        "office_id": [world.office_b.id],
    }
    # What the signed-in users may legitimately reach: their own office's objects (the matrix checks those).
    own = {
        "assessment_id": objects["own"].id,
        "file_id": objects["own_file"].id,
        "office_id": world.office_a.id,
        "cycle_id": world.cycle.id,
    }
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.arguments & ID_ARGUMENTS and rule.arguments <= ID_ARGUMENTS | set(FIXED)
    ]
    assert len(rules) >= 40
    users = {email: logged_in(app, email) for email in (world.respondent_a.email, world.consultant.email)}
    statuses: Counter[int] = Counter()
    ids = st.one_of(st.sampled_from([1, 2, 3, 999_999]), st.integers(0, 2**70))

    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rule=st.sampled_from(rules), email=st.sampled_from(sorted(users)), data=st.data())
    def probe(rule, email, data) -> None:
        arguments = dict(FIXED)
        for name in rule.arguments & ID_ARGUMENTS:
            arguments[name] = data.draw(st.one_of(st.sampled_from(foreign.get(name, [0])), ids), label=name)
        arguments = {name: value for name, value in arguments.items() if name in rule.arguments}
        if all(arguments[name] == own.get(name) for name in rule.arguments & ID_ARGUMENTS):
            return  # the user's own object: allowed, and checked by the permission matrix
        if rule.endpoint == "survey.start" and arguments["cycle_id"] == world.cycle.id:
            return
        missing = {name: (MISSING if name in ID_ARGUMENTS else value) for name, value in arguments.items()}
        browser = users[email]
        in_range = all(arguments[name] <= MISSING for name in rule.arguments & ID_ARGUMENTS)
        answers = []
        for values in (arguments, missing):
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            response = browser.get(url) if "GET" in rule.methods else browser.post(url)
            statuses[response.status_code] += 1
            answers.append(response.status_code)
            # Beyond what an id column holds, routing refuses the address (404, or 405 where a route of
            # the same shape takes another method): never a server error.
            allowed = (403, 404) if in_range else (403, 404, 405)
            assert response.status_code in allowed, (email, rule.endpoint, url, response.status_code)
        # No oracle: another office's object and an object that does not exist get the same answer (ids
        # beyond what an id column holds are refused at routing, whoever asks).
        if in_range:
            assert answers[0] == answers[1], (email, rule.endpoint, arguments, answers)

    probe()
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    previous = figures.get("random_object_ids", {}).get("examples", 0)
    figures["random_object_ids"] = {"examples": previous + sum(statuses.values()), "routes": len(rules)}
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True))
    # Nothing of the foreign office changed, whatever was posted.
    foreign_assessment = db.session.get(Assessment, objects["foreign"].id)
    assert foreign_assessment.status == AssessmentStatus.DRAFT.value


def test_a_posted_status_office_or_role_is_ignored(app, world, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    browser = logged_in(app, world.respondent_a.email)
    # Starting an assessment "for" another office starts it for one's own.
    response = browser.post(
        f"/cycles/{world.cycle.id}/assessment", {"office_id": str(world.office_b.id), "status": "approved"}
    )
    assert response.status_code in (302, 400)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Assessment).where(Assessment.office_id == world.office_b.id)
        )
        == 0
    )
    assessment = db.session.scalar(select(Assessment).where(Assessment.office_id == world.office_a.id))
    if assessment is None:
        assessment = small_assessment(world)
    # Autosave with extra keys.
    extra = isolated(
        browser.client.post,
        f"/assessments/{assessment.id}/answers",
        json={
            "question": "NW-04" if assessments.framework_of(assessment).has_question("NW-04") else "x",
            "state": "answered",
            "value": "yes",
            "status": "approved",
            "office_id": world.office_b.id,
            "role": "admin",
            "assessment_id": 1,
        },
        headers={"X-CSRFToken": browser.csrf(), "Accept": "application/json"},
    )
    assert extra.status_code in (200, 400)
    # The whole-section form with extra fields.
    page = browser.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    data = page_versions(page) | {"status": "approved", "office_id": str(world.office_b.id), "role": "admin"}
    browser.post(f"/assessments/{assessment.id}/sections/NETW", data, content_type="multipart/form-data")
    # A password change with a role in it.
    browser.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "một cụm mật khẩu rất dài",
            "confirm_password": "một cụm mật khẩu rất dài",
            "role": "admin",
            "office_id": str(world.office_b.id),
        },
    )
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment.id)
    assert assessment.status == AssessmentStatus.DRAFT.value
    assert assessment.office_id == world.office_a.id
    user = db.session.get(User, world.respondent_a.id)
    assert (user.role, user.office_id) == ("respondent", world.office_a.id)


def test_only_the_offices_consultants_override_points(app, world, tmp_path):
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=assessment.status_version)
    review.start_review(assessment, actor=world.consultant)
    db.session.commit()
    form = {"question": "NW-01", "points": "1", "justification": "Đã kiểm tra tại chỗ: hạ tầng đạt yêu cầu."}

    def overrides() -> int:
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.startswith("override."))
        )

    respondent = logged_in(app, world.respondent_a.email)
    url = f"/review/assessments/{assessment.id}/overrides/points"
    assert respondent.post(url, form).status_code == 403
    other_office = logged_in(app, world.respondent_b.email)
    assert other_office.post(url, form).status_code == 404
    assert overrides() == 0
    consultant = logged_in(app, world.consultant.email)
    assert consultant.post(url, form).status_code == 302
    assert overrides() == 1
    # Roadmap edits likewise: the office's own representative may not add to its roadmap.
    add = respondent.post(f"/assessments/{assessment.id}/roadmap/edits/add", {"initiative": "DTI-SEC"})
    assert add.status_code == 403
