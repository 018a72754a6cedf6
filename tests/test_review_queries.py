"""No N+1 in the review queue: the consultant's /review page runs as many SQL statements for 30 submitted
assessments as for 3, and its figures stay right."""

from __future__ import annotations

from roadmap.extensions import db
from roadmap.models import ConsultantAssignment, EvidenceReview, Office, Role, User
from roadmap.services.review import workflow as review
from roadmap.services.survey import assessments, evidence, frameworks, results, steps
from tests.conftest import logged_in
from tests.test_assessment_service import SMALL, fill_everything
from tests.test_survey_queries import statements


def _submitted(world, count: int, start: int) -> list:
    """`count` more offices assigned to the consultant, each with a complete, evidenced, submitted
    assessment."""
    made = []
    for number in range(start, start + count):
        office = Office(code=f"Q{number:03d}", name_vi=f"Văn phòng {number}", name_en=f"Office {number}")
        db.session.add(office)
        db.session.flush()
        db.session.add(ConsultantAssignment(consultant_id=world.consultant.id, office_id=office.id))
        # The office's own representative: the lifecycle lets only them submit it.
        respondent = User(
            email=f"resp.q{number:03d}@example.vn",
            full_name=f"Đầu mối {number}",
            role=Role.RESPONDENT.value,
            office_id=office.id,
            password_hash=world.respondent_a.password_hash,
        )
        db.session.add(respondent)
        assessment = steps.start(office, world.cycle, actor=respondent)
        fill_everything(assessment, respondent)
        framework = assessments.framework_of(assessment)
        for code in ("NW-01", "NW-02"):
            text = evidence.parse_text("Sơ đồ mạng", f"{number}/QĐ-VP", None)
            evidence.save_text(assessment, framework.question(code), text, actor=respondent)
        db.session.commit()
        assert steps.submit(assessment, actor=respondent, expected_status_version=None)
        made.append(assessment)
    # One verdict, so that "unverified" differs between rows.
    db.session.add(EvidenceReview(assessment_id=made[0].id, question_code="NW-01", verdict="verified"))
    db.session.commit()
    return made


def _count(browser) -> tuple[int, str]:
    with statements() as executed:
        response = browser.get("/review")
    assert response.status_code == 200
    return len(executed), response.get_data(as_text=True)


def test_the_review_queue_uses_a_fixed_number_of_statements(app, world):
    frameworks.import_file(SMALL, actor=None)
    first = _submitted(world, 3, 1)
    consultant = logged_in(app, world.consultant.email)
    consultant.get("/review")  # the framework is parsed once per process: not what is measured
    few, page = _count(consultant)
    assert page.count("/review/assessments/") >= 3

    _submitted(world, 27, 4)
    many, page = _count(consultant)
    assert page.count('<th scope="row"><a href="/review/assessments/') == 30
    assert many == few, f"{few} statements for 3 assessments, {many} for 30"
    print(f"review queue: {few} SQL statements for 3 assessments, {many} for 30")

    # The batched figures are those of the one-by-one computation.
    items = {item.assessment.id: item for item in review.queue(world.consultant)}
    for assessment in first:
        scored = results.live_score(assessment, guidance=False)
        sections = results.progress(scored.framework, scored.result)
        item = items[assessment.id]
        assert item.answered == sum(section.answered for section in sections)
        assert item.warnings == len(scored.result.warnings)
        assert item.unverified == len(review.unverified_evidence(assessment))
    assert items[first[0].id].unverified == 1
    assert items[first[1].id].unverified == 2
