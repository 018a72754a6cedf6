"""The approved roadmap: the generated plan with the consultants' edits laid over it. Pure: no database, no
request, no clock; the same plan and edits always give the same roadmap.

Edits are a layer of their own (DESIGN.md §8). A plan is regenerated when the answers change; the edits are
then applied again to the new plan, in the order they were made. An edit that no longer finds what it
changed is kept and reported with the reason, never applied half-way and never dropped.

How each kind applies
    add         A catalogue initiative the planner was asked to include (its origin is ``included``): marked
                as the consultant's addition. On an initiative the planner now proposes by itself it no longer
                applies (``already_proposed``). On a removed initiative it restores it.
    add_custom  The consultant's own initiative, planned like any other. A later definition with the same code
                replaces the earlier one (which is then ``superseded``). Restores a removed one.
    remove      The initiative stays visible, marked removed with the reason (and, for a mandatory one, the
                justification); it no longer counts in the phase loads or in the trajectory.
    move        Starts the initiative in the first month of the given quarter, keeping its duration; a quarter
                outside the plan's horizon no longer applies (``outside_horizon``).
    reorder     Puts the initiative at a position of the list (1 = first). The list is sorted by start (moves
                applied), then by the planner's order; reorders are applied last, in the order they were made.
    note        On one initiative, or on the whole roadmap.
    Any edit naming an initiative that the new plan no longer proposes does not apply (``not_in_plan``).

What is checked on the result (reported, not refused: a consultant may knowingly overrule the planner)
    For every initiative that is placed and not removed: a prerequisite removed, not placed, or ending after
    the initiative starts; a legal deadline missed (recomputed from the effective months, as the planner
    does); an end after the horizon. For every phase: the load against the capacity, computed exactly as the
    planner does (effort spread evenly over the months, exact fractions).

The trajectory of the approved roadmap is the scoring what-if (a projector given by the caller) of the
initiatives placed, not removed and complete by the end of each phase.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from roadmap.engine.framework import Initiative
from roadmap.engine.planner import DeadlineStatus, Origin, Plan, PlanItem, YearMonth
from roadmap.engine.scoring import Projection


class RoadmapEditKind(StrEnum):
    """What a consultant's edit does to the generated plan (stored as `roadmap_edits.kind`)."""

    ADD = "add"  # an initiative of the catalogue that the planner did not propose
    ADD_CUSTOM = "add_custom"  # an initiative the consultant defines (a later one with its code replaces it)
    REMOVE = "remove"  # stays visible as removed
    MOVE = "move"  # to another start quarter
    REORDER = "reorder"  # to another position in the list
    NOTE = "note"  # on one initiative, or on the whole roadmap


Kind = RoadmapEditKind


@dataclass(frozen=True)
class Edit:
    """A consultant's edit as the overlay reads it (see roadmap.models.RoadmapEdit)."""

    seq: int
    kind: RoadmapEditKind
    initiative: str | None
    payload: Mapping[str, Any]
    reason: str
    author: str = ""
    at: dt.datetime | None = None
    plan_version: int | None = None


class Inapplicable(StrEnum):
    """Why an edit does not apply to the current plan."""

    NOT_IN_PLAN = "not_in_plan"  # the initiative is no longer proposed
    ALREADY_PROPOSED = "already_proposed"  # an addition that the planner now proposes by itself
    OUTSIDE_HORIZON = "outside_horizon"  # a move to a quarter the plan does not cover
    ALREADY_REMOVED = "already_removed"
    SUPERSEDED = "superseded"  # a custom initiative defined again later


@dataclass(frozen=True)
class EditOutcome:
    edit: Edit
    inapplicable: Inapplicable | None = None

    @property
    def applies(self) -> bool:
        return self.inapplicable is None


class EffectiveStatus(StrEnum):
    SCHEDULED = "scheduled"
    DEADLINE_MISSED = "deadline_missed"
    NOT_FITTING = "not_fitting"  # not placed by the planner, nor moved by a consultant
    REMOVED = "removed"


@dataclass(frozen=True)
class Finding:
    """A problem of the approved roadmap. Codes: prerequisite_removed, prerequisite_not_placed,
    prerequisite_overlaps (with the prerequisite's code), after_horizon."""

    code: str
    other: str | None = None


@dataclass(frozen=True)
class EffectiveItem:
    item: PlanItem  # as generated
    initiative: Initiative
    position: int  # 1 = first
    start: int | None  # month offsets from the plan's start; `end` exclusive
    end: int | None
    first_month: YearMonth | None
    last_month: YearMonth | None
    phase: int | None
    status: EffectiveStatus
    deadline_status: DeadlineStatus | None
    added_by: Edit | None = None
    removed_by: Edit | None = None
    moved_by: Edit | None = None
    reordered_by: Edit | None = None  # the latest reorder of this initiative
    notes: tuple[Edit, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def removed(self) -> bool:
        return self.removed_by is not None

    @property
    def placed(self) -> bool:
        return self.start is not None

    @property
    def counts(self) -> bool:
        """Whether it is part of the work: placed and not removed."""
        return self.start is not None and self.removed_by is None

    @property
    def start_quarter(self) -> str | None:
        return None if self.first_month is None else self.first_month.quarter_label

    @property
    def end_quarter(self) -> str | None:
        return None if self.last_month is None else self.last_month.quarter_label

    @property
    def changed(self) -> bool:
        return any((self.added_by, self.removed_by, self.moved_by, self.reordered_by, self.notes))


@dataclass(frozen=True)
class EffectivePhase:
    index: int
    start: int
    end: int
    first_month: YearMonth
    last_month: YearMonth
    capacity: float
    load: float  # exact load, shown as a float
    proposed_load: float  # the planner's
    over_capacity: bool
    initiatives: tuple[str, ...]  # counted initiatives with a month in the phase, in list order


@dataclass(frozen=True)
class EffectivePoint:
    phase: int
    end: int
    completed: tuple[str, ...]
    projection: Projection

    @property
    def index(self) -> float:
        return self.projection.index

    def levels(self) -> dict[str, int]:
        return {dimension.code: dimension.level for dimension in self.projection.dimensions}


@dataclass(frozen=True)
class EffectiveRoadmap:
    plan: Plan
    items: tuple[EffectiveItem, ...]  # in list order
    phases: tuple[EffectivePhase, ...]
    trajectory: tuple[EffectivePoint, ...]  # empty when no projector was given
    notes: tuple[Edit, ...]  # on the whole roadmap
    outcomes: tuple[EditOutcome, ...] = field(default=())  # every edit, in order

    def item(self, code: str) -> EffectiveItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def has(self, code: str) -> bool:
        return any(item.code == code for item in self.items)

    def inapplicable(self) -> tuple[EditOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.applies)

    def counted(self) -> tuple[EffectiveItem, ...]:
        return tuple(item for item in self.items if item.counts)

    def quarters(self) -> tuple[str, ...]:
        """The quarters that the plan's horizon covers, first to last ('2027-Q1', …)."""
        return quarters_of(self.plan)


def quarters_of(plan: Plan) -> tuple[str, ...]:
    start = plan.parameters.start
    last = start.plus(plan.parameters.horizon_months - 1)
    labels: list[str] = []
    month = start
    while month <= last:
        if month.quarter_label not in labels:
            labels.append(month.quarter_label)
        month = month.plus(1)
    return tuple(labels)


def quarter_start(plan: Plan, quarter: str) -> int | None:
    """The month offset at which an initiative moved to `quarter` starts: the quarter's first month, or the
    plan's start when the plan starts within the quarter; None when the quarter is outside the horizon."""
    year_text, _, number = quarter.partition("-Q")
    try:
        first = YearMonth(int(year_text), (int(number) - 1) * 3 + 1)
    except (ValueError, TypeError):
        return None
    start = plan.parameters.start
    offset = (first.year - start.year) * 12 + first.month - start.month
    if -3 < offset < 0:  # the plan starts within that quarter
        offset = 0
    if offset < 0 or offset >= plan.parameters.horizon_months:
        return None
    return offset


@dataclass
class _State:
    added_by: Edit | None = None
    removed_by: Edit | None = None
    moved_by: Edit | None = None
    start: int | None = None
    notes: list[Edit] = field(default_factory=list)


def _deadline_in_force(item: PlanItem) -> dt.date | None:
    # As in the planner: an enabler carries no legal deadline of its own.
    if item.mandatory and item.deadline is not None and item.origin is not Origin.ENABLER:
        return item.deadline
    return None


def overlay(
    plan: Plan,
    edits: Iterable[Edit],
    catalogue: Mapping[str, Initiative],
    projector: Callable[[Sequence[str]], Projection] | None = None,
) -> EffectiveRoadmap:
    """The approved roadmap: `plan` with `edits` (any order; applied by seq). `catalogue` holds every
    initiative of the plan by code (the framework's and the custom ones); `projector` gives the scoring
    what-if of a set of initiatives, for the trajectory."""
    ordered = sorted(edits, key=lambda edit: edit.seq)
    in_plan = {item.code: item for item in plan.items}
    states = {code: _State(start=item.start) for code, item in in_plan.items()}
    outcomes: dict[int, Inapplicable | None] = {}
    roadmap_notes: list[Edit] = []
    latest_custom: dict[str, int] = {}
    for edit in ordered:
        if edit.kind is Kind.ADD_CUSTOM and edit.initiative is not None:
            latest_custom[edit.initiative] = edit.seq
    reorders: list[Edit] = []

    for edit in ordered:
        code = edit.initiative
        if edit.kind is Kind.NOTE and code is None:
            roadmap_notes.append(edit)
            outcomes[edit.seq] = None
            continue
        if edit.kind is Kind.ADD_CUSTOM and code is not None and latest_custom.get(code) != edit.seq:
            outcomes[edit.seq] = Inapplicable.SUPERSEDED
            continue
        if code is None or code not in in_plan:
            outcomes[edit.seq] = Inapplicable.NOT_IN_PLAN
            continue
        state, item = states[code], in_plan[code]
        outcome: Inapplicable | None = None
        if edit.kind is Kind.ADD:
            if state.removed_by is not None:
                state.removed_by = None  # a restore
                state.added_by = state.added_by or (edit if item.origin is Origin.INCLUDED else None)
            elif item.origin is Origin.INCLUDED:
                state.added_by = edit
            else:
                outcome = Inapplicable.ALREADY_PROPOSED
        elif edit.kind is Kind.ADD_CUSTOM:
            state.added_by = edit
            state.removed_by = None
        elif edit.kind is Kind.REMOVE:
            if state.removed_by is not None:
                outcome = Inapplicable.ALREADY_REMOVED
            else:
                state.removed_by = edit
        elif edit.kind is Kind.MOVE:
            offset = quarter_start(plan, str(edit.payload.get("quarter", "")))
            if offset is None:
                outcome = Inapplicable.OUTSIDE_HORIZON
            else:
                state.start, state.moved_by = offset, edit
        elif edit.kind is Kind.REORDER:
            reorders.append(edit)
        else:
            state.notes.append(edit)
        outcomes[edit.seq] = outcome

    horizon = plan.parameters.horizon_months
    phase_of = plan.parameters.phase_of

    ends = {
        code: (state.start + in_plan[code].duration_months if state.start is not None else None)
        for code, state in states.items()
    }
    reference_day = max(plan.today, plan.parameters.start.first_day)
    order = sorted(
        in_plan,
        key=lambda code: (states[code].start is None, states[code].start or 0, in_plan[code].rank),
    )
    reordered: dict[str, Edit] = {}
    for edit in reorders:
        code = str(edit.initiative)
        reordered[code] = edit
        order.remove(code)
        position = int(edit.payload.get("position", 1))
        order.insert(min(max(position, 1), len(order) + 1) - 1, code)

    items: list[EffectiveItem] = []
    for position, code in enumerate(order, start=1):
        item, state = in_plan[code], states[code]
        start, end = state.start, ends[code]
        first = last = None
        if start is not None and end is not None:
            first, last = plan.parameters.start.plus(start), plan.parameters.start.plus(end - 1)
        deadline = _deadline_in_force(item)
        deadline_status = item.deadline_status
        if deadline is not None and last is not None:
            if last.last_day <= deadline:
                deadline_status = DeadlineStatus.MET
            elif deadline < reference_day:
                deadline_status = DeadlineStatus.OVERDUE
            else:
                deadline_status = DeadlineStatus.LATE
        if state.removed_by is not None:
            status = EffectiveStatus.REMOVED
        elif start is None:
            status = EffectiveStatus.NOT_FITTING
        elif deadline_status in (DeadlineStatus.LATE, DeadlineStatus.OVERDUE):
            status = EffectiveStatus.DEADLINE_MISSED
        else:
            status = EffectiveStatus.SCHEDULED
        findings: list[Finding] = []
        if start is not None and state.removed_by is None:
            for prerequisite in item.prerequisites:
                if prerequisite not in states:
                    continue
                other_end = ends[prerequisite]
                if states[prerequisite].removed_by is not None:
                    findings.append(Finding("prerequisite_removed", prerequisite))
                elif other_end is None:
                    findings.append(Finding("prerequisite_not_placed", prerequisite))
                elif other_end > start:
                    findings.append(Finding("prerequisite_overlaps", prerequisite))
            if end is not None and end > horizon:
                findings.append(Finding("after_horizon"))
        items.append(
            EffectiveItem(
                item=item,
                initiative=catalogue[code],
                position=position,
                start=start,
                end=end,
                first_month=first,
                last_month=last,
                phase=None if start is None else phase_of(start),
                status=status,
                deadline_status=deadline_status,
                added_by=state.added_by,
                removed_by=state.removed_by,
                moved_by=state.moved_by,
                reordered_by=reordered.get(code),
                notes=tuple(state.notes),
                findings=tuple(findings),
            )
        )

    phases = _phases(plan, items)
    trajectory: tuple[EffectivePoint, ...] = ()
    if projector is not None:
        points = []
        for phase in phases:
            done = tuple(
                sorted(i.code for i in items if i.counts and i.end is not None and i.end <= phase.end)
            )
            points.append(EffectivePoint(phase.index, phase.end, done, projector(done)))
        trajectory = tuple(points)
    return EffectiveRoadmap(
        plan=plan,
        items=tuple(items),
        phases=phases,
        trajectory=trajectory,
        notes=tuple(roadmap_notes),
        outcomes=tuple(EditOutcome(edit, outcomes.get(edit.seq)) for edit in ordered),
    )


def _phases(plan: Plan, items: Sequence[EffectiveItem]) -> tuple[EffectivePhase, ...]:
    """Loads per phase as the planner counts them: effort / duration in each month, exact fractions."""
    bounds = plan.parameters.phase_bounds
    loads = [Fraction(0)] * (len(bounds) - 1)
    members: list[list[str]] = [[] for _ in loads]
    for item in items:
        if not item.counts or item.start is None or item.end is None:
            continue
        monthly = Fraction(str(item.item.effort_person_months)) / item.item.duration_months
        for index in range(len(loads)):
            months = max(0, min(item.end, bounds[index + 1]) - max(item.start, bounds[index]))
            if months:
                loads[index] += monthly * months
                members[index].append(item.code)
    phases = []
    for index, generated in enumerate(plan.phases):
        capacity = Fraction(str(plan.parameters.capacity[index]))
        phases.append(
            EffectivePhase(
                index=index,
                start=generated.start,
                end=generated.end,
                first_month=generated.first_month,
                last_month=generated.last_month,
                capacity=float(capacity),
                load=float(loads[index]),
                proposed_load=generated.load,
                over_capacity=loads[index] > capacity,
                initiatives=tuple(members[index]),
            )
        )
    return tuple(phases)
