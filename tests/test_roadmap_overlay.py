"""The approved roadmap as the overlay computes it from a plan and edits (pure: no database, no request)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from roadmap.engine.answers import Answer
from roadmap.engine.loader import load_framework
from roadmap.engine.overlay import (
    Edit,
    EffectiveStatus,
    Inapplicable,
    overlay,
    quarter_start,
    quarters_of,
)
from roadmap.engine.planner import DeadlineStatus, PlanningParameters, YearMonth, plan
from roadmap.engine.scoring import project_with_initiatives, score
from roadmap.models import RoadmapEditKind as K

SMALL = load_framework(Path(__file__).resolve().parent / "fixtures" / "frameworks" / "small.yaml")
CATALOGUE = {initiative.code: initiative for initiative in SMALL.initiatives}
WORST = score(
    SMALL,
    {
        "NW-01": Answer.of("a"),
        "NW-02": Answer.of(100.0),
        "NW-03": Answer.of(0.0),
        "NW-04": Answer.of(False),
        "CY-01": Answer.of("l1"),
        "CY-02": Answer.of(frozenset({"none"})),
        "CY-03": Answer.of(False),
        "PP-01": Answer.of(0.0),
        "PP-02": Answer.of("basic"),
        "PP-04": Answer.of(0.0),
    },
)
# 2027, two half-year phases of 6 person-months: K02 (Q1–Q2), K01, K03, K04 after it.
PLAN = plan(
    SMALL,
    WORST,
    PlanningParameters(YearMonth(2027, 1), 12, (0, 6, 12), (6.0, 6.0)),
    today=dt.date(2026, 11, 15),
)


def edit(seq, kind, initiative=None, **payload):
    return Edit(seq, kind, initiative, payload, reason=f"reason {seq}", author="Chuyên gia")


def project(codes):
    return project_with_initiatives(SMALL, WORST, codes)


def test_without_edits_the_approved_roadmap_is_the_proposed_one():
    roadmap = overlay(PLAN, [], CATALOGUE, project)
    placed = {item.code: (item.start, item.end) for item in roadmap.items if item.placed}
    assert placed == {item.code: (item.start, item.end) for item in PLAN.items if item.start is not None}
    assert [phase.load for phase in roadmap.phases] == [phase.load for phase in PLAN.phases]
    assert [p.projection for p in roadmap.trajectory] == [p.projection for p in PLAN.trajectory]
    assert roadmap.outcomes == ()


def test_moving_past_a_deadline_and_before_a_prerequisite_is_reported():
    roadmap = overlay(
        PLAN,
        [edit(1, K.MOVE, "K02", quarter="2027-Q3"), edit(2, K.MOVE, "K03", quarter="2027-Q2")],
        CATALOGUE,
    )
    k02, k03 = roadmap.item("K02"), roadmap.item("K03")
    assert (k02.start_quarter, k02.end_quarter) == ("2027-Q3", "2027-Q4")
    assert k02.status is EffectiveStatus.DEADLINE_MISSED  # K02 must be done by 2027-06-30
    assert k02.deadline_status is DeadlineStatus.LATE
    assert [(f.code, f.other) for f in k03.findings] == [("prerequisite_overlaps", "K02")]
    assert k03.moved_by.reason == "reason 2"


def test_a_move_is_exact_about_quarters_and_the_horizon():
    assert quarters_of(PLAN) == ("2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4")
    assert quarter_start(PLAN, "2027-Q2") == 3
    assert quarter_start(PLAN, "2028-Q1") is None
    assert quarter_start(PLAN, "nonsense") is None
    roadmap = overlay(PLAN, [edit(1, K.MOVE, "K04", quarter="2028-Q1")], CATALOGUE)
    assert roadmap.outcomes[0].inapplicable is Inapplicable.OUTSIDE_HORIZON
    late = overlay(PLAN, [edit(1, K.MOVE, "K03", quarter="2027-Q4")], CATALOGUE)  # 4 months from October
    assert [f.code for f in late.item("K03").findings] == ["after_horizon"]


def test_a_phase_over_capacity_is_flagged_exactly():
    everything_first = [
        edit(seq, K.MOVE, code, quarter="2027-Q1") for seq, code in enumerate(["K01", "K03", "K04"], 1)
    ]
    roadmap = overlay(PLAN, everything_first, CATALOGUE)
    first = roadmap.phases[0]
    assert first.load == pytest.approx(4.5 + 2 + 3 + 1)
    assert first.over_capacity
    assert not roadmap.phases[1].over_capacity


def test_a_removed_initiative_stays_listed_but_does_no_work():
    roadmap = overlay(PLAN, [edit(1, K.REMOVE, "K01")], CATALOGUE, project)
    k01 = roadmap.item("K01")
    assert k01.removed
    assert k01.status is EffectiveStatus.REMOVED
    assert all("K01" not in phase.initiatives for phase in roadmap.phases)
    assert all("K01" not in point.completed for point in roadmap.trajectory)
    again = overlay(PLAN, [edit(1, K.REMOVE, "K01"), edit(2, K.REMOVE, "K01")], CATALOGUE)
    assert again.outcomes[1].inapplicable is Inapplicable.ALREADY_REMOVED


def test_reorders_apply_last_in_the_order_made():
    base = [item.code for item in overlay(PLAN, [], CATALOGUE).items]
    roadmap = overlay(
        PLAN, [edit(1, K.REORDER, base[-1], position=1), edit(2, K.REORDER, base[0], position=99)], CATALOGUE
    )
    assert [item.code for item in roadmap.items] == [base[-1], *base[1:-1], base[0]]
    assert [item.position for item in roadmap.items] == [1, 2, 3, 4]


def test_edits_that_no_longer_find_their_initiative_are_reported_not_dropped():
    edits = [
        edit(1, K.NOTE, None, text="Cả lộ trình"),
        edit(2, K.NOTE, "K99", text="Gone"),
        edit(3, K.ADD, "K01"),  # the planner proposes K01 by itself
        edit(4, K.ADD_CUSTOM, "X-1", code="X-1"),
        edit(5, K.ADD_CUSTOM, "X-1", code="X-1"),
    ]
    roadmap = overlay(PLAN, edits, CATALOGUE)
    outcomes = {outcome.edit.seq: outcome.inapplicable for outcome in roadmap.outcomes}
    assert outcomes == {
        1: None,
        2: Inapplicable.NOT_IN_PLAN,
        3: Inapplicable.ALREADY_PROPOSED,
        4: Inapplicable.SUPERSEDED,
        5: Inapplicable.NOT_IN_PLAN,  # X-1 is not in this plan (it was made without it)
    }
    assert [note.payload["text"] for note in roadmap.notes] == ["Cả lộ trình"]
