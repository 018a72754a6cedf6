"""One framework per cycle: a cycle keeps the version it was opened with whatever is imported later, every
assessment of the cycle takes it, and the portfolio, peers and exports never mix two versions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from roadmap.extensions import db
from roadmap.models import Assessment, AuditEvent, Cycle, CycleStatus, FrameworkVersion
from roadmap.services import Invalid
from roadmap.services.directory import cycles
from roadmap.services.directory.cycles import CycleDetails
from roadmap.services.review import cycle_exports, portfolio
from roadmap.services.survey import frameworks, steps
from tests.conftest import logged_in
from tests.framework_versions import small_next_text
from tests.test_assessment_service import SMALL, fill_everything
from tests.test_framework_admin import upload


def open_cycle(runner, code: str, version: str, *extra: str):
    return runner.invoke(
        args=[
            "cycle", "open", code, "--version", version, "--name-vi", f"Kỳ {code}",
            "--name-en", f"{code} cycle", "--opens", f"{code}-01-01", "--closes", f"{code}-12-31", *extra,
        ]
    )  # fmt: skip


def cycle_named(code: str) -> Cycle:
    db.session.rollback()
    return db.session.scalar(select(Cycle).where(Cycle.code == code))


def test_importing_a_second_framework_while_a_cycle_is_open_changes_nothing_for_that_cycle(
    app, world, tmp_path
):
    """The journey: office A starts on 0.3.0; the administrator imports 0.4.0 on the framework page while the
    cycle is open; office B then starts — on 0.3.0 still — and the portfolio shows one set of columns."""
    app.config["EVIDENCE_UPLOAD_DIR"] = str(tmp_path / "uploads")
    first = frameworks.import_file(SMALL, actor=None).version
    result = open_cycle(app.test_cli_runner(), "2027", "0.3.0")
    assert result.exit_code == 0, result.output
    assert "Cycle 2027 is open on small-test 0.3.0." in result.output
    cycle = cycle_named("2027")

    respondent_a = logged_in(app, world.respondent_a.email)
    assert respondent_a.post(f"/cycles/{cycle.id}/assessment").status_code == 302
    office_a_assessment = db.session.scalar(
        select(Assessment).where(Assessment.office_id == world.office_a.id)
    )
    assert office_a_assessment.framework_version_id == first.id

    admin = logged_in(app, world.admin.email)
    admin.get("/admin/frameworks")
    review_url = upload(admin, small_next_text().encode()).headers["Location"]
    page = admin.get(review_url).get_data(as_text=True)
    fingerprint = frameworks.held_upload(review_url.rsplit("/", 1)[1]).framework.fingerprint
    assert fingerprint in page
    assert admin.post(f"{review_url}/import", {"fingerprint": fingerprint}).status_code == 302
    second = db.session.scalar(select(FrameworkVersion).where(FrameworkVersion.version == "0.4.0"))
    assert second is not None
    assert cycle_named("2027").framework_version_id == first.id

    respondent_b = logged_in(app, world.respondent_b.email)
    assert respondent_b.post(f"/cycles/{cycle.id}/assessment").status_code == 302
    office_b_assessment = db.session.scalar(
        select(Assessment).where(Assessment.office_id == world.office_b.id)
    )
    assert office_b_assessment.framework_version_id == first.id

    for assessment, respondent in (
        (office_a_assessment, world.respondent_a),
        (office_b_assessment, world.respondent_b),
    ):
        assessment = db.session.get(Assessment, assessment.id)
        fill_everything(assessment, respondent)
        db.session.commit()
        assert steps.submit(assessment, actor=respondent, expected_status_version=None)

    view = portfolio.build(world.admin, cycle_named("2027"))
    assert view.framework_version.id == first.id
    assert [code for code, _ in view.dimensions] == ["NETW", "CYBR", "PEOP"]
    assert {row.office.code for row in view.with_results} == {"VPA", "VPB"}
    head, _ = cycle_exports.scores_table(view)
    assert head[5:] == ["level_NETW", "level_CYBR", "level_PEOP"]
    page = admin.get(f"/review/portfolio?cycle={cycle.id}").get_data(as_text=True)
    assert 'data-framework="0.3.0"' in page


def test_a_cycle_is_not_opened_without_a_framework_version(app, world):
    frameworks.import_file(SMALL, actor=None)
    details = CycleDetails("2030", "Kỳ 2030", "2030 cycle", dt.date(2030, 1, 1), dt.date(2030, 12, 31))
    with pytest.raises(Invalid) as refused:
        cycles.create_cycle(details, actor=world.admin)
    assert [problem.field for problem in refused.value.problems] == ["framework_version"]
    assert cycle_named("2030") is None


def test_the_command_line_refuses_a_cycle_without_a_version_naming_the_field(app, world):
    frameworks.import_file(SMALL, actor=None)
    result = app.test_cli_runner().invoke(
        args=["cycle", "open", "2031", "--name-vi", "Kỳ 2031", "--name-en", "2031", "--opens", "2031-01-01",
              "--closes", "2031-12-31"]
    )  # fmt: skip
    assert result.exit_code == 1
    # The command line speaks the default language (Vietnamese).
    assert "error: framework_version: Chọn phiên bản bộ tiêu chí của kỳ đánh giá" in result.output
    assert cycle_named("2031") is None


def test_the_command_line_refuses_an_unknown_version(app, world):
    frameworks.import_file(SMALL, actor=None)
    result = open_cycle(app.test_cli_runner(), "2032", "9.9.9")
    assert result.exit_code == 1
    assert "error: framework_version: no framework version 9.9.9." in result.output
    assert cycle_named("2032") is None


def test_reopening_keeps_the_cycle_s_version_and_refuses_another(app, world):
    frameworks.import_file(SMALL, actor=None)
    frameworks.import_text(small_next_text(), "small-0.4.0.yaml", actor=None)
    runner = app.test_cli_runner()
    assert open_cycle(runner, "2027", "0.3.0").exit_code == 0
    assert runner.invoke(args=["cycle", "close", "2027"]).exit_code == 0
    assert cycle_named("2027").status == CycleStatus.CLOSED
    refused = runner.invoke(args=["cycle", "open", "2027", "--version", "0.4.0"])
    assert refused.exit_code == 1
    assert "a cycle's framework never changes" in refused.output
    reopened = runner.invoke(args=["cycle", "open", "2027"])
    assert reopened.exit_code == 0, reopened.output
    assert cycle_named("2027").status == CycleStatus.OPEN
    listed = runner.invoke(args=["cycle", "list"]).output
    assert "2027" in listed
    assert "small-test 0.3.0" in listed


def test_a_cycle_made_before_any_framework_pins_the_latest_at_its_first_assessment(app, world):
    """Cycles that the migration could give no version (no framework existed) take one once, audited."""
    frameworks.import_file(SMALL, actor=None)
    assert world.cycle.framework_version_id is None
    assessment = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    cycle = cycle_named(world.cycle.code)
    assert cycle.framework_version_id == assessment.framework_version_id
    frameworks.import_text(small_next_text(), "small-0.4.0.yaml", actor=None)
    other = steps.start(world.office_b, cycle_named(world.cycle.code), actor=world.respondent_b)
    assert other.framework_version_id == assessment.framework_version_id
    pinned = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.framework_pinned")).all()
    assert len(pinned) == 1


def test_an_assessment_on_another_version_is_left_out_of_the_cycle_s_figures(app, world):
    """Data from before cycles named their version may mix two versions in one cycle: the portfolio stays on
    the cycle's and says which office it left out, and the peers' figures count only the cycle's version."""
    first = frameworks.import_file(SMALL, actor=None).version
    second = frameworks.import_text(small_next_text(), "small-0.4.0.yaml", actor=None).version
    world.cycle.framework_version_id = first.id
    db.session.commit()
    a = steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    b = steps.start(world.office_b, cycle_named(world.cycle.code), actor=world.respondent_b)
    b.framework_version_id = second.id  # as the old behaviour left it
    db.session.commit()
    for assessment, respondent in ((a, world.respondent_a), (b, world.respondent_b)):
        assessment = db.session.get(Assessment, assessment.id)
        fill_everything(assessment, respondent)
        db.session.commit()
        assert steps.submit(assessment, actor=respondent, expected_status_version=None)
    view = portfolio.build(world.admin, cycle_named(world.cycle.code))
    rows = {row.office.code: row for row in view.rows}
    assert rows["VPA"].index is not None
    assert rows["VPB"].index is None
    assert rows["VPB"].other_framework == "small-test 0.4.0"
    assert [code for code, _ in view.dimensions] == ["NETW", "CYBR", "PEOP"]


def approved_in(world, cycle: Cycle) -> Assessment:
    from roadmap.models import AssessmentStatus
    from roadmap.services.survey import lifecycle

    assessment = steps.start(world.office_a, cycle, actor=world.respondent_a)
    fill_everything(assessment, world.respondent_a)
    db.session.commit()
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=None)
    lifecycle.transition(assessment, AssessmentStatus.IN_REVIEW, actor=world.consultant)
    lifecycle.transition(assessment, AssessmentStatus.APPROVED, actor=world.consultant)
    db.session.commit()
    return assessment


def test_answers_carry_to_a_new_version_only_where_the_question_takes_the_same_answers(app, world):
    """Last cycle on 0.3.0, this cycle on a version whose PP-02 offers other options: every other answer
    is carried, to confirm; PP-02 is asked again."""
    first = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = first.id
    db.session.commit()
    previous = approved_in(world, world.cycle)
    text = small_next_text("0.7.0")
    start = text.index("  - code: PP-02")
    text = text[:start] + text[start:].replace("      - code: mid\n", "      - code: medium\n", 1)
    # The initiative that brings PP-02 about names the renamed option too (an effect must be a real answer).
    text = text.replace("{question: PP-02, at_least: mid}", "{question: PP-02, at_least: medium}")
    second = frameworks.import_text(text, "small-0.7.0.yaml", actor=None).version
    assert open_cycle(app.test_cli_runner(), "2027", "0.7.0").exit_code == 0
    carried = steps.start(world.office_a, cycle_named("2027"), actor=world.respondent_a, carry_forward=True)
    assert carried.framework_version_id == second.id
    from roadmap.services.survey import answers

    before = answers.answer_records(db.session.get(Assessment, previous.id))
    after = answers.answer_records(carried)
    assert set(before) - set(after) == {"PP-02"}
    assert all(record.to_confirm for record in after.values())
    assert {code: after[code].value for code in after} == {code: before[code].value for code in after}


def test_from_the_same_version_every_answer_carries_by_its_code(app, world):
    first = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = first.id
    db.session.commit()
    previous = approved_in(world, world.cycle)
    assert open_cycle(app.test_cli_runner(), "2027", "0.3.0").exit_code == 0
    carried = steps.start(world.office_a, cycle_named("2027"), actor=world.respondent_a, carry_forward=True)
    from roadmap.services.survey import answers

    assert set(answers.answer_records(carried)) == set(
        answers.answer_records(db.session.get(Assessment, previous.id))
    )


def test_across_two_versions_only_dimensions_whose_scored_questions_map_one_to_one_show_a_trend(app, world):
    """Last cycle on 0.3.0, this one on 0.4.0 (NW-01's points and CY-01's weight changed, PEOP the same):
    no index trend, and a level change for PEOP alone, marked as such on the page."""
    first = frameworks.import_file(SMALL, actor=None).version
    world.cycle.framework_version_id = first.id
    db.session.commit()
    approved_in(world, world.cycle)
    frameworks.import_text(small_next_text(), "small-0.4.0.yaml", actor=None)
    assert open_cycle(app.test_cli_runner(), "2027", "0.4.0").exit_code == 0
    current = steps.start(world.office_a, cycle_named("2027"), actor=world.respondent_a)
    fill_everything(current, world.respondent_a)
    db.session.commit()
    assert steps.submit(current, actor=world.respondent_a, expected_status_version=None)

    view = portfolio.build(world.admin, cycle_named("2027"))
    row = next(row for row in view.rows if row.office.code == "VPA")
    assert row.change is None
    assert row.not_comparable == "0.3.0 → 0.4.0"
    assert row.level_changes == {"PEOP": 0}
    browser = logged_in(app, world.admin.email)
    browser.post("/locale/en")
    page = browser.get(f"/review/portfolio?cycle={cycle_named('2027').id}").get_data(as_text=True)
    marked = page[page.index("data-level-changes") :]
    marked = marked[: marked.index("</td>")]
    assert "Levels of the dimensions whose scored questions map one to one:" in marked
    assert "PEOP" in marked
    assert "NETW" not in marked
