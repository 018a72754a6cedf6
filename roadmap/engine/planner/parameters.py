"""What a plan is made with: the calendar month, the planning parameters (start, horizon, phases, capacity per
phase, with defaults by office size) and the refusal of parameters no plan can be made with."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from roadmap.engine.stored import stored_form

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

    # Stored as "2027-01".
    __get_pydantic_core_schema__ = stored_form(str, lambda cls, data: cls.parse(str(data)))

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

    def phase_of(self, month: int) -> int | None:
        """The phase that a month offset falls in; None outside the horizon."""
        for index in range(len(self.phase_bounds) - 1):
            if self.phase_bounds[index] <= month < self.phase_bounds[index + 1]:
                return index
        return None

    def month_phases(self) -> tuple[int, ...]:
        """The phase of every month offset of the horizon, in order (for loops over months)."""
        bounds = self.phase_bounds
        return tuple(
            index for index in range(len(bounds) - 1) for _ in range(bounds[index], bounds[index + 1])
        )


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
