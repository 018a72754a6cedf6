"""Invariants of the scoring engine, checked with Hypothesis over random answer sets of real frameworks."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf
from roadmap.engine.framework import Framework, ProfileType
from roadmap.engine.loader import FrameworkError, load_framework, load_framework_text
from roadmap.engine.scoring import (
    Exclusion,
    GuidanceStatus,
    ScoreResult,
    result_from_dict,
    result_to_dict,
    score,
    scorer_for,
    with_answers,
)
from tests.strategies import answer_sets, values

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "frameworks" / "small.yaml"
SHIPPED = ROOT / "roadmap" / "frameworks" / "central-offices-1.0.1.yaml"


def small_with_na_everywhere() -> Framework:
    """small.yaml with N/A allowed on every question, to exercise N/A across all question types."""
    document = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    for question in document["questions"]:
        question["allow_na"] = True
    return load_framework_text(yaml.safe_dump(document, allow_unicode=True), "small-na.yaml")


def frameworks() -> list[Any]:
    params: list[Any] = [
        pytest.param(load_framework(SMALL), id="small"),
        pytest.param(small_with_na_everywhere(), id="small-na"),
    ]
    try:
        params.append(pytest.param(load_framework(SHIPPED), id="central-offices"))
    except (FileNotFoundError, FrameworkError):
        params.append(
            pytest.param(None, id="central-offices", marks=pytest.mark.skip("shipped framework not loadable"))
        )
    return params


FRAMEWORKS = frameworks()
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------------------
# Strategies


def evidence_sets(framework: Framework) -> st.SearchStrategy[frozenset[str]]:
    codes = [q.code for q in framework.questions if q.evidence_threshold is not None]
    return st.frozensets(st.sampled_from(codes)) if codes else st.just(frozenset())


def leaves(condition: Condition) -> list[Leaf]:
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, (AllOf, AnyOf)):
        return [leaf for item in condition.items for leaf in leaves(item)]
    return leaves(condition.item)


def show_if_sources(framework: Framework) -> set[str]:
    return {leaf.ref for q in framework.questions if q.show_if is not None for leaf in leaves(q.show_if)}


def dimension_scores(result: ScoreResult) -> dict[str, float]:
    return {d.code: d.score for d in result.dimensions}


# ---------------------------------------------------------------------------------------------------------
# Properties


@pytest.mark.parametrize("framework", FRAMEWORKS)
@PROPERTY
@given(data=st.data())
def test_scores_levels_and_shares_stay_within_bounds(framework: Framework, data: st.DataObject) -> None:
    answers = data.draw(answer_sets(framework))
    evidence = data.draw(evidence_sets(framework))
    result = score(framework, answers, evidence=evidence, guidance=False)
    for question in result.questions:
        assert (question.points is None) is (not question.counted)
        if question.points is not None:
            assert 0.0 <= question.points <= 1.0
            assert question.computed_points is not None
            assert question.points_before_discount is not None
            assert question.computed_points <= question.points_before_discount
    for dimension in result.dimensions:
        assert 0.0 <= dimension.score <= 100.0
        assert 1 <= dimension.level <= dimension.raw_level <= 5
        assert all(dimension.level <= gate.max_level for gate in dimension.gates)
        assert dimension.gap == max(0, dimension.target - dimension.level)
        assert 0.0 <= dimension.coverage <= 1.0
        assert dimension.dont_know <= dimension.answered <= dimension.applicable
    assert 0.0 <= result.index <= 1000.0
    assert 1 <= result.level <= 5
    for share in (result.coverage, result.known, result.evidenced, result.confidence):
        assert 0.0 <= share <= 1.0
    assert result.confidence <= result.known + 0.0005


@pytest.mark.parametrize("framework", FRAMEWORKS)
@PROPERTY
@given(data=st.data())
def test_raising_an_answer_never_lowers_its_dimensions_score(
    framework: Framework, data: st.DataObject
) -> None:
    # Gates aside (they act on levels, not scores), with evidence kept for the question (a claim without it
    # is discounted), and for a question whose answer no show_if reads (showing a question can lower a score).
    sources = show_if_sources(framework)
    candidates = [q for q in framework.questions if q.code not in sources and q.weight > 0]
    question = data.draw(st.sampled_from(candidates))
    answers = data.draw(answer_sets(framework))
    evidence = data.draw(evidence_sets(framework)) | {question.code}
    first, second = data.draw(values(question)), data.draw(values(question))
    low = score(
        framework, with_answers(answers, {question.code: Answer.of(first)}), evidence=evidence, guidance=False
    )
    high = score(
        framework,
        with_answers(answers, {question.code: Answer.of(second)}),
        evidence=evidence,
        guidance=False,
    )
    if (low.question(question.code).points_before_discount or 0) > (
        high.question(question.code).points_before_discount or 0
    ):
        low, high = high, low
    assert high.dimension(question.dimension).score >= low.dimension(question.dimension).score


@pytest.mark.parametrize("framework", FRAMEWORKS)
@PROPERTY
@given(data=st.data())
def test_not_applicable_leaves_other_questions_contributions_unchanged(
    framework: Framework, data: st.DataObject
) -> None:
    sources = show_if_sources(framework)
    candidates = [q for q in framework.questions if q.allow_na and q.code not in sources]
    if not candidates:
        return
    question = data.draw(st.sampled_from(candidates))
    answers = data.draw(answer_sets(framework))
    evidence = data.draw(evidence_sets(framework))
    before = score(framework, answers, evidence=evidence, guidance=False)
    after = score(
        framework,
        with_answers(answers, {question.code: Answer.not_applicable()}),
        evidence=evidence,
        guidance=False,
    )
    assert not after.question(question.code).counted
    for old, new in zip(before.questions, after.questions, strict=True):
        if old.code != question.code:
            assert (old.counted, old.points) == (new.counted, new.points)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@PROPERTY
@given(data=st.data())
def test_hidden_questions_never_count(framework: Framework, data: st.DataObject) -> None:
    answers = data.draw(answer_sets(framework))
    evidence = data.draw(evidence_sets(framework))
    result = score(framework, answers, evidence=evidence, guidance=False)
    hidden = [q.code for q in result.questions if q.exclusion is Exclusion.HIDDEN]
    for code in hidden:
        assert not result.question(code).counted
    without_hidden = score(
        framework, with_answers(answers, dict.fromkeys(hidden)), evidence=evidence, guidance=False
    )
    assert dimension_scores(without_hidden) == dimension_scores(result)
    assert [d.level for d in without_hidden.dimensions] == [d.level for d in result.dimensions]
    assert without_hidden.index == result.index


@pytest.mark.parametrize("framework", FRAMEWORKS)
@PROPERTY
@given(data=st.data())
def test_same_input_gives_the_same_output(framework: Framework, data: st.DataObject) -> None:
    answers = data.draw(answer_sets(framework))
    evidence = data.draw(evidence_sets(framework))
    shuffled = list(answers.items())
    random.Random(data.draw(st.integers(0, 1000))).shuffle(shuffled)
    first = score(framework, answers, evidence=evidence)
    second = score(framework, dict(shuffled), evidence=sorted(evidence, reverse=True))
    assert first == second
    assert json.dumps(result_to_dict(first)) == json.dumps(result_to_dict(second))
    assert result_from_dict(json.loads(json.dumps(result_to_dict(first)))) == first


@pytest.mark.parametrize("framework", FRAMEWORKS)
@PROPERTY
@given(data=st.data())
def test_index_is_the_weighted_mean_of_the_rounded_scores(framework: Framework, data: st.DataObject) -> None:
    answers = data.draw(answer_sets(framework))
    result = score(framework, answers, guidance=False)
    total = sum(d.weight for d in framework.dimensions)
    expected = (
        sum(d.weight * r.score for d, r in zip(framework.dimensions, result.dimensions, strict=True))
        * 10
        / total
    )
    step = 10.0**-framework.scoring.index_decimals
    assert abs(result.index - expected) <= step / 2 + 1e-9


@pytest.mark.parametrize("framework", FRAMEWORKS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_applying_next_level_guidance_reaches_the_stated_level(
    framework: Framework, data: st.DataObject
) -> None:
    answers = data.draw(answer_sets(framework))
    evidence = data.draw(evidence_sets(framework))
    result = score(framework, answers, evidence=evidence)
    assert result.guidance is not None
    at_five = {d.code for d in result.dimensions if d.level == 5}
    assert at_five.isdisjoint(g.dimension for g in result.guidance)
    for guidance in result.guidance:
        assert guidance.target_level == guidance.current_level + 1
        changed = with_answers(answers, {change.question: change.answer for change in guidance.changes})
        more_evidence = evidence | {change.question for change in guidance.changes if change.add_evidence}
        rescored = score(framework, changed, evidence=more_evidence, guidance=False)
        assert rescored.dimension(guidance.dimension).computed_level == guidance.reached_level
        if guidance.changes:
            assert guidance.changes[-1].level_after == guidance.reached_level
        if guidance.status is GuidanceStatus.REACHABLE:
            assert guidance.reached_level >= guidance.target_level
        else:
            assert guidance.reached_level < guidance.target_level
        if guidance.status is GuidanceStatus.BLOCKED_BY_GATE:
            assert guidance.blocking_gates


CENTRAL_2026 = ROOT / "roadmap" / "frameworks" / "central-offices-1.1.0.yaml"
PROFILED = ROOT / "tests" / "fixtures" / "frameworks" / "profiled.yaml"


def profiles(framework: Framework) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the framework's profile questions answered, each with one of its values."""
    choices: dict[str, st.SearchStrategy[Any]] = {}
    for question in framework.profile:
        codes = [option.code for option in question.options]
        if question.type is ProfileType.YES_NO:
            choices[question.code] = st.booleans()
        elif question.type is ProfileType.MULTI_CHOICE:
            choices[question.code] = st.frozensets(st.sampled_from(codes), min_size=1)
        else:
            choices[question.code] = st.sampled_from(codes)
    return st.fixed_dictionaries({}, optional=choices)


@pytest.mark.parametrize(
    "framework",
    [
        *FRAMEWORKS,
        pytest.param(load_framework(CENTRAL_2026), id="central-offices-2026"),
        pytest.param(load_framework(PROFILED), id="profiled"),
    ],
)
@PROPERTY
@given(data=st.data())
def test_hidden_codes_are_the_questions_scoring_hides(framework: Framework, data: st.DataObject) -> None:
    """The progress board's short walk (`Scorer.hidden_codes`) agrees with scoring on what show_if hides,
    whatever the answers and the office's profile."""
    answers = data.draw(answer_sets(framework))
    profile = data.draw(profiles(framework))
    result = score(framework, answers, guidance=False, profile=profile)
    hidden = {q.code for q in result.questions if q.exclusion is Exclusion.HIDDEN}
    assert scorer_for(framework).hidden_codes(answers, profile) == hidden
