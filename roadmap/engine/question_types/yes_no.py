"""yes_no: yes or no (a boolean); yes scores 1 and no 0 unless the file gives the two options itself."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.conditions import STATE_OPERATORS
from roadmap.engine.exact import ONE, ZERO, dec
from roadmap.engine.framework import Option, Question, QuestionType, default_yes_no_options
from roadmap.engine.question_types.base import (
    EQUALITY_OPERATORS,
    Loc,
    PointsOf,
    QuestionKind,
    TextOf,
    type_error,
)
from roadmap.engine.question_types.choices import option_document
from roadmap.engine.schema_base import OptionModel, QuestionFields, as_written

_FROM_TEXT = {"yes": True, "true": True, "no": False, "false": False}


class YesNoModel(QuestionFields):
    type: Literal["yes_no"]
    options: list[OptionModel] | None = None


class YesNo(QuestionKind[YesNoModel]):
    name = QuestionType.YES_NO
    model = YesNoModel
    operators = STATE_OPERATORS | EQUALITY_OPERATORS

    def definition_problems(self, question: YesNoModel) -> Iterator[tuple[Loc, str]]:
        if question.options is not None and sorted(option.code for option in question.options) != [
            "no",
            "yes",
        ]:
            found = ", ".join(option.code for option in question.options) or "none"
            yield ("options",), f"a yes_no question's options must be exactly yes and no, not {found}"

    def option_codes(self, question: YesNoModel) -> list[str] | None:
        if question.options is None:
            return ["yes", "no"]
        return [option.code for option in question.options]

    def condition_value_problem(self, question: YesNoModel, value: object) -> str | None:
        if not isinstance(value, bool):
            return (
                f"{question.code} is a yes_no question: compare it with true or false, "
                f"not {as_written(value)}"
            )
        return None

    def fields(self, question: YesNoModel, text: TextOf, locales: tuple[str, ...]) -> dict[str, Any]:
        options = tuple(
            Option(option.code, text(option.label), option.points, option.exclusive)
            for option in question.options or ()
        )
        return {"options": options or default_yes_no_options(locales)}

    def document(self, question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
        # Only options equal to what the loader supplies may be left out; custom labels must survive.
        if not question.options or question.options == default_yes_no_options(locales):
            return {}
        return {"options": [option_document(option, exclusive=False) for option in question.options]}

    def points_function(self, question: Question) -> PointsOf:
        options = {option.code: dec(option.points) for option in question.options}
        yes, no = options.get("yes", ONE), options.get("no", ZERO)

        def points(value: AnswerValue, reference: dt.date | None) -> Decimal:
            if not isinstance(value, bool):
                raise type_error(question, value, "yes or no (a boolean)")
            return yes if value else no

        return points

    def parse(self, question: Question, raw: object, *, locale: str) -> object:
        return _FROM_TEXT.get(raw.lower(), raw) if isinstance(raw, str) else raw

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        if not isinstance(value, bool):
            return str(value)
        option = question.option("yes" if value else "no")
        labels = (
            option.label if option is not None else default_yes_no_options((locale,))[0 if value else 1].label
        )
        return labels.get(locale)

    def suggestions(
        self, question: Question, current: Answer | None, reference: dt.date | None
    ) -> list[AnswerValue]:
        return [True, False]

    def example(self, question: Question, strength: float, rng: random.Random) -> AnswerValue:
        return rng.random() < strength
