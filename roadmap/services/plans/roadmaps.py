"""Roadmaps: plan an assessment's initiatives, keep the consultants' edits as a layer over the plans, and show
the approved roadmap (DESIGN.md §8, issue 6).

Generation
    The planner (roadmap.engine.planner) works from a scoring result: the latest approved (else submitted)
    snapshot while the assessment is with the consultants, the live score while it is with the office
    (draft or returned: a submitted snapshot would be out of date) or when no snapshot exists. The office's
    current targets are applied to that result, so a target changed in review counts. The consultants'
    additions go in as the planner's inputs: catalogue initiatives as `include`, their own initiatives as
    `custom_initiatives` (planned under the same capacity, prerequisites and deadlines as the others). Every
    plan is stored as a new version with its inputs (parameters, the result it was made from, the framework
    fingerprint, the planner's version), so that it can always be shown and explained as it was made.
    Bad input (a capacity ≤ 0, a horizon shorter than the shortest initiative, a prerequisite cycle through
    a custom initiative …) is refused with a message in the user's language, and nothing is stored.

Edits
    add, add_custom, remove, move, reorder and note; each needs a reason, removing a mandatory initiative a
    justification too. Additions re-plan at once (the planner places them); the others are laid over the
    plan when it is shown (roadmap.engine.overlay), which is also how they survive regeneration.

Concurrency
    One counter per roadmap (RoadmapState.version), bumped by compare-and-set by every new plan and every
    edit; the consultant's page carries the version it showed. A change made from an older version is a
    Conflict: nothing is stored, and the consultant sees the roadmap as it now is.

A published roadmap is what the office received: it is not changed any more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from roadmap.engine import planner
from roadmap.engine.conditions import AnyOf
from roadmap.engine.framework import CostClass, Framework, Initiative, LocalText, Uplift
from roadmap.engine.numbers import NumberFormatError, parse_float
from roadmap.engine.overlay import Edit, EffectiveRoadmap, overlay, quarter_start
from roadmap.engine.planner import (
    DEFAULT_HORIZON_MONTHS,
    PLANNER_VERSION,
    OfficeSize,
    Plan,
    PlanningError,
    PlanningParameters,
    YearMonth,
    default_phase_bounds,
    plan_from_dict,
    plan_to_dict,
)
from roadmap.engine.scoring import (
    Projection,
    ScoreResult,
    project_with_initiatives,
    result_from_dict,
    result_to_dict,
)
from roadmap.extensions import db
from roadmap.models import (
    Assessment,
    AssessmentStatus,
    Cycle,
    InitiativeTracking,
    RoadmapEdit,
    RoadmapEditKind,
    RoadmapPlan,
    RoadmapState,
    ScoreSnapshot,
    TrackingStatus,
    User,
    utcnow,
)
from roadmap.services import Invalid, Problem, invalid
from roadmap.services.platform import audit
from roadmap.services.platform.caching import memoised
from roadmap.services.platform.clock import local_today
from roadmap.services.survey import assessments, results

Kind = RoadmapEditKind

REASON_MAX_LENGTH = 2000
TEXT_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 200
CUSTOM_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
MAX_HORIZON_MONTHS = 120
MAX_CUSTOM_DURATION = 120
MAX_CUSTOM_EFFORT = 1000.0


class Cause(StrEnum):
    """Why a plan version was made."""

    APPROVAL = "approval"  # the review flow approved the assessment (issue 7)
    REGENERATED = "regenerated"  # a consultant asked for it (answers, targets or parameters changed)
    EDIT = "edit"  # a consultant added an initiative: the planner places it


class Conflict(Exception):  # noqa: N818 (reads as the domain says it: `except Conflict`)
    """Someone changed the roadmap since the page was shown. Nothing was stored."""

    message = _l(
        "Another consultant changed this roadmap after you opened the page. Your change was not saved: "
        "the roadmap below is as it is now; make your change again if it is still needed."
    )

    def __init__(self) -> None:
        super().__init__(str(self.message))


class Locked(Invalid):
    """The roadmap can no longer be changed (it was published): the web layer answers 409."""


# --- planning parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningInput:
    """What a consultant chooses for a plan; stored with it and reused by the next regeneration."""

    start: str  # 'YYYY-MM', the first month of a quarter
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    office_size: str = OfficeSize.MEDIUM.value
    capacity: tuple[float, ...] | None = None  # person-months per phase; None: the office size's default

    def parameters(self) -> PlanningParameters:
        """The planner's parameters (raises PlanningError for a start that is not a month)."""
        start = YearMonth.parse(self.start)
        if self.capacity is None:
            return PlanningParameters.for_office(start, self.office_size, self.horizon_months)
        bounds = default_phase_bounds(self.horizon_months) if self.horizon_months >= 1 else (0,)
        return PlanningParameters(start, self.horizon_months, bounds, tuple(self.capacity))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "horizon_months": self.horizon_months,
            "office_size": self.office_size,
            "capacity": None if self.capacity is None else list(self.capacity),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanningInput:
        capacity = data.get("capacity")
        return cls(
            start=str(data["start"]),
            horizon_months=int(data.get("horizon_months", DEFAULT_HORIZON_MONTHS)),
            office_size=str(data.get("office_size", OfficeSize.MEDIUM.value)),
            capacity=None if capacity is None else tuple(float(value) for value in capacity),
        )


def planning_input(
    start: str, horizon: str, office_size: str, capacity: str | tuple[float, ...] | None
) -> PlanningInput:
    """The parameters as the form gives them (the capacities as figures read by the form's field, or as the
    text typed, read here in the user's language), or Invalid naming the field that is not a number."""
    try:
        horizon_months = int(str(horizon).strip())
    except ValueError:
        raise invalid("horizon_months", _l("The horizon is a whole number of months.")) from None
    capacities: tuple[float, ...] | None = None
    if isinstance(capacity, tuple):
        capacities = capacity or None
    elif str(capacity or "").strip():
        locale = str(get_locale() or "vi")
        try:
            capacities = tuple(parse_float(part, locale) for part in str(capacity).split(";"))
        except NumberFormatError:
            raise invalid(
                "capacity",
                _l("Give the capacities as numbers separated by semicolons, e.g. 24; 48; 72."),
            ) from None
    return PlanningInput(str(start).strip(), horizon_months, str(office_size), capacities)


def first_month_of_quarter_from(month: YearMonth) -> YearMonth:
    """`month` if a quarter starts with it, else the first month of the next quarter."""
    return month if month.month % 3 == 1 else month.plus(3 - (month.month - 1) % 3)


def default_input(assessment: Assessment, today: dt.date) -> PlanningInput:
    """A roadmap starts with the quarter after the cycle that assessed the office (the 2026 assessment plans
    from 2027), or with the next quarter when that is already past; medium capacity, 36 months."""
    after_cycle = YearMonth.of(assessment.cycle.closes_on).plus(1)
    start = first_month_of_quarter_from(max(after_cycle, YearMonth.of(today).plus(1)))
    return PlanningInput(start=str(start))


def _check_input(planning: PlanningInput) -> None:
    """What the planner would accept but a screen should not: starts off a quarter, absurd horizons."""
    try:
        start = YearMonth.parse(planning.start)
    except PlanningError as error:
        raise Invalid(Problem("start", planning_problem(error))) from None
    if start.month % 3 != 1:
        raise invalid(
            "start",
            _l("A roadmap starts at the beginning of a quarter: January, April, July or October."),
        )
    if planning.office_size not in {size.value for size in OfficeSize}:
        raise invalid("office_size", _l("Please choose the size of the office."))
    if planning.horizon_months > MAX_HORIZON_MONTHS:
        raise invalid(
            "horizon_months",
            _l("A roadmap covers at most %(months)d months.", months=MAX_HORIZON_MONTHS),
        )


# --- localised planning errors ------------------------------------------------------------------------

PLANNING_MESSAGES: dict[str, tuple[str | None, Callable[..., LazyString]]] = {
    "start_invalid": ("start", lambda **p: _l("%(year)s-%(month)s is not a calendar month.", **p)),
    "horizon_invalid": (
        "horizon_months",
        lambda **p: _l("The horizon must be a whole number of months, at least 1 (not %(horizon)s).", **p),
    ),
    "horizon_too_short": (
        "horizon_months",
        lambda **p: _l(
            "The horizon of %(horizon)s months is shorter than the shortest initiative to plan "
            "(%(initiative)s, %(duration)s months). Choose a longer horizon.",
            **p,
        ),
    ),
    "phase_bounds_too_few": ("horizon_months", lambda **p: _l("The phases are not valid: %(bounds)s.", **p)),
    "phase_bounds_start": ("horizon_months", lambda **p: _l("The first phase must start at month 0.")),
    "phase_bounds_not_ascending": (
        "horizon_months",
        lambda **p: _l("The phases are not valid: %(bounds)s.", **p),
    ),
    "phase_bounds_end": ("horizon_months", lambda **p: _l("The last phase must end at the horizon.")),
    "capacity_count": (
        "capacity",
        lambda **p: _l("The plan has %(phases)s phases: give one capacity per phase (%(count)s given).", **p),
    ),
    "capacity_not_positive": (
        "capacity",
        lambda **p: _l(
            "The capacity of each phase must be a positive number of person-months; phase %(number)s "
            "has %(capacity)s.",
            **p,
        ),
    ),
    "result_mismatch": (
        None,
        lambda **p: _l(
            "The result was scored with framework %(result_framework)s %(result_version)s, not "
            "%(framework)s %(version)s.",
            **p,
        ),
    ),
    "initiative_unknown": (
        "initiative",
        lambda **p: _l("%(initiative)s is not an initiative of the catalogue or a custom one.", **p),
    ),
    "custom_code_clash": (
        "code",
        lambda **p: _l("The code %(code)s is already used by an initiative of the catalogue.", **p),
    ),
    "custom_invalid": (
        None,
        lambda **p: _l("Custom initiative %(initiative)s: %(field)s is not valid (%(value)s).", **p),
    ),
    "custom_dimension_unknown": (
        "dimension",
        lambda **p: _l("Custom initiative %(initiative)s raises an unknown dimension %(dimension)s.", **p),
    ),
    "custom_reference_unknown": (
        None,
        lambda **p: _l("Custom initiative %(initiative)s refers to something unknown: %(ref)s.", **p),
    ),
    "custom_prerequisite_unknown": (
        "prerequisites",
        lambda **p: _l(
            "Custom initiative %(initiative)s needs %(prerequisite)s, which is not an initiative.", **p
        ),
    ),
    "prerequisite_cycle": (
        "prerequisites",
        lambda **p: _l(
            "These prerequisites would form a cycle, so nothing could ever start: %(cycle)s.", **p
        ),
    ),
}


def planning_problem(error: PlanningError) -> LazyString:
    """The planner's error in the user's language."""
    params: dict[str, Any] = dict(error.params)
    if "phase" in params:
        params["number"] = int(params["phase"]) + 1  # people count phases from 1
    if "initiative" in params:
        params.setdefault("code", params["initiative"])
    _field, message = PLANNING_MESSAGES.get(error.code, (None, lambda **p: _l("The plan cannot be made.")))
    try:
        return message(**params)
    except (KeyError, ValueError):  # pragma: no cover - every code's params are known
        return _l("The plan cannot be made.")


def _planning_invalid(error: PlanningError) -> Invalid:
    field = PLANNING_MESSAGES.get(error.code, (None, None))[0]
    return Invalid(Problem(field, planning_problem(error)))


# --- custom initiatives --------------------------------------------------------------------------------


def custom_initiative(payload: Mapping[str, Any]) -> Initiative:
    """A consultant's initiative from its stored definition. Its trigger never holds: it is planned because
    it is included, so it is shown as the consultant's addition, not as something the answers called for."""
    name = payload.get("name") or {}
    description = payload.get("description") or {}
    kpis = payload.get("kpis") or []
    deadline = payload.get("deadline")
    return Initiative(
        code=str(payload["code"]),
        name=_local(name),
        description=_local(description),
        raises=tuple(Uplift(str(r["dimension"]), int(r["levels"])) for r in payload.get("raises") or []),
        trigger=AnyOf(()),
        prerequisites=tuple(str(code) for code in payload.get("prerequisites") or []),
        duration_months=int(payload["duration_months"]),
        effort_person_months=float(payload["effort_person_months"]),
        cost_class=CostClass(str(payload.get("cost_class", CostClass.M.value))),
        mandatory=bool(payload.get("mandatory", False)),
        deadline=dt.date.fromisoformat(deadline) if deadline else None,
        policy_refs=(),
        kpis=tuple(_local(kpi) for kpi in kpis),
    )


def _local(texts: Mapping[str, str]) -> LocalText:
    vietnamese = str(texts.get("vi") or texts.get("en") or "")
    english = str(texts.get("en") or vietnamese)
    return LocalText((("vi", vietnamese), ("en", english)))


def extended_framework(framework: Framework, custom: Sequence[Initiative]) -> Framework:
    """The framework with the custom initiatives in its catalogue, so that names, prerequisites and the
    scoring what-if know them."""
    if not custom:
        return framework
    return _extended(framework, tuple(custom))


# Kept (a few), so that the extended framework's compiled scorer is reused between requests.
@memoised(maxsize=16, key=lambda framework, custom: (framework.fingerprint, custom))
def _extended(framework: Framework, custom: tuple[Initiative, ...]) -> Framework:
    return dataclasses.replace(framework, initiatives=framework.initiatives + custom)


# --- reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roadmap:
    """The current plan of an assessment with the edits laid over it: what every screen and export shows."""

    assessment: Assessment
    row: RoadmapPlan
    plan: Plan
    framework: Framework  # the assessment's, with the custom initiatives
    result: ScoreResult  # the result the plan was made from (targets applied)
    edits: tuple[Edit, ...]
    effective: EffectiveRoadmap
    version: int  # the change counter that edit forms carry back
    planning: PlanningInput

    @property
    def carried_over(self) -> tuple[str, ...]:
        """The initiatives carried over from the office's previous published roadmap (not done there)."""
        return tuple(self.row.parameters.get("carried_over") or ())

    @property
    def carried_from(self) -> str:
        """The code of the cycle whose roadmap they were carried over from ("2025")."""
        return str(self.row.parameters.get("carried_from") or "")

    def what_if(self, codes: Iterable[str]) -> Projection:
        """Levels and index if the given initiatives were done (unknown codes are ignored)."""
        known = {initiative.code for initiative in self.framework.initiatives}
        return project_with_initiatives(self.framework, self.result, [c for c in codes if c in known])


def current_plan(assessment: Assessment) -> RoadmapPlan | None:
    return db.session.scalar(
        select(RoadmapPlan)
        .where(RoadmapPlan.assessment_id == assessment.id)
        .order_by(RoadmapPlan.version.desc())
        .limit(1)
    )


def plans_of(assessment: Assessment) -> list[RoadmapPlan]:
    return list(
        db.session.scalars(
            select(RoadmapPlan)
            .where(RoadmapPlan.assessment_id == assessment.id)
            .order_by(RoadmapPlan.version.desc())
        )
    )


def version_of(assessment: Assessment) -> int:
    """The roadmap's change counter (0 before anything was planned)."""
    value = db.session.scalar(select(RoadmapState.version).where(RoadmapState.assessment_id == assessment.id))
    return int(value or 0)


def edit_rows(assessment: Assessment) -> list[RoadmapEdit]:
    return list(
        db.session.scalars(
            select(RoadmapEdit).where(RoadmapEdit.assessment_id == assessment.id).order_by(RoadmapEdit.seq)
        )
    )


def _edit_value(row: RoadmapEdit, names: Mapping[int, str]) -> Edit:
    return Edit(
        seq=row.seq,
        kind=row.kind_enum,
        initiative=row.initiative_code,
        payload=dict(row.payload or {}),
        reason=row.reason,
        author=names.get(row.author_id or 0, ""),
        at=row.created_at,
        plan_version=row.plan_version,
    )


def edits_of(assessment: Assessment) -> tuple[Edit, ...]:
    rows = edit_rows(assessment)
    names = assessments.user_names(row.author_id for row in rows)
    return tuple(_edit_value(row, names) for row in rows)


def load(assessment: Assessment) -> Roadmap | None:
    """The roadmap as it stands: the current plan and every edit over it; None before the first plan."""
    row = current_plan(assessment)
    if row is None:
        return None
    base = assessments.framework_of(assessment)
    custom = tuple(custom_initiative(payload) for payload in row.parameters.get("custom", []))
    framework = extended_framework(base, custom)
    result = result_from_dict(row.basis_result)
    plan = plan_from_dict(row.plan)
    edits = edits_of(assessment)
    catalogue = {initiative.code: initiative for initiative in framework.initiatives}

    def projector(codes: Sequence[str]) -> Projection:
        return project_with_initiatives(framework, result, codes)

    return Roadmap(
        assessment=assessment,
        row=row,
        plan=plan,
        framework=framework,
        result=result,
        edits=edits,
        effective=overlay(plan, edits, catalogue, projector),
        version=version_of(assessment),
        planning=PlanningInput.from_dict(row.parameters),
    )


# --- generating ----------------------------------------------------------------------------------------

# In order of preference: a consultant's re-score (with its reason) replaces the approved result it re-scored.
_BASIS_SNAPSHOTS = ("rescored", "approved", "submitted")


@dataclass(frozen=True)
class Basis:
    result: ScoreResult
    kind: str  # "snapshot" or "live"
    snapshot: ScoreSnapshot | None


def basis_of(assessment: Assessment) -> Basis:
    """The result to plan from (see the module docstring), with the office's current targets applied."""
    framework = assessments.framework_of(assessment)
    targets = results.targets_of(assessment, framework)
    if assessment.status_enum not in assessments.EDITABLE:
        for reason in _BASIS_SNAPSHOTS:
            snapshot = db.session.scalar(
                select(ScoreSnapshot)
                .where(ScoreSnapshot.assessment_id == assessment.id, ScoreSnapshot.reason == reason)
                .order_by(ScoreSnapshot.created_at.desc(), ScoreSnapshot.id.desc())
                .limit(1)
            )
            if snapshot is not None:
                return Basis(with_targets(result_from_dict(snapshot.result), targets), "snapshot", snapshot)
    live = results.live_score(assessment, guidance=False).result
    return Basis(with_targets(live, targets), "live", None)


def with_targets(result: ScoreResult, targets: Mapping[str, int]) -> ScoreResult:
    """The result with these targets and the gaps they give (the scores and levels are unchanged)."""
    dimensions = tuple(
        dataclasses.replace(
            dimension,
            target=targets.get(dimension.code, dimension.target),
            gap=max(0, targets.get(dimension.code, dimension.target) - dimension.level),
        )
        for dimension in result.dimensions
    )
    return dataclasses.replace(result, dimensions=dimensions, guidance=None)


def _additions(edits: Sequence[Edit]) -> tuple[list[str], list[dict[str, Any]]]:
    """The planner's inputs from the edits: catalogue codes to include, and custom initiatives (the latest
    definition of each code, in the order the codes first appeared)."""
    custom: dict[str, dict[str, Any]] = {}
    for edit in edits:
        if edit.kind is Kind.ADD_CUSTOM and edit.initiative:
            custom[edit.initiative] = dict(edit.payload)
    # A custom initiative's trigger never holds: it is planned because it is included.
    added = [e.initiative for e in edits if e.kind is Kind.ADD and e.initiative]
    return list(dict.fromkeys([*added, *custom])), list(custom.values())


def _make_plan(
    assessment: Assessment,
    planning: PlanningInput,
    edits: Sequence[Edit],
    today: dt.date,
) -> tuple[Plan, Basis, dict[str, Any]]:
    """Plan, or raise Invalid with the planner's problem in the user's language."""
    framework = assessments.framework_of(assessment)
    basis = basis_of(assessment)
    include, custom = _additions(edits)
    previous = previous_published(assessment)
    carried = open_initiatives(previous, framework) if previous is not None else []
    try:
        made = planner.plan(
            framework,
            basis.result,
            planning.parameters(),
            custom_initiatives=[custom_initiative(payload) for payload in custom],
            include=list(dict.fromkeys([*include, *carried])),
            today=today,
        )
    except PlanningError as error:
        raise _planning_invalid(error) from None
    parameters = {**planning.to_dict(), "today": today.isoformat(), "include": include, "custom": custom}
    if carried and previous is not None:
        parameters.update(carried_over=carried, carried_from=previous.cycle.code)
    return made, basis, parameters


# --- the previous cycle's roadmap (issue 22: the next roadmap starts from what is still open) ------------


def previous_published(assessment: Assessment) -> Assessment | None:
    """The office's published assessment of the latest earlier cycle: the roadmap followed until this one."""
    return db.session.scalar(_PREVIOUS_PUBLISHED, {"previous_of_id": assessment.id})


def previous_published_id_of(current: Any) -> Any:
    """`previous_published`'s id as a scalar subquery correlated to `current`, the Assessment entity (or an
    alias of it) of an enclosing statement: for a statement that reads more about it at once."""
    earlier, earlier_cycle, current_cycle = aliased(Assessment), aliased(Cycle), aliased(Cycle)
    opens_on = (
        select(current_cycle.opens_on)
        .where(current_cycle.id == current.cycle_id)
        .correlate(current)
        .scalar_subquery()
    )
    return (
        select(earlier.id)
        .join(earlier_cycle, earlier_cycle.id == earlier.cycle_id)
        .where(
            earlier.office_id == current.office_id,
            earlier.id != current.id,
            earlier.status == AssessmentStatus.PUBLISHED.value,
            earlier_cycle.opens_on < opens_on,
        )
        .order_by(earlier_cycle.opens_on.desc())
        .limit(1)
        .correlate(current)
        .scalar_subquery()
    )


# Built once with a bound parameter: every survey page asks, and building the statement cost more processor
# time than running it.
_CURRENT = aliased(Assessment)
_PREVIOUS_PUBLISHED = select(Assessment).where(
    Assessment.id
    == select(previous_published_id_of(_CURRENT))
    .where(_CURRENT.id == bindparam("previous_of_id"))
    .scalar_subquery()
)


def open_initiatives(previous: Assessment, framework: Framework) -> list[str]:
    """The initiatives of `previous`'s roadmap still open (neither done nor dropped; removed ones were never
    part of it) that `framework`'s catalogue still has, in that roadmap's order: the next roadmap carries
    them over. The consultants' own initiatives of that roadmap are not carried (their codes are theirs)."""
    roadmap = load(previous)
    if roadmap is None:
        return []
    closed = {TrackingStatus.DONE.value, TrackingStatus.DROPPED.value}
    rows = db.session.execute(
        select(InitiativeTracking.initiative_code, InitiativeTracking.status).where(
            InitiativeTracking.assessment_id == previous.id
        )
    ).all()
    statuses = {row.initiative_code: row.status for row in rows}
    catalogue = {initiative.code for initiative in framework.initiatives}
    return [
        item.code
        for item in roadmap.effective.items
        if not item.removed and item.code in catalogue and statuses.get(item.code) not in closed
    ]


def _store_plan(
    assessment: Assessment,
    made: Plan,
    basis: Basis,
    parameters: dict[str, Any],
    *,
    actor: User | None,
    cause: Cause,
) -> RoadmapPlan:
    latest = db.session.scalar(
        select(func.max(RoadmapPlan.version)).where(RoadmapPlan.assessment_id == assessment.id)
    )
    row = RoadmapPlan(
        assessment_id=assessment.id,
        version=int(latest or 0) + 1,
        cause=cause.value,
        parameters=parameters,
        plan=plan_to_dict(made),
        basis_result=result_to_dict(basis.result),
        score_basis=basis.kind,
        score_snapshot_id=basis.snapshot.id if basis.snapshot is not None else None,
        framework_fingerprint=assessment.framework_version.fingerprint,
        engine_version=PLANNER_VERSION,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "roadmap.generated",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={
            "plan_version": row.version,
            "cause": cause.value,
            "score_basis": basis.kind,
            "score_snapshot": row.score_snapshot_id,
            "framework_fingerprint": row.framework_fingerprint,
            "engine_version": PLANNER_VERSION,
            "start": parameters["start"],
            "horizon_months": parameters["horizon_months"],
            "initiatives": len(made.items),
            "not_fitting": len(made.not_fitting()),
            "warnings": len(made.warnings),
        },
    )
    return row


def _bump(assessment: Assessment, actor: User | None, expected_version: int | None) -> int:
    """Count one change of the roadmap; with `expected_version`, only if nobody changed it since (else
    Conflict, the transaction rolled back). Returns the new version."""
    state = db.session.scalar(select(RoadmapState).where(RoadmapState.assessment_id == assessment.id))
    if state is None:
        if expected_version not in (None, 0):
            db.session.rollback()
            raise Conflict
        state = RoadmapState(
            assessment_id=assessment.id, version=1, updated_by_id=actor.id if actor else None
        )
        db.session.add(state)
        try:
            db.session.flush()
        except IntegrityError:  # another consultant's first plan arrived at the same moment
            db.session.rollback()
            raise Conflict from None
        return 1
    current = state.version
    if expected_version is not None and current != expected_version:
        db.session.rollback()
        raise Conflict
    changed = db.session.execute(
        update(RoadmapState)
        .where(RoadmapState.id == state.id, RoadmapState.version == current)
        .values(version=current + 1, updated_at=utcnow(), updated_by_id=actor.id if actor else None)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict
    db.session.expire(state)
    return current + 1


def locked_message(assessment: Assessment) -> LazyString | None:
    """Why the roadmap can no longer be changed, or None while it can."""
    if assessment.status_enum is AssessmentStatus.PUBLISHED:
        return _l("This roadmap has been published to the office: it is no longer changed.")
    return None


def _ensure_changeable(assessment: Assessment) -> None:
    message = locked_message(assessment)
    if message is not None:
        raise Locked(Problem(None, message))


def generate(
    assessment: Assessment,
    *,
    actor: User | None,
    planning: PlanningInput | None = None,
    today: dt.date | None = None,
    cause: Cause = Cause.APPROVAL,
) -> RoadmapPlan:
    """Plan the assessment's roadmap and store it as a new version, keeping every consultant edit.

    For the review flow (issue 7): call it when approving, in the same transaction; it does not commit, so
    that the approval and its roadmap are stored together or not at all. Raises Invalid (nothing stored;
    roll back) when no plan can be made. `planning` defaults to the previous plan's choices, else to
    default_input()."""
    return _generate(assessment, actor=actor, planning=planning, today=today, cause=cause, expected=None)


def _generate(
    assessment: Assessment,
    *,
    actor: User | None,
    planning: PlanningInput | None,
    today: dt.date | None,
    cause: Cause,
    expected: int | None,
) -> RoadmapPlan:
    day = today or local_today()
    if planning is None:
        previous = current_plan(assessment)
        planning = (
            PlanningInput.from_dict(previous.parameters)
            if previous is not None
            else default_input(assessment, day)
        )
    else:
        _check_input(planning)
    made, basis, parameters = _make_plan(assessment, planning, edits_of(assessment), day)
    _bump(assessment, actor, expected)
    return _store_plan(assessment, made, basis, parameters, actor=actor, cause=cause)


def regenerate(
    assessment: Assessment,
    *,
    actor: User,
    expected_version: int,
    planning: PlanningInput | None = None,
    today: dt.date | None = None,
) -> Roadmap:
    """A consultant's (re)generation, with the parameters of the form; commits. The returned roadmap's
    `effective.inapplicable()` are the edits that no longer apply to the new plan."""
    _ensure_changeable(assessment)
    if version_of(assessment) != expected_version:
        raise Conflict
    _generate(
        assessment,
        actor=actor,
        planning=planning,
        today=today,
        cause=Cause.REGENERATED,
        expected=expected_version,
    )
    db.session.commit()
    roadmap = load(assessment)
    assert roadmap is not None  # noqa: S101 (just stored)
    return roadmap


# --- editing -------------------------------------------------------------------------------------------


def add_edit(
    assessment: Assessment,
    kind: RoadmapEditKind,
    *,
    actor: User,
    expected_version: int,
    reason: str,
    initiative: str | None = None,
    payload: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> RoadmapEdit:
    """Record one edit (checked against the roadmap as it stands) and commit. Additions re-plan at once; a
    refused addition (e.g. a prerequisite cycle) stores nothing. Raises Invalid or Conflict."""
    _ensure_changeable(assessment)
    roadmap = load(assessment)
    if roadmap is None:
        raise invalid(None, _l("No roadmap has been generated yet: generate one first."))
    if roadmap.version != expected_version:
        raise Conflict
    reason = _required_text(reason, "reason", _l("Please give the reason for this change."))
    checked = _CHECKS[kind](roadmap, initiative, dict(payload or {}))
    seq = max((edit.seq for edit in roadmap.edits), default=0) + 1
    row = RoadmapEdit(
        assessment_id=assessment.id,
        seq=seq,
        kind=kind.value,
        initiative_code=checked.initiative,
        payload=checked.payload,
        reason=reason,
        plan_version=roadmap.row.version,
        author_id=actor.id,
    )
    replanned = None
    if kind in (Kind.ADD, Kind.ADD_CUSTOM):
        new = Edit(seq, kind, checked.initiative, checked.payload, reason)
        replanned = _make_plan(assessment, roadmap.planning, (*roadmap.edits, new), today or local_today())
    # Count the change first: of two consultants editing at once, the second stops here.
    _bump(assessment, actor, expected_version)
    db.session.add(row)
    db.session.flush()
    if replanned is not None:
        _store_plan(assessment, *replanned, actor=actor, cause=Cause.EDIT)
    audit.record(
        "roadmap.edited",
        actor=actor,
        object_type="assessment",
        object_id=assessment.id,
        details={
            "seq": seq,
            "kind": kind.value,
            "initiative": checked.initiative,
            "payload": checked.payload,
            "reason": reason,
            "plan_version": roadmap.row.version,
        },
    )
    db.session.commit()
    return row


@dataclass(frozen=True)
class _Checked:
    initiative: str | None
    payload: dict[str, Any]


def _required_text(value: Any, field: str, message: LazyString, limit: int = REASON_MAX_LENGTH) -> str:
    text = str(value or "").strip()
    if not text:
        raise invalid(field, message)
    if len(text) > limit:
        raise invalid(field, _l("This text is too long (at most %(max)d characters).", max=limit))
    return text


def _present(roadmap: Roadmap, code: str | None, *, removed_too: bool = False) -> str:
    """The code of an initiative of the approved roadmap (not removed, unless `removed_too`)."""
    if not code or not roadmap.effective.has(code):
        raise invalid("initiative", _l("Please choose an initiative of this roadmap."))
    if not removed_too and roadmap.effective.item(code).removed:
        raise invalid("initiative", _l("%(code)s has been removed from this roadmap.", code=code))
    return code


def _check_add(roadmap: Roadmap, code: str | None, payload: dict[str, Any]) -> _Checked:
    catalogue = {i.code for i in assessments.framework_of(roadmap.assessment).initiatives}
    if not code or code not in catalogue:
        raise invalid("initiative", _l("Please choose an initiative of the catalogue."))
    if roadmap.effective.has(code) and not roadmap.effective.item(code).removed:
        raise invalid("initiative", _l("%(code)s is already in this roadmap.", code=code))
    return _Checked(code, {})


def _check_remove(roadmap: Roadmap, code: str | None, payload: dict[str, Any]) -> _Checked:
    code = _present(roadmap, code)
    justification = str(payload.get("justification") or "").strip()
    if roadmap.effective.item(code).item.mandatory and not justification:
        raise invalid(
            "justification",
            _l(
                "%(code)s is mandatory: removing it needs a justification (for example the document that "
                "exempts the office or the body that carries it out instead).",
                code=code,
            ),
        )
    if len(justification) > REASON_MAX_LENGTH:
        raise invalid(
            "justification", _l("This text is too long (at most %(max)d characters).", max=REASON_MAX_LENGTH)
        )
    return _Checked(code, {"justification": justification} if justification else {})


def _check_move(roadmap: Roadmap, code: str | None, payload: dict[str, Any]) -> _Checked:
    code = _present(roadmap, code)
    quarter = str(payload.get("quarter") or "")
    if quarter not in roadmap.effective.quarters() or quarter_start(roadmap.plan, quarter) is None:
        raise invalid("quarter", _l("Please choose a quarter within the roadmap's horizon."))
    item = roadmap.effective.item(code)
    if item.start_quarter == quarter:
        raise invalid("quarter", _l("%(code)s already starts in that quarter.", code=code))
    return _Checked(code, {"quarter": quarter, "from_quarter": item.start_quarter})


def _check_reorder(roadmap: Roadmap, code: str | None, payload: dict[str, Any]) -> _Checked:
    code = _present(roadmap, code, removed_too=True)
    count = len(roadmap.effective.items)
    try:
        position = int(payload.get("position"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        position = 0
    if not 1 <= position <= count:
        raise invalid("position", _l("Please give a position from 1 to %(count)d.", count=count))
    current = roadmap.effective.item(code).position
    if position == current:
        raise invalid("position", _l("%(code)s is already at that position.", code=code))
    return _Checked(code, {"position": position, "from_position": current})


def _check_note(roadmap: Roadmap, code: str | None, payload: dict[str, Any]) -> _Checked:
    if code:
        code = _present(roadmap, code, removed_too=True)
    text = _required_text(payload.get("text"), "text", _l("Please write the note."), TEXT_MAX_LENGTH)
    return _Checked(code or None, {"text": text})


def _check_custom(roadmap: Roadmap, code: str | None, payload: dict[str, Any]) -> _Checked:
    """A consultant's initiative, checked field by field here; what needs the whole catalogue (clashes,
    unknown prerequisites, cycles) the planner checks when the roadmap is re-planned with it."""
    code = str(payload.get("code") or code or "").strip().upper()
    if not CUSTOM_CODE.match(code):
        raise invalid(
            "code",
            _l("A code is 1 to 32 letters, digits, dots, dashes or underscores, for example X-01."),
        )
    framework = assessments.framework_of(roadmap.assessment)
    if any(initiative.code == code for initiative in framework.initiatives):
        raise invalid(
            "code", _l("The code %(code)s is already used by an initiative of the catalogue.", code=code)
        )
    name = payload.get("name") or {}
    name_vi = _required_text(
        name.get("vi"), "name_vi", _l("Please enter the Vietnamese name."), NAME_MAX_LENGTH
    )
    name_en = str(name.get("en") or "").strip()[:NAME_MAX_LENGTH]
    description = payload.get("description") or {}
    dimensions = {dimension.code for dimension in framework.dimensions}
    raises = []
    for uplift in payload.get("raises") or []:
        dimension = str(uplift.get("dimension") or "")
        if dimension not in dimensions:
            raise invalid("dimension", _l("Please choose a dimension of the framework."))
        levels = _whole(uplift.get("levels"), 1, 4, "levels")
        raises.append({"dimension": dimension, "levels": levels})
    if not raises:
        raise invalid("dimension", _l("Please choose the dimension the initiative raises."))
    known = {initiative.code for initiative in roadmap.framework.initiatives}
    prerequisites = [str(p) for p in payload.get("prerequisites") or []]
    for prerequisite in prerequisites:
        if prerequisite not in known and prerequisite != code:
            raise invalid("prerequisites", _l("%(code)s is not an initiative.", code=prerequisite))
    duration = _whole(payload.get("duration_months"), 1, MAX_CUSTOM_DURATION, "duration_months")
    try:
        effort = float(payload.get("effort_person_months"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        effort = 0.0
    if not 0 < effort <= MAX_CUSTOM_EFFORT:
        raise invalid(
            "effort_person_months",
            _l("The effort is a positive number of person-months, at most %(max)d.", max=MAX_CUSTOM_EFFORT),
        )
    cost_class = str(payload.get("cost_class") or "")
    if cost_class not in {c.value for c in CostClass}:
        raise invalid("cost_class", _l("Please choose a cost class."))
    mandatory = bool(payload.get("mandatory"))
    deadline = payload.get("deadline") or None
    if deadline and not mandatory:
        raise invalid("deadline", _l("Only a mandatory initiative has a legal deadline."))
    if deadline:
        try:
            deadline = dt.date.fromisoformat(str(deadline)).isoformat()
        except ValueError:
            raise invalid("deadline", _l("Please give the deadline as a date.")) from None
    kpis = [
        {"vi": str(kpi.get("vi") or "").strip(), "en": str(kpi.get("en") or kpi.get("vi") or "").strip()}
        for kpi in payload.get("kpis") or []
        if str(kpi.get("vi") or kpi.get("en") or "").strip()
    ]
    definition = {
        "code": code,
        "name": {"vi": name_vi, "en": name_en or name_vi},
        "description": {
            "vi": str(description.get("vi") or "").strip()[:TEXT_MAX_LENGTH],
            "en": str(description.get("en") or description.get("vi") or "").strip()[:TEXT_MAX_LENGTH],
        },
        "raises": raises,
        "prerequisites": list(dict.fromkeys(prerequisites)),
        "duration_months": duration,
        "effort_person_months": effort,
        "cost_class": cost_class,
        "mandatory": mandatory,
        "deadline": deadline,
        "kpis": kpis,
    }
    return _Checked(code, definition)


def _whole(value: Any, low: int, high: int, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        raise invalid(field, _l("Please give a whole number from %(low)d to %(high)d.", low=low, high=high))
    return number


_CHECKS: dict[RoadmapEditKind, Callable[[Roadmap, str | None, dict[str, Any]], _Checked]] = {
    Kind.ADD: _check_add,
    Kind.ADD_CUSTOM: _check_custom,
    Kind.REMOVE: _check_remove,
    Kind.MOVE: _check_move,
    Kind.REORDER: _check_reorder,
    Kind.NOTE: _check_note,
}
