"""Stage 2, prioritise: each initiative's priority, and the urgency a prerequisite inherits from its
dependants.

Priority (per initiative, shown and used to order the schedule)
    ``priority = (((1 + g)² − 1) × s + m) / √max(1, e)``, rounded half-up to 3 decimals (the formula and its
    terms are explained in roadmap.engine.planner).

Inherited urgency
    An enabler inherits the earliest deadline and the highest priority of the initiatives that need it
    (transitively), so that what a mandatory initiative waits for is placed with it. A legal deadline is in
    force for a mandatory initiative that is triggered or included, not for an enabler.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from roadmap.engine.exact import dec
from roadmap.engine.framework import Framework, Initiative
from roadmap.engine.planner.select import Candidate
from roadmap.engine.scoring import ScoreResult

MANDATORY_BONUS = 8

_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)
_PRIORITY_STEP = Decimal("0.001")


def priority_of(
    initiative: Initiative, framework: Framework, gaps: Mapping[str, int], *, mandatory: bool | None = None
) -> tuple[float, str, int]:
    """(priority, dimension, gap) by the formula in roadmap.engine.planner; `gaps` by dimension code; the
    dimensions an initiative improves are those its effects change (or, without effects, it `raises`)."""
    order = {dimension.code: i for i, dimension in enumerate(framework.dimensions)}
    raised = sorted(
        set(initiative.dimensions()),
        key=lambda code: (-gaps.get(code, 0), -framework.dimension(code).weight, order[code]),
    )
    dimension = raised[0]
    gap = max(0, gaps.get(dimension, 0))
    with localcontext(_CONTEXT):
        total = sum((dec(d.weight) for d in framework.dimensions), Decimal(0))
        share = dec(framework.dimension(dimension).weight) * len(framework.dimensions) / total
        value = Decimal((1 + gap) ** 2 - 1) * share
        if initiative.mandatory if mandatory is None else mandatory:
            value += MANDATORY_BONUS
        effort_factor = max(Decimal(1), dec(initiative.effort_person_months)).sqrt()
        priority = (value / effort_factor).quantize(_PRIORITY_STEP, ROUND_HALF_UP)
    return float(priority), dimension, gap


def prioritise(
    candidates: Mapping[str, Candidate],
    catalogue: Mapping[str, Initiative],
    framework: Framework,
    result: ScoreResult,
) -> None:
    """Give each candidate its priority (by the gaps of `result`) and the urgency it inherits."""
    gaps = {dimension.code: dimension.gap for dimension in result.dimensions}
    for candidate in candidates.values():
        candidate.priority, candidate.dimension, candidate.gap = priority_of(
            candidate.initiative, framework, gaps, mandatory=candidate.mandatory
        )
    inherit_urgency(candidates, catalogue)


def deadline_in_force(candidate: Candidate) -> dt.date | None:
    """The legal deadline the plan must meet: that of an obligation that applies to the office; none for an
    enabler (roadmap.engine.planner, "Deadlines")."""
    return candidate.deadline


def inherit_urgency(candidates: Mapping[str, Candidate], catalogue: Mapping[str, Initiative]) -> None:
    """Set each candidate's schedule priority and deadline: its own, or the higher priority and the earlier
    deadline of the candidates that need it, transitively (dependants first: reverse topological order)."""
    topological: list[str] = []
    seen: set[str] = set()

    def visit(code: str) -> None:
        seen.add(code)
        for prerequisite in catalogue[code].prerequisites:
            if prerequisite not in seen:
                visit(prerequisite)
        topological.append(code)

    for code in candidates:
        if code not in seen:
            visit(code)
    for code in reversed(topological):
        candidate = candidates[code]
        priority = candidate.priority
        deadline = deadline_in_force(candidate)
        overdue = candidate.overdue
        for dependant in candidate.needed_by:
            other = candidates[dependant]
            priority = max(priority, other.schedule_priority)
            overdue = overdue or other.schedule_overdue
            if other.schedule_deadline is not None and (
                deadline is None or other.schedule_deadline < deadline
            ):
                deadline = other.schedule_deadline
        candidate.schedule_priority = priority
        candidate.schedule_deadline = deadline
        candidate.schedule_overdue = overdue


def urgency(candidate: Candidate, code: str) -> tuple[int, dt.date, float, str]:
    """The scheduling order among ready initiatives (smallest first): an obligation already overdue first
    (by priority: a past date is never a sort key, 2018 is not "more urgent" than 2024); then a deadline
    still ahead, earliest first; then the highest priority; then the code."""
    if candidate.schedule_overdue:
        return (0, dt.date.max, -candidate.schedule_priority, code)
    deadline = candidate.schedule_deadline
    return (1 if deadline is not None else 2, deadline or dt.date.max, -candidate.schedule_priority, code)
