"""The consultants' review (issue 7): the whole workflow over HTTP, who may reach it, and refused input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    EvidenceReview,
    Notification,
    ReviewComment,
    RoadmapPlan,
    ScoreOverride,
    ScoreSnapshot,
)
from roadmap.services.review import workflow as review
from roadmap.services.survey import assessments, evidence, frameworks, steps
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, fill_everything, save

S = AssessmentStatus


@pytest.fixture
def submitted(world):
    """Office A's assessment, fully answered, with evidence at NW-01, submitted."""
    frameworks.import_file(SMALL, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    question = assessments.framework_of(assessment).question("NW-01")
    evidence.save_text(
        assessment, question, evidence.parse_text("Sơ đồ mạng", "12/QĐ-VP", None), actor=world.respondent_a
    )
    db.session.commit()
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    return assessment


def fresh(assessment_id: int) -> Assessment:
    db.session.rollback()
    found = db.session.get(Assessment, assessment_id)
    assert found is not None
    return found


def status_post(browser, assessment_id: int, step: str, **data):
    version = fresh(assessment_id).status_version
    if step in ("approve", "publish"):
        data.setdefault("confirm", "y")  # the page's ticked confirmation (issue 23)
    return browser.post(f"/review/assessments/{assessment_id}/{step}", {"status_version": version, **data})


def actions_of(assessment_id: int) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "assessment", AuditEvent.object_id == str(assessment_id))
            .order_by(AuditEvent.id)
        )
    )


def test_the_whole_workflow(app, world, submitted):
    aid = submitted.id
    consultant = logged_in(app, world.consultant.email)

    queue = consultant.get("/review")
    assert queue.status_code == 200
    assert world.office_a.name_vi in queue.get_data(as_text=True)

    assert status_post(consultant, aid, "start").status_code == 302
    assert fresh(aid).status == S.IN_REVIEW
    page = consultant.get(f"/review/assessments/{aid}")
    assert page.status_code == 200
    assert "12/QĐ-VP" in page.get_data(as_text=True)

    base = f"/review/assessments/{aid}"
    assert (
        consultant.post(f"{base}/comments", {"question": "NW-02", "body": "Số liệu chưa khớp."}).status_code
        == 302
    )
    assert consultant.post(f"{base}/comments", {"body": "Nhìn chung đầy đủ."}).status_code == 302
    assert (
        consultant.post(f"{base}/evidence", {"question": "NW-01", "verdict": "verified"}).status_code == 302
    )
    response = consultant.post(
        f"{base}/overrides/points",
        {"question": "NW-02", "points": "0,5", "justification": "Chỉ một nửa số đơn vị có kết nối."},
    )
    assert response.status_code == 302
    scored = review.reviewed_score(fresh(aid))
    nw02 = next(q for q in scored.result.questions if q.code == "NW-02")
    assert nw02.override is not None
    assert nw02.points == 0.5
    assert nw02.computed_points is not None  # the original stays visible
    assert nw02.computed_points != 0.5
    page = consultant.get(base).get_data(as_text=True)
    assert "Chỉ một nửa số đơn vị có kết nối." in page

    assert status_post(consultant, aid, "return", comment="Xin bổ sung số liệu NW-02.").status_code == 302
    assert fresh(aid).status == S.RETURNED

    # The office reads the comments at the question, changes the answer and submits again.
    respondent = logged_in(app, world.respondent_a.email)
    section = respondent.get(f"/assessments/{aid}/sections/NETW").get_data(as_text=True)
    assert "Số liệu chưa khớp." in section
    assessment = fresh(aid)
    save(assessment, world.respondent_a, "NW-03", value="90")
    assert fresh(aid).status == S.DRAFT
    assert steps.submit(fresh(aid), actor=world.respondent_a, expected_status_version=None)

    assert status_post(consultant, aid, "start").status_code == 302
    assert status_post(consultant, aid, "approve").status_code == 302
    assessment = fresh(aid)
    assert assessment.status == S.APPROVED
    snapshot = db.session.scalar(
        select(ScoreSnapshot).where(ScoreSnapshot.assessment_id == aid, ScoreSnapshot.reason == "approved")
    )
    assert snapshot is not None
    frozen = next(q for q in snapshot.result["questions"] if q["code"] == "NW-02")
    assert frozen["override"]["value"] == 0.5
    plan = db.session.scalar(select(RoadmapPlan).where(RoadmapPlan.assessment_id == aid))
    assert plan is not None
    assert plan.score_snapshot_id == snapshot.id

    # Before publication the office does not see the roadmap; afterwards it does.
    assert respondent.get(f"/assessments/{aid}/roadmap").status_code == 404
    assert status_post(consultant, aid, "publish").status_code == 302
    assert fresh(aid).status == S.PUBLISHED
    assert respondent.get(f"/assessments/{aid}").status_code == 200
    assert respondent.get(f"/assessments/{aid}/roadmap").status_code == 200

    actions = actions_of(aid)
    for expected in (
        "assessment.submitted",
        "assessment.review_started",
        "review.commented",
        "evidence.verified",
        "override.points",
        "assessment.returned",
        "assessment.reopened",
        "assessment.approved",
        "roadmap.generated",
        "assessment.published",
    ):
        assert expected in actions, expected
    kinds = set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == world.respondent_a.id))
    )
    assert {review.REVIEW_STARTED, review.RETURNED, review.APPROVED, review.PUBLISHED} <= kinds


def test_rejected_evidence_needs_a_reason(app, world, submitted):
    review.start_review(submitted, actor=world.consultant)
    consultant = logged_in(app, world.consultant.email)
    base = f"/review/assessments/{submitted.id}"
    refused = consultant.post(f"{base}/evidence", {"question": "NW-01", "verdict": "rejected", "reason": " "})
    assert refused.status_code == 400
    assert "reason" in refused.get_data(as_text=True).lower() or "lý do" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EvidenceReview)) == 0
    accepted = consultant.post(
        f"{base}/evidence", {"question": "NW-01", "verdict": "rejected", "reason": "Văn bản hết hiệu lực."}
    )
    assert accepted.status_code == 302
    db.session.rollback()
    row = db.session.scalar(select(EvidenceReview))
    assert row is not None
    assert (row.verdict, row.reason) == ("rejected", "Văn bản hết hiệu lực.")


def test_override_without_justification_changes_nothing(app, world, submitted):
    review.start_review(submitted, actor=world.consultant)
    consultant = logged_in(
        app,
        world.consultant.email,
    )
    before = actions_of(submitted.id)
    response = consultant.post(
        f"/review/assessments/{submitted.id}/overrides/points",
        {"question": "NW-02", "points": "0.5", "justification": "   "},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "justification" in response.get_data(as_text=True).lower() or "lý do" in response.get_data(
        as_text=True
    )
    level = consultant.post(
        f"/review/assessments/{submitted.id}/overrides/level", {"dimension": "NETW", "level": "4"}
    )
    assert level.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ScoreOverride)) == 0
    assert actions_of(submitted.id) == before


def test_out_of_range_override_is_refused(app, world, submitted):
    review.start_review(submitted, actor=world.consultant)
    from roadmap.services import Invalid

    with pytest.raises(Invalid):
        review.override_points(submitted, "NW-02", "1.5", "quá cao", actor=world.consultant)
    with pytest.raises(Invalid):
        review.override_level(submitted, "NETW", "6", "quá cao", actor=world.consultant)
    assert db.session.scalar(select(func.count()).select_from(ScoreOverride)) == 0


def test_return_without_a_comment_is_refused(app, world, submitted):
    review.start_review(submitted, actor=world.consultant)
    consultant = logged_in(app, world.consultant.email)
    before = actions_of(submitted.id)
    response = status_post(consultant, submitted.id, "return", comment="  ")
    assert response.status_code == 409
    assert fresh(submitted.id).status == S.IN_REVIEW
    assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 0
    assert actions_of(submitted.id) == before


def test_approving_an_assessment_not_in_review_is_refused(app, world, submitted):
    consultant = logged_in(app, world.consultant.email)
    before = actions_of(submitted.id)
    response = status_post(consultant, submitted.id, "approve")
    assert response.status_code == 409
    assessment = fresh(submitted.id)
    assert assessment.status == S.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(RoadmapPlan)) == 0
    reasons = set(db.session.scalars(select(ScoreSnapshot.reason)))
    assert "approved" not in reasons
    assert actions_of(submitted.id) == before
    # And nothing may be commented or overridden before the review starts.
    comment = consultant.post(f"/review/assessments/{submitted.id}/comments", {"body": "Sớm quá"})
    assert comment.status_code == 409


REVIEW_POSTS = ("start", "return", "approve", "publish", "comments", "evidence", "overrides/points")


def test_a_consultant_not_assigned_sees_nothing(app, world, submitted):
    # Office B's assessment: the matrix's consultant is assigned to office A only.
    foreign = steps.start(world.office_b, world.cycle, actor=world.respondent_b)
    fill_everything(foreign, world.respondent_b)
    assert steps.submit(foreign, actor=world.respondent_b, expected_status_version=None)
    consultant = logged_in(app, world.consultant.email)
    queue = consultant.get("/review").get_data(as_text=True)
    assert world.office_b.name_vi not in queue
    assert consultant.get(f"/review/assessments/{foreign.id}").status_code == 404
    for step in REVIEW_POSTS:
        response = consultant.post(f"/review/assessments/{foreign.id}/{step}", {"status_version": "2"})
        assert response.status_code == 404, step
    assert fresh(foreign.id).status == S.SUBMITTED
    # The administrator reviews every office.
    admin = logged_in(app, world.admin.email)
    assert world.office_b.name_vi in admin.get("/review").get_data(as_text=True)


def test_a_respondent_cannot_reach_review(app, world, submitted):
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.get("/review").status_code == 403
    assert respondent.get(f"/review/assessments/{submitted.id}").status_code == 403
    for step in REVIEW_POSTS:
        response = respondent.post(f"/review/assessments/{submitted.id}/{step}", {"status_version": "2"})
        assert response.status_code == 403, step
    other = logged_in(app, world.respondent_b.email)
    assert other.get(f"/review/assessments/{submitted.id}").status_code == 404
    assert fresh(submitted.id).status == S.SUBMITTED


def test_queue_filters_and_sorts(app, world, submitted):
    items = review.queue(world.consultant)
    assert [item.assessment.id for item in items] == [submitted.id]
    item = items[0]
    assert item.answered == item.required > 0
    assert item.unverified == 1  # NW-01's evidence
    assert review.queue(world.consultant, status=S.IN_REVIEW) == []
    assert review.queue(world.consultant, office_kind="state") == []
    assert len(review.queue(world.consultant, sort=review.QueueSort.UNVERIFIED)) == 1
    assert review.queue(world.respondent_a) == []


def test_review_notifications_read_as_sentences_in_the_readers_language(app):
    from flask_babel import refresh

    from roadmap.models import Notification
    from roadmap.services.platform import notifications

    notice = Notification(user_id=1, kind="assessment.returned", params={"cycle_code": "2026"})
    with app.test_request_context("/?lang=en"):
        refresh()
        assert notifications.text(notice).startswith("The assessment for 2026 has been returned for revision")
    with app.test_request_context("/"):
        refresh()
        assert "2026" in notifications.text(notice)
        assert "assessment.returned" not in notifications.text(notice)


def test_each_review_form_posts_one_target_as_a_browser_sends_it(app, world, submitted):
    """A browser sends every field of a form, in order; a second, empty `question` (or `dimension`, `kind`)
    before the real one made a comment at a question a general one and refused overrides."""
    import re

    consultant = logged_in(app, world.consultant.email)
    assert status_post(consultant, submitted.id, "start").status_code == 302
    page = consultant.get(f"/review/assessments/{submitted.id}").get_data(as_text=True)
    forms = re.findall(
        r'<form method="post" action="[^"]*/(comments|evidence|overrides/\w+)(?:#[^"]*)?"(.*?)</form>',
        page,
        re.S,
    )
    assert forms
    for action, body in forms:
        names = re.findall(
            r'<input[^>]*type="hidden"[^>]*name="(\w+)"|<input[^>]*name="(\w+)"[^>]*type="hidden"', body
        )
        hidden = [a or b for a, b in names]
        assert len(hidden) == len(set(hidden)), (action, hidden)
        fields = dict(re.findall(r'name="(question|dimension|kind|target)"[^>]*value="([^"]*)"', body))
        if action != "comments" or fields.get("question"):
            assert all(fields.values()), (action, fields)
