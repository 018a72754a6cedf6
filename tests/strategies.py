"""Hypothesis strategies for answers to real frameworks, shared by the engine's property tests."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.framework import Framework, Question, QuestionType
from roadmap.engine.question_types.date import DateSettings, months_before


def values(question: Question) -> st.SearchStrategy[AnswerValue]:
    """Any valid value for the question; numbers favour the step boundaries, where points change."""
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE):
        return st.sampled_from([option.code for option in question.options])
    if kind is QuestionType.MULTI_CHOICE:
        plain = [option.code for option in question.options if not option.exclusive]
        exclusive = [option.code for option in question.options if option.exclusive]
        choices: list[st.SearchStrategy[AnswerValue]] = []
        if plain:
            choices.append(st.frozensets(st.sampled_from(plain), min_size=1))
        if exclusive:
            choices.append(st.sampled_from(exclusive).map(lambda code: frozenset({code})))
        return st.one_of(choices)
    if kind is QuestionType.YES_NO:
        return st.booleans()
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        low = 0.0 if kind is QuestionType.PERCENT else float(question.min_value or 0.0)
        high = 100.0 if kind is QuestionType.PERCENT else float(question.max_value or 0.0)
        steps = sorted(
            {float(step.at_least) for step in question.points_by_value if low <= step.at_least <= high}
        )
        return st.one_of(st.sampled_from(steps), st.floats(low, high, allow_nan=False, allow_infinity=False))
    if kind == "date":
        return dates(question)
    return st.text(max_size=12)


def dates(question: Question) -> st.SearchStrategy[AnswerValue]:
    """Any day the question accepts, as ISO text; half the time on the edge of an age step (where points
    change) from a reference date drawn too."""
    settings = question.settings if isinstance(question.settings, DateSettings) else DateSettings()
    low = settings.earliest or dt.date(2000, 1, 1)
    high = settings.latest or dt.date(2099, 12, 31)
    anywhere = st.dates(low, high)
    edges = st.builds(
        lambda reference, step, shift: (
            months_before(reference, step.within_months) + dt.timedelta(days=shift)
        ),
        st.dates(low, high),
        st.sampled_from(settings.points_by_age) if settings.points_by_age else st.nothing(),
        st.sampled_from((-1, 0, 1)),
    ).filter(lambda day: low <= day <= high)
    return st.one_of(anywhere, edges).map(dt.date.isoformat)


def answers_to(question: Question) -> st.SearchStrategy[Answer]:
    choices = [values(question).map(Answer.of)]
    if question.allow_dont_know:
        choices.append(st.just(Answer.dont_know()))
    if question.allow_na:
        choices.append(st.just(Answer.not_applicable()))
    return st.one_of(choices)


def answer_sets(framework: Framework) -> st.SearchStrategy[dict[str, Answer]]:
    """Any subset of the questions answered (hidden ones too)."""
    return st.fixed_dictionaries({}, optional={q.code: answers_to(q) for q in framework.questions})
