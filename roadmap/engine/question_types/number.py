"""number: a figure within [min, max] (an optional unit shown beside it), scored by steps: a value at or
above a step's `at_least` scores that step's points."""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal, TypeVar

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.conditions import STATE_OPERATORS, Leaf
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.exact import ZERO, dec
from roadmap.engine.framework import Question, QuestionType, ValueStep
from roadmap.engine.numbers import NumberFormatError, format_number, number_form, parse_float
from roadmap.engine.question_types.base import (
    EQUALITY_OPERATORS,
    LIST_OPERATORS,
    N_,
    ORDER_OPERATORS,
    Loc,
    PointsOf,
    QuestionKind,
    TextOf,
    number_text,
    type_error,
)
from roadmap.engine.schema_base import (
    LocalTextMap,
    QuestionFields,
    ScalarValue,
    ValueStepModel,
    as_written,
    file_number,
)


class NumericModel(QuestionFields):
    min: float | None = None
    max: float | None = None
    points_by_value: list[ValueStepModel] | None = None


NumericModelT = TypeVar("NumericModelT", bound=NumericModel)


class NumberModel(NumericModel):
    type: Literal["number"]
    unit: LocalTextMap | None = None


class Numeric(QuestionKind[NumericModelT]):
    """A figure in a range, scored by steps (number and percent)."""

    operators = STATE_OPERATORS | EQUALITY_OPERATORS | ORDER_OPERATORS | LIST_OPERATORS
    # A fixed range ((0, 100) for percent); None: the file gives min and max.
    fixed_range: ClassVar[tuple[float, float] | None] = None
    messages: ClassVar[Mapping[str, str]] = {
        "number_form": N_(
            "The answer to question %(question)s is not a number as written here: write it like "
            "%(example)s (“%(group)s” between thousands, “%(decimal)s” before the decimals)."
        ),
    }

    def range_of(self, question: NumericModelT) -> tuple[float | None, float | None]:
        return self.fixed_range or (question.min, question.max)

    def definition_problems(self, question: NumericModelT) -> Iterator[tuple[Loc, str]]:
        low, high = question.min, question.max
        if self.fixed_range is not None:
            if low not in (None, self.fixed_range[0]):
                yield ("min",), f"a {self.name} question always starts at {as_written(self.fixed_range[0])}"
            if high not in (None, self.fixed_range[1]):
                yield ("max",), f"a {self.name} question always ends at {as_written(self.fixed_range[1])}"
            low, high = self.fixed_range
        else:
            if low is None:
                yield ("min",), f"a {self.name} question needs min"
            if high is None:
                yield ("max",), f"a {self.name} question needs max"
            if low is not None and high is not None and low >= high:
                yield ("max",), f"max {as_written(high)} must be above min {as_written(low)}"
                low = high = None  # steps cannot be judged against a range that is itself wrong
        steps = question.points_by_value
        if not steps:
            yield ("points_by_value",), f"a {self.name} question needs points_by_value"
            return
        if low is not None and steps[0].at_least != low:
            yield (
                ("points_by_value", 0, "at_least"),
                f"the first step must be at min ({as_written(low)}), not at {as_written(steps[0].at_least)}",
            )
        for position in range(1, len(steps)):
            if steps[position].at_least <= steps[position - 1].at_least:
                yield (
                    ("points_by_value", position, "at_least"),
                    f"steps must ascend: at_least {as_written(steps[position].at_least)} does not come after "
                    f"{as_written(steps[position - 1].at_least)}",
                )
        if high is not None:
            for position, step in enumerate(steps):
                if step.at_least > high:
                    yield (
                        ("points_by_value", position, "at_least"),
                        f"at_least {as_written(step.at_least)} is above max {as_written(high)}: "
                        "no answer can reach it",
                    )

    def condition_value_problem(self, question: NumericModelT, value: object) -> str | None:
        low, high = self.range_of(question)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return (
                f"{question.code} is a {self.name} question: compare it with a number, "
                f"not {as_written(value)}"
            )
        if low is not None and high is not None and low < high and not low <= value <= high:
            return (
                f"{as_written(value)} is outside the range of {question.code} "
                f"({as_written(low)} to {as_written(high)})"
            )
        return None

    def condition_value(self, question: NumericModelT, value: ScalarValue) -> str | bool | float | int:
        return value if isinstance(value, str) else float(value)

    def fields(self, question: NumericModelT, text: TextOf, locales: tuple[str, ...]) -> dict[str, Any]:
        low, high = self.range_of(question)
        return {
            "min_value": low,
            "max_value": high,
            "points_by_value": tuple(
                ValueStep(step.at_least, step.points) for step in question.points_by_value or ()
            ),
        }

    def document(self, question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if self.fixed_range is None:
            if question.min_value is not None:
                document["min"] = file_number(question.min_value)
            if question.max_value is not None:
                document["max"] = file_number(question.max_value)
        if question.points_by_value:
            document["points_by_value"] = [
                {"at_least": file_number(step.at_least), "points": file_number(step.points)}
                for step in question.points_by_value
            ]
        return document

    def bounds(self, question: Question) -> tuple[float, float]:
        """The range an answer must fall in (unbounded where a hand-made question gives none)."""
        if self.fixed_range is not None:
            return self.fixed_range
        low = -math.inf if question.min_value is None else float(question.min_value)
        high = math.inf if question.max_value is None else float(question.max_value)
        return low, high

    def points_function(self, question: Question) -> PointsOf:
        low, high = self.bounds(question)
        step_values = tuple(float(step.at_least) for step in question.points_by_value)
        step_points = tuple(dec(step.points) for step in question.points_by_value)

        def points(value: AnswerValue, reference: dt.date | None) -> Decimal:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise type_error(question, value, "a number")
            if not math.isfinite(value):
                raise InvalidAnswer("value_not_finite", question.code, f"{value!r} is not a finite number")
            if value < low or value > high:
                raise InvalidAnswer(
                    "value_out_of_range", question.code, f"{value!r} is outside [{low:g}, {high:g}]"
                )
            position = bisect_right(step_values, value) - 1
            return step_points[position] if position >= 0 else ZERO

        return points

    def parse(self, question: Question, raw: object, *, locale: str) -> object:
        """Typed text read in the user's locale only ("1.000" is a thousand in Vietnamese, one in English);
        a text without one meaning there is refused, never guessed. JSON numbers pass as they are."""
        if isinstance(raw, str):
            try:
                return parse_float(raw, locale)
            except NumberFormatError:
                detail = f"{raw!r} is not a number in {locale}"
                raise InvalidAnswer("number_form", question.code, detail) from None
        if isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        return raw

    def from_stored(self, question: Question, data: object) -> object:
        return float(data) if isinstance(data, int) and not isinstance(data, bool) else data

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        number = number_text(value, locale)
        return f"{number} {question.unit.get(locale)}" if question.unit else number

    def phrase(self, question: Question, value: object, locale: str) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.display(question, float(value), locale)
        return super().phrase(question, value, locale)

    def message_params(self, question: Question, error: InvalidAnswer, locale: str) -> dict[str, str]:
        """The locale's form of a number, and the range written in that form (the form the parser reads)."""
        form = number_form(locale)
        params = {"example": form.example, "group": form.group, "decimal": form.decimal}
        low, high = self.bounds(question)
        if math.isfinite(low) and math.isfinite(high):
            params.update(min=format_number(low, locale), max=format_number(high, locale))
        return params

    def suggestions(
        self, question: Question, current: Answer | None, reference: dt.date | None
    ) -> list[AnswerValue]:
        low, high = self.bounds(question)
        values = [min(max(float(step.at_least), low), high) for step in question.points_by_value]
        return [value for value in dict.fromkeys(values) if math.isfinite(value)]

    def probes(self, question: Question, leaf: Leaf) -> list[AnswerValue]:
        """Values around a numeric leaf's threshold, to cross it in either direction."""
        low, high = self.bounds(question)
        raw_values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        probes: list[AnswerValue] = []
        for value in raw_values:
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            for probe in (value - 1, value, value + 1, low, high):
                if math.isfinite(probe):
                    probes.append(float(probe))
        return probes

    def example(self, question: Question, strength: float, rng: random.Random) -> AnswerValue:
        """A figure somewhere within the step whose points are nearest a noisy draw around `strength`."""
        low, high = self.bounds(question)
        if not math.isfinite(low):
            low = 0.0
        if not math.isfinite(high):
            high = low
        aim = min(max(rng.gauss(strength, 0.2), 0.0), 1.0)
        steps = [step for step in question.points_by_value if low <= step.at_least <= high]
        if steps:
            step = min(steps, key=lambda s: abs(s.points - aim))
            following = [s.at_least for s in steps if s.at_least > step.at_least]
            top = min(following) if following else high
            # Somewhere within the chosen step, as a measured figure would be.
            return round(rng.uniform(step.at_least, max(step.at_least, top - 0.1)), 1)
        return round(low + (high - low) * aim, 1)


class Number(Numeric[NumberModel]):
    name = QuestionType.NUMBER
    model = NumberModel

    def fields(self, question: NumberModel, text: TextOf, locales: tuple[str, ...]) -> dict[str, Any]:
        unit = text(question.unit) if question.unit is not None else None
        return {"unit": unit, **super().fields(question, text, locales)}

    def document(self, question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
        unit = {"unit": question.unit.as_dict()} if question.unit is not None else {}
        return {**unit, **super().document(question, locales)}
