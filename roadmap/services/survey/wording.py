"""Answers in words, in the current user's language: the one wording shared by the survey, the review, the
report and the exports. The states are worded here; an answered value is worded by its question type
(roadmap.engine.question_types), which formats numbers and dates for the locale with the pure babel
library, so that the engine's types stay the one place that knows how their values read."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.framework import Question
from roadmap.engine.question_types import kind_of
from roadmap.models import AnswerRecord
from roadmap.services.survey import answers


def answer_text(question: Question, answer: Answer | None) -> str:
    """An answer as a person reads it, in the current language."""
    locale = str(get_locale() or "vi")
    if answer is None:
        return _("No answer")
    if answer.state is AnswerState.NOT_APPLICABLE:
        return _("Not applicable")
    if answer.state is AnswerState.DONT_KNOW:
        return _("Don't know")
    if answer.value is None:
        return _("No answer")
    # The value in words is its type's business (roadmap.engine.question_types), in the user's language.
    return kind_of(question).display(question, answer.value, locale)


def record_text(question: Question, record: AnswerRecord | None) -> str:
    return answer_text(question, answers.to_answer(question, record) if record is not None else None)
