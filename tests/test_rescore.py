"""A consultant re-scores an approved result only with a reason: the approved snapshot keeps the engine
version it was scored with, the re-score is a new snapshot beside it (the history), audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import AuditEvent, ScoreSnapshot
from roadmap.services.review import workflow as review
from tests.conftest import logged_in
from tests.test_review import S, fresh, status_post, submitted  # noqa: F401 (the fixture)


@pytest.fixture
def approved(app, world, submitted):  # noqa: F811 (the fixture imported above)
    review.start_review(submitted, actor=world.consultant)
    review.approve(fresh(submitted.id), actor=world.consultant)
    return fresh(submitted.id)


def snapshots(assessment_id: int) -> list[ScoreSnapshot]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.assessment_id == assessment_id)
            .order_by(ScoreSnapshot.id)
        )
    )


def test_a_re_score_with_a_reason_is_a_new_snapshot_audited_and_shown_in_the_history(app, world, approved):
    approved_snapshot = next(s for s in snapshots(approved.id) if s.reason == "approved")
    # As if it had been scored by an older engine: the re-score must not touch it.
    approved_snapshot.engine_version = "0.9"
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    consultant.post("/locale/en")
    page = consultant.get(f"/review/assessments/{approved.id}").get_data(as_text=True)
    assert "This result was scored with engine 0.9" in page
    response = consultant.post(
        f"/review/assessments/{approved.id}/rescore", {"reason": "Áp dụng quy tắc giới hạn mức mới."}
    )
    assert response.status_code == 302
    rows = snapshots(approved.id)
    assert [s.reason for s in rows] == ["submitted", "approved", "rescored"]
    assert rows[1].engine_version == "0.9"  # the approved result is kept as it was scored
    assert rows[2].note == "Áp dụng quy tắc giới hạn mức mới."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.rescored"))
    assert event.details["reason"] == "Áp dụng quy tắc giới hạn mức mới."
    assert event.details["engine_before"] == "0.9"
    assert event.actor_id == world.consultant.id
    page = consultant.get(f"/review/assessments/{approved.id}").get_data(as_text=True)
    history = page[page.index('data-section="score-history"') :]
    assert re.findall(r'<tr data-snapshot="(\w+)">', history) == ["rescored", "approved", "submitted"]
    assert "Áp dụng quy tắc giới hạn mức mới." in history


def test_a_re_score_without_a_reason_is_refused_and_nothing_is_stored(app, world, approved):
    consultant = logged_in(app, world.consultant.email)
    consultant.get(f"/review/assessments/{approved.id}")
    response = consultant.post(f"/review/assessments/{approved.id}/rescore", {"reason": "  "})
    assert response.status_code == 400
    assert [s.reason for s in snapshots(approved.id)] == ["submitted", "approved"]


def test_a_result_not_yet_approved_is_not_re_scored(app, world, submitted):  # noqa: F811
    consultant = logged_in(app, world.consultant.email)
    consultant.get(f"/review/assessments/{submitted.id}")
    response = consultant.post(f"/review/assessments/{submitted.id}/rescore", {"reason": "Thử lại."})
    assert response.status_code == 409
    assert [s.reason for s in snapshots(submitted.id)] == ["submitted"]


def test_the_roadmap_plans_from_the_re_score_when_regenerated(app, world, approved):
    from roadmap.services.plans import roadmaps

    snapshot = review.rescore(approved, "Sửa lỗi tính điểm.", actor=world.consultant)
    assert roadmaps.basis_of(fresh(approved.id)).snapshot.id == snapshot.id
