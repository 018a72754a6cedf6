"""The roadmap planner: from a scoring result to a phased, dependency-ordered plan under capacity limits.

Pure and deterministic: it takes a framework, a scoring result and planning parameters and returns frozen
values; the same input gives the same plan bit for bit (every choice is ordered, ties broken by code; no
clock is read: "today" is an input). DESIGN.md §8; issue 6.

Stages (``planning.plan`` runs them in order, after the inputs are checked)
    ``select`` (the candidates and why), ``prioritise`` (priorities and inherited urgency), ``schedule``
    (list scheduling under capacity, then each item's months and deadline status), ``project`` (phase loads
    and the trajectory). Beside them: ``parameters`` (calendar, parameters), ``results`` (the plan),
    ``catalogue`` (custom initiatives checked), ``snapshots`` (plans as JSON and back).

Candidates
    An initiative is *triggered* when its trigger holds on the result; the condition's evaluation is kept as
    its rationale (the real "because", leaf by leaf). An initiative named in ``include`` (a consultant's
    addition) is *included* even if its trigger does not hold. Every prerequisite of a triggered or included
    initiative, transitively, joins as an *enabler*. Custom initiatives (``custom_initiatives``) join the
    catalogue on the same terms: proposed when their trigger holds or when included.

Priority (per initiative, shown and used to order the schedule)
    ``priority = (((1 + g)² − 1) × s + m) / √max(1, e)``, rounded half-up to 3 decimals, where

    * ``g`` is the largest gap (target − level, never negative) among the dimensions the initiative raises,
      and ``d`` that dimension (ties: the heavier dimension, then framework order). ``(1 + g)² − 1`` is
      OWASP SAMM's published weighting: 0, 3, 8, 15, 24 for gaps 0–4;
    * ``s = weight(d) × N / Σ weights`` is d's share of the index relative to an average dimension (N
      dimensions; 1.0 when all weigh the same; 0.8–1.2 in the shipped framework);
    * ``m = 8`` (``MANDATORY_BONUS``) for a mandatory initiative, else 0: a legal obligation weighs as much
      as a gap of 2 on an average dimension, so it is never last even when the office is at its target;
    * ``e`` is the effort in person-months; the square root favours quick wins without burying large
      initiatives (4 pm halves the value, 16 pm quarters it); efforts under 1 pm count as 1.

    Example: a mandatory initiative raising a dimension of weight 120 (of 1000, over 10 dimensions) with
    gap 1, effort 4 pm: ``(3 × 1.2 + 8) / √4 = 5.8``.

Capacity model
    Capacity is given per phase in person-months. An initiative's effort is spread evenly over its duration:
    each of its months carries ``effort / duration`` person-months, and a phase's load is the sum over the
    initiatives' months that fall in it (an initiative across a phase boundary loads both phases in
    proportion). A phase's load never exceeds its capacity. Arithmetic is exact (every effort and capacity
    is taken as the decimal it prints as, and loads are counted in integer units of their common
    denominator), so "never exceeded" holds exactly, not within a rounding error.

Scheduling (list scheduling, one initiative at a time, in this order)
    1. An initiative is *ready* when all its prerequisites have been handled.
    2. Among ready initiatives the next is, in order: those overdue (by priority); those with a legal
       deadline still ahead, earliest deadline first; then the highest priority; then the code. An
       enabler inherits the earliest deadline, being overdue, and the highest priority of the
       initiatives that need it (transitively), so what a mandatory initiative waits for is placed with it.
    3. It starts at the first month, from the month after all its prerequisites end (month offset 0 is
       the start month), at which it fits the remaining capacity of every phase its months fall in, and
       must end within the horizon. Nothing is ever placed over capacity: what does not fit now moves later.
    4. If no such month exists it is *not fitting*: reason ``horizon`` when it cannot end within the
       horizon even with unlimited capacity (it is too long, or its prerequisites end too late), else
       ``capacity``. Every initiative that needs it (directly or not) is not fitting too, reason
       ``prerequisite``, naming the prerequisites that did not fit.

Deadlines
    A mandatory initiative is mandatory for the office when its obligation's ``applies_if`` holds for the
    office's profile (else it is an ordinary recommendation). Its due date (``obligation.due``: a date, or
    the last day of the plan's N-th month; a 1.0.0 ``deadline``) is in force when it is triggered or
    included, not for an enabler. A date that had passed before ``today`` (or the plan's start) makes the
    item *overdue*: overdue items, and what they need, are scheduled first, by priority — a past date is
    never a sort key. Items with an obligation are listed by ``Plan.obligations()`` with their source. An
    enabler has no deadline of its own: for a mandatory initiative the trigger is the test of the
    obligation ("not every system has an approved security level"), and an enabler's trigger does not
    hold, so nothing of its own is overdue (it is still scheduled for the initiatives that need it, and
    inherits their deadlines). A scheduled initiative is complete at the end of its last month; a deadline
    in force is ``met`` when that is on or before the deadline, else missed (status ``deadline_missed``):
    ``overdue`` when the deadline had passed already (before ``today``, which defaults to the start
    month's first day, or before the plan starts), else ``late``. A not-fitting initiative whose deadline
    falls within the horizon (or has passed) misses it too. Each miss is reported as a warning.

Trajectory
    After each phase: the scoring what-if (``project_with_initiatives``) with every initiative scheduled to
    end by the end of that phase: the office's answers with those initiatives' effects, scored again by the
    same scorer (gates, weights, evidence rules and bands included): projected levels, scores and index.
"""

from __future__ import annotations

from roadmap.engine.planner.parameters import (
    DEFAULT_HORIZON_MONTHS,
    DEFAULT_PHASE_BOUNDS,
    MONTHLY_CAPACITY,
    OfficeSize,
    PlanningError,
    PlanningParameters,
    YearMonth,
    default_capacity,
    default_phase_bounds,
    validate_parameters,
)
from roadmap.engine.planner.planning import plan
from roadmap.engine.planner.prioritise import MANDATORY_BONUS, priority_of
from roadmap.engine.planner.results import (
    PLANNER_VERSION,
    DeadlineStatus,
    ItemStatus,
    NotFittingReason,
    Origin,
    PhaseLoad,
    Plan,
    PlanItem,
    PlanWarning,
    TrajectoryPoint,
)
from roadmap.engine.planner.snapshots import plan_from_dict, plan_to_dict

__all__ = [
    "DEFAULT_HORIZON_MONTHS",
    "DEFAULT_PHASE_BOUNDS",
    "MANDATORY_BONUS",
    "MONTHLY_CAPACITY",
    "PLANNER_VERSION",
    "DeadlineStatus",
    "ItemStatus",
    "NotFittingReason",
    "OfficeSize",
    "Origin",
    "PhaseLoad",
    "Plan",
    "PlanItem",
    "PlanWarning",
    "PlanningError",
    "PlanningParameters",
    "TrajectoryPoint",
    "YearMonth",
    "default_capacity",
    "default_phase_bounds",
    "plan",
    "plan_from_dict",
    "plan_to_dict",
    "priority_of",
    "validate_parameters",
]
