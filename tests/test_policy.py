"""The role policy is a table that refuses what it does not grant (issue 17): every action has a decision
for every role, a role or an action the table does not know is refused, and no view, service, form or
template decides by a role's name — they ask the policy, so a new role is a new column of the table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from roadmap import policy
from roadmap.extensions import db
from roadmap.models import Assessment, Role, User
from roadmap.policy import ASSIGNABLE_ROLES, OFFICE_ROLES, POLICY, Action, Relation, permits
from roadmap.services import Invalid
from roadmap.services.directory import offices
from roadmap.services.review import workflow as review
from roadmap.services.survey import steps
from roadmap.services.survey.lifecycle import IllegalTransition
from tests.conftest import PASSWORD, logged_in
from tests.test_survey import fill_small, small_assessment

ROOT = Path(__file__).resolve().parent.parent


def test_every_action_has_a_decision_for_every_role():
    problems = [f"{action.name}: no row in POLICY" for action in Action if action not in POLICY]
    for action, grants in POLICY.items():
        problems += [f"{action.name}: no decision for {role.value}" for role in Role if role not in grants]
        problems += [f"{action.name}: {role} is not a role" for role in grants if role not in set(Role)]
    problems += [f"{action}: not an action" for action in POLICY if action not in set(Action)]
    assert problems == [], "decide each cell of roadmap.policy.POLICY (REFUSED is a decision)"


def test_a_grant_limited_to_statuses_is_about_an_office(world):
    """Statuses belong to an assessment, and only an office's assessment has one."""
    for action, grants in POLICY.items():
        for role, grant in grants.items():
            if grant is not None and grant.statuses is not None:
                assert grant.relation in (Relation.OWN_OFFICE, Relation.ASSIGNED_OFFICE), (action, role)


def test_a_role_the_table_does_not_know_may_do_nothing(app, world):
    assessment = small_assessment(world)
    # As a role added to the database before its column is written (not stored: the schema refuses it).
    newcomer = User(email="auditor@example.vn", full_name="Auditor", role="auditor", active=True)
    newcomer.id = 10**6
    for action in Action:
        for target in (None, world.office_a, assessment):
            assert not permits(newcomer, action, target), (action, target)


def test_an_action_missing_from_the_table_is_refused_even_to_administrators(app, world, monkeypatch):
    table = dict(POLICY)
    del table[Action.VIEW_AUDIT]
    monkeypatch.setattr(policy, "POLICY", table)
    assert not permits(world.admin, Action.VIEW_AUDIT)
    browser = logged_in(app, world.admin.email)
    assert browser.get("/admin/audit").status_code == 403
    # The rest of the table still answers.
    assert browser.get("/admin/users").status_code == 200


def test_an_inactive_user_is_refused_what_the_role_grants(world):
    world.admin.active = False
    assert not permits(world.admin, Action.VIEW_HOME)
    assert not permits(world.admin, Action.VIEW_OFFICE, world.office_a)


def test_who_belongs_to_an_office_and_who_is_assigned_offices_are_read_off_the_table(app, world):
    assert {Role.RESPONDENT} == OFFICE_ROLES
    assert {Role.CONSULTANT} == ASSIGNABLE_ROLES
    with pytest.raises(Invalid) as refused:
        offices.assign_consultant(world.admin, world.office_b, actor=world.admin)
    assert refused.value.problems[0].field == "consultant_id"
    offices.assign_consultant(world.consultant, world.office_b, actor=world.admin)
    # The assignment form offers exactly the roles that offices are assigned to.
    page = logged_in(app, world.admin.email).get("/admin/assignments").get_data(as_text=True)
    assert world.consultant.email in page
    assert f"({world.admin.email})" not in page
    assert f"({world.respondent_a.email})" not in page


def test_each_lifecycle_step_is_decided_by_the_policy_with_the_office(app, world):
    """A consultant of another office may not start a review, not even through the service."""
    assessment = small_assessment(world)
    fill_small(assessment, world.respondent_a)
    with pytest.raises(IllegalTransition):
        steps.submit(assessment, actor=world.consultant, expected_status_version=assessment.status_version)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=assessment.status_version)
    db.session.commit()
    stranger = User(
        email="other.consultant@example.vn",
        full_name="Other",
        role=Role.CONSULTANT.value,
        password_hash=world.consultant.password_hash,
    )
    db.session.add(stranger)
    db.session.commit()
    with pytest.raises(IllegalTransition):
        review.start_review(assessment, actor=stranger)
    db.session.rollback()
    assert db.session.scalar(select(Assessment.status).where(Assessment.id == assessment.id)) == "submitted"
    review.start_review(assessment, actor=world.consultant)
    db.session.commit()
    assert db.session.scalar(select(Assessment.status).where(Assessment.id == assessment.id)) == "in_review"


# Each navigation link's page and the action that page is authorised by.
NAVIGATION = {
    "main.offices": Action.LIST_OFFICES,
    "review.queue": Action.VIEW_REVIEW_QUEUE,
    "review.portfolio": Action.VIEW_REVIEW_QUEUE,
    "admin.offices_list": Action.MANAGE_OFFICES,
    "admin.users_list": Action.MANAGE_USERS,
    "admin.assignments": Action.MANAGE_ASSIGNMENTS,
    "admin.cycles_admin": Action.MANAGE_CYCLES,
    "admin.frameworks_admin": Action.MANAGE_FRAMEWORKS,
    "admin.report_settings_edit": Action.MANAGE_REPORT_SETTINGS,
    "admin.audit_log": Action.VIEW_AUDIT,
}


@pytest.mark.parametrize("who", ["respondent_a", "consultant", "admin"])
def test_the_navigation_offers_what_the_policy_grants(app, world, who):
    user = getattr(world, who)
    with app.test_request_context():
        links = {endpoint: url_for(endpoint) for endpoint in NAVIGATION}
        own_assessments = url_for("survey.office_assessments", office_id=world.office_a.id)
    page = logged_in(app, user.email, PASSWORD).get("/").get_data(as_text=True)
    nav = page[page.index('class="main-nav"') : page.index("</nav>")]
    offered = {endpoint for endpoint, path in links.items() if f'href="{path}"' in nav}
    assert offered == {endpoint for endpoint, action in NAVIGATION.items() if permits(user, action)}
    # Those who belong to an office find it, and its assessments, in the navigation.
    assert (f'href="{own_assessments}"' in nav) == (who == "respondent_a")
    # And every page offered opens.
    browser = logged_in(app, user.email, PASSWORD)
    assert {endpoint: browser.get(links[endpoint]).status_code for endpoint in offered} == dict.fromkeys(
        offered, 200
    )


# What a role check looks like: a role's name compared, or asked for by name.
ROLE_CHECK = re.compile(
    r"\bis_(respondent|consultant|admin)\b|\brole_enum\b|"
    r"\.role\s*(==|!=|\bin\b|\bnot in\b)\s*[\"'(\[{]?\s*(Role\.|[\"'](respondent|consultant|admin)[\"'])"
)
# Where a role's name is legitimately written: the table, the enum and its schema, its label, the demo's
# accounts.
ROLE_NAMES_ALLOWED = {
    "roadmap/policy.py",
    "roadmap/models.py",
    "forms/admin.py",
    "roadmap/services/demo/loader.py",
}


def test_role_checks_are_left_to_the_policy():
    sources = [
        *ROOT.glob("roadmap/**/*.py"),
        *ROOT.glob("forms/**/*.py"),
        *ROOT.glob("templates/**/*.html"),
        ROOT / "app.py",
    ]
    found = []
    for path in sources:
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if ROLE_CHECK.search(line) or (
                name not in ROLE_NAMES_ALLOWED and re.search(r"Role\.(RESPONDENT|CONSULTANT|ADMIN)", line)
            ):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "ask roadmap.policy.permits instead of checking a role"
