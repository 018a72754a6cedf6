"""Golden cases (tests/golden/scoring): answers in; hand-computed points, scores, levels, gates, index out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from roadmap.engine.answers import Answer, AnswerState, AnswerValue
from roadmap.engine.framework import Framework, QuestionType
from roadmap.engine.loader import load_framework
from roadmap.engine.scoring import (
    Exclusion,
    GuidanceStatus,
    LevelOverride,
    PointsOverride,
    ScoreResult,
    score,
    with_answers,
)

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "golden" / "scoring").glob("*.yaml"))


def typed_value(framework: Framework, code: str, raw: Any) -> AnswerValue:
    kind = framework.question(code).type
    if kind is QuestionType.MULTI_CHOICE:
        return frozenset(raw)
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        return float(raw)
    return raw  # type: ignore[no-any-return]


def typed_answer(framework: Framework, code: str, raw: Any) -> Answer:
    if isinstance(raw, dict):
        return Answer(AnswerState(raw["state"]))
    return Answer.of(typed_value(framework, code, raw))


def inputs(framework: Framework, case: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of score() besides the answers."""
    point_overrides = case.get("point_overrides") or {}
    level_overrides = case.get("level_overrides") or {}
    return {
        "evidence": frozenset(case.get("evidence") or ()),
        "point_overrides": {code: PointsOverride(**o) for code, o in point_overrides.items()},
        "level_overrides": {code: LevelOverride(**o) for code, o in level_overrides.items()},
        "targets": case.get("targets") or {},
        "profile": {
            code: frozenset(value) if isinstance(value, list) else value
            for code, value in (case.get("profile") or {}).items()
        },
    }


def run_case(case: dict[str, Any]) -> tuple[Framework, dict[str, Answer], dict[str, Any], ScoreResult]:
    framework = load_framework(ROOT / case["framework"])
    answers = {code: typed_answer(framework, code, raw) for code, raw in case["answers"].items()}
    kwargs = inputs(framework, case)
    return framework, answers, kwargs, score(framework, answers, **kwargs)


@pytest.fixture(params=CASES, ids=[path.stem for path in CASES])
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(request.param.read_text(encoding="utf-8"))
    return loaded


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 4


def test_golden_case_scores_as_computed_by_hand(case: dict[str, Any]) -> None:
    _framework, _answers, _inputs, result = run_case(case)
    expected = case["expected"]
    fields = {
        "counted": "counted",
        "points": "points",
        "before": "points_before_discount",
        "computed": "computed_points",
        "evidence_required": "evidence_required",
        "discounted": "evidence_discounted",
        "dont_know": "dont_know",
    }
    for code, want in expected["questions"].items():
        got = result.question(code)
        for key, value in want.items():
            if key == "exclusion":
                assert got.exclusion is Exclusion(value), code
            elif key == "overridden":
                assert (got.override is not None) is value, code
            else:
                assert getattr(got, fields[key]) == value, f"{code}.{key}"
    for code, want in expected["dimensions"].items():
        got_dimension = result.dimension(code)
        for key, value in want.items():
            if key == "gates":
                gates = [
                    {
                        "code": gate.code,
                        "max_level": gate.max_level,
                        "capped": gate.capped,
                        "trace": [
                            [step.leaf.subject.value, step.leaf.ref, step.actual, step.holds]
                            for step in gate.evaluation.trace
                        ],
                    }
                    for gate in got_dimension.gates
                ]
                assert gates == value, code
            elif key == "overridden":
                assert (got_dimension.level_override is not None) is value, code
            else:
                assert getattr(got_dimension, key) == value, f"{code}.{key}"
    assert result.index == expected["index"]
    assert result.level == expected["level"]
    assert {s.code: s.value for s in result.groups} == expected["groups"]
    assert {s.code: s.value for s in result.dti} == expected["dti"]
    assert [warning.code for warning in result.warnings] == expected["warnings"]
    assert result.coverage == expected["coverage"]
    assert result.confidence == expected["confidence"]


def test_golden_case_guidance_reaches_the_level_it_states(case: dict[str, Any]) -> None:
    framework, answers, kwargs, result = run_case(case)
    assert result.guidance is not None
    expected = case["expected"].get("guidance")
    if expected is not None:
        assert {g.dimension for g in result.guidance} == set(expected)
    for guidance in result.guidance:
        if guidance.status is not GuidanceStatus.REACHABLE:
            continue
        changed = with_answers(answers, {change.question: change.answer for change in guidance.changes})
        more_evidence = kwargs["evidence"] | {c.question for c in guidance.changes if c.add_evidence}
        rescored = score(framework, changed, **{**kwargs, "evidence": more_evidence, "guidance": False})
        assert rescored.dimension(guidance.dimension).computed_level == guidance.reached_level
        assert guidance.reached_level >= guidance.target_level == guidance.current_level + 1
        if expected is None:
            continue
        want = expected[guidance.dimension]
        assert guidance.status is GuidanceStatus(want["status"])
        assert guidance.reached_level == want["reached_level"]
        changes = []
        for change in guidance.changes:
            row: list[object] = [change.question, change.answer, change.add_evidence]
            if change.clears_gate is not None:
                row.append(change.clears_gate)
            changes.append(row)
        assert changes == [
            [row[0], typed_answer(framework, row[0], row[1]), *row[2:]] for row in want["changes"]
        ]
