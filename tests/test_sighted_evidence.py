"""Evidence sighted on site (issue 19): classified evidence (state secrets, cipher devices, the dossiers of
classified systems) is never uploaded; the office's consultant records that they saw it — what, when,
where, and who (the consultant, from the session). It satisfies the evidence rules like any evidence, the
office reads it on its survey, and it is in the review page, the report and the API."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from docx import Document
from flask_babel import force_locale
from sqlalchemy import func, select

from roadmap.engine.export import export_framework
from roadmap.engine.loader import load_framework, load_framework_text
from roadmap.extensions import db
from roadmap.models import AssessmentStatus, AuditEvent, SightedEvidence
from roadmap.services import Invalid
from roadmap.services.platform.clock import local_today
from roadmap.services.reporting import docx, model
from roadmap.services.survey import assessments, evidence, frameworks, steps
from tests.conftest import logged_in
from tests.test_report_docx import all_text
from tests.test_survey import autosave, fieldset_of, live, small_assessment

DESCRIPTION = "Hồ sơ đề xuất cấp độ hệ thống mật, bản số 02"
PLACE = "Phòng cơ yếu, trụ sở chính"


def sighting_form(question: str = "NW-01", **changes: str) -> dict[str, str]:
    fields = {
        "question": question,
        "description": DESCRIPTION,
        "sighted_on": (local_today() - dt.timedelta(days=3)).isoformat(),
        "place": PLACE,
    }
    fields.update(changes)
    return fields


def sightings() -> int:
    return db.session.scalar(select(func.count()).select_from(SightedEvidence)) or 0


def audited(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


@pytest.fixture
def claimed(app, world):
    """The small framework's NW-01 answered "c" (all units): a claim that needs evidence and has none."""
    assessment = small_assessment(world)
    respondent = logged_in(app, world.respondent_a.email)
    assert autosave(respondent, assessment.id, "NW-01", "c").status_code == 200
    return assessment, respondent


def test_a_sighting_recorded_by_the_consultant_counts_as_evidence_and_the_office_reads_it(
    app, world, claimed
):
    assessment, respondent = claimed
    before = live(respondent, assessment.id, "NETW")
    assert "NW-01" in before["discounted"]

    consultant = logged_in(app, world.consultant.email)
    # A typed "who" is not a field: the person is whoever records it.
    posted = consultant.post(
        f"/review/assessments/{assessment.id}/sighted", sighting_form(sighted_by_name="Someone Else")
    )
    assert posted.status_code == 302, posted.get_data(as_text=True)
    row = db.session.scalar(select(SightedEvidence))
    assert (row.question_code, row.description, row.place) == ("NW-01", DESCRIPTION, PLACE)
    assert row.sighted_by_id == world.consultant.id
    assert row.sighted_by_name == world.consultant.full_name
    assert row.sighted_on == local_today() - dt.timedelta(days=3)
    assert audited("evidence.sighted_recorded") == 1

    # The evidence rule is satisfied: no discount, a higher index.
    after = live(respondent, assessment.id, "NETW")
    assert "NW-01" not in after["discounted"]
    assert "NW-01" not in after["evidence_needed"]
    assert after["result"]["index"] > before["result"]["index"]

    # The office reads it on its section page, read-only.
    page = respondent.get(f"/assessments/{assessment.id}/sections/NETW").get_data(as_text=True)
    block = fieldset_of(page, "NW-01")
    assert DESCRIPTION in block
    assert PLACE in block
    assert world.consultant.full_name in block
    assert "/sighted" not in page  # no form to record or remove

    # The review page lists it with the consultant's removal form.
    review = consultant.get(f"/review/assessments/{assessment.id}").get_data(as_text=True)
    assert DESCRIPTION in review
    assert f"/review/assessments/{assessment.id}/sighted/remove" in review

    # The API gives it to whoever may see the assessment, the office included.
    body = respondent.get(f"/api/v1/assessments/{assessment.id}").get_json()
    [given] = body["sighted_evidence"]
    assert given["question"] == "NW-01"
    assert given["description"] == DESCRIPTION
    assert given["place"] == PLACE
    assert given["sighted_by"] == world.consultant.full_name
    assert given["sighted_on"] == row.sighted_on.isoformat()


WRONG = [
    ({"sighted_on": "FUTURE"}, "sighted_on", "Ngày ghi nhận tại chỗ không được sau ngày hôm nay."),
    ({"description": "   "}, "description", "Vui lòng nêu ngắn gọn minh chứng đã ghi nhận"),
    ({"place": ""}, "place", "Vui lòng nêu nơi ghi nhận minh chứng."),
    ({"sighted_on": "31/02/2026"}, "sighted_on", "Vui lòng nhập ngày ghi nhận tại chỗ là một ngày hợp lệ."),
    ({"sighted_on": ""}, "sighted_on", "Vui lòng nhập ngày ghi nhận tại chỗ."),
    ({"description": "x" * 501}, "description", "Nội dung quá dài"),
]


def test_a_wrong_sighting_is_refused_in_the_user_s_language_and_nothing_is_stored(app, world, claimed):
    assessment, respondent = claimed
    consultant = logged_in(app, world.consultant.email)
    for changes, field, message in WRONG:
        if changes.get("sighted_on") == "FUTURE":  # tomorrow where the service runs
            changes = {"sighted_on": (local_today() + dt.timedelta(days=1)).isoformat()}
        response = consultant.post(f"/review/assessments/{assessment.id}/sighted", sighting_form(**changes))
        assert response.status_code == 400, changes
        page = response.get_data(as_text=True)
        assert message in page, changes
        assert re.search(rf'id="sighted-{field}-NW-01"[^>]*aria-invalid="true"', page), changes
    assert sightings() == 0
    assert audited("evidence.sighted_recorded") == 0
    assert "NW-01" in live(respondent, assessment.id, "NETW")["discounted"]


def test_the_office_can_neither_record_nor_remove_a_sighting(app, world, claimed):
    assessment, respondent = claimed
    refused = respondent.post(f"/review/assessments/{assessment.id}/sighted", sighting_form())
    assert refused.status_code == 403
    assert sightings() == 0
    # Nor through the service, whatever calls it.
    framework = assessments.framework_of(assessment)
    sighting = evidence.parse_sighting(DESCRIPTION, PLACE, local_today().isoformat())
    with pytest.raises(Invalid):
        evidence.record_sighting(assessment, framework.question("NW-01"), sighting, actor=world.respondent_a)
    db.session.rollback()
    assert sightings() == 0

    row = evidence.record_sighting(assessment, framework.question("NW-01"), sighting, actor=world.consultant)
    removal = respondent.post(
        f"/review/assessments/{assessment.id}/sighted/remove", {"sighting": str(row.id)}
    )
    assert removal.status_code == 403
    assert sightings() == 1


def test_the_consultant_removes_a_sighting_audited_and_the_discount_returns(app, world, claimed):
    assessment, respondent = claimed
    framework = assessments.framework_of(assessment)
    sighting = evidence.parse_sighting(DESCRIPTION, PLACE, local_today().isoformat())
    row = evidence.record_sighting(assessment, framework.question("NW-01"), sighting, actor=world.consultant)
    assert "NW-01" not in live(respondent, assessment.id, "NETW")["discounted"]
    consultant = logged_in(app, world.consultant.email)
    removed = consultant.post(
        f"/review/assessments/{assessment.id}/sighted/remove", {"sighting": str(row.id)}
    )
    assert removed.status_code == 302
    assert sightings() == 0
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.sighted_removed"))
    assert event.details["description"] == DESCRIPTION
    assert event.details["sighted_by"] == world.consultant.full_name
    assert "NW-01" in live(respondent, assessment.id, "NETW")["discounted"]


def test_once_approved_the_result_is_frozen_and_sightings_are_refused(app, world, claimed):
    assessment, _ = claimed
    framework = assessments.framework_of(assessment)
    sighting = evidence.parse_sighting(DESCRIPTION, PLACE, local_today().isoformat())
    row = evidence.record_sighting(assessment, framework.question("NW-01"), sighting, actor=world.consultant)
    assessment.status = AssessmentStatus.APPROVED.value
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    refused = consultant.post(f"/review/assessments/{assessment.id}/sighted", sighting_form())
    assert refused.status_code == 409
    removal = consultant.post(
        f"/review/assessments/{assessment.id}/sighted/remove", {"sighting": str(row.id)}
    )
    assert removal.status_code == 409
    assert sightings() == 1


def test_the_report_lists_the_sighting_with_the_evidence_in_both_languages(app, world, claimed):
    assessment, _ = claimed
    framework = assessments.framework_of(assessment)
    sighting = evidence.parse_sighting(DESCRIPTION, PLACE, "2026-03-02")
    evidence.record_sighting(assessment, framework.question("NW-01"), sighting, actor=world.consultant)
    name = world.consultant.full_name
    expected = {
        "vi": f"Ghi nhận tại chỗ: {name}, ngày 02/03/2026, tại {PLACE}: {DESCRIPTION}",
        "en": f"Sighted on site by {name} on 2 March 2026 at {PLACE}: {DESCRIPTION}",
    }
    for locale, line in expected.items():
        with app.test_request_context(), force_locale(locale):
            data = model.build(assessment, today=dt.date(2026, 12, 5))
        [answer] = [a for group in data.answers for a in group.lines if a.code == "NW-01"]
        plain = [text.replace("\u2068", "").replace("\u2069", "") for text in answer.evidence]
        assert line in plain, plain
        written = all_text(Document(io.BytesIO(docx.render_report(data))))
        assert line in written.replace("\u2068", "").replace("\u2069", "")


# --- the framework declares which evidence is sighted ---------------------------------------------------

SHIPPED = Path(__file__).resolve().parent.parent / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"
SIGHTED_IN_1_1 = ["NET-07", "DAT-11", "SEC-14", "SVC-07", "SVC-08"]


def test_the_2026_framework_declares_its_classified_evidence_as_sighted_and_keeps_it_on_export():
    framework = load_framework(SHIPPED)
    declared = [question.code for question in framework.questions if question.evidence_sighted]
    assert declared == SIGHTED_IN_1_1
    # Each is a question whose help says the assessor sights the evidence on site.
    for code in declared:
        assert "sight" in framework.question(code).help.get("en")
        assert framework.question(code).evidence_threshold is not None
    again = load_framework_text(export_framework(framework))
    assert [q.code for q in again.questions if q.evidence_sighted] == SIGHTED_IN_1_1
    assert again.fingerprint == framework.fingerprint


def test_the_office_is_told_not_to_upload_and_the_consultant_is_offered_the_record(app, world):
    frameworks.import_file(SHIPPED, actor=None)
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    respondent = logged_in(app, world.respondent_a.email)
    respondent.post("/locale/en")
    page = respondent.get(f"/assessments/{assessment.id}/sections/SVC").get_data(as_text=True)
    assert "do not upload it" in fieldset_of(page, "SVC-07")
    assert "data-evidence-sighted" not in fieldset_of(page, "SVC-01")
    consultant = logged_in(app, world.consultant.email)
    review = consultant.get(f"/review/assessments/{assessment.id}").get_data(as_text=True)
    assert 'data-evidence-sighted="SVC-08"' in review
    assert "Minh chứng yêu cầu: ghi nhận tại chỗ" in review
