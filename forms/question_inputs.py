"""The survey page's side of the question types: for each type of the engine's registry
(roadmap.engine.question_types), its form field, the partial that writes its inputs
(templates/survey/types/) and the hook of static/js/survey.js that reads and writes them.

A registry of its own, parallel to the engine's and refusing duplicate names like it, so that the engine
stays free of forms and templates; importing this module fails when an engine type has no input here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.widgets import CheckboxInput, ListWidget

from roadmap.engine.framework import Question, QuestionType
from roadmap.engine.numbers import format_number
from roadmap.engine.question_types import QUESTION_TYPES


def _choices(question: Question, locale: str) -> list[SelectChoice]:
    return [SelectChoice(option.code, option.label.get(locale)) for option in question.options]


def _one_option(question: Question, locale: str) -> UnboundField:
    return RadioField(choices=_choices(question, locale), validate_choice=False)


def _options(question: Question, locale: str) -> UnboundField:
    return SelectMultipleField(
        choices=_choices(question, locale),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _typed(question: Question, locale: str) -> UnboundField:
    # Text, not a float or date field: "12,5" is a number in Vietnamese, and the service parses what was
    # typed in the user's language (roadmap.engine.numbers, with the same messages as autosave).
    return StringField()


def _paragraph(question: Question, locale: str) -> UnboundField:
    return TextAreaField()


def _as_stored(question: Question, value: Any, locale: str) -> Any:
    return value


def _chosen(question: Question, value: Any, locale: str) -> Any:
    return [] if value is None else value


def _yes_no(question: Question, value: Any, locale: str) -> Any:
    return ("yes" if value else "no") if isinstance(value, bool) else value


def _figure(question: Question, value: Any, locale: str) -> Any:
    """A stored figure as the user types it (2,5 in Vietnamese), so that saving the page again keeps it."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, locale)
    return value


@dataclass(frozen=True)
class QuestionInput:
    """How the survey page asks a question of one type."""

    type: str
    field: Callable[[Question, str], UnboundField]  # the answer's WTForms field (question, locale)
    template: str  # the partial under templates/survey/types/ that writes the inputs
    script: str  # the hook in static/js/survey.js (`inputHooks`) that reads and writes them
    # A stored answer (None: none) as the field shows it, in a locale.
    shown: Callable[[Question, Any, str], Any] = _as_stored


class QuestionInputs:
    """The inputs by type name; a type given twice is refused, and so is an engine type without one."""

    def __init__(self, inputs: Iterable[QuestionInput]) -> None:
        self._inputs: dict[str, QuestionInput] = {}
        for entry in inputs:
            if entry.type in self._inputs:
                raise ValueError(f"the input of question type {str(entry.type)!r} is registered twice")
            self._inputs[entry.type] = entry
        missing = [name for name in QUESTION_TYPES.names if name not in self._inputs]
        if missing:
            raise ValueError(f"question types without an input on the survey page: {', '.join(missing)}")

    def __getitem__(self, type_name: str) -> QuestionInput:
        return self._inputs[type_name]

    def of(self, question: Question) -> QuestionInput:
        return self._inputs[question.type]


QUESTION_INPUTS = QuestionInputs(
    (
        QuestionInput(QuestionType.SINGLE_CHOICE, _one_option, "survey/types/options.html", "one"),
        QuestionInput(QuestionType.SCALE, _one_option, "survey/types/options.html", "one"),
        QuestionInput(QuestionType.YES_NO, _one_option, "survey/types/options.html", "yes_no", _yes_no),
        QuestionInput(QuestionType.MULTI_CHOICE, _options, "survey/types/options.html", "many", _chosen),
        QuestionInput(QuestionType.NUMBER, _typed, "survey/types/figure.html", "number", _figure),
        QuestionInput(QuestionType.PERCENT, _typed, "survey/types/figure.html", "number", _figure),
        QuestionInput(QuestionType.TEXT, _paragraph, "survey/types/text.html", "text"),
        QuestionInput("date", _typed, "survey/types/date.html", "text"),
    )
)
