"""The date question type (issue 17): defined in a framework file, validated, normalised to ISO days, scored
by its age at the reference date, worded in the locale's form; and the registry that holds it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap.engine.answers import Answer
from roadmap.engine.export import export_framework, framework_document
from roadmap.engine.framework import Framework
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text
from roadmap.engine.question_types import QUESTION_TYPES, QuestionTypes, kind_of
from roadmap.engine.question_types.date import AgeStep, DateQuestion, DateSettings, months_before
from roadmap.engine.question_types.yes_no import YesNo
from roadmap.engine.scoring import (
    GuidanceStatus,
    InvalidAnswer,
    InvalidInput,
    needs_reference_date,
    result_from_dict,
    result_to_dict,
    score,
    validate_answer,
    validate_answers,
)
from tests.strategies import values

DATED = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks" / "dated.yaml"
# The cycle closes on 31 December 2024: a decision signed on or after 31/12/2023 is within 12 months, on
# or after 31/12/2022 within 24.
CLOSING = dt.date(2024, 12, 31)


DATED_FRAMEWORK = load_framework(DATED)


@pytest.fixture(scope="module")
def dated() -> Framework:
    return DATED_FRAMEWORK


def answers(decision: str | None, *, approved: bool = True, network: str = "b") -> dict[str, Answer]:
    found = {"NW-01": Answer.of(network), "SEC-01": Answer.of(approved)}
    if decision is not None:
        found["SEC-02"] = Answer.of(decision)
    return found


# --- the file -----------------------------------------------------------------------------------------------


def test_a_date_question_loads_with_its_range_and_age_steps(dated: Framework) -> None:
    question = dated.question("SEC-02")
    assert question.type == "date"
    assert isinstance(kind_of(question), DateQuestion)
    assert question.settings == DateSettings(
        earliest=dt.date(2015, 1, 1),
        latest=None,
        not_after_today=True,
        points_by_age=(AgeStep(12, 1.0), AgeStep(24, 0.5)),
    )
    assert needs_reference_date(dated)


def test_export_writes_the_date_keys_and_loads_back_the_same_framework(dated: Framework) -> None:
    document = {q["code"]: q for q in framework_document(dated)["questions"]}["SEC-02"]
    assert document["min"] == dt.date(2015, 1, 1)
    assert document["not_after_today"] is True
    assert document["points_by_age"] == [
        {"within_months": 12, "points": 1},
        {"within_months": 24, "points": 0.5},
    ]
    again = load_framework_text(export_framework(dated), "exported.yaml")
    assert again == dated
    assert again.fingerprint == dated.fingerprint


def broken(change: dict[str, Any], *, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(path, message) of every problem of dated.yaml with SEC-02 changed."""
    document = yaml.safe_load(DATED.read_text(encoding="utf-8"))
    question = document["questions"][2]
    for key in drop:
        question.pop(key)
    question.update(change)
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(yaml.safe_dump(document, allow_unicode=True), "dated.yaml")
    return [(problem.path, problem.message) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("change", "drop", "expected"),
    [
        (
            {"min": dt.date(2025, 1, 1), "max": dt.date(2024, 1, 1)},
            (),
            [("questions[2].max", "max 2024-01-01 is before min 2025-01-01")],
        ),
        (
            {},
            ("points_by_age",),
            [("questions[2].points_by_age", "a date question with a weight needs points_by_age")],
        ),
        (
            {"weight": 0},
            (),
            [("questions[2].points_by_age", "points_by_age scores nothing: the question's weight is 0")],
        ),
        (
            {"points_by_age": [{"within_months": 24, "points": 1}, {"within_months": 12, "points": 0.5}]},
            (),
            [("questions[2].points_by_age[1].within_months", "within_months 12 does not come after 24")],
        ),
        (
            {"points_by_age": [{"within_months": 12, "points": 0.5}, {"within_months": 24, "points": 1}]},
            (),
            [("questions[2].points_by_age[1].points", "an older date cannot score more")],
        ),
        (
            {"points_by_age": [{"within_months": 0, "points": 1}]},
            (),
            [("questions[2].points_by_age[0].within_months", "greater than or equal to 1")],
        ),
        ({"min": "2015-13-01"}, (), [("questions[2].min", "valid date")]),
        ({"options": []}, (), [("questions[2].options", "a date question takes no options")]),
        ({"not_after_todya": True}, (), [("questions[2].not_after_todya", "unknown key 'not_after_todya'")]),
    ],
)
def test_a_broken_date_question_is_reported_where_it_is(
    change: dict[str, Any], drop: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    found = broken(change, drop=drop)
    assert len(found) == len(expected), found
    for (path, fragment), (found_path, message) in zip(expected, found, strict=True):
        assert (found_path, fragment in message) == (path, True), found


def test_another_type_takes_no_date_keys() -> None:
    document = yaml.safe_load(DATED.read_text(encoding="utf-8"))
    document["questions"][1]["points_by_age"] = [{"within_months": 12, "points": 1}]
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(yaml.safe_dump(document, allow_unicode=True), "dated.yaml")
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("questions[1].points_by_age", "a yes_no question takes no points_by_age")
    ]


def test_a_date_answer_can_be_tested_only_for_being_answered() -> None:
    document = yaml.safe_load(DATED.read_text(encoding="utf-8"))
    document["initiatives"][0]["trigger"] = {"q": "SEC-02", "op": "lt", "value": "2024-01-01"}
    with pytest.raises(FrameworkError) as caught:
        load_framework_text(yaml.safe_dump(document, allow_unicode=True), "dated.yaml")
    assert "operator lt cannot be used on SEC-02, a date question" in caught.value.problems[0].message
    document["initiatives"][0]["trigger"] = {"q": "SEC-02", "op": "unanswered"}
    assert load_framework_text(yaml.safe_dump(document, allow_unicode=True)).initiative("K01")


# --- answers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("2024-03-15", "2024-03-15"),
        (" 2024-03-15 ", "2024-03-15"),
        ("15/03/2024", "2024-03-15"),
        ("5/3/2024", "2024-03-05"),
        ("15.03.2024", "2024-03-15"),
        ("15-03-2024", "2024-03-15"),
        ("31/02/2024", "31/02/2024"),  # no such day: left as typed, refused by validation
        ("in March", "in March"),
    ],
)
def test_a_typed_date_is_normalised_to_an_iso_day(dated: Framework, typed: str, value: str) -> None:
    question = dated.question("SEC-02")
    assert kind_of(question).parse(question, typed, locale="vi") == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("31/02/2024", "date_invalid"),
        ("2024-02-30", "date_invalid"),
        ("20240315", "date_invalid"),
        ("2014-12-31", "date_too_early"),
        (20240315, "value_type"),
        (True, "value_type"),
    ],
)
def test_a_bad_date_is_refused_with_its_code(dated: Framework, value: Any, code: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(dated.question("SEC-02"), Answer.of(value))
    assert (caught.value.code, caught.value.question) == (code, "SEC-02")


def test_a_date_after_today_is_refused_when_given_not_when_scored_later(dated: Framework) -> None:
    question = dated.question("SEC-02")
    today = dt.date(2024, 6, 1)
    validate_answer(question, Answer.of("2024-06-01"), today=today)
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(question, Answer.of("2024-06-02"), today=today)
    assert caught.value.code == "date_after_today"
    assert caught.value.params == {"today": "2024-06-01"}
    assert kind_of(question).message_params(question, caught.value, "vi") == {
        "min": "01/01/2015",
        "date": "01/06/2024",
    }
    # Stored on time, the answer stays valid: scoring never refuses it.
    assert validate_answers(dated, answers("2024-06-02")) == ()


def test_the_type_s_messages_name_the_bounds_in_the_locale(dated: Framework) -> None:
    question = dated.question("SEC-02")
    error = InvalidAnswer("date_too_early", "SEC-02", "")
    assert kind_of(question).message_params(question, error, "en") == {"min": "January 1, 2015"}
    assert set(kind_of(question).messages) == {
        "date_invalid",
        "date_too_early",
        "date_too_late",
        "date_after_today",
    }


def test_a_date_reads_in_the_locale_s_form(dated: Framework) -> None:
    question = dated.question("SEC-02")
    kind = kind_of(question)
    assert kind.display(question, "2024-03-05", "vi") == "05/03/2024"
    assert kind.display(question, "2024-03-05", "en") == "March 5, 2024"
    assert kind.phrase(question, "2024-03-05", "vi") == "05/03/2024"  # a figure: never in quotes


# --- scoring by age -----------------------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_month_s_last() -> None:
    assert months_before(dt.date(2024, 12, 31), 12) == dt.date(2023, 12, 31)
    assert months_before(dt.date(2025, 3, 31), 1) == dt.date(2025, 2, 28)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2024, 1, 15), 13) == dt.date(2022, 12, 15)


@pytest.mark.parametrize(
    ("decision", "points", "sec_score", "sec_level", "index"),
    [
        # SEC = (1 × 1 + 2 × points) / 3; NETW = 0.5 → 50.0 (level 3); index = (40 × 50 + 60 × SEC) / 10.
        ("2024-03-15", 1.0, 100.0, 5, 800),  # 3 / 3 = 100.0; (2000 + 6000) / 10 = 800
        ("2023-12-31", 1.0, 100.0, 5, 800),  # exactly 12 months before the closing day: still within
        ("2023-12-30", 0.5, 66.7, 3, 600),  # (1 + 1) / 3 = 66.67 → 66.7; (2000 + 4002) / 10 = 600.2 → 600
        ("2022-12-31", 0.5, 66.7, 3, 600),  # exactly 24 months
        ("2022-12-30", 0.0, 33.3, 2, 400),  # 1 / 3 = 33.33 → 33.3; (2000 + 1998) / 10 = 399.8 → 400
        ("2025-02-01", 1.0, 100.0, 5, 800),  # after the reference date: as recent as can be
    ],
)
def test_a_date_scores_by_its_age_at_the_reference_date(
    dated: Framework, decision: str, points: float, sec_score: float, sec_level: int, index: float
) -> None:
    result = score(dated, answers(decision), reference_date=CLOSING)
    assert result.question("SEC-02").points == points
    assert (result.dimension("NETW").score, result.dimension("NETW").level) == (50.0, 3)
    assert (result.dimension("SEC").score, result.dimension("SEC").level) == (sec_score, sec_level)
    assert result.index == index


def test_the_same_answer_scores_by_each_reference_date_it_is_given(dated: Framework) -> None:
    # The per-question memo keys a dated question's outcome by the reference date too.
    first = score(dated, answers("2023-06-01"), reference_date=dt.date(2024, 1, 31), guidance=False)
    later = score(dated, answers("2023-06-01"), reference_date=dt.date(2025, 12, 31), guidance=False)
    again = score(dated, answers("2023-06-01"), reference_date=dt.date(2024, 1, 31), guidance=False)
    assert (first.question("SEC-02").points, later.question("SEC-02").points) == (1.0, 0.0)
    assert again == first


def test_scoring_a_dated_framework_without_a_reference_date_is_refused(dated: Framework) -> None:
    with pytest.raises(InvalidInput) as caught:
        score(dated, answers("2024-03-15"))
    assert (caught.value.code, caught.value.subject) == ("reference_date_missing", "SEC-02")


def test_guidance_suggests_the_oldest_date_that_reaches_the_next_level(dated: Framework) -> None:
    result = score(dated, answers("2020-01-01"), reference_date=CLOSING)
    guide = result.guidance_for("SEC")
    assert guide is not None
    assert guide.status is GuidanceStatus.REACHABLE
    # Level 2 → 3 needs SEC ≥ 50: a decision within 24 months (0.5 → 66.7) is the least change that reaches.
    assert [(change.question, change.answer.value, change.level_after) for change in guide.changes] == [
        ("SEC-02", "2022-12-31", 3)
    ]


def test_a_result_with_a_date_answer_reads_back_from_its_snapshot(dated: Framework) -> None:
    result = score(dated, answers("2023-06-01"), reference_date=CLOSING)
    assert result_from_dict(result_to_dict(result)) == result
    assert result_to_dict(result)["questions"][2]["answer"] == {"state": "answered", "value": "2023-06-01"}


@settings(deadline=None)  # the first example compiles the framework's scorer
@given(st.data())
def test_an_older_decision_never_scores_more(data: st.DataObject) -> None:
    framework = DATED_FRAMEWORK
    question = framework.question("SEC-02")
    earlier, later = sorted(data.draw(st.lists(values(question), min_size=2, max_size=2)))
    reference = data.draw(st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)))
    old = score(framework, answers(earlier), reference_date=reference, guidance=False).question("SEC-02")
    new = score(framework, answers(later), reference_date=reference, guidance=False).question("SEC-02")
    assert old.points is not None
    assert new.points is not None
    assert old.points <= new.points
    assert new.points in (0.0, 0.5, 1.0)


# --- the registry -------------------------------------------------------------------------------------------


def test_the_registry_holds_every_type_once_and_refuses_a_name_twice() -> None:
    assert QUESTION_TYPES.names == (
        "single_choice",
        "multi_choice",
        "scale",
        "yes_no",
        "number",
        "percent",
        "text",
        "date",
    )
    with pytest.raises(ValueError, match="question type 'yes_no' is registered twice"):
        QuestionTypes((YesNo(), DateQuestion(), YesNo()))
