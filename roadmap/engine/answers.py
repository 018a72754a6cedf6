"""Answers as the engine sees them: a state and, when answered, a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

# single_choice/scale: option code; multi_choice: frozenset of option codes; yes_no: bool;
# number/percent: float; text: str.
AnswerValue = str | bool | float | frozenset[str]


class AnswerState(StrEnum):
    ANSWERED = "answered"
    NOT_APPLICABLE = "na"
    DONT_KNOW = "dont_know"


def _as_stored(value: object) -> Any:
    # A set has no JSON form of its own, and a state seen where a value was expected (a trace) must read back
    # as a state, not as the text "na".
    if isinstance(value, frozenset):
        return {"set": sorted(value)}
    if isinstance(value, AnswerState):
        return {"state": value.value}
    if isinstance(value, tuple):
        return [_as_stored(item) for item in value]
    return value


def _from_stored(data: Any) -> Any:
    if isinstance(data, dict):
        return AnswerState(data["state"]) if "state" in data else frozenset(data["set"])
    if isinstance(data, list):
        return tuple(_from_stored(item) for item in data)
    return data


# An answer's value as snapshots store it (roadmap.engine.stored): a set as {"set": [sorted codes]}.
StoredAnswerValue = Annotated[AnswerValue | None, PlainSerializer(_as_stored), PlainValidator(_from_stored)]
# What a condition found (conditions.LeafTrace): a value, or the state of an answer without one.
StoredFact = Annotated[
    AnswerValue | AnswerState | float | int | None, PlainSerializer(_as_stored), PlainValidator(_from_stored)
]


@dataclass(frozen=True, slots=True)
class Answer:
    state: AnswerState
    value: StoredAnswerValue = None

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
