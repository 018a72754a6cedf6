"""text: free text, never scored (weight 0); at most MAX_LENGTH characters when given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import ClassVar, Literal

from roadmap.engine.answers import AnswerValue
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.framework import Question, QuestionType
from roadmap.engine.question_types.base import N_, Loc, QuestionKind
from roadmap.engine.schema_base import QuestionFields

# Long enough for a paragraph of plans; a 100,000-character answer is a paste accident or an attack.
MAX_LENGTH = 5000
# Where a shown answer is cut (lists, the report's appendix).
SHOWN_LENGTH = 200


class TextModel(QuestionFields):
    type: Literal["text"]


class Text(QuestionKind[TextModel]):
    name = QuestionType.TEXT
    model = TextModel
    scored = False
    messages: ClassVar[Mapping[str, str]] = {
        "text_too_long": N_("The answer to question %(question)s is too long (at most %(max)s characters)."),
    }

    def definition_problems(self, question: TextModel) -> Iterator[tuple[Loc, str]]:
        if question.weight > 0:
            yield ("weight",), "a text question is never scored: its weight must be 0"

    def check_entry(self, question: Question, value: AnswerValue, today: dt.date | None) -> None:
        if isinstance(value, str) and len(value) > MAX_LENGTH:
            raise InvalidAnswer("text_too_long", question.code, f"longer than {MAX_LENGTH} characters")

    def parse(self, question: Question, raw: object, *, locale: str) -> object:
        return raw.strip() if isinstance(raw, str) else raw

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        text = str(value)
        return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "…"

    def message_params(self, question: Question, error: InvalidAnswer, locale: str) -> dict[str, str]:
        return {"max": str(MAX_LENGTH)}
