"""Snapshots keep their stored JSON shape: every golden case's result and plan encodes, byte for byte after
key sorting, to the file in tests/golden/snapshots, and the file reads back equal to what the engine computes.

The files were written by the hand-made converters of commit 35ccf17 (before snapshots went through
pydantic), so they are the shape that databases hold today.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from roadmap.engine.planner import Plan, plan_from_dict, plan_to_dict
from roadmap.engine.scoring import ScoreResult, result_from_dict, result_to_dict, score
from tests.engine import test_planner_golden as roadmap_golden
from tests.engine import test_scoring_golden as scoring_golden

SNAPSHOTS = Path(__file__).resolve().parents[1] / "golden" / "snapshots"


def stored(document: dict[str, Any]) -> str:
    """The canonical text of a stored snapshot: keys sorted, as the golden files are written."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def golden_results() -> list[tuple[str, ScoreResult]]:
    cases = []
    for path in scoring_golden.CASES:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases.append((f"scoring-{path.stem}", scoring_golden.run_case(case)[-1]))
    for path in roadmap_golden.CASES:
        case = roadmap_golden.load_case(path)
        if case["framework"] != roadmap_golden.SHIPPED:
            continue
        framework = roadmap_golden.framework_at(case["framework"])
        result = score(
            framework,
            roadmap_golden.answer_set(framework, case),
            evidence=roadmap_golden.evidence_of(framework, case),
            targets=case.get("targets") or {},
            guidance=True,
        )
        cases.append((f"scoring-of-roadmap-{path.stem}", result))
    return cases


def golden_plans() -> list[tuple[str, Plan]]:
    return [(f"roadmap-{path.stem}", roadmap_golden.planned_case(path)) for path in roadmap_golden.CASES]


def test_every_snapshot_file_belongs_to_a_golden_case() -> None:
    assert sorted(path.stem for path in SNAPSHOTS.glob("*.json")) == sorted([*RESULTS, *PLANS])


RESULTS = dict(golden_results())
PLANS = dict(golden_plans())


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_a_result_encodes_to_its_stored_shape_and_reads_back_identical(name: str) -> None:
    result = RESULTS[name]
    text = (SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8")
    assert stored(result_to_dict(result)) == text
    read = result_from_dict(json.loads(text))
    assert read == result
    assert stored(result_to_dict(read)) == text


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_plan_encodes_to_its_stored_shape_and_reads_back_identical(name: str) -> None:
    plan = PLANS[name]
    text = (SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8")
    assert stored(plan_to_dict(plan)) == text
    read = plan_from_dict(json.loads(text))
    assert read == plan
    assert stored(plan_to_dict(read)) == text


OLD_SNAPSHOTS = sorted((SNAPSHOTS / "engine-1.0.0").glob("*.json"))


def test_snapshots_of_engine_1_0_0_are_kept() -> None:
    # The eight results and six plans that the golden cases of engine 1.0.0 stored.
    assert len(OLD_SNAPSHOTS) == 14


@pytest.mark.parametrize("path", OLD_SNAPSHOTS, ids=[path.stem for path in OLD_SNAPSHOTS])
def test_a_snapshot_of_engine_1_0_0_reads_back_with_its_own_version_and_figures(path: Path) -> None:
    """Approved results keep the engine version they were scored with: reading one never re-scores it."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if path.stem.startswith("roadmap-"):
        plan = plan_from_dict(document)
        assert plan.engine_version == document["engine_version"] == "1.0.0"
        assert [point.index for point in plan.trajectory] == [
            point["projection"]["index"] for point in document["trajectory"]
        ]
        assert plan_from_dict(plan_to_dict(plan)) == plan
        return
    result = result_from_dict(document)
    assert result.engine_version == document["engine_version"] == "1.0.0"
    assert result.index == document["index"]
    for dimension, stored_dimension in zip(result.dimensions, document["dimensions"], strict=True):
        # Scored before gates reached the index: no raw score beside the score, nothing capped.
        stored_score = stored_dimension["score"]
        assert (dimension.score, dimension.raw_score, dimension.capped_by) == (stored_score, None, None)
    assert result_from_dict(result_to_dict(result)) == result
