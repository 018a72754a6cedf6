"""The office profile in the app (issue 18): answered once per office on its own page, versioned and
audited, carried to the next cycle, and passed to every score, so that rules written for some offices only
(government-only gates and questions, the level-I network gate, a dimension for offices with online public
services) apply to those offices alone. Figures are golden cases 06 and 07 (tests/golden/scoring)."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from roadmap.engine.scoring import Exclusion, result_from_dict
from roadmap.extensions import db
from roadmap.models import Assessment, AuditEvent, Cycle, OfficeProfileAnswer
from roadmap.services.survey import answers, assessments, frameworks, results, steps
from tests.conftest import logged_in

PROFILED = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "profiled.yaml"

# Golden case 06's answers: they hit both gates' causes (NT-01 no, GV-01 "a").
ANSWERS = {
    "NT-01": "no",
    "NT-02": "c",
    "GV-01": "a",
    "GV-02": "yes",
    "GV-03": "yes",
    "PB-01": "80",
    "PB-02": "yes",
}
PARTY = {"profile-OFFICE-TYPE": "party", "profile-NET-USER": "level_2", "profile-ONLINE-SERVICES": "no"}
GOVERNMENT = {
    "profile-OFFICE-TYPE": "government",
    "profile-NET-USER": "level_1",
    "profile-ONLINE-SERVICES": "yes",
}


@pytest.fixture
def assessment(world) -> Assessment:
    frameworks.import_file(PROFILED, actor=None)
    started = steps.start(world.office_a, db.session.get(Cycle, world.cycle.id), actor=world.respondent_a)
    framework = assessments.framework_of(started)
    for code, value in ANSWERS.items():
        question = framework.question(code)
        answers.save_answer(
            started,
            question,
            answers.parse_answer(question, "answered", value),
            None,
            actor=world.respondent_a,
        )
    db.session.commit()
    return started


def scored(assessment_id: int) -> Any:
    return results.live_score(db.session.get(Assessment, assessment_id), guidance=False).result


def stored_profile(office_id: int) -> dict[str, Any]:
    rows = db.session.scalars(select(OfficeProfileAnswer).where(OfficeProfileAnswer.office_id == office_id))
    return {row.question_code: row.value for row in rows}


def with_versions(office_id: int, posted: dict[str, str]) -> dict[str, Any]:
    """The form as the page sends it: each answer with the version the page showed."""
    rows = db.session.scalars(select(OfficeProfileAnswer).where(OfficeProfileAnswer.office_id == office_id))
    return {**posted, **{f"version-{row.question_code}": str(row.version) for row in rows}}


def test_the_overview_asks_for_the_office_profile_until_it_is_answered(app, world, assessment):
    respondent = logged_in(app, world.respondent_a.email)
    page = respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Hãy trả lời hồ sơ đơn vị trước." in page
    assert f"/offices/{world.office_a.id}/profile" in page

    saved = respondent.post(
        f"/offices/{world.office_a.id}/profile?next=/assessments/{assessment.id}",
        {**PARTY, "next": f"/assessments/{assessment.id}"},
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/assessments/{assessment.id}")
    page = respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Hãy trả lời hồ sơ đơn vị trước." not in page

    # Only a path of this site is followed after saving.
    for elsewhere in ("//evil.example", "/\\evil.example", "https://evil.example"):
        admin = logged_in(app, world.admin.email)
        saved = admin.post(
            f"/offices/{world.office_a.id}/profile",
            {**with_versions(world.office_a.id, PARTY), "next": elsewhere},
        )
        assert saved.headers["Location"].endswith(f"/offices/{world.office_a.id}/profile")


def test_a_party_office_is_held_by_no_government_only_rule_and_a_level_two_user_by_no_level_one_gate(
    app, world, assessment
):
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.post(f"/offices/{world.office_a.id}/profile", PARTY).status_code == 302
    assert stored_profile(world.office_a.id) == {
        "OFFICE-TYPE": "party",
        "NET-USER": "level_2",
        "ONLINE-SERVICES": False,
    }

    result = scored(assessment.id)
    net, gov, pub = result.dimension("NET"), result.dimension("GOV"), result.dimension("PUB")
    # NET (2×0 + 2×1) / 4 = 50.0, level 3: G-NET-DUAL is for level-I users only.
    assert (net.score, net.level, net.capped_by) == (50.0, 3, None)
    # GOV without GV-03 (government bodies only): 50.0, level 3; G-GOV-ARCH is for government bodies only.
    assert (gov.score, gov.level, gov.capped_by) == (50.0, 3, None)
    assert result.question("GV-03").exclusion is Exclusion.NOT_APPLICABLE_BY_RULE
    # PUB does not apply (no online public services): out of the index with its weight → 35000 / 70 = 500.
    assert not pub.applies
    assert result.index == 500.0

    # The survey page says why GV-03 does not count, by rule and not by the respondent's choice.
    page = html.unescape(respondent.get(f"/assessments/{assessment.id}/sections/GOV").get_data(as_text=True))
    assert 'data-not-applicable-by-rule="GV-03"' in page
    assert "Không áp dụng cho đơn vị theo quy tắc của bộ tiêu chí" in page
    assert "“Cơ quan của Đảng”" in page
    assert "“Cơ quan hành chính nhà nước”" in page
    overview = html.unescape(respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True))
    assert 'data-not-applicable-by-rule="PUB"' in overview


def test_changing_the_profile_rescores_the_live_result_and_is_audited(app, world, assessment):
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.post(f"/offices/{world.office_a.id}/profile", PARTY).status_code == 302
    assert scored(assessment.id).index == 500.0

    # An administrator corrects the profile: a government body, level-I user, with online public services.
    admin = logged_in(app, world.admin.email)
    changed = admin.post(
        f"/offices/{world.office_a.id}/profile", with_versions(world.office_a.id, GOVERNMENT)
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)

    result = scored(assessment.id)
    net, gov = result.dimension("NET"), result.dimension("GOV")
    # Golden case 07: both gates hold and reach the index; raw scores stay beside the capped ones.
    assert (net.raw_score, net.score, net.level, net.capped_by) == (50.0, 39.9, 2, "G-NET-DUAL")
    assert (gov.raw_score, gov.score, gov.level, gov.capped_by) == (60.0, 39.9, 2, "G-GOV-ARCH")
    assert result.question("GV-03").counted
    assert result.index == 579.0

    # The respondent's page shows the capped score with the answers' score and the gate.
    page = html.unescape(respondent.get(f"/assessments/{assessment.id}").get_data(as_text=True))
    assert "(theo câu trả lời: 50, bị giới hạn bởi điều kiện G-NET-DUAL)" in page
    assert "(theo câu trả lời: 60, bị giới hạn bởi điều kiện G-GOV-ARCH)" in page

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "office_profile.answered").order_by(AuditEvent.id)
    ).all()
    changes = [
        (event.details["question"], event.details["before"], event.details["after"]) for event in events
    ]
    assert ("OFFICE-TYPE", None, "party") in changes
    assert ("OFFICE-TYPE", "party", "government") in changes
    assert ("ONLINE-SERVICES", False, True) in changes
    row = db.session.scalar(
        select(OfficeProfileAnswer).where(OfficeProfileAnswer.question_code == "OFFICE-TYPE")
    )
    assert (row.version, row.updated_by_id) == (2, world.admin.id)


def test_a_government_body_that_is_a_level_two_user_is_capped_by_the_government_gate_only(
    app, world, assessment
):
    respondent = logged_in(app, world.respondent_a.email)
    posted = {**GOVERNMENT, "profile-NET-USER": "level_2"}
    assert respondent.post(f"/offices/{world.office_a.id}/profile", posted).status_code == 302
    result = scored(assessment.id)
    assert (result.dimension("NET").level, result.dimension("NET").capped_by) == (3, None)
    assert result.dimension("GOV").capped_by == "G-GOV-ARCH"


def test_a_profile_post_with_a_missing_answer_names_the_field_keeps_the_choices_and_stores_nothing(
    app, world, assessment
):
    respondent = logged_in(app, world.respondent_a.email)
    refused = respondent.post(
        f"/offices/{world.office_a.id}/profile",
        {"profile-NET-USER": "level_2", "profile-ONLINE-SERVICES": "maybe"},
    )
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert 'id="profile-OFFICE-TYPE-error"' in page
    assert "Vui lòng chọn một trong các phương án của OFFICE-TYPE." in page
    assert 'id="profile-ONLINE-SERVICES-error"' in page
    assert 'value="level_2" checked' in page  # what was chosen is still chosen
    assert stored_profile(world.office_a.id) == {}


def test_a_profile_changed_meanwhile_by_someone_else_is_not_overwritten(app, world, assessment):
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.post(f"/offices/{world.office_a.id}/profile", PARTY).status_code == 302
    stale = with_versions(world.office_a.id, PARTY)
    admin = logged_in(app, world.admin.email)
    assert (
        admin.post(
            f"/offices/{world.office_a.id}/profile", with_versions(world.office_a.id, GOVERNMENT)
        ).status_code
        == 302
    )

    # The respondent's page still showed version 1: the change is refused, the administrator's answer stays.
    refused = respondent.post(
        f"/offices/{world.office_a.id}/profile", {**stale, "profile-NET-USER": "level_2"}
    )
    assert refused.status_code == 400
    assert "Người khác đã thay đổi câu trả lời cho OFFICE-TYPE" in html.unescape(
        refused.get_data(as_text=True)
    )
    assert stored_profile(world.office_a.id)["OFFICE-TYPE"] == "government"


def test_the_profile_is_edited_by_the_office_and_administrators_and_read_by_its_consultant(
    app, world, assessment
):
    url = f"/offices/{world.office_a.id}/profile"
    consultant = logged_in(app, world.consultant.email)
    assert consultant.get(url).status_code == 200
    assert consultant.post(url, PARTY).status_code == 403  # the page is theirs to read, not to change
    other_office = logged_in(app, world.respondent_b.email)
    assert other_office.get(url).status_code == 404
    assert other_office.post(url, PARTY).status_code == 404
    assert stored_profile(world.office_a.id) == {}


def test_the_profile_is_carried_to_the_next_cycle_and_frozen_in_the_approval_snapshot(app, world, assessment):
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.post(f"/offices/{world.office_a.id}/profile", PARTY).status_code == 302

    snapshot = results.take_snapshot(db.session.get(Assessment, assessment.id), "approved", actor=None)
    db.session.commit()
    frozen = result_from_dict(snapshot.result)
    assert frozen.profile_values() == {
        "OFFICE-TYPE": "party",
        "NET-USER": "level_2",
        "ONLINE-SERVICES": False,
    }

    following = Cycle(
        code="2027",
        name_vi="Kỳ đánh giá năm 2027",
        name_en="2027 cycle",
        opens_on=dt.date(2027, 1, 1),
        closes_on=dt.date(2027, 12, 31),
    )
    db.session.add(following)
    db.session.commit()
    next_year = steps.start(world.office_a, following, actor=world.respondent_a)
    db.session.commit()
    result = results.live_score(next_year, guidance=False).result
    assert not result.dimension("PUB").applies
    assert result.profile_values()["OFFICE-TYPE"] == "party"


def test_a_profile_change_gives_the_report_a_new_key_and_the_digest_keeps_its_signed_form(
    app, world, assessment
):
    """The report's key reads the office's profile with the rest of its key in one statement; a change of a
    profile answer is a new key (no stale cached report), and the content digest is still made of the
    (code, version) pairs in order, the form signed reports recorded (issue 25)."""
    import hashlib

    from roadmap.services.reporting import cache as report_cache
    from roadmap.services.reporting import jobs as report_jobs

    def key() -> str:
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        return report_cache.key(
            current, kind="pdf", locale="vi", template_version="t", day=dt.date(2026, 12, 6)
        )

    without_profile = key()
    respondent = logged_in(app, world.respondent_a.email)
    assert respondent.post(f"/offices/{world.office_a.id}/profile", PARTY).status_code == 302
    with_party = key()
    admin = logged_in(app, world.admin.email)
    posted = with_versions(world.office_a.id, {**PARTY, "profile-NET-USER": "level_1"})
    assert admin.post(f"/offices/{world.office_a.id}/profile", posted).status_code == 302
    changed = key()
    assert len({without_profile, with_party, changed}) == 3
    # The download reads the same key (its one statement loads the assessment with the same columns).
    db.session.expire_all()
    current = db.session.get(Assessment, assessment.id)
    download = report_jobs.for_download(assessment.id, "vi")
    assert download is not None
    assert download.assessment is current
    assert download.signed_id is None
    digest = report_jobs.digest_for_download(download, "pdf", "vi", dt.date(2026, 12, 6))
    assert digest == report_cache.key(
        current,
        kind="pdf",
        locale="vi",
        template_version=report_jobs.FORMATS["pdf"].layout_version,
        day=dt.date(2026, 12, 6),
    )

    # The digest's parts, as signed reports took them: the profile as sorted (code, version) pairs.
    rows = db.session.execute(
        select(OfficeProfileAnswer.question_code, OfficeProfileAnswer.version).where(
            OfficeProfileAnswer.office_id == world.office_a.id
        )
    ).all()
    assert sorted(version for _, version in rows) == [1, 1, 2]
    shared = db.session.execute(report_cache._SHARED, report_cache.key_parameters(current)).one()
    parts = [
        current.id,
        current.revision,
        current.status,
        current.status_version,
        current.updated_at,
        current.framework_version_id,
        current.office.code,
        current.office.name_vi,
        current.office.name_en,
        current.cycle.code,
        current.cycle.name_vi,
        current.cycle.name_en,
        shared[0],
        tuple(shared[1:4]),
        sorted(rows),
    ]
    assert report_cache.content_version(current) == hashlib.sha256(repr(parts).encode()).hexdigest()
