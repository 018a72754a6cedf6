"""The cycle's reviewed version, which the database moves (triggers, migration peers_0001) whenever the
peers' figures of the cycle may change: what a cached report's key and a result page's key read instead of
counting the cycle's reviewed assessments at every request. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AssessmentStatus, Cycle, ScoreSnapshot
from roadmap.services.review import portfolio
from roadmap.services.review import workflow as review
from roadmap.services.survey import answers, assessments, frameworks, steps
from tests.conftest import earlier_cycle, stored_assessment
from tests.test_assessment_service import SMALL, fill_everything


def reviewed_version(cycle: Cycle) -> int:
    return int(db.session.scalar(select(Cycle.reviewed_version).where(Cycle.id == cycle.id)))


@pytest.fixture
def earlier(world):
    return earlier_cycle()


def test_it_moves_with_every_change_of_the_reviewed_results_and_with_nothing_else(app, world, earlier):
    frameworks.import_file(SMALL, actor=None)
    cycle = world.cycle
    assert reviewed_version(cycle) == 0
    assessment = steps.start(world.office_a, cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    db.session.commit()
    question = assessments.framework_of(assessment).question("NW-01")
    answers.save_answer(
        assessment, question, answers.parse_answer(question, "answered", "b"), None, actor=world.respondent_a
    )
    db.session.commit()
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    review.start_review(assessment, actor=world.consultant)
    db.session.commit()
    # A draft, its answers, its submission and review: no reviewed result yet.
    assert reviewed_version(cycle) == 0

    seen = [0]

    def moved() -> bool:
        now = reviewed_version(cycle)
        changed = now != seen[-1]
        seen.append(now)
        return changed

    review.approve(assessment, actor=world.consultant)
    db.session.commit()
    assert moved()  # it became a reviewed result, with its snapshot
    review.rescore(assessment, "Khung đã hiệu chỉnh", actor=world.consultant)
    db.session.commit()
    assert moved()  # a new snapshot of a reviewed result
    review.publish(assessment, actor=world.consultant)
    db.session.commit()
    assert moved()  # approved -> published: its status version
    # What an office does to its published assessment's neighbours is not a change of the peers.
    other = steps.start(world.office_b, cycle, actor=world.respondent_b)
    fill_everything(other, world.respondent_b)
    db.session.commit()
    assert not moved()
    assert reviewed_version(earlier) == 0  # another cycle's results are not this one's peers

    # Rows written past the workflow (a data load, a deletion) move it too.
    loaded = stored_assessment(
        world.office_b, earlier, assessment.framework_version_id, AssessmentStatus.PUBLISHED.value
    )
    assert reviewed_version(earlier) == 1
    assert not moved()
    db.session.execute(ScoreSnapshot.__table__.delete().where(ScoreSnapshot.assessment_id == assessment.id))
    db.session.commit()
    assert moved()  # its newest snapshot gone
    db.session.delete(loaded)
    db.session.commit()
    assert reviewed_version(earlier) == 2
    assert not moved()


def test_the_page_key_reads_it_afresh(app, world):
    """`portfolio.peer_version` reads the stored value, not the loaded cycle's (which the database moved
    after it was loaded)."""
    version = frameworks.import_file(SMALL, actor=None).version
    cycle = world.cycle
    before = portfolio.peer_version(cycle)
    stored_assessment(world.office_b, cycle, version.id, AssessmentStatus.APPROVED.value)
    assert portfolio.peer_version(cycle) == before + 1
