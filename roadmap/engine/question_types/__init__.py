"""Question types, one module each, collected in one registry (see base.py for what a type holds).

Adding a type: a module here with its QuestionKind, one line in QUESTION_TYPES, and its input on the survey
page (forms/question_inputs.py, templates/survey/types/, static/js/survey.js); docs/architecture.md lists
the steps.
"""

from __future__ import annotations

from typing import Any

from roadmap.engine.framework import Question
from roadmap.engine.question_types.base import N_, QuestionKind, QuestionTypes
from roadmap.engine.question_types.date import DateQuestion
from roadmap.engine.question_types.multi_choice import MultiChoice
from roadmap.engine.question_types.number import Number
from roadmap.engine.question_types.percent import Percent
from roadmap.engine.question_types.scale import Scale
from roadmap.engine.question_types.single_choice import SingleChoice
from roadmap.engine.question_types.text import Text
from roadmap.engine.question_types.yes_no import YesNo

QUESTION_TYPES = QuestionTypes(
    (
        SingleChoice(),
        MultiChoice(),
        Scale(),
        YesNo(),
        Number(),
        Percent(),
        Text(),
        DateQuestion(),
    )
)


def kind_of(question: Question) -> QuestionKind[Any]:
    """The type of a built question."""
    return QUESTION_TYPES.of(question)


__all__ = ["N_", "QUESTION_TYPES", "QuestionKind", "QuestionTypes", "kind_of"]
