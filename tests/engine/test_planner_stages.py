"""The planner's stages one by one (select → prioritise → schedule → project), on small.yaml: what each stage
decides, apart from the whole plan that tests/engine/test_planner.py and the golden roadmaps check."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from roadmap.engine.planner import NotFittingReason, Origin, PlanningParameters, YearMonth
from roadmap.engine.planner.prioritise import prioritise, urgency
from roadmap.engine.planner.project import phase_loads, trajectory
from roadmap.engine.planner.schedule import items_of, schedule
from roadmap.engine.planner.select import select
from tests.engine.test_planner import BEST_RESULT, SMALL, START, WORST_RESULT

CATALOGUE = {initiative.code: initiative for initiative in SMALL.initiatives}
ROOMY = PlanningParameters(START, 12, (0, 6, 12), (30.0, 30.0))


def test_select_takes_what_triggers_what_is_included_and_their_prerequisites() -> None:
    selection = select(CATALOGUE, BEST_RESULT, ("K04",), ROOMY)
    origins = {code: candidate.origin for code, candidate in selection.candidates.items()}
    # Nothing triggers on the best answers; K04 is asked for, and pulls K03, which pulls K02.
    assert origins == {"K02": Origin.ENABLER, "K03": Origin.ENABLER, "K04": Origin.INCLUDED}
    assert selection.candidates["K02"].needed_by == ["K03"]
    assert selection.not_proposed == ("K01",)
    assert not selection.candidates["K04"].rationale.holds  # the real "why not": its trigger's trace


def test_prioritise_passes_the_urgency_of_what_needs_a_prerequisite_down_to_it() -> None:
    selection = select(CATALOGUE, WORST_RESULT, (), ROOMY)
    candidates = selection.candidates
    prioritise(candidates, CATALOGUE, SMALL, WORST_RESULT)
    for code, candidate in candidates.items():
        for dependant in candidate.needed_by:
            assert candidate.schedule_priority >= candidates[dependant].schedule_priority, (code, dependant)
    # K02 is mandatory with a legal deadline: it goes before everything that has none.
    assert candidates["K02"].schedule_deadline == dt.date(2027, 6, 30)
    ready = [code for code in candidates if not CATALOGUE[code].prerequisites]
    assert min(ready, key=lambda code: urgency(candidates[code], code)) == "K02"


def test_schedule_never_exceeds_a_phase_s_capacity_and_reports_what_does_not_fit() -> None:
    tight = PlanningParameters(START, 12, (0, 6, 12), (2.0, 2.0))
    selection = select(CATALOGUE, WORST_RESULT, (), tight)
    prioritise(selection.candidates, CATALOGUE, SMALL, WORST_RESULT)
    placed = schedule(selection.candidates, CATALOGUE, tight)
    assert all(load <= Fraction(2) for load in placed.loads)
    for code, start in placed.start_of.items():
        for prerequisite in CATALOGUE[code].prerequisites:
            assert placed.end_of[prerequisite] <= start
    # K02 (4.5 person-months over 6 months) puts at least 3 of its months, 2.25, in one phase of capacity 2:
    # it fits nowhere, and K03 and K04, which need it, do not either.
    assert placed.failed["K02"] == (NotFittingReason.CAPACITY, ())
    assert placed.failed["K03"] == (NotFittingReason.PREREQUISITE, ("K02",))
    items, warnings = items_of(placed, selection.candidates, tight, START.first_day)
    assert [item.code for item in items] == list(placed.order)
    assert {warning.initiative for warning in warnings} >= {"K02", "K03", "K04"}


def test_project_loads_the_phases_and_projects_the_levels_after_each() -> None:
    selection = select(CATALOGUE, WORST_RESULT, (), ROOMY)
    prioritise(selection.candidates, CATALOGUE, SMALL, WORST_RESULT)
    placed = schedule(selection.candidates, CATALOGUE, ROOMY)
    phases = phase_loads(placed, ROOMY)
    placed_effort = sum(CATALOGUE[code].effort_person_months for code in placed.start_of)
    assert sum(phase.load for phase in phases) == placed_effort
    points = trajectory(placed, ROOMY, SMALL, WORST_RESULT)
    assert [point.end for point in points] == [6, 12]
    assert points[-1].completed == tuple(sorted(placed.start_of))
    first, last = points[0].levels(), points[-1].levels()
    assert all(last[code] >= first[code] for code in first)


def test_months_know_their_phase() -> None:
    params = PlanningParameters(YearMonth(2027, 1), 8, (0, 3, 8), (10.0, 10.0))
    assert params.month_phases() == (0, 0, 0, 1, 1, 1, 1, 1)
    assert [params.phase_of(month) for month in (0, 2, 3, 7, 8)] == [0, 0, 1, 1, None]
