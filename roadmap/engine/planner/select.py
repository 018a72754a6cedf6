"""Stage 1, select: which initiatives a result calls for.

An initiative is *triggered* when its trigger holds on the result; the condition's evaluation is kept as its
rationale (the real "because", leaf by leaf). An initiative named in ``include`` (a consultant's addition)
is *included* even if its trigger does not hold. Every prerequisite of a triggered or included initiative,
transitively, joins as an *enabler*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import Evaluation, ProfileValue, evaluate
from roadmap.engine.framework import Initiative
from roadmap.engine.planner.parameters import PlanningError, PlanningParameters
from roadmap.engine.planner.results import Origin
from roadmap.engine.scoring import DimensionResult, Exclusion, ScoreResult


class ResultFacts:
    """What triggers see: the answers the respondent could see, and the result's scores, levels and gaps."""

    __slots__ = ("answers", "dimensions", "profile_values")

    def __init__(self, result: ScoreResult) -> None:
        self.answers: dict[str, Answer] = {
            q.code: q.answer
            for q in result.questions
            if q.answer is not None
            and q.exclusion not in (Exclusion.HIDDEN, Exclusion.NOT_APPLICABLE_BY_RULE)
        }
        # A dimension that does not apply to the office has no score, level or gap to trigger on.
        self.dimensions: dict[str, DimensionResult] = {d.code: d for d in result.dimensions if d.applies}
        self.profile_values: dict[str, ProfileValue] = result.profile_values()

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def profile(self, profile_code: str) -> ProfileValue | None:
        return self.profile_values.get(profile_code)

    def score(self, dimension_code: str) -> float | None:
        dimension = self.dimensions.get(dimension_code)
        return None if dimension is None else dimension.score

    def level(self, dimension_code: str) -> int | None:
        dimension = self.dimensions.get(dimension_code)
        return None if dimension is None else dimension.level

    def gap(self, dimension_code: str) -> int | None:
        dimension = self.dimensions.get(dimension_code)
        return None if dimension is None else dimension.gap


@dataclass(slots=True)
class Candidate:
    """A proposed initiative on its way through the stages: selection finds why it is proposed and what
    needs it; prioritisation (roadmap.engine.planner.prioritise) adds its priority and inherited urgency."""

    initiative: Initiative
    origin: Origin
    rationale: Evaluation  # the trigger's evaluation: why (holds) or why not (enablers, included)
    needed_by: list[str] = field(default_factory=list)
    priority: float = 0.0
    dimension: str = ""  # the raised dimension whose gap the priority counts
    gap: int = 0
    schedule_priority: float = 0.0
    schedule_deadline: dt.date | None = None
    # Mandatory for this office: a mandatory initiative whose obligation applies to its profile.
    mandatory: bool = False
    # The date its obligation (or a 1.0.0 `deadline`) sets, resolved against the plan's start; in force
    # for a mandatory initiative that is not an enabler. `overdue`: it had passed when the plan was made.
    deadline: dt.date | None = None
    overdue: bool = False
    schedule_overdue: bool = False  # its own, or that of an initiative that needs it


@dataclass(frozen=True, slots=True)
class Selection:
    """The candidates in catalogue order, and the catalogue's initiatives that nothing calls for."""

    candidates: dict[str, Candidate]
    not_proposed: tuple[str, ...]


def due_date(initiative: Initiative, params: PlanningParameters) -> dt.date | None:
    """The date an initiative's obligation sets: an absolute date, or the last day of the N-th month of the
    plan (`months_after_start`); the `deadline` of a file of format 1.0.0."""
    obligation = initiative.obligation
    if obligation is None:
        return initiative.deadline
    if obligation.due_months is not None:
        return params.start.plus(obligation.due_months - 1).last_day
    return obligation.due_date


def select(
    catalogue: Mapping[str, Initiative],
    result: ScoreResult,
    included: tuple[str, ...],
    params: PlanningParameters,
    reference_day: dt.date | None = None,
) -> Selection:
    """Triggered and included initiatives and their prerequisites (enablers), in catalogue order; refuses a
    horizon shorter than the shortest of them (horizon_too_short)."""
    facts = ResultFacts(result)
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
    candidates: dict[str, Candidate] = {}
    passed_before = max(reference_day or params.start.first_day, params.start.first_day)
    for code in codes:
        holds = evaluations[code].holds
        origin = Origin.TRIGGERED if holds else Origin.INCLUDED if code in included else Origin.ENABLER
        candidate = Candidate(catalogue[code], origin, evaluations[code])
        initiative = catalogue[code]
        obligation = initiative.obligation
        applies = (
            obligation is None
            or obligation.applies_if is None
            or evaluate(obligation.applies_if, facts).holds
        )
        # An obligation that does not apply to the office (its profile) leaves an ordinary recommendation.
        candidate.mandatory = initiative.mandatory and applies
        if candidate.mandatory and origin is not Origin.ENABLER:
            candidate.deadline = due_date(initiative, params)
            candidate.overdue = candidate.deadline is not None and candidate.deadline < passed_before
        candidates[code] = candidate
    for code in codes:
        for prerequisite in dict.fromkeys(catalogue[code].prerequisites):
            candidates[prerequisite].needed_by.append(code)
    return Selection(candidates, tuple(code for code in catalogue if code not in proposed))
