"""multi_choice: any options of several; the points of the chosen ones add up, to at most 1. An exclusive
option ("none of these") is chosen alone."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.conditions import STATE_OPERATORS, Operator
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.exact import ONE, ZERO, dec
from roadmap.engine.framework import Question, QuestionType
from roadmap.engine.question_types.base import EQUALITY_OPERATORS, Loc, PointsOf, type_error
from roadmap.engine.question_types.choices import ChoiceKind, ChoiceModel, label_of


class MultiChoiceModel(ChoiceModel):
    type: Literal["multi_choice"]


class MultiChoice(ChoiceKind[MultiChoiceModel]):
    name = QuestionType.MULTI_CHOICE
    model = MultiChoiceModel
    operators = STATE_OPERATORS | EQUALITY_OPERATORS | {Operator.CONTAINS}
    ordered = False
    exclusive_options = True

    def definition_problems(self, question: MultiChoiceModel) -> Iterator[tuple[Loc, str]]:
        yield from super().definition_problems(question)
        options = question.options
        if options and all(option.exclusive for option in options):
            yield ("options",), "every option is exclusive: nothing can be combined"

    def points_function(self, question: Question) -> PointsOf:
        options = {option.code: dec(option.points) for option in question.options}
        codes = frozenset(options)
        exclusive = frozenset(option.code for option in question.options if option.exclusive)

        def points(value: AnswerValue, reference: dt.date | None) -> Decimal:
            if not isinstance(value, frozenset):
                raise type_error(question, value, "a set of option codes")
            if not value:
                raise InvalidAnswer("selection_empty", question.code, "choose at least one option")
            unknown = value - codes
            if unknown:
                raise InvalidAnswer(
                    "option_unknown",
                    question.code,
                    f"{', '.join(sorted(unknown))} not among {', '.join(options)}",
                )
            if len(value) > 1 and not value.isdisjoint(exclusive):
                chosen = ", ".join(sorted(value & exclusive))
                raise InvalidAnswer("options_exclusive", question.code, f"{chosen} cannot be combined")
            total = sum((options[code] for code in value), ZERO)
            return total if total < ONE else ONE

        return points

    def parse(self, question: Question, raw: object, *, locale: str) -> object:
        if isinstance(raw, str):
            return frozenset([raw]) if raw else frozenset()
        if isinstance(raw, list | tuple):
            return frozenset(str(item) for item in raw)
        return raw

    def from_stored(self, question: Question, data: object) -> object:
        return frozenset(data) if isinstance(data, list) else data

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        if isinstance(value, frozenset):
            return "; ".join(option.label.get(locale) for option in question.options if option.code in value)
        return label_of(question, value, locale) if isinstance(value, str) else str(value)

    def message_params(self, question: Question, error: InvalidAnswer, locale: str) -> dict[str, str]:
        exclusive = [option for option in question.options if option.exclusive]
        return {"option": exclusive[0].label.get(locale)} if exclusive else {}

    def suggestions(
        self, question: Question, current: Answer | None, reference: dt.date | None
    ) -> list[AnswerValue]:
        plain = [option.code for option in question.options if not option.exclusive]
        exclusive = frozenset(option.code for option in question.options if option.exclusive)
        chosen: frozenset[str] = frozenset()
        if current is not None and isinstance(current.value, frozenset):
            chosen = current.value - exclusive
        found: list[AnswerValue] = [chosen | {code} for code in plain if code not in chosen]
        found += [chosen - {code} for code in plain if code in chosen and len(chosen) > 1]
        found += [frozenset({code}) for code in plain]
        found += [frozenset({option.code}) for option in question.options if option.exclusive]
        if plain:
            found.append(frozenset(plain))
        return found

    def example(self, question: Question, strength: float, rng: random.Random) -> AnswerValue:
        plain = [option for option in question.options if not option.exclusive]
        chosen = frozenset(option.code for option in plain if rng.random() < strength)
        if chosen:
            return chosen
        exclusive = [option.code for option in question.options if option.exclusive]
        return frozenset(exclusive[:1] or [plain[0].code])
