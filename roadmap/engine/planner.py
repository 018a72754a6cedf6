"""The roadmap planner: from a scoring result to a phased, dependency-ordered plan under capacity limits.

Pure and deterministic: it takes a framework, a scoring result and planning parameters and returns frozen
values; the same input gives the same plan bit for bit (every choice is ordered, ties broken by code; no
clock is read: "today" is an input). DESIGN.md §8; issue 6.

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
    2. Among ready initiatives the next is, in order: those with a legal deadline in force first, earliest
       deadline first; then the highest priority; then the code. An enabler inherits the earliest deadline
       and the highest priority of the initiatives that need it (transitively), so what a mandatory
       initiative waits for is placed with it.
    3. It starts at the first month, from the month after all its prerequisites end (month offset 0 is
       the start month), at which it fits the remaining capacity of every phase its months fall in, and
       must end within the horizon. Nothing is ever placed over capacity: what does not fit now moves later.
    4. If no such month exists it is *not fitting*: reason ``horizon`` when it cannot end within the
       horizon even with unlimited capacity (it is too long, or its prerequisites end too late), else
       ``capacity``. Every initiative that needs it (directly or not) is not fitting too, reason
       ``prerequisite``, naming the prerequisites that did not fit.

Deadlines
    A legal deadline is in force for a mandatory initiative that is triggered or included, not for an
    enabler: for a mandatory initiative the trigger is the test of the obligation ("not every system has an
    approved security level"), and an enabler's trigger does not hold, so nothing of its own is overdue (it
    is still scheduled for the initiatives that need it, and inherits their deadlines). A scheduled
    initiative is complete at the end of its last month; a deadline in force is ``met`` when that is on or
    before the deadline, else missed (status ``deadline_missed``): ``overdue`` when the deadline had passed
    already (before ``today``, which defaults to the start month's first day, or before the plan starts),
    else ``late``. A not-fitting initiative whose deadline falls within the horizon (or has passed) misses it
    too. Each miss is reported as a warning.

Trajectory
    After each phase: the scoring what-if (``project_with_initiatives``) with every initiative scheduled to
    end by the end of that phase: projected dimension levels (current level + uplift, at most 5, so never
    below the current level), scores and index.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Any

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import AllOf, AnyOf, Condition, Evaluation, Leaf, Subject, evaluate
from roadmap.engine.framework import Framework, Initiative
from roadmap.engine.scoring import (
    DimensionProjection,
    DimensionResult,
    Exclusion,
    Projection,
    ScoreResult,
    decode_evaluation,
    encode_evaluation,
    project_with_initiatives,
)

PLANNER_VERSION = "1.0.0"

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

# ---------------------------------------------------------------------------------------------------------
# Errors

ParamValue = str | int | float

_MESSAGES: dict[str, str] = {
    "start_invalid": "the start month {year}-{month} is not a calendar month",
    "horizon_invalid": "the horizon must be a whole number of months, at least 1, not {horizon}",
    "horizon_too_short": (
        "the horizon of {horizon} months is shorter than the shortest proposed initiative "
        "({initiative}, {duration} months)"
    ),
    "phase_bounds_too_few": "phase bounds need at least a start and an end, not {bounds}",
    "phase_bounds_start": "phase bounds must start at month 0, not {first}",
    "phase_bounds_not_ascending": "phase bounds must be whole months in strictly ascending order: {bounds}",
    "phase_bounds_end": "phase bounds must end at the horizon ({horizon} months), not at {last}",
    "capacity_count": "{phases} phases need {phases} capacities, not {count}",
    "capacity_not_positive": (
        "the capacity of phase {phase} must be a positive number of person-months, not {capacity}"
    ),
    "result_mismatch": (
        "the scoring result is for framework {result_framework} {result_version}, not {framework} {version}"
    ),
    "initiative_unknown": "{initiative} is not an initiative of the framework or a custom one",
    "custom_code_clash": "custom initiative {initiative}: the code is already used",
    "custom_invalid": "custom initiative {initiative}: {field} is not valid ({value})",
    "custom_dimension_unknown": "custom initiative {initiative} raises an unknown dimension {dimension}",
    "custom_reference_unknown": "custom initiative {initiative}: its trigger refers to an unknown {ref}",
    "custom_prerequisite_unknown": (
        "custom initiative {initiative} needs {prerequisite}, which is not an initiative"
    ),
    "prerequisite_cycle": "the prerequisites form a cycle: {cycle}",
}


class PlanningError(ValueError):
    """Bad planning input: a machine `code` and `params` (for the web layer to localise); str() is English.

    Codes: start_invalid, horizon_invalid, horizon_too_short, phase_bounds_too_few, phase_bounds_start,
    phase_bounds_not_ascending, phase_bounds_end, capacity_count, capacity_not_positive, result_mismatch,
    initiative_unknown, custom_code_clash, custom_invalid, custom_dimension_unknown, custom_reference_unknown,
    custom_prerequisite_unknown, prerequisite_cycle.
    """

    def __init__(self, code: str, params: Mapping[str, ParamValue] | None = None) -> None:
        super().__init__(code, dict(params or {}))  # args as given, so that errors pickle
        self.code = code
        self.params: dict[str, ParamValue] = dict(params or {})

    def __str__(self) -> str:
        template = _MESSAGES.get(self.code)
        if template is None:  # pragma: no cover - every code raised here has a message
            return self.code
        return template.format(**self.params)


# ---------------------------------------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    """A calendar month; month offset 0 of a plan is its start month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        valid = all(isinstance(v, int) and not isinstance(v, bool) for v in (self.year, self.month))
        if not valid or not 1 <= self.year <= 9998 or not 1 <= self.month <= 12:
            raise PlanningError("start_invalid", {"year": str(self.year), "month": str(self.month)})

    @classmethod
    def of(cls, day: dt.date) -> YearMonth:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        """'2027-01' → YearMonth(2027, 1)."""
        year, _, month = text.partition("-")
        try:
            return cls(int(year), int(month))
        except ValueError:
            raise PlanningError("start_invalid", {"year": year, "month": month}) from None

    def plus(self, months: int) -> YearMonth:
        serial = self.year * 12 + self.month - 1 + months
        return YearMonth(serial // 12, serial % 12 + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.plus(1).first_day - dt.timedelta(days=1)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def quarter_label(self) -> str:
        """'2027-Q1'."""
        return f"{self.year}-Q{self.quarter}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# ---------------------------------------------------------------------------------------------------------
# Parameters


class OfficeSize(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


# Person-months of agency plus vendor work per calendar month that an office can put into its roadmap, by
# size (indicative; calibrate with real offices). A small office (a few IT staff, mostly on operations) can
# run about two people's worth of transformation work; a medium one four; a large one (a ministry-level
# office with its own IT centre and vendor framework contracts) eight. Over the default 36 months: 72, 144
# and 288 person-months, against 225 for the whole shipped catalogue.
MONTHLY_CAPACITY: dict[OfficeSize, float] = {
    OfficeSize.SMALL: 2.0,
    OfficeSize.MEDIUM: 4.0,
    OfficeSize.LARGE: 8.0,
}
DEFAULT_HORIZON_MONTHS = 36
DEFAULT_PHASE_BOUNDS: tuple[int, ...] = (0, 6, 18, 36)
MANDATORY_BONUS = 8


def default_phase_bounds(horizon_months: int = DEFAULT_HORIZON_MONTHS) -> tuple[int, ...]:
    """Quick wins (0–6), consolidation (6–18), the rest: (0, 6, 18, 36) for 36 months; cut at the horizon."""
    inner = tuple(bound for bound in (6, 18) if bound < horizon_months)
    return (0, *inner, horizon_months)


def default_capacity(
    office_size: OfficeSize | str = OfficeSize.MEDIUM, phase_bounds: tuple[int, ...] = DEFAULT_PHASE_BOUNDS
) -> tuple[float, ...]:
    """Capacity per phase: the size's monthly capacity (MONTHLY_CAPACITY) × the phase's length in months."""
    rate = MONTHLY_CAPACITY[OfficeSize(office_size)]
    return tuple(rate * (end - start) for start, end in pairwise(phase_bounds))


@dataclass(frozen=True, slots=True)
class PlanningParameters:
    """Where and how much to plan. Phases are [bounds[i], bounds[i+1]) in month offsets from `start`."""

    start: YearMonth
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    phase_bounds: tuple[int, ...] = DEFAULT_PHASE_BOUNDS
    capacity: tuple[float, ...] = field(default_factory=default_capacity)

    @classmethod
    def for_office(
        cls,
        start: YearMonth,
        office_size: OfficeSize | str = OfficeSize.MEDIUM,
        horizon_months: int = DEFAULT_HORIZON_MONTHS,
    ) -> PlanningParameters:
        """Default phases for the horizon and the default capacity of an office of that size."""
        bounds = default_phase_bounds(horizon_months)
        return cls(start, horizon_months, bounds, default_capacity(office_size, bounds))

    @property
    def phase_count(self) -> int:
        return len(self.phase_bounds) - 1


def validate_parameters(params: PlanningParameters) -> None:
    """Raise PlanningError for parameters no plan can be made with (plan() calls this first)."""
    horizon = params.horizon_months
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise PlanningError("horizon_invalid", {"horizon": str(horizon)})
    bounds = params.phase_bounds
    shown = ", ".join(str(bound) for bound in bounds)
    if len(bounds) < 2:
        raise PlanningError("phase_bounds_too_few", {"bounds": shown})
    if any(isinstance(b, bool) or not isinstance(b, int) for b in bounds) or any(
        later <= earlier for earlier, later in pairwise(bounds)
    ):
        raise PlanningError("phase_bounds_not_ascending", {"bounds": shown})
    if bounds[0] != 0:
        raise PlanningError("phase_bounds_start", {"first": bounds[0]})
    if bounds[-1] != horizon:
        raise PlanningError("phase_bounds_end", {"horizon": horizon, "last": bounds[-1]})
    if len(params.capacity) != len(bounds) - 1:
        raise PlanningError("capacity_count", {"phases": len(bounds) - 1, "count": len(params.capacity)})
    for phase, capacity in enumerate(params.capacity):
        number = isinstance(capacity, int | float) and not isinstance(capacity, bool)
        if not number or not math.isfinite(capacity) or capacity <= 0:
            raise PlanningError("capacity_not_positive", {"phase": phase, "capacity": str(capacity)})


# ---------------------------------------------------------------------------------------------------------
# Results


class Origin(StrEnum):
    TRIGGERED = "triggered"  # its trigger holds on the result
    ENABLER = "enabler"  # pulled in as a prerequisite of a triggered or included initiative
    INCLUDED = "included"  # named by the caller (a consultant's addition) though its trigger does not hold


class ItemStatus(StrEnum):
    SCHEDULED = "scheduled"
    DEADLINE_MISSED = "deadline_missed"  # scheduled, but complete after its legal deadline
    NOT_FITTING = "not_fitting"


class NotFittingReason(StrEnum):
    CAPACITY = "capacity"  # no month within the horizon where the phases have room for it
    HORIZON = "horizon"  # cannot end within the horizon even with unlimited capacity
    PREREQUISITE = "prerequisite"  # a prerequisite is not fitting


class DeadlineStatus(StrEnum):
    MET = "met"
    LATE = "late"  # the schedule (or not fitting) makes it miss a deadline still ahead
    OVERDUE = "overdue"  # the deadline had passed before today or before the plan starts


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One proposed initiative, scheduled or not. Months are offsets from the start; `end` is exclusive."""

    code: str
    origin: Origin
    rationale: Evaluation  # the trigger's evaluation: why (holds) or why not (enablers, included)
    needed_by: tuple[str, ...]  # proposed initiatives that list it as a prerequisite
    prerequisites: tuple[str, ...]
    mandatory: bool
    deadline: dt.date | None
    duration_months: int
    effort_person_months: float
    priority: float
    priority_dimension: str  # the raised dimension whose gap the priority counts
    priority_gap: int
    schedule_priority: float  # the priority the scheduler used: its own or a higher one it inherits
    schedule_deadline: dt.date | None  # the deadline the scheduler used: its own or an earlier inherited one
    rank: int  # position in the scheduling order (0 first)
    status: ItemStatus
    start: int | None = None
    end: int | None = None
    first_month: YearMonth | None = None
    last_month: YearMonth | None = None
    start_quarter: str | None = None  # '2027-Q1'
    end_quarter: str | None = None
    phase: int | None = None  # the phase of its first month
    end_phase: int | None = None  # the phase of its last month
    reason: NotFittingReason | None = None
    blocked_by: tuple[str, ...] = ()  # prerequisites not fitting (reason prerequisite)
    deadline_status: DeadlineStatus | None = None

    @property
    def triggered(self) -> bool:
        return self.origin is Origin.TRIGGERED

    @property
    def scheduled(self) -> bool:
        return self.status is not ItemStatus.NOT_FITTING


@dataclass(frozen=True, slots=True)
class PhaseLoad:
    """A phase, [start, end) in month offsets, with its capacity and the load placed in it."""

    index: int
    start: int
    end: int
    first_month: YearMonth
    last_month: YearMonth
    capacity: float
    load: float
    initiatives: tuple[str, ...]  # scheduled initiatives with at least one month in the phase, by start

    @property
    def start_quarter(self) -> str:
        return self.first_month.quarter_label

    @property
    def end_quarter(self) -> str:
        return self.last_month.quarter_label


@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    """The projected maturity once every initiative scheduled to end by the end of `phase` is done."""

    phase: int
    end: int  # month offset of the phase's end
    completed: tuple[str, ...]  # sorted
    projection: Projection

    @property
    def index(self) -> float:
        return self.projection.index

    @property
    def level(self) -> int:
        return self.projection.level

    def levels(self) -> dict[str, int]:
        return {dimension.code: dimension.level for dimension in self.projection.dimensions}


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """A reported problem: a missed deadline or an initiative that does not fit. Codes: deadline_overdue,
    deadline_late, not_fitting_capacity, not_fitting_horizon, not_fitting_prerequisite."""

    code: str
    initiative: str
    params: tuple[tuple[str, str], ...] = ()

    def params_dict(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class Plan:
    framework_id: str
    framework_version: str
    engine_version: str
    parameters: PlanningParameters
    today: dt.date
    items: tuple[PlanItem, ...]  # in scheduling order (see `rank`)
    phases: tuple[PhaseLoad, ...]
    trajectory: tuple[TrajectoryPoint, ...]  # one per phase
    warnings: tuple[PlanWarning, ...]
    not_proposed: tuple[str, ...]  # initiatives whose trigger does not hold and that nothing needs

    def item(self, code: str) -> PlanItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def scheduled(self) -> tuple[PlanItem, ...]:
        """Scheduled items by start month, then rank."""
        placed = [item for item in self.items if item.start is not None]
        return tuple(sorted(placed, key=lambda item: (item.start or 0, item.rank)))

    def not_fitting(self) -> tuple[PlanItem, ...]:
        return tuple(item for item in self.items if item.status is ItemStatus.NOT_FITTING)


# ---------------------------------------------------------------------------------------------------------
# Facts from a scoring result


class _ResultFacts:
    """What triggers see: the answers the respondent could see, and the result's scores, levels and gaps."""

    __slots__ = ("answers", "dimensions")

    def __init__(self, result: ScoreResult) -> None:
        self.answers: dict[str, Answer] = {
            q.code: q.answer
            for q in result.questions
            if q.answer is not None and q.exclusion is not Exclusion.HIDDEN
        }
        self.dimensions: dict[str, DimensionResult] = {d.code: d for d in result.dimensions}

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def score(self, dimension_code: str) -> float | None:
        dimension = self.dimensions.get(dimension_code)
        return None if dimension is None else dimension.score

    def level(self, dimension_code: str) -> int | None:
        dimension = self.dimensions.get(dimension_code)
        return None if dimension is None else dimension.level

    def gap(self, dimension_code: str) -> int | None:
        dimension = self.dimensions.get(dimension_code)
        return None if dimension is None else dimension.gap


# ---------------------------------------------------------------------------------------------------------
# Priority

_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)
_PRIORITY_STEP = Decimal("0.001")


def _dec(value: float) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def priority_of(
    initiative: Initiative, framework: Framework, gaps: Mapping[str, int]
) -> tuple[float, str, int]:
    """(priority, dimension, gap) by the formula in the module docstring; `gaps` by dimension code."""
    order = {dimension.code: i for i, dimension in enumerate(framework.dimensions)}
    raised = sorted(
        {uplift.dimension for uplift in initiative.raises},
        key=lambda code: (-gaps.get(code, 0), -framework.dimension(code).weight, order[code]),
    )
    dimension = raised[0]
    gap = max(0, gaps.get(dimension, 0))
    with localcontext(_CONTEXT):
        total = sum((_dec(d.weight) for d in framework.dimensions), Decimal(0))
        share = _dec(framework.dimension(dimension).weight) * len(framework.dimensions) / total
        value = Decimal((1 + gap) ** 2 - 1) * share
        if initiative.mandatory:
            value += MANDATORY_BONUS
        effort_factor = max(Decimal(1), _dec(initiative.effort_person_months)).sqrt()
        priority = (value / effort_factor).quantize(_PRIORITY_STEP, ROUND_HALF_UP)
    return float(priority), dimension, gap


# ---------------------------------------------------------------------------------------------------------
# Catalogue: the framework's initiatives and the custom ones, checked


def _leaves(condition: Condition) -> Iterable[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from _leaves(item)
    else:
        yield from _leaves(condition.item)


def _check_custom(framework: Framework, custom: tuple[Initiative, ...]) -> None:
    known = {initiative.code for initiative in framework.initiatives}
    dimensions = {dimension.code for dimension in framework.dimensions}
    for initiative in custom:
        code = initiative.code
        if not isinstance(code, str) or not code.strip():
            raise PlanningError(
                "custom_invalid", {"initiative": str(code), "field": "code", "value": str(code)}
            )
        if code in known:
            raise PlanningError("custom_code_clash", {"initiative": code})
        known.add(code)
        duration = initiative.duration_months
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
            raise PlanningError(
                "custom_invalid", {"initiative": code, "field": "duration_months", "value": str(duration)}
            )
        effort = initiative.effort_person_months
        if (
            isinstance(effort, bool)
            or not isinstance(effort, int | float)
            or not math.isfinite(effort)
            or effort <= 0
        ):
            raise PlanningError(
                "custom_invalid", {"initiative": code, "field": "effort_person_months", "value": str(effort)}
            )
        if initiative.deadline is not None and not initiative.mandatory:
            raise PlanningError(
                "custom_invalid", {"initiative": code, "field": "deadline", "value": str(initiative.deadline)}
            )
        if not initiative.raises:
            raise PlanningError("custom_invalid", {"initiative": code, "field": "raises", "value": "[]"})
        for uplift in initiative.raises:
            if uplift.dimension not in dimensions:
                raise PlanningError(
                    "custom_dimension_unknown", {"initiative": code, "dimension": uplift.dimension}
                )
            if isinstance(uplift.levels, bool) or not isinstance(uplift.levels, int) or uplift.levels < 1:
                raise PlanningError(
                    "custom_invalid", {"initiative": code, "field": "raises", "value": str(uplift.levels)}
                )
        for leaf in _leaves(initiative.trigger):
            exists = (
                framework.has_question(leaf.ref) if leaf.subject is Subject.ANSWER else leaf.ref in dimensions
            )
            if not exists:
                raise PlanningError(
                    "custom_reference_unknown",
                    {"initiative": code, "ref": f"{leaf.subject.value}: {leaf.ref}"},
                )
    for initiative in custom:
        for prerequisite in initiative.prerequisites:
            if prerequisite not in known:
                raise PlanningError(
                    "custom_prerequisite_unknown",
                    {"initiative": initiative.code, "prerequisite": prerequisite},
                )


def _check_acyclic(catalogue: Mapping[str, Initiative]) -> None:
    """Raise prerequisite_cycle with the first cycle found (catalogue order, depth first)."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(code: str) -> None:
        path.append(code)
        on_path.add(code)
        for prerequisite in catalogue[code].prerequisites:
            if prerequisite in on_path:
                cycle = [*path[path.index(prerequisite) :], prerequisite]
                raise PlanningError("prerequisite_cycle", {"cycle": " → ".join(cycle)})
            if prerequisite not in done and prerequisite in catalogue:
                visit(prerequisite)
        path.pop()
        on_path.discard(code)
        done.add(code)

    for code in catalogue:
        if code not in done:
            visit(code)


# Frameworks extended with custom initiatives, so that the scoring what-if knows them; kept (a few) so that
# the same custom set reuses the same framework object and its compiled scorer.
_EXTENDED: dict[tuple[int, tuple[Initiative, ...]], tuple[Framework, Framework]] = {}
_EXTENDED_MAX = 16


def _extended(framework: Framework, custom: tuple[Initiative, ...]) -> Framework:
    if not custom:
        return framework
    key = (id(framework), custom)
    try:
        entry = _EXTENDED.get(key)
    except TypeError:  # an unhashable value in a hand-made initiative: extend without keeping it
        return replace(framework, initiatives=framework.initiatives + custom)
    if entry is not None and entry[0] is framework:
        return entry[1]
    extended = replace(framework, initiatives=framework.initiatives + custom)
    if len(_EXTENDED) >= _EXTENDED_MAX:
        # Another thread may have evicted first: then there is nothing to do.
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):
            _EXTENDED.pop(next(iter(_EXTENDED)))
    _EXTENDED[key] = (framework, extended)
    return extended


# ---------------------------------------------------------------------------------------------------------
# Planning


@dataclass(slots=True)
class _Candidate:
    initiative: Initiative
    origin: Origin
    rationale: Evaluation
    priority: float
    dimension: str
    gap: int
    needed_by: list[str] = field(default_factory=list)
    schedule_priority: float = 0.0
    schedule_deadline: dt.date | None = None


def _deadline_in_force(initiative: Initiative, origin: Origin) -> dt.date | None:
    """The legal deadline the plan must meet: none for an enabler (see "Deadlines" above)."""
    return initiative.deadline if initiative.mandatory and origin is not Origin.ENABLER else None


def _scale(values: Iterable[Fraction]) -> int:
    """The least common multiple of the denominators: the unit that makes every value an integer."""
    unit = 1
    for value in values:
        unit = unit * value.denominator // math.gcd(unit, value.denominator)
    return unit


def plan(
    framework: Framework,
    result: ScoreResult,
    params: PlanningParameters,
    *,
    custom_initiatives: Iterable[Initiative] = (),
    include: Iterable[str] = (),
    today: dt.date | None = None,
) -> Plan:
    """Plan the initiatives that `result` calls for (see the module docstring). Raises PlanningError.

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
    _check_custom(framework, custom)
    catalogue: dict[str, Initiative] = {i.code: i for i in (*framework.initiatives, *custom)}
    _check_acyclic(catalogue)
    included = tuple(dict.fromkeys(include))
    for code in included:
        if code not in catalogue:
            raise PlanningError("initiative_unknown", {"initiative": code})
    if isinstance(today, dt.datetime):
        today = today.date()
    reference_day = today if today is not None else params.start.first_day

    # -- candidates: triggered, included, and their prerequisites ------------------------------------
    facts = _ResultFacts(result)
    evaluations = {code: evaluate(initiative.trigger, facts) for code, initiative in catalogue.items()}
    wanted = [code for code in catalogue if evaluations[code].holds or code in included]
    proposed: set[str] = set()
    stack = list(reversed(wanted))
    while stack:
        code = stack.pop()
        if code in proposed:
            continue
        proposed.add(code)
        stack.extend(catalogue[code].prerequisites)
    codes = [code for code in catalogue if code in proposed]  # catalogue order
    if codes:
        shortest = min(codes, key=lambda code: (catalogue[code].duration_months, code))
        if catalogue[shortest].duration_months > params.horizon_months:
            raise PlanningError(
                "horizon_too_short",
                {
                    "horizon": params.horizon_months,
                    "initiative": shortest,
                    "duration": catalogue[shortest].duration_months,
                },
            )
    gaps = {dimension.code: dimension.gap for dimension in result.dimensions}
    candidates: dict[str, _Candidate] = {}
    for code in codes:
        initiative = catalogue[code]
        holds = evaluations[code].holds
        origin = Origin.TRIGGERED if holds else Origin.INCLUDED if code in included else Origin.ENABLER
        priority, dimension, gap = priority_of(initiative, framework, gaps)
        candidates[code] = _Candidate(initiative, origin, evaluations[code], priority, dimension, gap)
    for code in codes:
        for prerequisite in dict.fromkeys(catalogue[code].prerequisites):
            candidates[prerequisite].needed_by.append(code)

    # -- inherited urgency: dependants first (reverse topological order) -----------------------------
    topological: list[str] = []
    seen: set[str] = set()

    def visit(code: str) -> None:
        seen.add(code)
        for prerequisite in catalogue[code].prerequisites:
            if prerequisite not in seen:
                visit(prerequisite)
        topological.append(code)

    for code in codes:
        if code not in seen:
            visit(code)
    for code in reversed(topological):
        candidate = candidates[code]
        priority = candidate.priority
        deadline = _deadline_in_force(candidate.initiative, candidate.origin)
        for dependant in candidate.needed_by:
            other = candidates[dependant]
            priority = max(priority, other.schedule_priority)
            if other.schedule_deadline is not None and (
                deadline is None or other.schedule_deadline < deadline
            ):
                deadline = other.schedule_deadline
        candidate.schedule_priority = priority
        candidate.schedule_deadline = deadline

    # -- exact capacity units --------------------------------------------------------------------------
    horizon = params.horizon_months
    bounds = params.phase_bounds
    phase_count = len(bounds) - 1
    phase_of_month = [0] * horizon
    for phase in range(phase_count):
        for month in range(bounds[phase], bounds[phase + 1]):
            phase_of_month[month] = phase
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

    # -- list scheduling -------------------------------------------------------------------------------
    start_of: dict[str, int] = {}
    end_of: dict[str, int] = {}
    failed: dict[str, tuple[NotFittingReason, tuple[str, ...]]] = {}
    order: list[str] = []
    waiting = {code: len(set(catalogue[code].prerequisites)) for code in codes}
    ready = [code for code in codes if waiting[code] == 0]

    def urgency(code: str) -> tuple[int, dt.date, float, str]:
        candidate = candidates[code]
        deadline = candidate.schedule_deadline
        return (0 if deadline is not None else 1, deadline or dt.date.max, -candidate.schedule_priority, code)

    while ready:
        code = min(ready, key=urgency)
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

    # -- items, deadlines, warnings --------------------------------------------------------------------
    start_month = params.start
    plan_start_day = start_month.first_day
    items: list[PlanItem] = []
    warnings: list[PlanWarning] = []
    horizon_end_day = start_month.plus(horizon - 1).last_day
    for rank, code in enumerate(order):
        candidate = candidates[code]
        initiative = candidate.initiative
        deadline = _deadline_in_force(initiative, candidate.origin)
        common: dict[str, Any] = {
            "code": code,
            "origin": candidate.origin,
            "rationale": candidate.rationale,
            "needed_by": tuple(candidate.needed_by),
            "prerequisites": tuple(dict.fromkeys(initiative.prerequisites)),
            "mandatory": initiative.mandatory,
            "deadline": initiative.deadline,
            "duration_months": initiative.duration_months,
            "effort_person_months": float(initiative.effort_person_months),
            "priority": candidate.priority,
            "priority_dimension": candidate.dimension,
            "priority_gap": candidate.gap,
            "schedule_priority": candidate.schedule_priority,
            "schedule_deadline": candidate.schedule_deadline,
            "rank": rank,
        }
        overdue = deadline is not None and deadline < max(reference_day, plan_start_day)
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

    # -- phase loads and the trajectory ----------------------------------------------------------------
    placed = sorted(start_of, key=lambda code: (start_of[code], order.index(code)))
    phases: list[PhaseLoad] = []
    for phase in range(phase_count):
        low, high = bounds[phase], bounds[phase + 1]
        used = Fraction(int(capacities[phase] * unit) - room[phase], unit)
        phases.append(
            PhaseLoad(
                index=phase,
                start=low,
                end=high,
                first_month=start_month.plus(low),
                last_month=start_month.plus(high - 1),
                capacity=float(params.capacity[phase]),
                load=float(used),
                initiatives=tuple(c for c in placed if start_of[c] < high and end_of[c] > low),
            )
        )
    projector = _extended(framework, custom)
    trajectory = []
    for phase in range(phase_count):
        end = bounds[phase + 1]
        done = tuple(sorted(code for code in start_of if end_of[code] <= end))
        trajectory.append(
            TrajectoryPoint(phase, end, done, project_with_initiatives(projector, result, done))
        )

    return Plan(
        framework_id=framework.id,
        framework_version=framework.version,
        engine_version=PLANNER_VERSION,
        parameters=params,
        today=reference_day,
        items=tuple(items),
        phases=tuple(phases),
        trajectory=tuple(trajectory),
        warnings=tuple(warnings),
        not_proposed=tuple(code for code in catalogue if code not in proposed),
    )


# ---------------------------------------------------------------------------------------------------------
# Snapshots: JSON-serialisable dicts and back


def _month(value: YearMonth | None) -> str | None:
    return None if value is None else str(value)


def _parse_month(value: Any) -> YearMonth | None:
    return None if value is None else YearMonth.parse(str(value))


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _encode_projection(projection: Projection) -> dict[str, Any]:
    return {
        "initiatives": list(projection.initiatives),
        "index": projection.index,
        "level": projection.level,
        "dimensions": [
            [d.code, d.level_before, d.level, d.score_before, d.score, d.uplift]
            for d in projection.dimensions
        ],
    }


def _decode_projection(data: Mapping[str, Any]) -> Projection:
    return Projection(
        tuple(data["initiatives"]),
        tuple(
            DimensionProjection(
                str(code), int(before), int(level), float(score_before), float(score), int(up)
            )
            for code, before, level, score_before, score, up in data["dimensions"]
        ),
        float(data["index"]),
        int(data["level"]),
    )


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A JSON-serialisable snapshot of a plan (see plan_from_dict)."""
    params = plan.parameters
    return {
        "engine_version": plan.engine_version,
        "framework_id": plan.framework_id,
        "framework_version": plan.framework_version,
        "parameters": {
            "start": str(params.start),
            "horizon_months": params.horizon_months,
            "phase_bounds": list(params.phase_bounds),
            "capacity": [float(capacity) for capacity in params.capacity],
        },
        "today": plan.today.isoformat(),
        "items": [
            {
                "code": item.code,
                "origin": item.origin.value,
                "rationale": encode_evaluation(item.rationale),
                "needed_by": list(item.needed_by),
                "prerequisites": list(item.prerequisites),
                "mandatory": item.mandatory,
                "deadline": _date(item.deadline),
                "duration_months": item.duration_months,
                "effort_person_months": item.effort_person_months,
                "priority": item.priority,
                "priority_dimension": item.priority_dimension,
                "priority_gap": item.priority_gap,
                "schedule_priority": item.schedule_priority,
                "schedule_deadline": _date(item.schedule_deadline),
                "rank": item.rank,
                "status": item.status.value,
                "start": item.start,
                "end": item.end,
                "first_month": _month(item.first_month),
                "last_month": _month(item.last_month),
                "start_quarter": item.start_quarter,
                "end_quarter": item.end_quarter,
                "phase": item.phase,
                "end_phase": item.end_phase,
                "reason": None if item.reason is None else item.reason.value,
                "blocked_by": list(item.blocked_by),
                "deadline_status": None if item.deadline_status is None else item.deadline_status.value,
            }
            for item in plan.items
        ],
        "phases": [
            {
                "index": phase.index,
                "start": phase.start,
                "end": phase.end,
                "first_month": str(phase.first_month),
                "last_month": str(phase.last_month),
                "capacity": phase.capacity,
                "load": phase.load,
                "initiatives": list(phase.initiatives),
            }
            for phase in plan.phases
        ],
        "trajectory": [
            {
                "phase": point.phase,
                "end": point.end,
                "completed": list(point.completed),
                "projection": _encode_projection(point.projection),
            }
            for point in plan.trajectory
        ],
        "warnings": [
            {
                "code": warning.code,
                "initiative": warning.initiative,
                "params": [list(p) for p in warning.params],
            }
            for warning in plan.warnings
        ],
        "not_proposed": list(plan.not_proposed),
    }


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The plan that plan_to_dict() serialised (equal to the original)."""
    raw = data["parameters"]
    params = PlanningParameters(
        start=YearMonth.parse(raw["start"]),
        horizon_months=int(raw["horizon_months"]),
        phase_bounds=tuple(int(bound) for bound in raw["phase_bounds"]),
        capacity=tuple(float(capacity) for capacity in raw["capacity"]),
    )
    items = tuple(
        PlanItem(
            code=item["code"],
            origin=Origin(item["origin"]),
            rationale=decode_evaluation(item["rationale"]),
            needed_by=tuple(item["needed_by"]),
            prerequisites=tuple(item["prerequisites"]),
            mandatory=bool(item["mandatory"]),
            deadline=_parse_date(item["deadline"]),
            duration_months=int(item["duration_months"]),
            effort_person_months=float(item["effort_person_months"]),
            priority=float(item["priority"]),
            priority_dimension=item["priority_dimension"],
            priority_gap=int(item["priority_gap"]),
            schedule_priority=float(item["schedule_priority"]),
            schedule_deadline=_parse_date(item["schedule_deadline"]),
            rank=int(item["rank"]),
            status=ItemStatus(item["status"]),
            start=_optional_int(item["start"]),
            end=_optional_int(item["end"]),
            first_month=_parse_month(item["first_month"]),
            last_month=_parse_month(item["last_month"]),
            start_quarter=item["start_quarter"],
            end_quarter=item["end_quarter"],
            phase=_optional_int(item["phase"]),
            end_phase=_optional_int(item["end_phase"]),
            reason=None if item["reason"] is None else NotFittingReason(item["reason"]),
            blocked_by=tuple(item["blocked_by"]),
            deadline_status=None
            if item["deadline_status"] is None
            else DeadlineStatus(item["deadline_status"]),
        )
        for item in data["items"]
    )
    phases = tuple(
        PhaseLoad(
            index=int(phase["index"]),
            start=int(phase["start"]),
            end=int(phase["end"]),
            first_month=YearMonth.parse(phase["first_month"]),
            last_month=YearMonth.parse(phase["last_month"]),
            capacity=float(phase["capacity"]),
            load=float(phase["load"]),
            initiatives=tuple(phase["initiatives"]),
        )
        for phase in data["phases"]
    )
    trajectory = tuple(
        TrajectoryPoint(
            int(point["phase"]),
            int(point["end"]),
            tuple(point["completed"]),
            _decode_projection(point["projection"]),
        )
        for point in data["trajectory"]
    )
    warnings = tuple(
        PlanWarning(
            warning["code"],
            warning["initiative"],
            tuple((str(key), str(value)) for key, value in warning["params"]),
        )
        for warning in data["warnings"]
    )
    return Plan(
        framework_id=data["framework_id"],
        framework_version=data["framework_version"],
        engine_version=data["engine_version"],
        parameters=params,
        today=dt.date.fromisoformat(data["today"]),
        items=items,
        phases=phases,
        trajectory=trajectory,
        warnings=warnings,
        not_proposed=tuple(data["not_proposed"]),
    )
