"""Golden roadmaps (tests/golden/roadmap): answers and parameters in; initiatives, order, months, phases,
loads, trajectory and warnings out. The small.yaml cases are worked by hand in their comments."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from roadmap.engine.answers import Answer, AnswerState, AnswerValue
from roadmap.engine.framework import Framework, Initiative, Question, QuestionType
from roadmap.engine.loader import load_framework, load_framework_text
from roadmap.engine.planner import (
    Plan,
    PlanningParameters,
    YearMonth,
    default_phase_bounds,
    plan,
    plan_from_dict,
    plan_to_dict,
)
from roadmap.engine.scoring import score

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "golden" / "roadmap").glob("*.yaml"))
SHIPPED = "roadmap/frameworks/central-offices-1.0.1.yaml"


def typed_answer(framework: Framework, code: str, raw: Any) -> Answer:
    if isinstance(raw, dict):
        return Answer(AnswerState(raw["state"]))
    kind = framework.question(code).type
    value: AnswerValue = raw
    if kind is QuestionType.MULTI_CHOICE:
        value = frozenset(raw)
    elif kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        value = float(raw)
    return Answer.of(value)


def extreme_value(question: Question, best: bool) -> AnswerValue | None:
    """The answer that scores most (best) or least (worst); None for text questions (left unanswered)."""
    kind = question.type
    pick = max if best else min
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE):
        return pick(question.options, key=lambda option: option.points).code
    if kind is QuestionType.MULTI_CHOICE:
        plain = frozenset(option.code for option in question.options if not option.exclusive)
        exclusive = [option.code for option in question.options if option.exclusive]
        return plain if best or not exclusive else frozenset(exclusive[:1])
    if kind is QuestionType.YES_NO:
        return pick(question.options, key=lambda option: option.points).code == "yes"
    if kind in (QuestionType.NUMBER, QuestionType.PERCENT):
        return float(pick(question.points_by_value, key=lambda step: step.points).at_least)
    return None


def answer_set(framework: Framework, case: dict[str, Any]) -> dict[str, Answer]:
    """`base: worst | best` answers every question at that extreme first; `answers` then set or override."""
    answers: dict[str, Answer] = {}
    if case.get("base") in ("worst", "best"):
        for question in framework.questions:
            value = extreme_value(question, case["base"] == "best")
            if value is not None:
                answers[question.code] = Answer.of(value)
    for code, raw in (case.get("answers") or {}).items():
        answers[code] = typed_answer(framework, code, raw)
    return answers


def evidence_of(framework: Framework, case: dict[str, Any]) -> frozenset[str]:
    """`evidence: all` gives every question with an evidence threshold its evidence."""
    written = case.get("evidence") or ()
    if written == "all":
        return frozenset(q.code for q in framework.questions if q.evidence_threshold is not None)
    return frozenset(written)


def custom_initiatives(case: dict[str, Any]) -> tuple[Initiative, ...]:
    """Custom initiatives written in the framework format, checked by the loader: appended to the framework's
    own file, loaded, and taken back out (so their conditions are resolved exactly as the catalogue's)."""
    written = case.get("custom_initiatives") or []
    if not written:
        return ()
    document = yaml.safe_load((ROOT / case["framework"]).read_text(encoding="utf-8"))
    document["initiatives"].extend(written)
    extended = load_framework_text(yaml.safe_dump(document, allow_unicode=True), "custom.yaml")
    return tuple(extended.initiative(initiative["code"]) for initiative in written)


def parameters(raw: dict[str, Any]) -> PlanningParameters:
    start = YearMonth.parse(raw["start"])
    horizon = int(raw.get("horizon_months", 36))
    if "office_size" in raw:
        return PlanningParameters.for_office(start, raw["office_size"], horizon)
    return PlanningParameters(
        start,
        horizon,
        tuple(raw.get("phase_bounds") or default_phase_bounds(horizon)),
        tuple(float(capacity) for capacity in raw["capacity"]),
    )


@functools.cache
def framework_at(relative: str) -> Framework:
    return load_framework(ROOT / relative)


@functools.cache
def load_case(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def planned_case(path: Path) -> Plan:
    """Each case is planned once per run (plans are immutable); the tests read it from several sides."""
    return run_case(load_case(path))


def run_case(case: dict[str, Any]) -> Plan:
    framework = framework_at(case["framework"])
    result = score(
        framework,
        answer_set(framework, case),
        evidence=evidence_of(framework, case),
        targets=case.get("targets") or {},
        guidance=False,
        profile=case.get("profile") or {},
    )
    today = case.get("today")
    return plan(
        framework,
        result,
        parameters(case["parameters"]),
        custom_initiatives=custom_initiatives(case),
        include=case.get("include") or (),
        today=dt.date.fromisoformat(str(today)) if today is not None else None,
    )


@pytest.fixture(params=CASES, ids=[path.stem for path in CASES])
def case_path(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def test_there_are_golden_roadmaps_on_both_frameworks() -> None:
    frameworks = [load_case(path)["framework"] for path in CASES]
    assert frameworks.count(SHIPPED) >= 3
    assert len(CASES) - frameworks.count(SHIPPED) >= 3


def described(item_plan: Plan) -> list[dict[str, Any]]:
    """Each item as the golden files write it (only what applies)."""
    rows = []
    for item in item_plan.items:
        row: dict[str, Any] = {
            "code": item.code,
            "origin": item.origin.value,
            "priority": item.priority,
            "status": item.status.value,
        }
        if item.schedule_priority != item.priority:
            row["schedule_priority"] = item.schedule_priority
        if item.start is not None:
            row["months"] = [item.start, item.end]
            row["quarters"] = [item.start_quarter, item.end_quarter]
            row["phases"] = [item.phase, item.end_phase]
        if item.reason is not None:
            row["reason"] = item.reason.value
        if item.blocked_by:
            row["blocked_by"] = list(item.blocked_by)
        if item.deadline_status is not None:
            row["deadline"] = item.deadline_status.value
        if item.needed_by and not item.triggered:
            row["needed_by"] = list(item.needed_by)
        rows.append(row)
    return rows


def test_golden_roadmap_is_planned_as_worked_out(case_path: Path) -> None:
    planned = planned_case(case_path)
    expected = load_case(case_path)["expected"]
    assert described(planned) == expected["items"]
    assert [round(phase.load, 3) for phase in planned.phases] == expected["loads"]
    trajectory = [
        {
            "completed": list(point.completed),
            "index": point.index,
            "level": point.level,
            "levels": point.levels(),
        }
        for point in planned.trajectory
    ]
    assert trajectory == expected["trajectory"]
    assert [[warning.code, warning.initiative] for warning in planned.warnings] == expected["warnings"]
    assert list(planned.not_proposed) == expected["not_proposed"]
    if "obligations" in expected:
        # Listed apart from recommendations, each with its source: [code, kind, source, due, overdue since].
        assert [
            [item.code, item.obligation.kind, item.obligation.source, item.obligation.due, item.overdue_since]
            for item in planned.obligations()
            if item.obligation is not None
        ] == expected["obligations"]
        assert [item.code for item in planned.recommendations()] == expected["recommendations"]


def test_golden_roadmap_rationales_are_the_triggers_that_hold(case_path: Path) -> None:
    planned = planned_case(case_path)
    for item in planned.items:
        assert item.rationale.holds is item.triggered, item.code
        if item.triggered:
            assert item.rationale.reasons(), item.code


def test_golden_roadmap_survives_a_snapshot(case_path: Path) -> None:
    planned = planned_case(case_path)
    assert plan_from_dict(plan_to_dict(planned)) == planned
