"""Targets per dimension: the office sets them in draft, consultants at any time; the gap follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from roadmap.extensions import db
from roadmap.models import TargetLevel
from roadmap.services.survey import assessments, frameworks, results, steps
from tests.conftest import logged_in

SMALL = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml"


@pytest.fixture
def assessment(world):
    frameworks.import_file(SMALL, actor=None)
    return steps.start(world.office_a, world.cycle, actor=world.respondent_a)


def targets_of(assessment):
    return results.targets_of(assessment, assessments.framework_of(assessment))


def test_the_office_sets_its_targets_and_the_gap_follows(app, world, assessment):
    browser = logged_in(app, world.respondent_a.email)
    page = browser.get(f"/assessments/{assessment.id}/targets").get_data(as_text=True)
    assert 'name="target-NETW"' in page
    posted = {"target-NETW": "5", "target-CYBR": "3", "target-PEOP": "2"}
    response = browser.post(f"/assessments/{assessment.id}/targets", posted)
    assert response.status_code == 302
    assert targets_of(assessment) == {"NETW": 5, "CYBR": 3, "PEOP": 2}
    scored = results.live_score(assessment, guidance=False)
    assert scored.result.dimension("NETW").gap == 5 - scored.result.dimension("NETW").level


def test_a_bad_target_is_refused_beside_its_field_and_nothing_is_half_saved(app, world, assessment):
    browser = logged_in(app, world.respondent_a.email)
    browser.post("/locale/en")
    response = browser.post(
        f"/assessments/{assessment.id}/targets", {"target-NETW": "9", "target-CYBR": "4", "target-PEOP": "x"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="target-NETW-error">A target level is between 1 and 5.<', page)
    assert re.search(r'id="target-PEOP-error">A target level is between 1 and 5.<', page)
    assert db.session.query(TargetLevel).filter_by(dimension_code="NETW").count() == 0


def test_after_submission_only_consultants_change_targets(app, world, assessment):
    assessment.status = "submitted"
    db.session.commit()
    office = logged_in(app, world.respondent_a.email)
    refused = office.post(
        f"/assessments/{assessment.id}/targets", {"target-NETW": "4", "target-CYBR": "3", "target-PEOP": "2"}
    )
    assert refused.status_code == 400
    assert targets_of(assessment)["NETW"] == 3
    consultant = logged_in(app, world.consultant.email)
    accepted = consultant.post(
        f"/assessments/{assessment.id}/targets", {"target-NETW": "4", "target-CYBR": "3", "target-PEOP": "2"}
    )
    assert accepted.status_code == 302
    assert targets_of(assessment)["NETW"] == 4


def test_another_office_cannot_see_or_change_the_targets(app, world, assessment):
    stranger = logged_in(app, world.respondent_b.email)
    assert stranger.get(f"/assessments/{assessment.id}/targets").status_code == 404
    response = stranger.post(f"/assessments/{assessment.id}/targets", {"target-NETW": "1"})
    assert response.status_code == 404
    assert targets_of(assessment)["NETW"] == 3
