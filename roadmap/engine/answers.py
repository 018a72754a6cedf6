"""Answers as the engine sees them: a state and, when answered, a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# single_choice/scale: option code; multi_choice: frozenset of option codes; yes_no: bool;
# number/percent: float; text: str.
AnswerValue = str | bool | float | frozenset[str]


class AnswerState(StrEnum):
    ANSWERED = "answered"
    NOT_APPLICABLE = "na"
    DONT_KNOW = "dont_know"


@dataclass(frozen=True, slots=True)
class Answer:
    state: AnswerState
    value: AnswerValue | None = None

    @classmethod
    def of(cls, value: AnswerValue) -> Answer:
        return cls(AnswerState.ANSWERED, value)

    @classmethod
    def not_applicable(cls) -> Answer:
        return cls(AnswerState.NOT_APPLICABLE)

    @classmethod
    def dont_know(cls) -> Answer:
        return cls(AnswerState.DONT_KNOW)

    @property
    def is_answered(self) -> bool:
        return self.state is AnswerState.ANSWERED
