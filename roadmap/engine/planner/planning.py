"""plan(): the four stages in order (select, prioritise, schedule, project) after the inputs are checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from roadmap.engine.framework import Framework, Initiative
from roadmap.engine.planner.catalogue import check_acyclic, check_custom, extended
from roadmap.engine.planner.parameters import PlanningError, PlanningParameters, validate_parameters
from roadmap.engine.planner.prioritise import prioritise
from roadmap.engine.planner.project import phase_loads, trajectory
from roadmap.engine.planner.results import PLANNER_VERSION, Plan
from roadmap.engine.planner.schedule import items_of, schedule
from roadmap.engine.planner.select import select
from roadmap.engine.scoring import ScoreResult


def plan(
    framework: Framework,
    result: ScoreResult,
    params: PlanningParameters,
    *,
    custom_initiatives: Iterable[Initiative] = (),
    include: Iterable[str] = (),
    today: dt.date | None = None,
) -> Plan:
    """Plan the initiatives that `result` calls for (see roadmap.engine.planner). Raises PlanningError.

    `custom_initiatives` join the catalogue (codes must not clash; prerequisites must exist; no cycle);
    `include` names initiatives to plan even if their trigger does not hold; `today` (default: the first
    day of the start month) tells deadlines that have passed already.
    """
    validate_parameters(params)
    if result.framework_id != framework.id or result.framework_version != framework.version:
        raise PlanningError(
            "result_mismatch",
            {
                "result_framework": result.framework_id,
                "result_version": result.framework_version,
                "framework": framework.id,
                "version": framework.version,
            },
        )
    custom = tuple(custom_initiatives)
    check_custom(framework, custom)
    catalogue: dict[str, Initiative] = {i.code: i for i in (*framework.initiatives, *custom)}
    check_acyclic(catalogue)
    included = tuple(dict.fromkeys(include))
    for code in included:
        if code not in catalogue:
            raise PlanningError("initiative_unknown", {"initiative": code})
    if isinstance(today, dt.datetime):
        today = today.date()
    reference_day = today if today is not None else params.start.first_day

    selection = select(catalogue, result, included, params, reference_day)
    prioritise(selection.candidates, catalogue, framework, result)
    scheduled = schedule(selection.candidates, catalogue, params)
    items, warnings = items_of(scheduled, selection.candidates, params, reference_day)
    return Plan(
        framework_id=framework.id,
        framework_version=framework.version,
        engine_version=PLANNER_VERSION,
        parameters=params,
        today=reference_day,
        items=items,
        phases=phase_loads(scheduled, params),
        trajectory=trajectory(scheduled, params, extended(framework, custom), result),
        warnings=warnings,
        not_proposed=selection.not_proposed,
    )
