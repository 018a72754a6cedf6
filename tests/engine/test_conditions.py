"""The condition language: every operator, what unanswered answers do, short-circuits and traces."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Leaf,
    LeafValue,
    Not,
    Operator,
    Subject,
    evaluate,
    holds,
)

ORDER = ("a", "b", "c", "d")


@dataclass
class Facts:
    answers: dict[str, Answer] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def score(self, dimension_code: str) -> float | None:
        return self.scores.get(dimension_code)

    def level(self, dimension_code: str) -> int | None:
        return self.levels.get(dimension_code)

    def gap(self, dimension_code: str) -> int | None:
        return self.gaps.get(dimension_code)


def answered(value: str | bool | float | frozenset[str]) -> Facts:
    return Facts(answers={"Q": Answer.of(value)})


def q(op: Operator, value: LeafValue = None, option_order: tuple[str, ...] = ()) -> Leaf:
    return Leaf(Subject.ANSWER, "Q", op, value, option_order)


# --- operators on numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (Operator.EQ, 42.0, True),
        (Operator.EQ, 41.0, False),
        (Operator.NE, 41.0, True),
        (Operator.NE, 42.0, False),
        (Operator.LT, 43.0, True),
        (Operator.LT, 42.0, False),
        (Operator.LE, 42.0, True),
        (Operator.LE, 41.0, False),
        (Operator.GT, 41.0, True),
        (Operator.GT, 42.0, False),
        (Operator.GE, 42.0, True),
        (Operator.GE, 43.0, False),
        (Operator.IN, (1.0, 42.0), True),
        (Operator.IN, (1.0, 2.0), False),
        (Operator.NOT_IN, (1.0, 2.0), True),
        (Operator.NOT_IN, (42.0,), False),
    ],
)
def test_number_answer_compares_by_value(op: Operator, value: LeafValue, expected: bool) -> None:
    assert holds(q(op, value), answered(42.0)) is expected


def test_integer_and_float_spellings_of_a_number_are_equal() -> None:
    assert holds(q(Operator.EQ, 42), answered(42.0))


# --- ordered choices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (Operator.LT, "c", True),
        (Operator.LT, "b", False),
        (Operator.LE, "b", True),
        (Operator.LE, "a", False),
        (Operator.GT, "a", True),
        (Operator.GT, "b", False),
        (Operator.GE, "b", True),
        (Operator.GE, "c", False),
        (Operator.EQ, "b", True),
        (Operator.NE, "b", False),
        (Operator.IN, ("a", "b"), True),
        (Operator.NOT_IN, ("a", "b"), False),
    ],
)
def test_single_choice_compares_by_option_position(op: Operator, value: str, expected: bool) -> None:
    assert holds(q(op, value, ORDER), answered("b")) is expected


def test_ordinal_comparison_uses_declared_order_not_alphabet() -> None:
    order = ("never", "yearly", "monthly")
    assert holds(q(Operator.LT, "monthly", order), answered("yearly"))
    assert not holds(q(Operator.LT, "monthly", ("monthly", "yearly", "never")), answered("yearly"))


def test_ordinal_comparison_with_an_unknown_code_never_holds() -> None:
    for op in (Operator.LT, Operator.LE, Operator.GT, Operator.GE):
        assert not holds(q(op, "c", ORDER), answered("zz"))
        assert not holds(q(op, "zz", ORDER), answered("b"))


# --- multiple choice ------------------------------------------------------------------------------------


def test_contains_looks_inside_a_multiple_choice_answer() -> None:
    facts = answered(frozenset({"mfa", "backup"}))
    assert holds(q(Operator.CONTAINS, "mfa"), facts)
    assert not holds(q(Operator.CONTAINS, "edr"), facts)


def test_eq_on_a_multiple_choice_answer_means_exactly_that_one_option() -> None:
    assert holds(q(Operator.EQ, "none"), answered(frozenset({"none"})))
    assert not holds(q(Operator.EQ, "mfa"), answered(frozenset({"mfa", "backup"})))
    assert holds(q(Operator.NE, "mfa"), answered(frozenset({"mfa", "backup"})))
    assert not holds(q(Operator.NE, "none"), answered(frozenset({"none"})))


def test_ordering_operators_on_a_multiple_choice_answer_never_hold() -> None:
    assert not holds(q(Operator.LT, "mfa"), answered(frozenset({"mfa"})))


# --- yes/no: booleans are not numbers -------------------------------------------------------------------


def test_yes_no_answer_compares_with_booleans() -> None:
    assert holds(q(Operator.EQ, True), answered(True))
    assert holds(q(Operator.NE, True), answered(False))


@pytest.mark.parametrize(("answer", "value"), [(True, 1), (False, 0), (1.0, True), (0.0, False), (True, 1.0)])
def test_a_boolean_never_equals_a_number(answer: bool | float, value: LeafValue) -> None:
    assert not holds(q(Operator.EQ, value), answered(answer))
    assert holds(q(Operator.NE, value), answered(answer))
    assert not holds(q(Operator.IN, (value,)), answered(answer))  # type: ignore[arg-type]


def test_a_boolean_is_never_ordered_against_numbers() -> None:
    assert not holds(q(Operator.LT, 2), answered(True))
    assert not holds(q(Operator.GE, 0.0), answered(False))


# --- what was not said ----------------------------------------------------------------------------------

NOT_SAID = {
    "unanswered": Facts(),
    "not applicable": Facts(answers={"Q": Answer.not_applicable()}),
    "don't know": Facts(answers={"Q": Answer.dont_know()}),
}
COMPARISONS = [
    q(Operator.EQ, 1.0),
    q(Operator.NE, 1.0),
    q(Operator.LT, 1.0),
    q(Operator.LE, 1.0),
    q(Operator.GT, 1.0),
    q(Operator.GE, 1.0),
    q(Operator.IN, (1.0,)),
    q(Operator.NOT_IN, (1.0,)),
    q(Operator.CONTAINS, "a"),
    q(Operator.LT, "b", ORDER),
    q(Operator.NE, "b", ORDER),
]


@pytest.mark.parametrize("state", sorted(NOT_SAID))
@pytest.mark.parametrize("leaf", COMPARISONS, ids=lambda leaf: f"{leaf.op}-{leaf.value}")
def test_comparisons_on_what_was_not_said_are_false(state: str, leaf: Leaf) -> None:
    assert not holds(leaf, NOT_SAID[state])


@pytest.mark.parametrize(
    ("state", "is_answered", "is_na"),
    [("unanswered", False, False), ("not applicable", False, True), ("don't know", False, False)],
)
def test_state_operators_tell_the_states_apart(state: str, is_answered: bool, is_na: bool) -> None:
    facts = NOT_SAID[state]
    assert holds(q(Operator.ANSWERED), facts) is is_answered
    assert holds(q(Operator.UNANSWERED), facts) is not is_answered
    assert holds(q(Operator.IS_NA), facts) is is_na


def test_an_answer_with_a_value_is_answered() -> None:
    facts = answered("b")
    assert holds(q(Operator.ANSWERED), facts)
    assert not holds(q(Operator.UNANSWERED), facts)
    assert not holds(q(Operator.IS_NA), facts)


# --- dimensions -----------------------------------------------------------------------------------------


def test_score_level_and_gap_leaves_read_the_dimension_facts() -> None:
    facts = Facts(scores={"SEC": 37.5}, levels={"SEC": 2}, gaps={"SEC": 1})
    assert holds(Leaf(Subject.SCORE, "SEC", Operator.LT, 40.0), facts)
    assert holds(Leaf(Subject.LEVEL, "SEC", Operator.LE, 2), facts)
    assert holds(Leaf(Subject.GAP, "SEC", Operator.IN, (1, 2)), facts)
    assert not holds(Leaf(Subject.GAP, "SEC", Operator.EQ, 0), facts)


def test_a_missing_dimension_fact_makes_any_comparison_false() -> None:
    assert not holds(Leaf(Subject.SCORE, "SEC", Operator.NE, 40.0), Facts())
    assert not holds(Leaf(Subject.LEVEL, "SEC", Operator.NOT_IN, (1,)), Facts())


# --- all / any / not, short-circuits and traces ---------------------------------------------------------

YES = Leaf(Subject.LEVEL, "A", Operator.EQ, 1)
NO = Leaf(Subject.LEVEL, "A", Operator.EQ, 5)
LEVELS = Facts(levels={"A": 1})


def test_all_any_not() -> None:
    assert holds(AllOf((YES, YES)), LEVELS)
    assert not holds(AllOf((YES, NO)), LEVELS)
    assert holds(AnyOf((NO, YES)), LEVELS)
    assert not holds(AnyOf((NO, NO)), LEVELS)
    assert holds(Not(NO), LEVELS)
    assert not holds(Not(YES), LEVELS)


def test_all_stops_at_the_first_leaf_that_fails() -> None:
    result = evaluate(AllOf((NO, YES, YES)), LEVELS)
    assert not result.holds
    assert [step.leaf for step in result.trace] == [NO]


def test_any_stops_at_the_first_leaf_that_holds() -> None:
    result = evaluate(AnyOf((NO, YES, NO, YES)), LEVELS)
    assert result.holds
    assert [step.leaf for step in result.trace] == [NO, YES]


def test_trace_records_the_actual_values_seen() -> None:
    facts = Facts(
        answers={"Q": Answer.of(12.5), "R": Answer.not_applicable()},
        scores={"SEC": 37.5},
    )
    result = evaluate(
        AllOf(
            (
                q(Operator.GT, 10.0),
                Leaf(Subject.ANSWER, "R", Operator.IS_NA),
                Leaf(Subject.ANSWER, "S", Operator.UNANSWERED),
                Leaf(Subject.SCORE, "SEC", Operator.LT, 40.0),
            )
        ),
        facts,
    )
    assert result.holds
    assert [(step.actual, step.holds) for step in result.trace] == [
        (12.5, True),
        (AnswerState.NOT_APPLICABLE, True),
        (None, True),
        (37.5, True),
    ]


def test_a_leaf_under_not_is_a_reason_when_it_fails() -> None:
    no_mfa = Not(q(Operator.CONTAINS, "mfa"))
    result = evaluate(
        AnyOf((no_mfa, NO)), Facts(answers={"Q": Answer.of(frozenset({"backup"}))}, levels={"A": 1})
    )
    assert result.holds
    (reason,) = result.reasons()
    assert reason.leaf == q(Operator.CONTAINS, "mfa")
    assert not reason.holds
    assert reason.negated
    assert reason.actual == frozenset({"backup"})


def test_reasons_of_an_any_are_only_the_leaves_that_made_it_hold() -> None:
    result = evaluate(AnyOf((NO, YES)), LEVELS)
    assert [step.leaf for step in result.reasons()] == [YES]


# --- properties -----------------------------------------------------------------------------------------

answers = st.one_of(
    st.none(),
    st.just(Answer.not_applicable()),
    st.just(Answer.dont_know()),
    st.builds(
        Answer.of,
        st.one_of(
            st.booleans(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.sampled_from(ORDER),
            st.frozensets(st.sampled_from(ORDER)),
        ),
    ),
)
values = st.one_of(st.booleans(), st.integers(-3, 3), st.floats(-3, 3), st.sampled_from(ORDER))
leaves = st.builds(
    Leaf,
    st.just(Subject.ANSWER),
    st.just("Q"),
    st.sampled_from(list(Operator)),
    st.one_of(values, st.tuples(values, values)),
    st.sampled_from([(), ORDER]),
)
conditions: st.SearchStrategy[Condition] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(AllOf, st.tuples(inner, inner)),
        st.builds(AnyOf, st.tuples(inner, inner)),
    ),
    max_leaves=6,
)


def facts_with(answer: Answer | None) -> Facts:
    return Facts(answers={"Q": answer} if answer is not None else {})


@given(answers)
def test_answered_and_unanswered_are_complements(answer: Answer | None) -> None:
    facts = facts_with(answer)
    assert holds(q(Operator.ANSWERED), facts) != holds(q(Operator.UNANSWERED), facts)
    assert holds(Not(q(Operator.ANSWERED)), facts) == holds(q(Operator.UNANSWERED), facts)


@given(conditions, answers)
def test_evaluate_and_holds_agree_and_never_fail(condition: Condition, answer: Answer | None) -> None:
    facts = facts_with(answer)
    result = evaluate(condition, facts)
    assert result.holds == holds(condition, facts)
    assert holds(Not(Not(condition)), facts) == result.holds


@given(conditions, answers)
def test_a_condition_that_holds_has_a_reason(condition: Condition, answer: Answer | None) -> None:
    result = evaluate(condition, facts_with(answer))
    if result.holds:
        assert result.reasons()
