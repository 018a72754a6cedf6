"""What the choice types share (single_choice, scale, multi_choice): options with points, checked in the
file, compared by code in conditions and shown by their labels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

from roadmap.engine.answers import AnswerValue
from roadmap.engine.framework import Option, Question
from roadmap.engine.question_types.base import Loc, QuestionKind, TextOf, quoted
from roadmap.engine.schema_base import OptionModel, QuestionFields, as_written, file_number, repeats


class ChoiceModel(QuestionFields):
    options: list[OptionModel] | None = None


ChoiceModelT = TypeVar("ChoiceModelT", bound=ChoiceModel)


def option_document(option: Option, *, exclusive: bool) -> dict[str, Any]:
    """An option in the file form (`exclusive` only where the type allows it)."""
    document: dict[str, Any] = {
        "code": option.code,
        "label": option.label.as_dict(),
        "points": file_number(option.points),
    }
    if exclusive and option.exclusive:
        document["exclusive"] = True
    return document


def label_of(question: Question, code: str, locale: str) -> str:
    """An option's label in `locale`; the code itself when the question has no such option."""
    option = question.option(code)
    return option.label.get(locale) if option is not None else code


class ChoiceKind(QuestionKind[ChoiceModelT]):
    """A type whose answers are option codes."""

    # Options go from worst to best, and conditions may compare them by order (lt, ge, …).
    ordered: ClassVar[bool] = True
    # Options may be marked exclusive (chosen alone).
    exclusive_options: ClassVar[bool] = False

    def definition_problems(self, question: ChoiceModelT) -> Iterator[tuple[Loc, str]]:
        options = question.options
        if options is None:
            yield ("options",), f"a {self.name} question needs options"
            return
        if len(options) < 2:
            yield ("options",), f"a {self.name} question needs at least two options"
        for position, code in repeats([option.code for option in options]):
            yield ("options", position, "code"), f"duplicate option code {code}"
        if not self.exclusive_options:
            for position, option in enumerate(options):
                if option.exclusive:
                    yield ("options", position, "exclusive"), "only multi_choice options can be exclusive"
        if self.ordered:
            # Ordinal comparisons (lt, ge, …) read the option order as worst to best.
            for position in range(1, len(options)):
                before, option = options[position - 1], options[position]
                if option.points < before.points:
                    yield (
                        ("options", position, "points"),
                        f"options go from worst to best, but {option.code} ({as_written(option.points)} "
                        f"points) scores below {before.code} ({as_written(before.points)})",
                    )

    def option_codes(self, question: ChoiceModelT) -> list[str] | None:
        return [option.code for option in question.options or ()]

    def option_order(self, question: ChoiceModelT) -> tuple[str, ...]:
        return tuple(option.code for option in question.options or ()) if self.ordered else ()

    def condition_value_problem(self, question: ChoiceModelT, value: object) -> str | None:
        codes = self.option_codes(question) or []
        if not isinstance(value, str):
            return (
                f"{question.code} is a {self.name} question: compare it with one of its option codes "
                f"({', '.join(codes)}), not with {as_written(value)}"
            )
        if value not in codes:
            return f"{question.code} has no option {value} (options: {', '.join(codes)})"
        return None

    def fields(self, question: ChoiceModelT, text: TextOf, locales: tuple[str, ...]) -> dict[str, Any]:
        options = tuple(
            Option(option.code, text(option.label), option.points, option.exclusive)
            for option in question.options or ()
        )
        return {"options": options}

    def document(self, question: Question, locales: tuple[str, ...]) -> dict[str, Any]:
        if not question.options:
            return {}
        exclusive = self.exclusive_options
        return {"options": [option_document(option, exclusive=exclusive) for option in question.options]}

    def phrase(self, question: Question, value: object, locale: str) -> str:
        return quoted(label_of(question, value, locale)) if isinstance(value, str) else str(value)

    def display(self, question: Question, value: AnswerValue, locale: str) -> str:
        return label_of(question, value, locale) if isinstance(value, str) else str(value)
