"""What planning returns: a plan of items (scheduled or not, with their reasons), phases with their loads,
the projected trajectory and the warnings. Frozen values; how they are stored is in
roadmap.engine.planner.snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from roadmap.engine.conditions import Evaluation
from roadmap.engine.planner.parameters import PlanningParameters, YearMonth
from roadmap.engine.scoring import Projection

# 2.0.0: the trajectory scores the answers the initiatives bring about (effects), not "+n levels".
PLANNER_VERSION = "2.0.0"

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
class ObligationTerm:
    """The obligation a plan item fulfils: its kind (law, programme, directive), its source (a policy
    reference of the framework) and the date it is due (None: no date)."""

    kind: str
    source: str
    due: dt.date | None


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
    # Set when the item fulfils an obligation that applies to the office (listed apart from recommendations).
    obligation: ObligationTerm | None = None

    @property
    def overdue_since(self) -> dt.date | None:
        """The due date of an obligation that had passed when the plan was made ("overdue since …")."""
        if self.deadline_status is DeadlineStatus.OVERDUE:
            return self.deadline
        return None

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

    def obligations(self) -> tuple[PlanItem, ...]:
        """The items that fulfil an obligation applying to the office, each with its source."""
        return tuple(item for item in self.items if item.obligation is not None)

    def recommendations(self) -> tuple[PlanItem, ...]:
        """Everything else: what the office's gaps call for, and the prerequisites pulled in."""
        return tuple(item for item in self.items if item.obligation is None)

    def not_fitting(self) -> tuple[PlanItem, ...]:
        return tuple(item for item in self.items if item.status is ItemStatus.NOT_FITTING)
