"""Stage 4, project: the phases with the load placed in each, and the trajectory.

Trajectory
    After each phase: the scoring what-if (``project_with_initiatives``) with every initiative scheduled to
    end by the end of that phase: the office's answers with those initiatives' effects, scored again by the
    same scorer (gates, weights, evidence rules and bands included): projected levels, scores and index.
"""

from __future__ import annotations

from roadmap.engine.framework import Framework
from roadmap.engine.planner.parameters import PlanningParameters
from roadmap.engine.planner.results import PhaseLoad, TrajectoryPoint
from roadmap.engine.planner.schedule import Schedule
from roadmap.engine.scoring import ScoreResult, project_with_initiatives


def phase_loads(scheduled: Schedule, params: PlanningParameters) -> tuple[PhaseLoad, ...]:
    """Each phase with its capacity, the load placed in it and the initiatives with a month in it."""
    start_of, end_of = scheduled.start_of, scheduled.end_of
    placed = sorted(start_of, key=lambda code: (start_of[code], scheduled.order.index(code)))
    bounds = params.phase_bounds
    phases: list[PhaseLoad] = []
    for phase in range(params.phase_count):
        low, high = bounds[phase], bounds[phase + 1]
        phases.append(
            PhaseLoad(
                index=phase,
                start=low,
                end=high,
                first_month=params.start.plus(low),
                last_month=params.start.plus(high - 1),
                capacity=float(params.capacity[phase]),
                load=float(scheduled.loads[phase]),
                initiatives=tuple(c for c in placed if start_of[c] < high and end_of[c] > low),
            )
        )
    return tuple(phases)


def trajectory(
    scheduled: Schedule, params: PlanningParameters, framework: Framework, result: ScoreResult
) -> tuple[TrajectoryPoint, ...]:
    """The projected maturity at the end of each phase; `framework` knows every scheduled initiative (custom
    ones included)."""
    points = []
    for phase in range(params.phase_count):
        end = params.phase_bounds[phase + 1]
        done = tuple(sorted(code for code in scheduled.start_of if scheduled.end_of[code] <= end))
        points.append(TrajectoryPoint(phase, end, done, project_with_initiatives(framework, result, done)))
    return tuple(points)
