"""percent: a share from 0 to 100, scored by steps like a number."""

from __future__ import annotations

from typing import Literal

from roadmap.engine.answers import AnswerValue
from roadmap.engine.framework import Question, QuestionType
from roadmap.engine.question_types.base import number_text
from roadmap.engine.question_types.number import Numeric, NumericModel


class PercentModel(NumericModel):
    type: Literal["percent"]


class Percent(Numeric[PercentModel]):
    name = QuestionType.PERCENT
    model = PercentModel
    fixed_range = (0.0, 100.0)

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return f"{number_text(value, locale)} %"
