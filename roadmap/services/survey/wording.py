"""Answers in words, in the current user's language: the one wording shared by the survey, the review, the
report and the exports."""

from __future__ import annotations

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.framework import Question, QuestionType
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
    value = answer.value
    if question.type is QuestionType.YES_NO and isinstance(value, bool):
        option = question.option("yes" if value else "no")
        return option.label.get(locale) if option else (_("Yes") if value else _("No"))
    if isinstance(value, frozenset):
        return "; ".join(o.label.get(locale) for o in question.options if o.code in value)
    if isinstance(value, str) and question.type is not QuestionType.TEXT:
        option = question.option(value)
        return option.label.get(locale) if option else value
    if isinstance(value, float):
        number = format_decimal(value)
        if question.type is QuestionType.PERCENT:
            return f"{number} %"
        return f"{number} {question.unit.get(locale)}" if question.unit else number
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def record_text(question: Question, record: AnswerRecord | None) -> str:
    return answer_text(question, answers.to_answer(question, record) if record is not None else None)
