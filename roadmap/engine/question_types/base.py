"""What a question type is to the engine, and the registry that holds the types.

A type is one class (a `QuestionKind`) in a module of its own: the pydantic model of a question of that
type (the keys every question has plus the type's own), the checks of its definition (each problem located
under the question), how conditions may compare its answers, the fields of the built `Question`, its file
form for export, and for answers: their validation and points, their normalisation from what a person typed
or a page sent, their stored JSON, their text in a locale, the suggestions of next-level guidance and a
plausible value for demonstrations. The engine (schema, loader, scorer, export) asks the registry instead of
switching on the type; the web side has a parallel registry of inputs (forms/question_inputs.py).

Texts shown to people are formatted here with the pure `babel` library, for an explicit locale; messages
that need translation are English msgids marked with `N_`, translated by the services (pybabel extracts
`N_` by default).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.conditions import STATE_OPERATORS, Leaf, Operator
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.framework import LocalText, Question
from roadmap.engine.numbers import format_number
from roadmap.engine.schema_base import QuestionFields, ScalarValue, file_number

Loc = tuple[str | int, ...]
# A question's points function: validates a value (raising InvalidAnswer) and gives its raw points, or None
# for a value that is never scored; the second argument is the reference date of the scoring (or None).
PointsOf = Callable[[AnswerValue, dt.date | None], Decimal | None]
# Builds a LocalText from a per-locale map of the file, in the framework's locales.
TextOf = Callable[[dict[str, str]], LocalText]
ModelT = TypeVar("ModelT", bound=QuestionFields)

EQUALITY_OPERATORS = frozenset({Operator.EQ, Operator.NE})
ORDER_OPERATORS = frozenset({Operator.LT, Operator.LE, Operator.GT, Operator.GE})
LIST_OPERATORS = frozenset({Operator.IN, Operator.NOT_IN})

# A text longer than this reads badly inside a sentence (a trace, a condition, a guidance step).
PHRASE_LIMIT = 120


def N_(message: str) -> str:  # noqa: N802 - the marker's conventional name, which pybabel extracts
    """Mark an English message for translation; the services translate it when they show it."""
    return message


def type_error(question: Question, value: object, expected: str) -> InvalidAnswer:
    return InvalidAnswer("value_type", question.code, f"expected {expected}, got {type(value).__name__}")


def number_text(value: float, locale: str) -> str:
    """A number as people of `locale` write it: 12,5 in Vietnamese, 12.5 in English (the one formatter,
    which the parser reads back)."""
    return format_number(value, locale)


def plain_number(value: float) -> str:
    """A number as the file writes it: 24, 12.5."""
    return str(file_number(value))


def quoted(text: str) -> str:
    """A text quoted inside a sentence, cut at PHRASE_LIMIT characters."""
    return f"“{text if len(text) <= PHRASE_LIMIT else text[:PHRASE_LIMIT] + '…'}”"


class QuestionKind(Generic[ModelT]):
    """One question type. Subclasses set `name` and `model` and override what differs from these defaults:
    a type whose answers are never scored, compared only by state, shown as given."""

    name: ClassVar[str]
    model: type[ModelT]
    # False: never scored (its weight must be 0), never a claim needing evidence, never suggested.
    scored: ClassVar[bool] = True
    # The condition operators that may test an answer of this type.
    operators: ClassVar[frozenset[Operator]] = STATE_OPERATORS
    # Error codes of this type's own (beyond those of every type, see InvalidAnswer) → English msgid.
    messages: ClassVar[Mapping[str, str]] = {}

    # -- the framework file --------------------------------------------------------------------------------

    def definition_problems(self, question: ModelT) -> Iterator[tuple[Loc, str]]:
        """Problems of a question's definition beyond its shape, each located under the question."""
        return iter(())

    def option_codes(self, question: ModelT) -> list[str] | None:
        """The codes of the question's options; None when the type has no options."""
        return None

    def option_order(self, question: ModelT) -> tuple[str, ...]:
        """Option codes worst to best, when conditions compare options by order (lt, ge, …)."""
        return ()

    def condition_value_problem(self, question: ModelT, value: object) -> str | None:
        """Why `value` cannot be compared with an answer to the question (None: it can)."""
        return None

    def condition_value(self, question: ModelT, value: ScalarValue) -> str | bool | float | int:
        """A condition's value as evaluation compares it with answers."""
        return value

    def fields(self, question: ModelT, text: TextOf, locales: tuple[str, ...]) -> dict[str, Any]:
        """The type's fields of the built Question (options, unit, min_value, max_value, points_by_value or
        settings)."""
        return {}

    def document(self, question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
        """The type's own keys of the question in the file form, defaults left out."""
        return {}

    # -- answers -------------------------------------------------------------------------------------------

    def points_function(self, question: Question) -> PointsOf:
        """The question's points function (built once per question when a framework is compiled)."""

        def no_points(value: AnswerValue, reference: dt.date | None) -> Decimal | None:
            if not isinstance(value, str):
                raise type_error(question, value, "text")
            return None

        return no_points

    def needs_reference_date(self, question: Question) -> bool:
        """Whether the question's points depend on the reference date of the scoring."""
        return False

    def check_entry(self, question: Question, value: AnswerValue, today: dt.date | None) -> None:
        """Rules that hold when a person gives an answer, not later (raise InvalidAnswer)."""

    def parse(self, question: Question, raw: object, *, locale: str) -> object:
        """What a form or a page sent, as the type's value (checked afterwards by validation); text typed by
        a person is read as people of `locale` write it."""
        return raw

    def from_stored(self, question: Question, data: Any) -> Any:
        """A stored JSON value as the type's value."""
        return data

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        """The answer's value as a person reads it in `locale`."""
        return str(value)

    def phrase(self, question: Question, value: object, locale: str) -> str:
        """A value inside a sentence (a trace, a condition, a guidance step): quoted words, bare figures."""
        return quoted(self.display(question, value, locale)) if isinstance(value, str | bool) else str(value)

    def message_params(self, question: Question, error: InvalidAnswer, locale: str) -> dict[str, str]:
        """The placeholders (beyond %(question)s) that the message of `error` names, for `locale`."""
        return {}

    def suggestions(
        self, question: Question, current: Answer | None, reference: dt.date | None
    ) -> list[AnswerValue]:
        """Answers worth suggesting to raise the question's points (next-level guidance)."""
        return []

    def probes(self, question: Question, leaf: Leaf) -> list[AnswerValue]:
        """Values on both sides of what a condition's leaf compares with (to clear a gate)."""
        return []

    def example(self, question: Question, strength: float, rng: random.Random) -> AnswerValue | None:
        """A plausible answer of an office of `strength` (0–1) for demonstrations; None: no such value."""
        return None


class QuestionTypes:
    """The registry of question types by name; a name registered twice is refused."""

    def __init__(self, kinds: Iterable[QuestionKind[Any]]) -> None:
        self._kinds: dict[str, QuestionKind[Any]] = {}
        for kind in kinds:
            if kind.name in self._kinds:
                raise ValueError(f"question type {str(kind.name)!r} is registered twice")
            self._kinds[kind.name] = kind

    def __getitem__(self, name: str) -> QuestionKind[Any]:
        return self._kinds[name]

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[QuestionKind[Any]]:
        return iter(self._kinds.values())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def of(self, question: Question) -> QuestionKind[Any]:
        """The type of a built question."""
        return self._kinds[question.type]

    def own_keys(self) -> frozenset[str]:
        """Every key that some type adds to the keys all questions have."""
        common = set(QuestionFields.model_fields)
        return frozenset(key for kind in self for key in kind.model.model_fields if key not in common)
