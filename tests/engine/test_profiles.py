"""Office profiles: profile questions declared by a framework, conditions on them (`profile: CODE`), and
applicability by rule of questions, dimensions and gates; every mistake in a file is a located problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import Leaf, Operator, Subject, evaluate
from roadmap.engine.errors import InvalidInput
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text
from roadmap.engine.scoring import Exclusion, score

PROFILED = Path(__file__).parent.parent / "fixtures" / "frameworks" / "profiled.yaml"
TEXT = PROFILED.read_text(encoding="utf-8")
FRAMEWORK = load_framework(PROFILED)
ANSWERS = {
    "NT-01": Answer.of(False),
    "NT-02": Answer.of("c"),
    "GV-01": Answer.of("a"),
    "GV-02": Answer.of(True),
    "GV-03": Answer.of(True),
    "PB-01": Answer.of(80.0),
    "PB-02": Answer.of(True),
}


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(FrameworkError) as error:
        load_framework_text(text, "profiled.yaml")
    return [(problem.line, problem.path, problem.message) for problem in error.value.problems]


def line_of(fragment: str) -> int:
    return TEXT[: TEXT.index(fragment)].count("\n") + 1


def test_a_profile_condition_on_an_undeclared_profile_question_is_a_located_problem() -> None:
    text = TEXT.replace("applies_if: {profile: NET-USER, op: eq", "applies_if: {profile: NET-LEVEL, op: eq")
    assert problems_of(text) == [
        (
            line_of("applies_if: {profile: NET-USER, op: eq"),
            "scoring.gates[0].applies_if.profile",
            "unknown profile question NET-LEVEL",
        )
    ]


def test_every_profile_problem_is_listed_at_once_each_on_its_line() -> None:
    text = (
        TEXT.replace(
            "{profile: OFFICE-TYPE, op: eq, value: government}\n  - code: PB-01",
            "{q: GV-01, op: eq, value: a}\n  - code: PB-01",
        )
        .replace(
            "applies_if: {profile: ONLINE-SERVICES, op: eq, value: true}",
            "applies_if: {profile: ONLINE-SERVICES, op: eq, value: yes_please}",
        )
        .replace("value: level_1}\n      message", "value: level_3}\n      message")
        .replace(
            "applies_if: {profile: OFFICE-TYPE, op: eq, value: government}\n      message",
            "applies_if: {profile: OFFICE-TYPE, op: contains, value: government}\n      message",
        )
    )
    found = problems_of(text)
    assert [(path, message.split(":")[0]) for _line, path, message in found] == [
        ("dimensions[2].applies_if.value", "profile ONLINE-SERVICES is yes_no"),
        ("questions[4].applies_if.q", "applies_if tests the office's profile (profile"),
        ("scoring.gates[0].applies_if.value", "profile NET-USER has no option 'level_3' (options"),
        (
            "scoring.gates[1].applies_if.op",
            "operator contains cannot be used on profile OFFICE-TYPE, a single_choice question (allowed",
        ),
    ]
    assert all(line is not None and line > 1 for line, _path, _message in found)


def test_a_yes_no_profile_question_takes_no_options_and_a_choice_needs_two() -> None:
    text = TEXT.replace(
        '    type: yes_no\n    text: {vi: "Đơn vị có cung cấp',
        "    type: yes_no\n    options: [{code: a, label: {vi: A, en: A}}]\n"
        '    text: {vi: "Đơn vị có cung cấp',
    ).replace('      - {code: level_2, label: {vi: "Cấp II", en: "Level II"}}\n', "")
    assert [(path, message) for _line, path, message in problems_of(text)] == [
        ("profile[1].options", "a single_choice profile question needs 2 options or more"),
        ("profile[2].options", "a yes_no profile question takes no options"),
    ]


def test_a_profile_answer_to_an_undeclared_question_or_with_a_foreign_value_is_refused() -> None:
    with pytest.raises(InvalidInput) as unknown:
        score(FRAMEWORK, ANSWERS, profile={"OFFICE-KIND": "party"})
    assert (unknown.value.code, unknown.value.subject) == ("profile_unknown", "OFFICE-KIND")
    for code, value in (("OFFICE-TYPE", "ministry"), ("ONLINE-SERVICES", "yes"), ("NET-USER", True)):
        with pytest.raises(InvalidInput) as bad:
            score(FRAMEWORK, ANSWERS, profile={code: value})
        assert (bad.value.code, bad.value.subject) == ("profile_value", code)


def test_a_question_not_applicable_by_rule_keeps_the_reason_and_is_invisible_to_conditions() -> None:
    result = score(FRAMEWORK, ANSWERS, profile={"OFFICE-TYPE": "assembly"}, guidance=False)
    gv_03 = result.question("GV-03")
    assert (gv_03.counted, gv_03.exclusion, gv_03.answer) == (
        False,
        Exclusion.NOT_APPLICABLE_BY_RULE,
        Answer.of(True),
    )
    because = gv_03.not_applicable_because
    assert because is not None
    assert not because.holds
    ((leaf, actual),) = [(step.leaf, step.actual) for step in because.trace]
    assert (leaf.subject, leaf.ref, actual) == (Subject.PROFILE, "OFFICE-TYPE", "assembly")


def test_without_a_profile_answer_a_rule_that_asks_for_one_does_not_hold() -> None:
    # A missing profile answer is unanswered: a comparison with it is false, as for any answer.
    result = score(FRAMEWORK, ANSWERS, guidance=False)
    assert not result.dimension("PUB").applies
    assert result.question("GV-03").exclusion is Exclusion.NOT_APPLICABLE_BY_RULE
    assert [d.capped_by for d in result.dimensions] == [None, None, None]


def test_profile_leaves_evaluate_by_the_profile_answer() -> None:
    class Facts:
        def answer(self, code: str) -> Answer | None:
            return None

        def profile(self, code: str) -> str | bool | frozenset[str] | None:
            return {"OFFICE-TYPE": "party", "SERVICES": frozenset({"mail"}), "ONLINE": False}.get(code)

        def score(self, code: str) -> float | None:
            return None

        def level(self, code: str) -> int | None:
            return None

        def gap(self, code: str) -> int | None:
            return None

    facts = Facts()
    cases = [
        (Leaf(Subject.PROFILE, "OFFICE-TYPE", Operator.IN, ("party", "assembly")), True),
        (Leaf(Subject.PROFILE, "OFFICE-TYPE", Operator.NE, "government"), True),
        (Leaf(Subject.PROFILE, "SERVICES", Operator.CONTAINS, "mail"), True),
        (Leaf(Subject.PROFILE, "ONLINE", Operator.EQ, False), True),
        (Leaf(Subject.PROFILE, "ONLINE", Operator.ANSWERED), True),
        (Leaf(Subject.PROFILE, "NET-USER", Operator.UNANSWERED), True),
        (Leaf(Subject.PROFILE, "NET-USER", Operator.NE, "level_1"), False),
    ]
    for leaf, expected in cases:
        assert evaluate(leaf, facts).holds is expected, leaf
