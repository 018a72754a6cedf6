"""single_choice: one option of several, each with its points; options go from worst to best."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Literal

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.conditions import STATE_OPERATORS
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.exact import dec
from roadmap.engine.framework import Question, QuestionType
from roadmap.engine.question_types.base import (
    EQUALITY_OPERATORS,
    LIST_OPERATORS,
    ORDER_OPERATORS,
    PointsOf,
    type_error,
)
from roadmap.engine.question_types.choices import ChoiceKind, ChoiceModel, ChoiceModelT


class SingleChoiceModel(ChoiceModel):
    type: Literal["single_choice"]


class OneOption(ChoiceKind[ChoiceModelT]):
    """One option chosen: its points are the answer's (single_choice and scale)."""

    operators = STATE_OPERATORS | EQUALITY_OPERATORS | ORDER_OPERATORS | LIST_OPERATORS

    def points_function(self, question: Question) -> PointsOf:
        options = {option.code: dec(option.points) for option in question.options}

        def points(value: AnswerValue, reference: dt.date | None) -> Decimal:
            if not isinstance(value, str):
                raise type_error(question, value, "an option code")
            found = options.get(value)
            if found is None:
                raise InvalidAnswer(
                    "option_unknown", question.code, f"{value!r} is not one of {', '.join(options)}"
                )
            return found

        return points

    def suggestions(
        self, question: Question, current: Answer | None, reference: dt.date | None
    ) -> list[AnswerValue]:
        return [option.code for option in question.options]

    def example(self, question: Question, strength: float, rng: random.Random) -> AnswerValue:
        """The option whose points are nearest a noisy draw around `strength`."""
        aim = min(max(rng.gauss(strength, 0.2), 0.0), 1.0)
        return min(question.options, key=lambda option: (abs(option.points - aim), option.code)).code


class SingleChoice(OneOption[SingleChoiceModel]):
    name = QuestionType.SINGLE_CHOICE
    model = SingleChoiceModel
