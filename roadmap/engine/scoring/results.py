"""What scoring returns: per question, per dimension and overall results, next-level guidance and
projections, and the consultants' overrides that scoring takes beside the answers. Frozen values; how they
are stored is in roadmap.engine.scoring.snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from roadmap.engine.answers import Answer, StoredAnswerValue
from roadmap.engine.conditions import Evaluation, ProfileValue
from roadmap.engine.framework import LocalText
from roadmap.engine.stored import stored_form

# 2.0.0: a gate caps the score that reaches the index, not only the level (docs/scoring.md); results of
# 1.0.0 keep their version in their snapshots and are never re-scored silently.
ENGINE_VERSION = "2.0.0"

# ---------------------------------------------------------------------------------------------------------
# Inputs beside the answers


def _override_form(value: str, convert: Callable[[Any], Any]) -> Any:
    """An override stored as {"value", "justification", "author"}: its points or its level as "value"."""
    return stored_form(
        lambda override: {
            "value": getattr(override, value),
            "justification": override.justification,
            "author": override.author,
        },
        lambda cls, data: cls(convert(data["value"]), data["justification"], data["author"]),
    )


@dataclass(frozen=True, slots=True)
class PointsOverride:
    """A consultant's points (0–1) for one question, replacing the computed points."""

    points: float
    justification: str
    author: str

    __get_pydantic_core_schema__ = _override_form("points", float)


@dataclass(frozen=True, slots=True)
class LevelOverride:
    """A consultant's final level (1–5) for one dimension; the computed level stays visible."""

    level: int
    justification: str
    author: str

    __get_pydantic_core_schema__ = _override_form("level", int)


# ---------------------------------------------------------------------------------------------------------
# Results


class Exclusion(StrEnum):
    """Why a question does not count in its dimension's score."""

    HIDDEN = "hidden"  # show_if does not hold
    NOT_SCORED = "not_scored"  # weight 0 or a text question
    NOT_APPLICABLE = "not_applicable"
    UNANSWERED = "unanswered"
    # Its own or its dimension's `applies_if` does not hold for the office's profile: not applicable by
    # rule, whatever the respondent answered.
    NOT_APPLICABLE_BY_RULE = "not_applicable_by_rule"


@dataclass(frozen=True, slots=True)
class QuestionResult:
    code: str
    dimension: str
    answer: Answer | None
    weight: float
    counted: bool
    exclusion: Exclusion | None  # None when counted
    dont_know: bool
    points_before_discount: float | None  # None when not counted
    evidence_required: bool  # the claim is at/above the question's evidence threshold
    has_evidence: bool
    evidence_discounted: bool
    computed_points: float | None  # after the evidence discount
    override: PointsOverride | None
    points: float | None  # what counts: the override's points, else computed_points
    # Not applicable by rule: the `applies_if` (the question's or its dimension's) that does not hold.
    not_applicable_because: Evaluation | None = None


@dataclass(frozen=True, slots=True)
class GateResult:
    """A gate whose condition held for this assessment; `capped` when it lowered the band's level."""

    code: str
    max_level: int
    capped: bool
    message: LocalText
    evaluation: Evaluation


@dataclass(frozen=True, slots=True)
class DimensionResult:
    code: str
    group: str
    dti: str
    weight: float
    score: float  # 0–100, rounded to score_decimals; what counts: at most the top of a capping gate's band
    raw_level: int  # band of the raw score
    gates: tuple[GateResult, ...]  # every gate of the dimension whose condition held, in file order
    computed_level: int  # raw level capped by the gates
    level_override: LevelOverride | None
    level: int  # final: the override's level, else computed_level
    coverage: float
    applicable: int
    answered: int  # including "don't know"
    dont_know: int
    counted_weight: float  # Σ weight of counted questions (the score's denominator)
    target: int
    gap: int  # max(0, target − level)
    contribution: float  # weight / Σweights × score × 10, rounded to index_decimals + 2
    # The score of the answers before any gate capped it (None in snapshots of engine 1.0.0, where the
    # score was never capped), and the gate whose cap lowered it (the lowest cap; file order on a tie).
    raw_score: float | None = None
    capped_by: str | None = None
    # Not applicable by rule: the dimension's `applies_if` that does not hold for the office's profile. Such
    # a dimension is left out of the index (its weight too), its score is 0 and its gap 0.
    not_applicable_because: Evaluation | None = None
    # The subtotals (0–100) of the dimension's groups of questions (a model's streams), in file order.
    subtotals: tuple[Subtotal, ...] = ()

    @property
    def applies(self) -> bool:
        return self.not_applicable_because is None


@dataclass(frozen=True, slots=True)
class Subtotal:
    code: str
    value: float

    # Stored as a [code, value] pair.
    __get_pydantic_core_schema__ = stored_form(
        lambda subtotal: [subtotal.code, subtotal.value],
        lambda cls, data: cls(str(data[0]), float(data[1])),
    )


@dataclass(frozen=True, slots=True)
class ProfileAnswer:
    """One answer of the office's profile that the result was scored with."""

    code: str
    value: StoredAnswerValue


@dataclass(frozen=True, slots=True)
class ConsistencyWarning:
    code: str
    questions: tuple[str, ...]
    message: LocalText
    evaluation: Evaluation


class GuidanceStatus(StrEnum):
    REACHABLE = "reachable"
    BLOCKED_BY_GATE = "blocked_by_gate"  # a gate that no change of answers clears
    OUT_OF_REACH = "out_of_reach"  # answers cannot raise the score enough
    LEVEL_OVERRIDDEN = "level_overridden"  # the level was set by a consultant, answers cannot move it


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """One suggested change: answer `question` with `answer` (and attach evidence when `add_evidence`)."""

    question: str
    dimension: str
    previous: Answer | None
    answer: Answer
    add_evidence: bool
    points: float | None  # the new answer's points (with evidence)
    clears_gate: str | None  # the gate this change is part of clearing, if any
    level_after: int  # the guided dimension's level after this and every earlier change (re-scored)


@dataclass(frozen=True, slots=True)
class DimensionGuidance:
    dimension: str
    current_level: int
    target_level: int
    status: GuidanceStatus
    changes: tuple[AnswerChange, ...]
    reached_level: int  # re-scored level after all changes
    blocking_gates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoreResult:
    framework_id: str
    framework_version: str
    engine_version: str
    questions: tuple[QuestionResult, ...]
    dimensions: tuple[DimensionResult, ...]
    index: float  # 0–1000
    level: int
    groups: tuple[Subtotal, ...]
    dti: tuple[Subtotal, ...]
    warnings: tuple[ConsistencyWarning, ...]
    coverage: float
    known: float  # share of applicable questions answered with a real value
    evidenced: float  # share of evidence-requiring claims that have evidence
    confidence: float
    ignored_overrides: tuple[str, ...]
    guidance: tuple[DimensionGuidance, ...] | None = None  # None when not requested
    # The inputs besides the answers that a projection re-scores with: the office's profile, and the day
    # ages were counted to (None when no question is scored by a date's age).
    profile: tuple[ProfileAnswer, ...] = ()
    reference_date: dt.date | None = None

    def profile_values(self) -> dict[str, ProfileValue]:
        values: dict[str, ProfileValue] = {}
        for answer in self.profile:
            if isinstance(answer.value, str | bool | frozenset):
                values[answer.code] = answer.value
        return values

    def dimension(self, code: str) -> DimensionResult:
        for dimension in self.dimensions:
            if dimension.code == code:
                return dimension
        raise KeyError(code)

    def question(self, code: str) -> QuestionResult:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)

    def guidance_for(self, dimension_code: str) -> DimensionGuidance | None:
        for guidance in self.guidance or ():
            if guidance.dimension == dimension_code:
                return guidance
        return None


@dataclass(frozen=True, slots=True)
class DimensionProjection:
    code: str
    level_before: int
    level: int  # the level of the answers with the initiatives' effects, scored again
    score_before: float
    score: float  # the score (counted, gates applied) of those answers
    uplift: int  # level − level_before (engine 1.0.0: the Σ of the initiatives' `raises`)

    # Stored as [code, level_before, level, score_before, score, uplift].
    __get_pydantic_core_schema__ = stored_form(
        lambda d: [d.code, d.level_before, d.level, d.score_before, d.score, d.uplift],
        lambda cls, data: cls(
            str(data[0]), int(data[1]), int(data[2]), float(data[3]), float(data[4]), int(data[5])
        ),
    )


@dataclass(frozen=True, slots=True)
class Projection:
    initiatives: tuple[str, ...]  # sorted, unique
    dimensions: tuple[DimensionProjection, ...]
    index: float
    level: int
