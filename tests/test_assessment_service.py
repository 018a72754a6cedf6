"""Assessments in the database: start, answers with versions, targets, snapshots, lifecycle, carry-forward."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask_babel import refresh
from sqlalchemy import func, select

from roadmap.engine.answers import Answer
from roadmap.engine.scoring import ENGINE_VERSION, result_from_dict, score
from roadmap.extensions import db
from roadmap.models import (
    AnswerRecord,
    Assessment,
    AssessmentStatus,
    AuditEvent,
    Cycle,
    ScoreSnapshot,
    TargetLevel,
)
from roadmap.services import Invalid
from roadmap.services.survey import answers, assessments, frameworks, lifecycle, results, steps
from roadmap.services.survey.answers import SaveStatus
from roadmap.services.survey.lifecycle import IllegalTransition

SMALL = Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml"
S = AssessmentStatus


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, as for a user who chose it (outside requests they are Vietnamese)."""
    with app.test_request_context("/?lang=en"):
        refresh()
        yield
    refresh()


@pytest.fixture
def small(app):
    return frameworks.import_file(SMALL, actor=None).version


@pytest.fixture
def assessment(world, small):
    return steps.start(world.office_a, world.cycle, actor=world.respondent_a)


def save(assessment, actor, code, state="answered", value=None, base=None):
    framework = assessments.framework_of(assessment)
    question = framework.question(code)
    return answers.save_answer(
        assessment, question, answers.parse_answer(question, state, value), base, actor=actor
    )


def fill_everything(assessment, actor):
    for code, value in {
        "NW-01": "c",
        "NW-02": "3",
        "NW-03": "80",
        "NW-04": "yes",
        "CY-01": "l3",
        "CY-02": ["mfa", "backup"],
        "CY-03": "no",
        "PP-01": "95",
        "PP-02": "mid",
        "PP-03": "Kế hoạch đào tạo năm 2027.",
        "PP-04": "3",
    }.items():
        framework = assessments.framework_of(assessment)
        question = framework.question(code)
        if question.required or code == "PP-03":
            save(assessment, actor, code, value=value)


def test_one_assessment_per_office_and_cycle(world, assessment):
    assert assessment.status == S.DRAFT
    assert assessment.framework_version.framework_key == "small-test"
    with pytest.raises(Invalid) as refused:
        steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    assert "already has an assessment" in str(refused.value.problems[0].message)


def test_a_closed_cycle_cannot_be_started(world, small):
    world.cycle.status = "closed"
    db.session.commit()
    with pytest.raises(Invalid):
        steps.start(world.office_a, world.cycle, actor=world.respondent_a)
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_answers_of_every_type_round_trip_through_the_database(world, assessment):
    fill_everything(assessment, world.respondent_a)
    db.session.expire_all()
    framework = assessments.framework_of(assessment)
    by_code = answers.answers_of(framework, answers.answer_records(assessment))
    assert by_code["NW-01"] == Answer.of("c")
    assert by_code["NW-02"] == Answer.of(3.0)
    assert by_code["NW-04"] == Answer.of(True)
    assert by_code["CY-02"] == Answer.of(frozenset({"mfa", "backup"}))
    assert by_code["CY-03"] == Answer.of(False)


@pytest.mark.parametrize(
    ("code", "state", "value", "fragment"),
    [
        ("NW-01", "answered", "z", "Question NW-01 has no such option."),
        ("NW-03", "answered", "150", "must be between 0 and 100"),
        ("NW-02", "answered", "-1", "must be between 0 and 8,760"),  # the range as the parser reads it
        ("NW-02", "answered", "many", "write it like 1,234.5"),
        ("NW-02", "dont_know", None, "cannot be chosen for question NW-02"),
        ("NW-01", "na", None, "“Not applicable” cannot be chosen for question NW-01."),
        ("CY-02", "answered", ["mfa", "none"], "cannot be combined with other options"),
        ("PP-03", "answered", "x" * 100_000, "is too long"),
        ("NW-01", "maybe", None, "has the wrong form"),
    ],
)
def test_bad_answers_are_refused_with_a_message_naming_the_question_and_nothing_is_stored(
    world, assessment, code, state, value, fragment
):
    save(assessment, world.respondent_a, "NW-04", value="yes")
    question = assessments.framework_of(assessment).question(code)
    with pytest.raises(Invalid) as refused:
        answers.parse_answer(question, state, value)
    problem = refused.value.problems[0]
    assert problem.field == code
    assert fragment in str(problem.message)
    rows = db.session.scalars(select(AnswerRecord.question_code)).all()
    assert rows == ["NW-04"]


def test_a_second_person_changing_the_same_answer_gets_a_conflict(world, assessment):
    colleague = world.respondent_a  # same office, two browser sessions: versions decide, not people
    first = save(assessment, world.respondent_a, "NW-01", value="b")
    assert first.status is SaveStatus.SAVED
    assert first.record.version == 1
    mine = save(assessment, world.respondent_a, "NW-01", value="c", base=1)
    assert mine.status is SaveStatus.SAVED
    assert mine.record.version == 2
    theirs = save(assessment, colleague, "NW-01", value="a", base=1)
    assert theirs.status is SaveStatus.CONFLICT
    assert theirs.record.value == "c"
    db.session.expire_all()
    assert db.session.scalar(select(AnswerRecord.value)) == "c"


def test_resending_the_same_answer_is_harmless(world, assessment):
    save(assessment, world.respondent_a, "NW-01", value="b")
    again = save(assessment, world.respondent_a, "NW-01", value="b", base=1)
    late_retry = save(assessment, world.respondent_a, "NW-01", value="b", base=0)
    assert again.status is late_retry.status is SaveStatus.UNCHANGED
    assert db.session.scalar(select(AnswerRecord.version)) == 1


def test_clearing_an_answer(world, assessment):
    save(assessment, world.respondent_a, "NW-01", value="b")
    framework = assessments.framework_of(assessment)
    result = answers.save_answer(assessment, framework.question("NW-01"), None, 1, actor=world.respondent_a)
    assert result.status is SaveStatus.CLEARED
    assert db.session.scalar(select(func.count()).select_from(AnswerRecord)) == 0


def test_live_score_uses_answers_evidence_and_targets(world, assessment):
    fill_everything(assessment, world.respondent_a)
    scored = results.live_score(assessment)
    assert scored.result.framework_id == "small-test"
    # NW-01 = c claims evidence without any: the discount applies.
    assert scored.result.question("NW-01").evidence_discounted
    assert scored.result.dimension("PEOP").target == 2


def test_targets_default_from_the_framework_and_can_be_set(world, assessment):
    framework = assessments.framework_of(assessment)
    assert results.targets_of(assessment, framework)["NETW"] == 3
    results.set_target(assessment, "NETW", 4, actor=world.respondent_a)
    assert results.targets_of(assessment, framework)["NETW"] == 4
    with pytest.raises(Invalid):
        results.set_target(assessment, "NETW", 6, actor=world.respondent_a)
    with pytest.raises(Invalid):
        results.set_target(assessment, "NOPE", 3, actor=world.respondent_a)
    assert db.session.scalar(select(func.count()).select_from(TargetLevel)) == 1


def test_respondents_cannot_change_targets_after_submission_but_consultants_can(world, assessment):
    fill_everything(assessment, world.respondent_a)
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=1)
    with pytest.raises(Invalid):
        results.set_target(assessment, "CYBR", 4, actor=world.respondent_a)
    results.set_target(assessment, "CYBR", 4, actor=world.consultant)
    assert results.targets_of(assessment, assessments.framework_of(assessment))["CYBR"] == 4


def test_submit_needs_every_visible_required_answer(world, assessment):
    save(assessment, world.respondent_a, "NW-01", value="c")
    with pytest.raises(Invalid) as refused:
        steps.submit(assessment, actor=world.respondent_a, expected_status_version=1)
    assert "required questions are not answered yet" in str(refused.value.problems[0].message)
    assert assessment.status == S.DRAFT


def test_submit_is_idempotent_and_freezes_a_snapshot(world, assessment):
    fill_everything(assessment, world.respondent_a)
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=1) is True
    assert steps.submit(assessment, actor=world.respondent_a, expected_status_version=1) is False
    assert assessment.status == S.SUBMITTED
    snapshots = db.session.scalars(select(ScoreSnapshot)).all()
    assert len(snapshots) == 1
    assert snapshots[0].engine_version == ENGINE_VERSION
    assert snapshots[0].framework_fingerprint == assessment.framework_version.fingerprint
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "assessment.submitted")
    ).all()
    assert events == ["assessment.submitted"]


def test_a_snapshot_gives_back_exactly_the_result_it_froze(world, assessment):
    fill_everything(assessment, world.respondent_a)
    snapshot = results.take_snapshot(assessment, "test", actor=world.consultant)
    db.session.commit()
    framework = assessments.framework_of(assessment)
    live = score(
        framework,
        answers.answers_of(framework, answers.answer_records(assessment)),
        evidence=answers.evidence_codes(assessment),
        targets=results.targets_of(assessment, framework),
    )
    db.session.expire_all()
    stored = db.session.get(ScoreSnapshot, snapshot.id)
    assert result_from_dict(stored.result) == live
    assert stored.index_value == live.index


def test_a_submitted_assessment_cannot_be_edited(world, assessment):
    fill_everything(assessment, world.respondent_a)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=1)
    with pytest.raises(Invalid) as refused:
        save(assessment, world.respondent_a, "NW-01", value="a")
    assert "can no longer be changed" in str(refused.value.problems[0].message)


def test_lifecycle_refuses_illegal_steps_and_wrong_roles(world, assessment):
    with pytest.raises(IllegalTransition):
        lifecycle.transition(assessment, S.APPROVED, actor=world.consultant)
    with pytest.raises(IllegalTransition):
        lifecycle.transition(assessment, S.SUBMITTED, actor=world.consultant)
    fill_everything(assessment, world.respondent_a)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=1)
    with pytest.raises(IllegalTransition):
        lifecycle.transition(assessment, S.IN_REVIEW, actor=world.respondent_a)
    lifecycle.transition(assessment, S.IN_REVIEW, actor=world.consultant)
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.transition(assessment, S.RETURNED, actor=world.consultant, comment="  ")
    assert "comment" in str(refused.value.message)
    assert assessment.status == S.IN_REVIEW


def test_return_then_edit_reopens_the_draft_and_resubmit_works(world, assessment):
    fill_everything(assessment, world.respondent_a)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=1)
    lifecycle.transition(assessment, S.IN_REVIEW, actor=world.consultant)
    lifecycle.transition(assessment, S.RETURNED, actor=world.consultant, comment="NW-01: thiếu minh chứng.")
    db.session.commit()
    save(assessment, world.respondent_a, "NW-01", value="b", base=1)
    assert assessment.status == S.DRAFT
    assert steps.submit(
        assessment, actor=world.respondent_a, expected_status_version=assessment.status_version
    )
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "assessment").order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "assessment.started",
        "assessment.submitted",
        "assessment.review_started",
        "assessment.returned",
        "assessment.reopened",
        "assessment.submitted",
    ]


def test_carry_forward_copies_approved_answers_to_confirm(world, assessment):
    fill_everything(assessment, world.respondent_a)
    steps.submit(assessment, actor=world.respondent_a, expected_status_version=1)
    lifecycle.transition(assessment, S.IN_REVIEW, actor=world.consultant)
    lifecycle.transition(assessment, S.APPROVED, actor=world.consultant)
    next_cycle = Cycle(
        code="2027",
        name_vi="Kỳ 2027",
        name_en="2027",
        opens_on=dt.date(2027, 1, 1),
        closes_on=dt.date(2027, 12, 31),
    )
    db.session.add(next_cycle)
    db.session.commit()
    carried = steps.start(world.office_a, next_cycle, actor=world.respondent_a, carry_forward=True)
    records = answers.answer_records(carried)
    assert set(records) == set(answers.answer_records(assessment))
    assert all(record.to_confirm for record in records.values())
    scored = results.live_score(carried, guidance=False)
    assert "NW-01" in results.missing_answers(scored.framework, scored.result, records)
    # Confirming (saving the same value) clears the mark.
    save(carried, world.respondent_a, "NW-01", value="c", base=1)
    assert not answers.answer_records(carried)["NW-01"].to_confirm
