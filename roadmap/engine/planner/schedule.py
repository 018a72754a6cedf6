"""Stage 3, schedule: list scheduling under exact capacity, then what the schedule means for each initiative.

Capacity model
    Capacity is given per phase in person-months. An initiative's effort is spread evenly over its duration:
    each of its months carries ``effort / duration`` person-months, and a phase's load is the sum over the
    initiatives' months that fall in it. A phase's load never exceeds its capacity. Arithmetic is exact:
    loads are counted in integer units of the common denominator of every effort and capacity.

List scheduling (one initiative at a time, in the order of roadmap.engine.planner.prioritise.urgency)
    An initiative is ready when all its prerequisites have been handled. It starts at the first month, from
    the month after all its prerequisites end, at which it fits the remaining capacity of every phase its
    months fall in, and must end within the horizon; otherwise it is *not fitting* (reason ``horizon``,
    ``capacity``, or ``prerequisite`` for everything that needs an initiative that did not fit).

Items (see roadmap.engine.planner, "Deadlines")
    Each candidate becomes a PlanItem with its months, quarters and phases, or its reason for not fitting;
    a deadline in force is met, late or overdue, and every miss and every initiative not fitting is a
    warning.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from roadmap.engine.framework import Initiative
from roadmap.engine.planner.parameters import PlanningParameters
from roadmap.engine.planner.prioritise import deadline_in_force, urgency
from roadmap.engine.planner.results import (
    DeadlineStatus,
    ItemStatus,
    NotFittingReason,
    ObligationTerm,
    Origin,
    PlanItem,
    PlanWarning,
)
from roadmap.engine.planner.select import Candidate, due_date


@dataclass(frozen=True, slots=True)
class Schedule:
    """Where list scheduling put each candidate: months [start, end) of the placed ones, the reason (and the
    prerequisites that did not fit) of the others, the order they were taken in, and each phase's load."""

    order: tuple[str, ...]
    start_of: Mapping[str, int]
    end_of: Mapping[str, int]
    failed: Mapping[str, tuple[NotFittingReason, tuple[str, ...]]]
    loads: tuple[Fraction, ...]  # person-months placed per phase, exactly


def _scale(values: Iterable[Fraction]) -> int:
    """The least common multiple of the denominators: the unit that makes every value an integer."""
    unit = 1
    for value in values:
        unit = unit * value.denominator // math.gcd(unit, value.denominator)
    return unit


def schedule(
    candidates: Mapping[str, Candidate], catalogue: Mapping[str, Initiative], params: PlanningParameters
) -> Schedule:
    """Place the candidates, most urgent ready one first, each at its first month with room for it."""
    horizon = params.horizon_months
    phase_of_month = params.month_phases()
    monthly = {
        code: Fraction(str(c.initiative.effort_person_months)) / c.initiative.duration_months
        for code, c in candidates.items()
    }
    capacities = [Fraction(str(capacity)) for capacity in params.capacity]
    unit = _scale([*monthly.values(), *capacities])
    monthly_units = {code: int(value * unit) for code, value in monthly.items()}
    room = [int(capacity * unit) for capacity in capacities]

    def overlaps(start: int, duration: int) -> list[tuple[int, int]]:
        """(phase, months of [start, start + duration) in it)."""
        counts: dict[int, int] = {}
        for month in range(start, start + duration):
            phase = phase_of_month[month]
            counts[phase] = counts.get(phase, 0) + 1
        return sorted(counts.items())

    start_of: dict[str, int] = {}
    end_of: dict[str, int] = {}
    failed: dict[str, tuple[NotFittingReason, tuple[str, ...]]] = {}
    order: list[str] = []
    waiting = {code: len(set(catalogue[code].prerequisites)) for code in candidates}
    ready = [code for code in candidates if waiting[code] == 0]
    while ready:
        code = min(ready, key=lambda ready_code: urgency(candidates[ready_code], ready_code))
        ready.remove(code)
        order.append(code)
        initiative = catalogue[code]
        prerequisites = tuple(dict.fromkeys(initiative.prerequisites))
        blocked = tuple(p for p in prerequisites if p in failed)
        if blocked:
            failed[code] = (NotFittingReason.PREREQUISITE, blocked)
        else:
            earliest = max((end_of[p] for p in prerequisites), default=0)
            duration = initiative.duration_months
            if earliest + duration > horizon:
                failed[code] = (NotFittingReason.HORIZON, ())
            else:
                load = monthly_units[code]
                for start in range(earliest, horizon - duration + 1):
                    spread = overlaps(start, duration)
                    if all(room[phase] >= load * months for phase, months in spread):
                        for phase, months in spread:
                            room[phase] -= load * months
                        start_of[code] = start
                        end_of[code] = start + duration
                        break
                else:
                    failed[code] = (NotFittingReason.CAPACITY, ())
        for dependant in candidates[code].needed_by:
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                ready.append(dependant)
    loads = tuple(
        Fraction(int(capacity * unit) - left, unit) for capacity, left in zip(capacities, room, strict=True)
    )
    return Schedule(tuple(order), start_of, end_of, failed, loads)


def items_of(
    scheduled: Schedule,
    candidates: Mapping[str, Candidate],
    params: PlanningParameters,
    reference_day: dt.date,
) -> tuple[tuple[PlanItem, ...], tuple[PlanWarning, ...]]:
    """Every candidate as a plan item in scheduling order, and the warnings: deadlines missed (overdue when
    the deadline had passed before `reference_day` or before the plan starts, else late) and initiatives
    not fitting."""
    horizon = params.horizon_months
    phase_of_month = params.month_phases()
    start_of, end_of, failed = scheduled.start_of, scheduled.end_of, scheduled.failed
    start_month = params.start
    items: list[PlanItem] = []
    warnings: list[PlanWarning] = []
    horizon_end_day = start_month.plus(horizon - 1).last_day
    for rank, code in enumerate(scheduled.order):
        candidate = candidates[code]
        initiative = candidate.initiative
        deadline = deadline_in_force(candidate)
        obligation = initiative.obligation
        term = (
            ObligationTerm(str(obligation.kind), obligation.source, deadline)
            if obligation is not None and candidate.mandatory and candidate.origin is not Origin.ENABLER
            else None
        )
        common: dict[str, Any] = {
            "code": code,
            "origin": candidate.origin,
            "rationale": candidate.rationale,
            "needed_by": tuple(candidate.needed_by),
            "prerequisites": tuple(dict.fromkeys(initiative.prerequisites)),
            "mandatory": candidate.mandatory,
            "deadline": due_date(initiative, params) if candidate.mandatory else None,
            "obligation": term,
            "duration_months": initiative.duration_months,
            "effort_person_months": float(initiative.effort_person_months),
            "priority": candidate.priority,
            "priority_dimension": candidate.dimension,
            "priority_gap": candidate.gap,
            "schedule_priority": candidate.schedule_priority,
            "schedule_deadline": candidate.schedule_deadline,
            "rank": rank,
        }
        overdue = candidate.overdue
        if code in start_of:
            start, end = start_of[code], end_of[code]
            first, last = start_month.plus(start), start_month.plus(end - 1)
            deadline_status: DeadlineStatus | None = None
            if deadline is not None:
                if last.last_day <= deadline:
                    deadline_status = DeadlineStatus.MET
                else:
                    deadline_status = DeadlineStatus.OVERDUE if overdue else DeadlineStatus.LATE
            missed = deadline_status in (DeadlineStatus.LATE, DeadlineStatus.OVERDUE)
            items.append(
                PlanItem(
                    **common,
                    status=ItemStatus.DEADLINE_MISSED if missed else ItemStatus.SCHEDULED,
                    start=start,
                    end=end,
                    first_month=first,
                    last_month=last,
                    start_quarter=first.quarter_label,
                    end_quarter=last.quarter_label,
                    phase=phase_of_month[start],
                    end_phase=phase_of_month[end - 1],
                    deadline_status=deadline_status,
                )
            )
            if missed and deadline is not None:
                warnings.append(
                    PlanWarning(
                        "deadline_overdue" if overdue else "deadline_late",
                        code,
                        (("deadline", deadline.isoformat()), ("last_month", str(last))),
                    )
                )
        else:
            reason, blocked = failed[code]
            deadline_status = None
            if deadline is not None and (overdue or deadline <= horizon_end_day):
                deadline_status = DeadlineStatus.OVERDUE if overdue else DeadlineStatus.LATE
            items.append(
                PlanItem(
                    **common,
                    status=ItemStatus.NOT_FITTING,
                    reason=reason,
                    blocked_by=blocked,
                    deadline_status=deadline_status,
                )
            )
            detail: tuple[tuple[str, str], ...] = ()
            if reason is NotFittingReason.PREREQUISITE:
                detail = (("prerequisites", ", ".join(blocked)),)
            elif reason is NotFittingReason.HORIZON:
                earliest = max((end_of.get(p, 0) for p in initiative.prerequisites), default=0)
                detail = (("earliest_start", str(earliest)), ("duration", str(initiative.duration_months)))
            warnings.append(PlanWarning(f"not_fitting_{reason.value}", code, detail))
            if deadline is not None and deadline_status is not None:
                warnings.append(
                    PlanWarning(
                        "deadline_overdue" if overdue else "deadline_late",
                        code,
                        (("deadline", deadline.isoformat()),),
                    )
                )

    return tuple(items), tuple(warnings)
