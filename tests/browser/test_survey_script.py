"""The survey pages' script, driven in Chromium: its number parser and formatter agree with the engine's in
both languages, its show_if evaluator agrees with the engine on every condition of the shipped frameworks,
and its queued changes carry the keys the server's conflict rule needs."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadmap.engine.answers import Answer, AnswerValue
from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf, Not, Subject, holds
from roadmap.engine.framework import Question, QuestionType
from roadmap.engine.loader import load_framework
from roadmap.engine.numbers import NumberFormatError, format_number, number_form, parse_float
from roadmap.engine.question_types import kind_of
from roadmap.web.survey import client_condition
from tests.browser.conftest import ROOT

CORE = ROOT / "static" / "js" / "survey-core.js"
SHIPPED = sorted((ROOT / "roadmap" / "frameworks").glob("*.yaml"))
LOCALES = ("vi", "en")


@pytest.fixture(scope="module")
def script(chromium: Any) -> Iterator[Any]:
    """A blank page with the survey's pure rules loaded (window.RoadmapSurvey)."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(CORE))
    yield page
    context.close()


def js_form(locale: str) -> dict[str, str]:
    form = number_form(locale)
    return {"group": form.group, "decimal": form.decimal}


def typed_texts(count: int, seed: int) -> list[str]:
    """What people might type: digits with marks, signs and spaces in every arrangement."""
    rng = random.Random(seed)
    alphabet = "0123456789" * 3 + ".,,.  -"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(count)]
    for value in (rng.uniform(-1e7, 1e7) for _ in range(count // 4)):
        texts.extend(format_number(round(value, rng.randint(0, 4)), locale) for locale in LOCALES)
    return [*texts, "1.000", "1.0000", "1,2,3", "38,5", "38.5", "2.500", "1 000,5", ",5", "12,", "-", ""]


def python_reading(text: str, locale: str) -> float | None:
    try:
        return parse_float(text, locale)
    except NumberFormatError:
        return None


@pytest.mark.parametrize("locale", LOCALES)
def test_the_page_reads_every_typed_text_as_the_engine_does(script: Any, locale: str) -> None:
    texts = typed_texts(1500, seed=24)
    page_readings = script.evaluate(
        """([texts, form]) => {
          const f = RoadmapSurvey.numberForm(form.group, form.decimal);
          return texts.map(t => RoadmapSurvey.parseNumber(t, f));
        }""",
        [texts, js_form(locale)],
    )
    differences = [
        (text, page, python_reading(text, locale))
        for text, page in zip(texts, page_readings, strict=True)
        if page != python_reading(text, locale)
    ]
    assert differences == []
    assert page_readings[texts.index("1.000")] == (1000 if locale == "vi" else 1)
    assert page_readings[texts.index("1,2,3")] is None


@pytest.mark.parametrize("locale", LOCALES)
def test_the_page_writes_numbers_as_the_engine_does_and_reads_them_back(script: Any, locale: str) -> None:
    rng = random.Random(7)
    values = [0.0, -0.0, 1000.0, 2.5, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -1234.5, 0.1 + 0.2]
    values += [rng.uniform(-1e9, 1e9) for _ in range(300)]
    values += [float(rng.randint(0, 10**12)) for _ in range(100)]
    written = script.evaluate(
        """([values, form]) => {
          const f = RoadmapSurvey.numberForm(form.group, form.decimal);
          return values.map(v => {
            const text = RoadmapSurvey.formatNumber(v, f);
            return [text, RoadmapSurvey.parseNumber(text, f)];
          });
        }""",
        [values, js_form(locale)],
    )
    for value, (text, back) in zip(values, written, strict=True):
        assert text == format_number(value, locale), value
        assert back == value, text


# --- show_if: the page and the engine agree on every condition of the shipped frameworks -----------------


class Facts:
    """The engine's view of a set of answers (conditions of show_if test answers only)."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def score(self, dimension_code: str) -> float | None:
        return None

    def level(self, dimension_code: str) -> int | None:
        return None

    def gap(self, dimension_code: str) -> int | None:
        return None


def leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, Not):
        yield from leaves(condition.item)
    else:
        assert isinstance(condition, AllOf | AnyOf)
        for item in condition.items:
            yield from leaves(item)


def candidate_answers(question: Question, tested_by: list[Leaf]) -> list[Answer | None]:
    """No answer, N/A, "don't know", and answered values on every side of what the conditions compare."""
    values: list[AnswerValue] = []
    if question.options:
        codes = [option.code for option in question.options]
        if question.type is QuestionType.MULTI_CHOICE:
            values += [frozenset({code}) for code in codes] + [frozenset(codes[:2]), frozenset(codes)]
        elif question.type is QuestionType.YES_NO:
            values += [True, False]
        else:
            values += codes
    elif question.type is QuestionType.YES_NO:
        values += [True, False]
    for leaf in tested_by:
        values += kind_of(question).probes(question, leaf)
        if isinstance(leaf.value, str) and question.type not in (QuestionType.MULTI_CHOICE,):
            values.append(leaf.value)
    if not values:
        values = ["x"]
    unique = list(dict.fromkeys(values))
    return [None, Answer.not_applicable(), Answer.dont_know(), *(Answer.of(value) for value in unique)]


def page_fact(answer: Answer) -> dict[str, Any]:
    """An answer as the page's script holds it (the hooks' `fact`): option codes, lists, booleans, numbers."""
    value = answer.value
    if isinstance(value, frozenset):
        value = sorted(value)
    return {"state": answer.state.value, "value": value}


def condition_cases(path: Path) -> Iterator[tuple[str, Condition, list[dict[str, Answer]]]]:
    framework = load_framework(path)
    rng = random.Random(path.name)
    for question in framework.questions:
        condition = question.show_if
        if condition is None:
            continue
        tested = list(leaves(condition))
        assert all(leaf.subject is Subject.ANSWER for leaf in tested), question.code
        refs = list(dict.fromkeys(leaf.ref for leaf in tested))
        choices = [
            candidate_answers(framework.question(ref), [leaf for leaf in tested if leaf.ref == ref])
            for ref in refs
        ]
        combinations = list(itertools.product(*choices))
        if len(combinations) > 3000:
            combinations = rng.sample(combinations, 3000)
        yield (
            question.code,
            condition,
            [
                {ref: answer for ref, answer in zip(refs, combination, strict=True) if answer is not None}
                for combination in combinations
            ],
        )


@pytest.mark.parametrize("path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_the_page_and_the_engine_agree_on_every_show_if_of_the_shipped_framework(
    script: Any, path: Path
) -> None:
    checked = 0
    for code, condition, fact_sets in condition_cases(path):
        expected = [holds(condition, Facts(answers)) for answers in fact_sets]
        page_sets = [{ref: page_fact(answer) for ref, answer in answers.items()} for answers in fact_sets]
        shown = script.evaluate(
            "([condition, sets]) => sets.map(facts => RoadmapSurvey.holds(condition, facts))",
            [client_condition(condition), page_sets],
        )
        disagreements = [
            (answers, page, engine)
            for answers, page, engine in zip(fact_sets, shown, expected, strict=True)
            if page != engine
        ]
        assert disagreements == [], code
        assert True in expected, f"{code}: no case shows the question"
        assert False in expected, f"{code}: no case hides the question"
        checked += 1
    assert checked > 0, "the shipped framework has no show_if to compare"


# --- queued changes --------------------------------------------------------------------------------------


def test_a_queued_change_carries_a_fresh_key_and_names_the_earlier_attempts_it_follows(script: Any) -> None:
    result = script.evaluate(
        """() => {
          const S = RoadmapSurvey;
          const first = S.answerChange(null, "SEC-08", {state: "answered", value: "e"}, 3);
          const again = S.answerChange(first, "SEC-08", {state: "answered", value: "d"}, 5);
          const sent = Object.assign({}, again, {uncertain: true});
          const after = S.answerChange(sent, "SEC-08", {state: "answered", value: "c"}, 5);
          const reply = {theirs: {value: "b", mine: true}, mine: {value: "c"}, message: "m"};
          const held = S.heldOnConflict(after, reply);
          return {first, again, after, held, body: S.answerBody(after, "SEC"),
                  keys: Array.from({length: 50}, () => S.newKey())};
        }"""
    )
    first, again, after = result["first"], result["again"], result["after"]
    # Built on the version the page showed when the first change was made, until the server answers.
    assert (first["base_version"], again["base_version"], after["base_version"]) == (3, 3, 3)
    assert len({first["key"], again["key"], after["key"]}) == 3
    # A change never sent is not followed; one whose fate is unknown is.
    assert again["follows"] == []
    assert after["follows"] == [again["key"]]
    assert result["body"] == {
        "question": "SEC-08",
        "state": "answered",
        "value": "c",
        "base_version": 3,
        "key": after["key"],
        "follows": [again["key"]],
        "section": "SEC",
    }
    # A conflict holds the change with both values, even when the newer answer is the same account's.
    assert result["held"]["held"]["theirs"] == {"value": "b", "mine": True}
    assert result["held"]["key"] == after["key"]
    keys = result["keys"]
    assert len(set(keys)) == 50
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in keys)
