"""The roadmap as a living plan (issue 22): tracking per initiative of a published roadmap — versioned,
audited, checked whole, refused on an unpublished roadmap, conflicts carrying both values."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from roadmap.extensions import db
from roadmap.models import AuditEvent, InitiativeTracking, InitiativeTrackingVersion
from roadmap.services import Invalid
from roadmap.services.plans import tracking
from roadmap.services.plans.tracking import Quarter, TrackingConflict
from tests.test_review import fresh, submitted  # noqa: F401  (the fixture)


@pytest.fixture
def published(world, submitted):  # noqa: F811  (the fixture imported above)
    """Office A's roadmap with the whole small catalogue (K02 mandatory, the others optional), published."""
    from roadmap.models import RoadmapEditKind
    from roadmap.services.plans import roadmaps
    from roadmap.services.review import workflow as review

    consultant = world.consultant
    review.start_review(submitted, actor=consultant)
    review.approve(fresh(submitted.id), actor=consultant)
    for code in ("K02", "K03", "K01"):
        assessment = fresh(submitted.id)
        if not roadmaps.load(assessment).effective.has(code):
            roadmaps.add_edit(
                assessment,
                RoadmapEditKind.ADD,
                actor=consultant,
                expected_version=roadmaps.version_of(assessment),
                reason="Bổ sung theo thẩm định",
                initiative=code,
            )
    review.publish(fresh(submitted.id), actor=consultant)
    db.session.commit()
    return fresh(submitted.id)


def codes(assessment) -> dict[str, tracking.Line]:
    return {line.code: line for line in tracking.lines(assessment)}


def first_optional(assessment) -> str:
    return next(line.code for line in tracking.lines(assessment) if not line.mandatory)


def first_mandatory(assessment) -> str:
    return next(line.code for line in tracking.lines(assessment) if line.mandatory)


def stored_count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def progress(**values):
    return {"status": "in_progress", "percent_done": "40", "actual_start": "2027-Q1", **values}


def test_published_roadmap_lists_every_initiative_with_its_planned_quarters(app, world, published):
    lines = tracking.lines(published)
    assert lines, "the small framework's roadmap has initiatives"
    for line in lines:
        assert line.planned_start is not None
        assert line.planned_finish is not None
        assert line.planned_start <= line.planned_finish
        assert line.status.value == "not_started"
        assert line.version == 0
    assert any(line.mandatory for line in lines)


def test_each_change_is_a_new_version_kept_whole_and_audited(app, world, published):
    code = first_optional(published)
    tracking.update_progress(
        published,
        code,
        progress(owner_id=str(world.respondent_a.id)),
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    tracking.update_progress(
        published,
        code,
        progress(percent_done="70", progress_note="Đã lắp đặt 7/10 thiết bị."),
        actor=world.respondent_a,
        expected_version=1,
    )
    db.session.commit()
    line = codes(published)[code]
    assert line.version == 2
    assert line.state["percent_done"] == 70
    assert line.state["owner_id"] is None  # the second report gave no owner
    versions = tracking.history(published, code)
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].state["percent_done"] == 40
    assert versions[1].state["owner_id"] == world.respondent_a.id
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tracking.update").order_by(AuditEvent.id)
    ).all()
    assert [event.details["version"] for event in events] == [1, 2]
    assert events[1].details["changed"]["percent_done"] == [40, 70]
    assert events[1].details["initiative"] == code


def test_a_change_from_an_older_page_is_a_conflict_with_both_values_and_nothing_stored(app, world, published):
    code = first_optional(published)
    tracking.update_progress(published, code, progress(), actor=world.respondent_a, expected_version=0)
    db.session.commit()
    tracking.update_progress(
        published, code, progress(percent_done="60"), actor=world.respondent_a, expected_version=1
    )
    db.session.commit()
    with pytest.raises(TrackingConflict) as caught:
        tracking.update_progress(
            fresh(published.id),
            code,
            progress(percent_done="50"),
            actor=world.respondent_a,
            expected_version=1,
        )
    assert caught.value.current["percent_done"] == 60
    assert caught.value.yours["percent_done"] == 50
    assert caught.value.version == 2
    assert codes(fresh(published.id))[code].state["percent_done"] == 60
    assert stored_count(InitiativeTrackingVersion) == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (progress(percent_done="101"), "percent_done"),
        (progress(percent_done="-1"), "percent_done"),
        (progress(percent_done="nhiều"), "percent_done"),
        (progress(actual_start="2027-Q3", actual_finish="2027-Q2"), "actual_finish"),
        (progress(actual_start="Q3 2027"), "actual_start"),
        (progress(status="paused"), "status"),
        (progress(status="blocked"), "blocked_reason"),
        (progress(owner_id="999999"), "owner_id"),
    ],
)
def test_bad_progress_is_refused_at_its_field_and_nothing_is_stored(app, world, published, values, field):
    code = first_optional(published)
    with pytest.raises(Invalid) as caught:
        tracking.update_progress(published, code, values, actor=world.respondent_a, expected_version=0)
    assert field in {problem.field for problem in caught.value.problems}
    db.session.rollback()
    assert stored_count(InitiativeTracking) == 0
    assert stored_count(InitiativeTrackingVersion) == 0


def test_a_mandatory_initiative_is_done_only_with_evidence(app, world, published):
    code = first_mandatory(published)
    done = {"status": "done", "percent_done": "100", "actual_start": "2027-Q1", "actual_finish": "2027-Q2"}
    with pytest.raises(Invalid) as caught:
        tracking.update_progress(published, code, done, actor=world.respondent_a, expected_version=0)
    assert [problem.field for problem in caught.value.problems] == ["evidence_note"]
    assert "bắt buộc" in str(caught.value.problems[0].message)  # "mandatory", in the default language
    db.session.rollback()
    assert stored_count(InitiativeTracking) == 0
    tracking.update_progress(
        published,
        code,
        {**done, "evidence_document": "45/QĐ-VP"},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    assert codes(published)[code].status.value == "done"


def test_dropping_a_mandatory_initiative_needs_a_justification_a_consultant_accepts(app, world, published):
    code = first_mandatory(published)
    with pytest.raises(Invalid) as caught:
        tracking.update_progress(
            published,
            code,
            {"status": "dropped", "percent_done": "0"},
            actor=world.respondent_a,
            expected_version=0,
        )
    assert [problem.field for problem in caught.value.problems] == ["drop_justification"]
    db.session.rollback()
    tracking.update_progress(
        published,
        code,
        {"status": "dropped", "percent_done": "0", "drop_justification": "Đã được Bộ thực hiện thay."},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    assert not tracking.drop_accepted(codes(published)[code])
    tracking.review(
        published, code, verdict="accepted", comment="", actor=world.consultant, expected_version=1
    )
    db.session.commit()
    assert tracking.drop_accepted(codes(published)[code])


def test_a_consultant_questions_a_completion_with_a_reason_and_new_evidence_clears_the_verdict(
    app, world, published
):
    code = first_optional(published)
    done = {
        "status": "done",
        "percent_done": "100",
        "actual_start": "2027-Q1",
        "actual_finish": "2027-Q1",
        "evidence_note": "Biên bản nghiệm thu",
    }
    tracking.update_progress(published, code, done, actor=world.respondent_a, expected_version=0)
    db.session.commit()
    with pytest.raises(Invalid) as caught:
        tracking.review(
            published, code, verdict="questioned", comment=" ", actor=world.consultant, expected_version=1
        )
    assert [problem.field for problem in caught.value.problems] == ["review_comment"]
    db.session.rollback()
    tracking.review(
        published,
        code,
        verdict="questioned",
        comment="Biên bản chưa có chữ ký.",
        actor=world.consultant,
        expected_version=1,
    )
    db.session.commit()
    line = codes(published)[code]
    assert line.state["verdict"] == "questioned"
    assert line.version == 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "tracking.review")) == 1
    tracking.update_progress(
        published,
        code,
        {**done, "evidence_document": "12/BB-VP"},
        actor=world.respondent_a,
        expected_version=2,
    )
    db.session.commit()
    assert codes(published)[code].state["verdict"] == ""


def test_no_progress_is_recorded_on_an_unpublished_roadmap(app, world, submitted):  # noqa: F811
    from roadmap.services.review import workflow as review

    review.start_review(submitted, actor=world.consultant)
    review.approve(fresh(submitted.id), actor=world.consultant)
    approved = fresh(submitted.id)
    code = tracking.lines(approved)[0].code
    with pytest.raises(Invalid) as caught:
        tracking.update_progress(approved, code, progress(), actor=world.respondent_a, expected_version=0)
    assert "chưa được công bố" in str(caught.value)  # "not published yet", in the default language
    db.session.rollback()
    assert stored_count(InitiativeTracking) == 0


def test_an_initiative_is_late_once_its_planned_quarter_has_passed_and_it_is_not_done(app, world, published):
    line = tracking.lines(published)[0]
    finish = line.planned_finish
    after = dt.date(finish.year + 1, 1, 15)
    assert tracking.lines(published, today=after)[0].late
    assert not tracking.lines(published, today=dt.date(finish.year, 3 * finish.number, 1))[0].late
    assert not tracking.is_late("done", finish, after)


def test_quarters_order_and_parse():
    assert Quarter.parse("2027-Q4") == Quarter(2027, 4)
    assert Quarter.parse("2027-Q5") is None
    assert Quarter(2027, 4).next() == Quarter(2028, 1)
    assert str(Quarter(2027, 1)) == "2027-Q1"


# --- the progress page ------------------------------------------------------------------------------------


def test_office_reports_progress_on_its_page_and_a_refusal_keeps_every_value_typed(app, world, published):
    from tests.conftest import logged_in

    office = logged_in(app, world.respondent_a.email)
    page = office.get(f"/assessments/{published.id}/roadmap/progress")
    assert page.status_code == 200
    code = first_mandatory(published)
    text = page.get_data(as_text=True)
    assert f'id="i-{code}"' in text
    assert 'name="t-K02-percent_done"' in text
    posted = {
        f"t-{code}-initiative": code,
        f"t-{code}-version": "0",
        f"t-{code}-status": "done",
        f"t-{code}-percent_done": "100",
        f"t-{code}-actual_start": "2027-Q2",
        f"t-{code}-actual_finish": "2027-Q1",
        f"t-{code}-progress_note": "Hồ sơ cấp độ đã trình",
    }
    refused = office.post(f"/assessments/{published.id}/roadmap/progress/update", posted)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Hồ sơ cấp độ đã trình" in body  # nothing typed is lost
    assert "Đây là nhiệm vụ bắt buộc" in body  # the refusal, in the user's language, at its field
    assert stored_count(InitiativeTracking) == 0
    posted.update({f"t-{code}-actual_finish": "2027-Q3", f"t-{code}-evidence_document": "45/QĐ-VP"})
    saved = office.post(f"/assessments/{published.id}/roadmap/progress/update", posted)
    assert saved.status_code == 302
    assert codes(fresh(published.id))[code].state["evidence_document"] == "45/QĐ-VP"
    # The same page posted again, with another note: someone else's change came first.
    posted[f"t-{code}-progress_note"] = "Ghi chú từ trang cũ"
    again = office.post(f"/assessments/{published.id}/roadmap/progress/update", posted)
    assert again.status_code == 409
    conflict = again.get_data(as_text=True)
    assert f'id="conflict-{code}"' in conflict
    assert "Hồ sơ cấp độ đã trình" in conflict  # what is stored
    assert "Ghi chú từ trang cũ" in conflict  # and what was typed, not saved
    assert codes(fresh(published.id))[code].state["progress_note"] == "Hồ sơ cấp độ đã trình"


def test_consultant_questions_a_completion_on_the_page_and_the_office_of_another_sees_nothing(
    app, world, published
):
    from tests.conftest import logged_in

    code = first_optional(published)
    tracking.update_progress(
        published,
        code,
        {"status": "done", "percent_done": "100", "actual_start": "2027-Q1", "evidence_note": "Biên bản"},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get(f"/assessments/{published.id}/roadmap/progress").get_data(as_text=True)
    assert f'name="r-{code}-verdict"' in page
    assert f'name="t-{code}-status"' not in page  # the consultant judges, the office reports
    response = consultant.post(
        f"/assessments/{published.id}/roadmap/progress/review",
        {
            f"r-{code}-initiative": code,
            f"r-{code}-version": "1",
            f"r-{code}-verdict": "questioned",
            f"r-{code}-review_comment": "Biên bản chưa có chữ ký.",
        },
    )
    assert response.status_code == 302
    assert codes(fresh(published.id))[code].state["verdict"] == "questioned"
    office = logged_in(app, world.respondent_a.email)
    history = office.get(f"/assessments/{published.id}/roadmap/progress").get_data(as_text=True)
    history = history.split(f'id="i-{code}"')[1].split('class="tracking-history"')[1].split("</details>")[0]
    assert "(2)" in history  # the office's report and the consultant's review, newest first
    assert history.index("Biên bản chưa có chữ ký.") < history.index("100 %")
    other = logged_in(app, world.respondent_b.email)
    assert other.get(f"/assessments/{published.id}/roadmap/progress").status_code == 404
    assert other.post(f"/assessments/{published.id}/roadmap/progress/update", {}).status_code == 404
    office = logged_in(app, world.respondent_a.email)
    assert office.post(f"/assessments/{published.id}/roadmap/progress/review", {}).status_code == 404


# --- the consultants' follow-up across offices ------------------------------------------------------------


def test_follow_up_lists_late_blocked_and_mandatory_at_risk_with_the_delivery_rate(app, world, published):
    from roadmap.services.review import follow_up as follow

    lines = tracking.lines(published)
    mandatory, optional = first_mandatory(published), first_optional(published)
    tracking.update_progress(
        published,
        mandatory,
        {"status": "blocked", "percent_done": "20", "blocked_reason": "Chờ phê duyệt kinh phí"},
        actor=world.respondent_a,
        expected_version=0,
    )
    tracking.update_progress(
        published,
        optional,
        {"status": "done", "percent_done": "100", "actual_start": "2027-Q1", "evidence_note": "Biên bản"},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    # A day after every planned finish: whatever is not done is late.
    last = max(line.planned_finish for line in lines)
    after = dt.date(last.year + 1, 2, 1)
    everything = follow.follow_up(world.consultant, today=after)
    [delivery] = everything.offices
    assert delivery.initiatives == len(lines)
    assert delivery.planned_by_now == len(lines)
    assert delivery.done_of_planned == 1
    assert delivery.delivery_rate == round(100 / len(lines), 1)
    blocked = follow.follow_up(world.consultant, show=follow.Show.BLOCKED, today=after).rows
    assert [row.line.code for row in blocked] == [mandatory]
    assert blocked[0].line.state["blocked_reason"] == "Chờ phê duyệt kinh phí"
    at_risk = follow.follow_up(world.consultant, show=follow.Show.AT_RISK, today=after).rows
    assert [row.line.code for row in at_risk] == [mandatory]
    late = follow.follow_up(world.consultant, show=follow.Show.LATE, today=after, mandatory_only=True).rows
    assert [row.line.code for row in late] == [mandatory]
    assert optional not in {
        row.line.code for row in follow.follow_up(world.consultant, show=follow.Show.LATE, today=after).rows
    }
    # Seen by someone of an office without a published roadmap: nothing to follow.
    assert follow.follow_up(world.respondent_b, today=after).offices == []


def test_follow_up_page_filters_and_exports_csv_for_consultants_only(app, world, published):
    from tests.conftest import logged_in

    tracking.update_progress(
        published,
        first_mandatory(published),
        {"status": "blocked", "percent_done": "10", "blocked_reason": '=HYPERLINK("x")'},
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    consultant = logged_in(app, world.consultant.email)
    page = consultant.get("/review/follow-up?show=blocked&mandatory=1")
    assert page.status_code == 200
    assert 'id="delivery"' in page.get_data(as_text=True)
    assert first_mandatory(published) in page.get_data(as_text=True)
    export = consultant.get("/review/follow-up.csv?show=blocked")
    assert export.status_code == 200
    text = export.get_data().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("office,cycle,initiative")
    assert "'=HYPERLINK" in text  # a formula typed by a user stays text in a spreadsheet
    assert logged_in(app, world.respondent_a.email).get("/review/follow-up").status_code == 403


# --- the demo -----------------------------------------------------------------------------------------------


def test_demo_follows_last_cycles_roadmaps_for_a_year(sqlite_template, tmp_path):
    from roadmap.models import User
    from roadmap.services.review import follow_up as follow
    from tests.conftest import demo_app
    from tests.test_plan_actual import check_the_demo

    app = demo_app(sqlite_template, tmp_path)
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.role == "admin")).first()
        seen = follow.follow_up(admin)
        assert seen.counts[follow.Show.BLOCKED] == 1
        assert seen.counts[follow.Show.LATE] >= 1
        assert seen.counts[follow.Show.AT_RISK] >= 1
        done = [row for row in seen.rows if row.line.status.value == "done"]
        assert done
        assert all(row.line.state["evidence_note"] and row.line.state["evidence_document"] for row in done)
        assert {row.line.state["verdict"] for row in done} >= {"accepted", "questioned"}
        assert any(delivery.delivery_rate is not None for delivery in seen.offices)
        before = stored_count(InitiativeTrackingVersion)
        assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
        assert stored_count(InitiativeTrackingVersion) == before  # a second load adds nothing
    # The current cycle read against last year's roadmap as followed (plan against actual).
    check_the_demo(app)


# --- the JSON API ------------------------------------------------------------------------------------------


def test_api_reads_the_tracking_state_of_a_published_roadmap_and_nothing_of_another_office(
    app, world, published
):
    from roadmap.services.directory import api_tokens
    from tests.conftest import isolated

    code = first_optional(published)
    tracking.update_progress(
        published,
        code,
        progress(percent_done="45", progress_note="Đã ký hợp đồng"),
        actor=world.respondent_a,
        expected_version=0,
    )
    db.session.commit()
    client = app.test_client(use_cookies=False)

    def read(user):
        secret = api_tokens.create(user, "progress").secret
        return isolated(
            client.get,
            f"/api/v1/assessments/{published.id}/progress",
            headers={"Authorization": f"Bearer {secret}"},
        )

    own = read(world.respondent_a)
    assert own.status_code == 200
    body = own.get_json()
    assert body["format"] == "progress/1"
    assert body["published"] is True
    [entry] = [item for item in body["initiatives"] if item["code"] == code]
    assert entry["percent_done"] == 45
    assert entry["status"] == "in_progress"
    assert entry["progress_note"] == "Đã ký hợp đồng"
    assert entry["version"] == 1
    assert {item["code"] for item in body["initiatives"]} == {line.code for line in tracking.lines(published)}
    assert read(world.consultant).status_code == 200
    assert read(world.respondent_b).status_code == 404
