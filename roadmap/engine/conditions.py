"""The condition language: `all` / `any` / `not` trees over typed leaves, evaluated with a trace.

Conditions are data, never code: a leaf names a subject (an answer, an answer of the office's profile, a
dimension's score, level or gap), an
operator from a closed table and a value. The loader resolves every reference and checks every type when a
framework file loads, so evaluation here can be simple and total. Evaluation short-circuits and records
each leaf it looked at, with the actual value, so every "because" shown to a user is the real reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeGuard

from roadmap.engine.answers import Answer, AnswerState, AnswerValue, StoredFact

LeafValue = str | bool | float | int | tuple[str | float | int, ...] | None
# An answer of the office's profile (answered once per office): an option code, a set of codes or a boolean.
ProfileValue = str | bool | frozenset[str]


class Subject(StrEnum):
    ANSWER = "q"
    PROFILE = "profile"
    SCORE = "score"
    LEVEL = "level"
    GAP = "gap"


class Operator(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"
    IS_NA = "is_na"


# Operators that look at the answer's state, not its value: they take no value.
STATE_OPERATORS = frozenset({Operator.ANSWERED, Operator.UNANSWERED, Operator.IS_NA})
ORDER_OPERATORS = frozenset({Operator.LT, Operator.LE, Operator.GT, Operator.GE})
LIST_OPERATORS = frozenset({Operator.IN, Operator.NOT_IN})


@dataclass(frozen=True, slots=True)
class Leaf:
    subject: Subject
    ref: str  # question, profile question or dimension code
    op: Operator
    value: LeafValue = None
    # For ordinal comparisons on single_choice/scale answers: the question's option codes in order,
    # resolved by the loader so that evaluation needs no framework.
    option_order: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


Condition = Leaf | AllOf | AnyOf | Not


class Facts(Protocol):
    """What a condition may look at. Missing facts are None."""

    def answer(self, question_code: str) -> Answer | None: ...

    def profile(self, profile_code: str) -> ProfileValue | None: ...

    def score(self, dimension_code: str) -> float | None: ...

    def level(self, dimension_code: str) -> int | None: ...

    def gap(self, dimension_code: str) -> int | None: ...


@dataclass(frozen=True, slots=True)
class LeafTrace:
    """One leaf that was evaluated: what it asked, what it found, whether it held."""

    leaf: Leaf
    actual: StoredFact
    holds: bool
    # Under an odd number of `not`: the leaf supports the whole condition when it does NOT hold.
    negated: bool = False

    @property
    def supports(self) -> bool:
        """Whether this leaf's outcome pushed the whole condition towards holding."""
        return self.holds != self.negated


@dataclass(frozen=True, slots=True)
class Evaluation:
    holds: bool
    trace: tuple[LeafTrace, ...]

    def reasons(self) -> tuple[LeafTrace, ...]:
        """The 'because' of a condition that holds: the leaves whose outcome made it hold.

        A leaf under `not` is a reason when it failed: `not (mfa chosen)` holds because mfa was not chosen.
        """
        return tuple(step for step in self.trace if step.supports)


def evaluate(condition: Condition, facts: Facts) -> Evaluation:
    """Evaluate `condition` against `facts`, short-circuiting, with the trace of the leaves seen."""
    trace: list[LeafTrace] = []
    holds = _evaluate(condition, facts, trace, negated=False)
    return Evaluation(holds, tuple(trace))


def holds(condition: Condition, facts: Facts) -> bool:
    """Like evaluate() without building a trace: for hot paths such as show_if during scoring."""
    return _evaluate(condition, facts, None, negated=False)


def _evaluate(condition: Condition, facts: Facts, trace: list[LeafTrace] | None, *, negated: bool) -> bool:
    if isinstance(condition, Leaf):
        actual, result = _evaluate_leaf(condition, facts)
        if trace is not None:
            trace.append(LeafTrace(condition, actual, result, negated))
        return result
    if isinstance(condition, AllOf):
        return all(_evaluate(item, facts, trace, negated=negated) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(_evaluate(item, facts, trace, negated=negated) for item in condition.items)
    return not _evaluate(condition.item, facts, trace, negated=not negated)


def _evaluate_leaf(leaf: Leaf, facts: Facts) -> tuple[AnswerValue | AnswerState | float | int | None, bool]:
    if leaf.subject is Subject.ANSWER:
        answer = facts.answer(leaf.ref)
        has_value = answer is not None and answer.is_answered and answer.value is not None
        if leaf.op in STATE_OPERATORS:
            state = answer.state if answer is not None else None
            # `answered` and `unanswered` are complements, so `not answered` never differs from
            # `unanswered`: N/A and "don't know" are unanswered (is_na tells N/A apart).
            if leaf.op is Operator.ANSWERED:
                return state, has_value
            if leaf.op is Operator.UNANSWERED:
                return state, not has_value
            return state, state is AnswerState.NOT_APPLICABLE
        if answer is None or answer.value is None or not has_value:
            # A comparison holds only on what was actually said (docs/framework-format.md).
            return (answer.state if answer is not None else None), False
        value = answer.value
        if isinstance(value, frozenset):
            if leaf.op is Operator.CONTAINS:
                return value, leaf.value in value
            if leaf.op is Operator.EQ:
                return value, value == frozenset({leaf.value})
            if leaf.op is Operator.NE:
                return value, value != frozenset({leaf.value})
            return value, False
        if isinstance(value, str) and leaf.option_order and leaf.op in ORDER_OPERATORS:
            actual_position = _position(leaf.option_order, value)
            expected_position = _position(leaf.option_order, leaf.value)
            if actual_position < 0 or expected_position < 0:
                return value, False
            return value, _compare(leaf.op, actual_position, expected_position)
        return value, _compare_values(leaf, value)
    if leaf.subject is Subject.PROFILE:
        return _evaluate_profile_leaf(leaf, facts.profile(leaf.ref))
    fact: float | int | None
    if leaf.subject is Subject.SCORE:
        fact = facts.score(leaf.ref)
    elif leaf.subject is Subject.LEVEL:
        fact = facts.level(leaf.ref)
    else:
        fact = facts.gap(leaf.ref)
    if fact is None:
        return None, False
    return fact, _compare_values(leaf, fact)


def _evaluate_profile_leaf(leaf: Leaf, value: ProfileValue | None) -> tuple[StoredFact, bool]:
    """A profile answer is given or not (no N/A, no "don't know"); comparisons of a missing one are false."""
    if leaf.op is Operator.ANSWERED:
        return value, value is not None
    if leaf.op is Operator.UNANSWERED:
        return value, value is None
    if value is None or leaf.op is Operator.IS_NA:
        return value, False
    if isinstance(value, frozenset):
        if leaf.op is Operator.CONTAINS:
            return value, leaf.value in value
        return value, False
    return value, _compare_values(leaf, value)


def _position(order: tuple[str, ...], code: object) -> int:
    return order.index(code) if isinstance(code, str) and code in order else -1


def _compare_values(leaf: Leaf, actual: str | bool | float | int) -> bool:
    if leaf.op is Operator.IN:
        return isinstance(leaf.value, tuple) and any(_same(actual, v) for v in leaf.value)
    if leaf.op is Operator.NOT_IN:
        return isinstance(leaf.value, tuple) and not any(_same(actual, v) for v in leaf.value)
    if leaf.op is Operator.EQ:
        return _same(actual, leaf.value)
    if leaf.op is Operator.NE:
        return not _same(actual, leaf.value)
    if leaf.op in ORDER_OPERATORS and _is_number(actual) and _is_number(leaf.value):
        return _compare(leaf.op, actual, leaf.value)
    return False


def _is_number(value: object) -> TypeGuard[float | int]:
    # bool is an int in Python; "yes" is never greater than 0.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(actual: object, expected: object) -> bool:
    # In Python True == 1; an answer "yes" must never equal the number 1.
    return actual == expected and isinstance(actual, bool) == isinstance(expected, bool)


_ORDER: dict[Operator, Callable[[float, float], bool]] = {
    Operator.LT: lambda a, b: a < b,
    Operator.LE: lambda a, b: a <= b,
    Operator.GT: lambda a, b: a > b,
    Operator.GE: lambda a, b: a >= b,
}


def _compare(op: Operator, actual: float, expected: float) -> bool:
    return _ORDER[op](actual, expected)
