"""Every snapshot the demo stores (score snapshots, roadmap plans and their basis results) reads back through
the engine's snapshot conversion and re-encodes to the same JSON, byte for byte after key sorting; a frozen
result reads back identical to what the engine computes for its assessment today."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from roadmap.engine.planner import plan_from_dict, plan_to_dict
from roadmap.engine.scoring import result_from_dict, result_to_dict
from roadmap.extensions import db
from roadmap.models import Assessment, AssessmentStatus, RoadmapPlan, ScoreSnapshot
from roadmap.services.survey import results


@pytest.fixture
def demo(app, tmp_path):
    app.instance_path = str(tmp_path)
    outcome = app.test_cli_runner().invoke(args=["demo", "load"])
    assert outcome.exit_code == 0, outcome.output


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def test_every_stored_snapshot_of_the_demo_reads_back_and_re_encodes_byte_for_byte(app, demo):
    snapshots = db.session.scalars(select(ScoreSnapshot).order_by(ScoreSnapshot.id)).all()
    plans = db.session.scalars(select(RoadmapPlan).order_by(RoadmapPlan.id)).all()
    assert len(snapshots) >= 10
    assert len(plans) >= 10
    for snapshot in snapshots:
        read = result_from_dict(snapshot.result)
        assert canonical(result_to_dict(read)) == canonical(snapshot.result)
        assert result_from_dict(json.loads(canonical(result_to_dict(read)))) == read
    for row in plans:
        plan = plan_from_dict(row.plan)
        assert canonical(plan_to_dict(plan)) == canonical(row.plan)
        assert plan_from_dict(json.loads(canonical(plan_to_dict(plan)))) == plan
        basis = result_from_dict(row.basis_result)
        assert canonical(result_to_dict(basis)) == canonical(row.basis_result)


def test_a_frozen_result_reads_back_identical_to_the_engines_result(app, demo):
    frozen = db.session.scalars(
        select(Assessment).where(
            Assessment.status.in_([AssessmentStatus.APPROVED.value, AssessmentStatus.PUBLISHED.value])
        )
    ).all()
    assert len(frozen) >= 10
    for assessment in frozen:
        snapshot = results.latest_snapshot(assessment)
        assert snapshot is not None
        assert result_from_dict(snapshot.result) == results.live_score(assessment, guidance=True).result
