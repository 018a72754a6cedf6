"""The scoring engine: answers → points → dimension scores and levels (capped by gates) → index, with a trace.

Pure and deterministic: it takes a framework and plain values and returns frozen values; the same input gives
the same output bit for bit (everything is produced in framework order, never in set order).

Semantics are those of docs/framework-format.md ("Scoring"). Decisions taken here, once:

Rounding
    Points, weights and the evidence discount are turned into exact decimals from their shortest repr
    (``Decimal(str(x))``, so 0.35 is 0.35, not 0.34999…). Sums are computed in ``Decimal`` (exact for such
    inputs). A dimension score ``100 × Σ(weight × points) / Σ weight`` is rounded once, ROUND_HALF_UP, to
    ``score_decimals``; its level is the band of the ROUNDED score, then capped by gates. The index
    ``Σ(weightᵢ × scoreᵢ) × 10 / Σ weights`` is computed from the rounded scores in one division and rounded
    ROUND_HALF_UP to ``index_decimals``; the overall level is the band of ``index / 10``. Group and DTI
    subtotals are the same sum restricted to their dimensions, rounded like the index (so they may differ
    from the index by the rounding of the parts); a dimension's ``contribution`` is its own term, rounded to
    ``index_decimals + 2``. No unrounded score or index is ever stored.

Coverage
    Over applicable questions: visible (``show_if`` holds), not N/A and scored (weight > 0, not text).
    Coverage = answered (including "don't know") / applicable; 1.0 when nothing is applicable (see
    ``applicable`` to tell that case apart).

Confidence (0–1, rounded half-up to 3 decimals)
    ``confidence = known × (1/2 + 1/2 × evidenced) × 0.9 ^ warnings`` where ``known`` is the share of
    applicable questions answered with a real value (coverage without "don't know"), ``evidenced`` the share
    of claims at or above their evidence threshold that have evidence (1 when there are none) and
    ``warnings`` the number of consistency warnings. So unanswered or "don't know" questions lower it in
    proportion, unproven claims can halve it at most, and each contradiction costs 10 %.

Other decisions
    * A hidden question's answer is invisible to every condition (``show_if``, gates, consistency checks), as
      if unanswered: hiding cascades, and nothing depends on what the respondent could not see.
    * "Don't know" never triggers the evidence discount (it claims nothing).
    * A points override (consultant) replaces the points of a counted question after the discount; the
      computed points are kept beside it. Overrides of questions that do not count are kept in
      ``ScoreResult.ignored_overrides``.
    * Gates may look at other dimensions' scores, levels and gaps; dimensions are resolved in dependency
      order (a dimension's final level, override included, is known before a gate that reads it). In a
      cycle (the loader rejects them) a level not yet final would read as its uncapped level.
    * Projection (``project_with_initiatives``): level + Σ uplift, at most 5; a raised dimension's score is
      lifted to its projected band's minimum; the index is recomputed with the rounding above.

Speed: ``scorer_for(framework)`` compiles a framework once (exact decimals, look-up tables); each question
memoises the outcome of the answers it has seen (results are immutable, so they are shared), and show_if
uses ``holds`` (no trace). Traces are built only for gates and checks that hold.
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from itertools import combinations, product
from typing import Any

from roadmap.engine.answers import Answer, AnswerState, AnswerValue
from roadmap.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Evaluation,
    Leaf,
    LeafTrace,
    LeafValue,
    Operator,
    Subject,
    evaluate,
    holds,
)
from roadmap.engine.framework import (
    Framework,
    Gate,
    LocalText,
    Question,
    QuestionType,
    ScoringRules,
)

ENGINE_VERSION = "1.0.0"

__all__ = [
    "ENGINE_VERSION",
    "AnswerChange",
    "ConsistencyWarning",
    "DimensionGuidance",
    "DimensionProjection",
    "DimensionResult",
    "Exclusion",
    "GateResult",
    "GuidanceStatus",
    "InvalidAnswer",
    "InvalidInput",
    "LevelOverride",
    "PointsOverride",
    "Projection",
    "QuestionResult",
    "ScoreResult",
    "Scorer",
    "ScoringError",
    "Subtotal",
    "next_level_guidance",
    "project_with_initiatives",
    "result_from_dict",
    "result_to_dict",
    "score",
    "scorer_for",
    "validate_answer",
    "validate_answers",
    "with_answers",
]

# ---------------------------------------------------------------------------------------------------------
# Errors


class ScoringError(ValueError):
    """Bad input to the engine: a machine `code` (for the web layer to localise) and an English message."""

    def __init__(self, code: str, subject: str, detail: str) -> None:
        super().__init__(code, subject, detail)  # args as given, so that errors pickle
        self.code = code
        self.subject = subject
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.subject}: {self.detail}"


class InvalidAnswer(ScoringError):  # noqa: N818 - the name the web layer and the issue use
    """An answer that the question does not allow. Codes: question_unknown, na_not_allowed,
    dont_know_not_allowed, value_missing, value_unexpected, value_type, value_not_finite, option_unknown,
    selection_empty, options_exclusive, value_out_of_range."""

    def __init__(self, code: str, question: str, detail: str) -> None:
        super().__init__(code, question, detail)
        self.question = question


class InvalidInput(ScoringError):  # noqa: N818 - pairs with InvalidAnswer
    """A bad override, target or initiative code. Codes: question_unknown, dimension_unknown,
    initiative_unknown, points_out_of_range, level_out_of_range."""


# ---------------------------------------------------------------------------------------------------------
# Inputs beside the answers


@dataclass(frozen=True, slots=True)
class PointsOverride:
    """A consultant's points (0–1) for one question, replacing the computed points."""

    points: float
    justification: str
    author: str


@dataclass(frozen=True, slots=True)
class LevelOverride:
    """A consultant's final level (1–5) for one dimension; the computed level stays visible."""

    level: int
    justification: str
    author: str


# ---------------------------------------------------------------------------------------------------------
# Results


class Exclusion(StrEnum):
    """Why a question does not count in its dimension's score."""

    HIDDEN = "hidden"  # show_if does not hold
    NOT_SCORED = "not_scored"  # weight 0 or a text question
    NOT_APPLICABLE = "not_applicable"
    UNANSWERED = "unanswered"


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
    score: float  # 0–100, rounded to score_decimals
    raw_level: int  # band of the score
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


@dataclass(frozen=True, slots=True)
class Subtotal:
    code: str
    value: float


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
    level: int  # min(5, level_before + Σ uplift)
    score_before: float
    score: float  # max(score_before, minimum of the projected level's band)
    uplift: int


@dataclass(frozen=True, slots=True)
class Projection:
    initiatives: tuple[str, ...]  # sorted, unique
    dimensions: tuple[DimensionProjection, ...]
    index: float
    level: int


# ---------------------------------------------------------------------------------------------------------
# Decimal helpers

# Scoring never depends on the caller's decimal context.
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)
_ZERO = Decimal(0)
_ONE = Decimal(1)
_TEN = Decimal(10)
_HUNDRED = Decimal(100)
_CONFIDENCE_STEP = Decimal("0.001")
_WARNING_FACTOR = Decimal("0.9")
_HALF = Decimal("0.5")


def _dec(value: float) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _step(decimals: int) -> Decimal:
    return _ONE.scaleb(-decimals)


# ---------------------------------------------------------------------------------------------------------
# Compiled framework


class _Facts:
    """What conditions see: visible answers and, once known, dimension scores, levels and gaps."""

    __slots__ = ("answers", "levels", "scores", "targets")

    def __init__(
        self,
        answers: Mapping[str, Answer],
        scores: Mapping[str, float] | None = None,
        levels: Mapping[str, int] | None = None,
        targets: Mapping[str, int] | None = None,
    ) -> None:
        self.answers = answers
        self.scores = scores or {}
        self.levels = levels or {}
        self.targets = targets or {}

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def score(self, dimension_code: str) -> float | None:
        return self.scores.get(dimension_code)

    def level(self, dimension_code: str) -> int | None:
        return self.levels.get(dimension_code)

    def gap(self, dimension_code: str) -> int | None:
        level = self.levels.get(dimension_code)
        target = self.targets.get(dimension_code)
        if level is None or target is None:
            return None
        return max(0, target - level)


_COUNTED, _DONT_KNOW, _NOT_APPLICABLE, _NOT_SCORED = range(4)
_MEMO_LIMIT = 512  # outcomes memoised per question (number answers can take many values)


class _Outcome:
    """A validated answer's effect on its question: its result when shown and, when it counts, weight × points
    and whether it is a claim needing evidence (and has it). The result when hidden is built when needed."""

    __slots__ = ("_hidden", "claim", "evidenced", "kind", "shown", "weighted")

    def __init__(
        self,
        kind: int,
        shown: QuestionResult,
        weighted: Decimal = _ZERO,
        claim: bool = False,
        evidenced: bool = False,
    ) -> None:
        self.kind = kind
        self.shown = shown
        self.weighted = weighted
        self.claim = claim
        self.evidenced = evidenced
        self._hidden: QuestionResult | None = None

    def hidden(self) -> QuestionResult:
        if self._hidden is None:
            self._hidden = dataclasses.replace(
                self.shown,
                counted=False,
                exclusion=Exclusion.HIDDEN,
                dont_know=False,
                points_before_discount=None,
                evidence_required=False,
                has_evidence=False,
                evidence_discounted=False,
                computed_points=None,
                points=None,
            )
        return self._hidden


class _CompiledQuestion:
    """One question with its points as exact decimals and a validating points function for its type."""

    __slots__ = (
        "allow_dont_know",
        "allow_na",
        "code",
        "dimension",
        "dimension_index",
        "dont_know_points",
        "exclusive",
        "hidden_unanswered",
        "high",
        "keep_after_discount",
        "low",
        "memo",
        "not_scored_unanswered",
        "option_codes",
        "options",
        "points_of",
        "question",
        "scored",
        "show_if",
        "step_points",
        "step_values",
        "threshold",
        "unanswered",
        "weight",
        "weight_d",
    )

    def __init__(self, question: Question, dimension_index: int, rules: ScoringRules | None = None) -> None:
        self.question = question
        self.code = question.code
        self.dimension = question.dimension
        self.dimension_index = dimension_index
        self.weight = float(question.weight)
        self.weight_d = _dec(question.weight)
        self.scored = question.weight > 0 and question.type is not QuestionType.TEXT
        self.show_if = question.show_if
        self.allow_na = question.allow_na
        self.allow_dont_know = question.allow_dont_know
        self.options = {option.code: _dec(option.points) for option in question.options}
        self.option_codes = frozenset(self.options)
        self.exclusive = frozenset(option.code for option in question.options if option.exclusive)
        self.step_values = tuple(float(step.at_least) for step in question.points_by_value)
        self.step_points = tuple(_dec(step.points) for step in question.points_by_value)
        if question.type is QuestionType.PERCENT:
            self.low, self.high = 0.0, 100.0
        else:
            self.low = -math.inf if question.min_value is None else float(question.min_value)
            self.high = math.inf if question.max_value is None else float(question.max_value)
        threshold = question.evidence_threshold
        self.threshold = None if threshold is None else _dec(threshold)
        handlers: dict[QuestionType, Callable[[AnswerValue], Decimal | None]] = {
            QuestionType.SINGLE_CHOICE: self._choice_points,
            QuestionType.SCALE: self._choice_points,
            QuestionType.MULTI_CHOICE: self._multi_points,
            QuestionType.YES_NO: self._yes_no_points,
            QuestionType.NUMBER: self._numeric_points,
            QuestionType.PERCENT: self._numeric_points,
            QuestionType.TEXT: self._text_points,
        }
        self.points_of = handlers[question.type]
        self.dont_know_points = _dec(rules.dont_know_points) if rules is not None else _ZERO
        self.keep_after_discount = _ONE - _dec(rules.evidence_discount) if rules is not None else _ONE
        self.memo: dict[tuple[object, ...], _Outcome] = {}
        self.unanswered = self._result(None, Exclusion.UNANSWERED)
        self.hidden_unanswered = self._result(None, Exclusion.HIDDEN)
        self.not_scored_unanswered = self._result(None, Exclusion.NOT_SCORED)

    def outcome_of(self, answer: Answer, has_evidence: bool) -> _Outcome:
        """What `answer` makes of this question (validated), memoised: results are immutable and shared."""
        value = answer.value
        if value.__class__ is float and value == 0.0:
            # -0.0 == 0.0: not memoised, so that a result always carries the answer it was given.
            return self._outcome(answer, has_evidence)
        key = (answer.state, value.__class__, value, has_evidence)
        try:
            outcome = self.memo.get(key)
        except TypeError:  # an unhashable value: _outcome refuses it with a clear message
            return self._outcome(answer, has_evidence)
        if outcome is None:
            outcome = self._outcome(answer, has_evidence)
            if len(self.memo) < _MEMO_LIMIT:
                self.memo[key] = outcome
        return outcome

    def _outcome(self, answer: Answer, has_evidence: bool) -> _Outcome:
        raw = self.check(answer)
        if not self.scored:
            return _Outcome(_NOT_SCORED, self._result(answer, Exclusion.NOT_SCORED))
        if answer.state is AnswerState.NOT_APPLICABLE:
            return _Outcome(_NOT_APPLICABLE, self._result(answer, Exclusion.NOT_APPLICABLE))
        if raw is None:  # "don't know": counted with dont_know_points, never a claim
            points = float(self.dont_know_points)
            shown = QuestionResult(
                self.code,
                self.dimension,
                answer,
                self.weight,
                True,
                None,
                True,
                points,
                False,
                False,
                False,
                points,
                None,
                points,
            )
            return _Outcome(_DONT_KNOW, shown, self.weight_d * self.dont_know_points)
        claim = self.threshold is not None and raw >= self.threshold
        discounted = claim and not has_evidence
        counted = raw * self.keep_after_discount if discounted else raw
        before = float(raw)
        after = float(counted) if discounted else before
        shown = QuestionResult(
            self.code,
            self.dimension,
            answer,
            self.weight,
            True,
            None,
            False,
            before,
            claim,
            claim and has_evidence,
            discounted,
            after,
            None,
            after,
        )
        return _Outcome(_COUNTED, shown, self.weight_d * counted, claim, claim and has_evidence)

    def _result(self, answer: Answer | None, exclusion: Exclusion) -> QuestionResult:
        return QuestionResult(
            self.code,
            self.dimension,
            answer,
            self.weight,
            False,
            exclusion,
            False,
            None,
            False,
            False,
            False,
            None,
            None,
            None,
        )

    def check(self, answer: Answer) -> Decimal | None:
        """Validate `answer`; the raw points of an answered value of a scored type, else None."""
        value = answer.value
        state = answer.state
        if state is AnswerState.ANSWERED:
            if value is None:
                raise InvalidAnswer("value_missing", self.code, "an answer needs a value")
            return self.points_of(value)
        if value is not None:
            raise InvalidAnswer("value_unexpected", self.code, f"a {state.value!r} answer takes no value")
        if state is AnswerState.NOT_APPLICABLE:
            if not self.allow_na:
                raise InvalidAnswer("na_not_allowed", self.code, "'not applicable' is not allowed here")
        elif state is AnswerState.DONT_KNOW:
            if not self.allow_dont_know:
                raise InvalidAnswer("dont_know_not_allowed", self.code, "'don't know' is not allowed here")
        else:  # pragma: no cover - AnswerState is closed
            raise InvalidAnswer("value_type", self.code, f"unknown answer state {state!r}")
        return None

    def _type_error(self, value: object, expected: str) -> InvalidAnswer:
        return InvalidAnswer("value_type", self.code, f"expected {expected}, got {type(value).__name__}")

    def _choice_points(self, value: AnswerValue) -> Decimal:
        if not isinstance(value, str):
            raise self._type_error(value, "an option code")
        points = self.options.get(value)
        if points is None:
            raise InvalidAnswer(
                "option_unknown", self.code, f"{value!r} is not one of {', '.join(self.options)}"
            )
        return points

    def _multi_points(self, value: AnswerValue) -> Decimal:
        if not isinstance(value, frozenset):
            raise self._type_error(value, "a set of option codes")
        if not value:
            raise InvalidAnswer("selection_empty", self.code, "choose at least one option")
        unknown = value - self.option_codes
        if unknown:
            raise InvalidAnswer(
                "option_unknown",
                self.code,
                f"{', '.join(sorted(unknown))} not among {', '.join(self.options)}",
            )
        if len(value) > 1 and not value.isdisjoint(self.exclusive):
            exclusive = ", ".join(sorted(value & self.exclusive))
            raise InvalidAnswer("options_exclusive", self.code, f"{exclusive} cannot be combined")
        total = sum((self.options[code] for code in value), _ZERO)
        return total if total < _ONE else _ONE

    def _yes_no_points(self, value: AnswerValue) -> Decimal:
        if not isinstance(value, bool):
            raise self._type_error(value, "yes or no (a boolean)")
        if value:
            return self.options.get("yes", _ONE)
        return self.options.get("no", _ZERO)

    def _numeric_points(self, value: AnswerValue) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._type_error(value, "a number")
        if not math.isfinite(value):
            raise InvalidAnswer("value_not_finite", self.code, f"{value!r} is not a finite number")
        if value < self.low or value > self.high:
            raise InvalidAnswer(
                "value_out_of_range", self.code, f"{value!r} is outside [{self.low:g}, {self.high:g}]"
            )
        position = bisect_right(self.step_values, value) - 1
        return self.step_points[position] if position >= 0 else _ZERO

    def _text_points(self, value: AnswerValue) -> None:
        if not isinstance(value, str):
            raise self._type_error(value, "text")


def _evidence_set(evidence: Iterable[str]) -> frozenset[str] | set[str]:
    if isinstance(evidence, str):
        raise TypeError("evidence is a collection of question codes, not one string")
    return evidence if isinstance(evidence, frozenset | set) else frozenset(evidence)


def _condition_leaves(condition: Condition) -> list[Leaf]:
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, (AllOf, AnyOf)):
        return [leaf for item in condition.items for leaf in _condition_leaves(item)]
    return _condition_leaves(condition.item)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class Scorer:
    """A framework compiled for scoring: look-up tables and exact decimals built once, reused per call."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        rules = framework.scoring
        self.dimensions = framework.dimensions
        dimension_index = {dimension.code: i for i, dimension in enumerate(self.dimensions)}
        self.dimension_index = dimension_index
        self.questions = tuple(
            _CompiledQuestion(question, dimension_index[question.dimension], rules)
            for question in framework.questions
        )
        self.by_code = {compiled.code: compiled for compiled in self.questions}
        self.codes = frozenset(self.by_code)
        self.bands = tuple(sorted(rules.bands, key=lambda band: band.min_score))
        self.band_mins = tuple(_dec(band.min_score) for band in self.bands)
        self.band_levels = tuple(band.level for band in self.bands)
        self.score_step = _step(rules.score_decimals)
        self.index_step = _step(rules.index_decimals)
        self.contribution_step = _step(rules.index_decimals + 2)
        self.dont_know_points = _dec(rules.dont_know_points)
        self.keep_after_discount = _ONE - _dec(rules.evidence_discount)
        self.dimension_weights = tuple(_dec(dimension.weight) for dimension in self.dimensions)
        self.total_weight = sum(self.dimension_weights, _ZERO)
        self.gates_of: dict[str, tuple[Gate, ...]] = {
            dimension.code: tuple(gate for gate in rules.gates if gate.dimension == dimension.code)
            for dimension in self.dimensions
        }
        self.gate_order = self._gate_order()
        self.groups = tuple(group.code for group in framework.groups)
        self.dti_codes = tuple(index.code for index in framework.dti_indices)
        # Questions whose answers some show_if reads: changing them can change what is visible.
        self.show_if_sources = frozenset(
            leaf.ref
            for compiled in self.questions
            if compiled.show_if is not None
            for leaf in _condition_leaves(compiled.show_if)
        )

    def _gate_order(self) -> tuple[int, ...]:
        """Dimension indices so that a dimension comes after every dimension its gates read (Kahn, stable)."""
        depends: dict[int, set[int]] = {}
        for i, dimension in enumerate(self.dimensions):
            refs = {
                self.dimension_index[leaf.ref]
                for gate in self.gates_of[dimension.code]
                for leaf in _condition_leaves(gate.when)
                if leaf.subject is not Subject.ANSWER and leaf.ref in self.dimension_index
            }
            refs.discard(i)
            depends[i] = refs
        order: list[int] = []
        done: set[int] = set()
        while len(order) < len(self.dimensions):
            ready = [i for i in range(len(self.dimensions)) if i not in done and depends[i] <= done]
            if not ready:  # a cycle: take the rest in file order
                ready = [i for i in range(len(self.dimensions)) if i not in done]
                order.extend(ready)
                break
            order.append(ready[0])
            done.add(ready[0])
        return tuple(order)

    # -- public ------------------------------------------------------------------------------------------

    def level_of(self, score: Decimal) -> int:
        level = self.band_levels[0]
        for minimum, band_level in zip(self.band_mins, self.band_levels, strict=True):
            if score >= minimum:
                level = band_level
            else:
                break
        return level

    def band_minimum(self, level: int) -> float:
        for band in self.bands:
            if band.level == level:
                return float(band.min_score)
        raise KeyError(level)  # pragma: no cover - the loader guarantees five bands

    def validate(self, answers: Mapping[str, Answer]) -> tuple[InvalidAnswer, ...]:
        problems: list[InvalidAnswer] = []
        for code in sorted(answers.keys() - self.codes):
            problems.append(InvalidAnswer("question_unknown", code, "no such question in the framework"))
        for compiled in self.questions:
            answer = answers.get(compiled.code)
            if answer is None:
                continue
            try:
                compiled.check(answer)
            except InvalidAnswer as problem:
                problems.append(problem)
        return tuple(problems)

    def score(
        self,
        answers: Mapping[str, Answer],
        *,
        evidence: Iterable[str] = frozenset(),
        point_overrides: Mapping[str, PointsOverride] | None = None,
        level_overrides: Mapping[str, LevelOverride] | None = None,
        targets: Mapping[str, int] | None = None,
        guidance: bool = True,
    ) -> ScoreResult:
        evidence_set = _evidence_set(evidence)
        point_overrides = point_overrides or {}
        level_overrides = level_overrides or {}
        self._check_inputs(evidence_set, point_overrides, level_overrides, targets or {})
        with localcontext(_CONTEXT):
            result = self._score(answers, evidence_set, point_overrides, level_overrides, targets or {})
            if guidance:
                guide = self.guidance(
                    answers,
                    result,
                    evidence=evidence_set,
                    point_overrides=point_overrides,
                    level_overrides=level_overrides,
                    targets=targets,
                )
                result = _replace_guidance(result, guide)
        return result

    # -- scoring -----------------------------------------------------------------------------------------

    def _check_inputs(
        self,
        evidence: frozenset[str] | set[str],
        point_overrides: Mapping[str, PointsOverride],
        level_overrides: Mapping[str, LevelOverride],
        targets: Mapping[str, int],
    ) -> None:
        unknown = evidence - self.codes
        if unknown:
            raise InvalidInput("question_unknown", min(unknown), "evidence for an unknown question")
        for code in sorted(point_overrides):
            if code not in self.by_code:
                raise InvalidInput("question_unknown", code, "override of an unknown question")
            points = point_overrides[code].points
            if isinstance(points, bool) or not 0 <= points <= 1:
                raise InvalidInput("points_out_of_range", code, f"override points {points!r} not in [0, 1]")
        checked: list[tuple[str, str, object]] = [
            ("level override", code, override.level) for code, override in sorted(level_overrides.items())
        ]
        checked += [("target", code, level) for code, level in sorted(targets.items())]
        for label, code, level in checked:
            if code not in self.dimension_index:
                raise InvalidInput("dimension_unknown", code, f"{label} of an unknown dimension")
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
                raise InvalidInput("level_out_of_range", code, f"{label} {level!r} not in 1..5")

    def _score(
        self,
        answers: Mapping[str, Answer],
        evidence: frozenset[str] | set[str],
        point_overrides: Mapping[str, PointsOverride],
        level_overrides: Mapping[str, LevelOverride],
        targets: Mapping[str, int],
    ) -> ScoreResult:
        unknown = answers.keys() - self.codes
        if unknown:
            first = min(unknown)
            raise InvalidAnswer("question_unknown", first, "no such question in the framework")
        count = len(self.dimensions)
        sums = [_ZERO] * count
        weights = [_ZERO] * count
        applicable = [0] * count
        answered = [0] * count
        dont_knows = [0] * count
        claims = 0
        evidenced_claims = 0
        visible = dict(answers)  # hidden answers are removed as they are found (show_if looks only back)
        facts = _Facts(visible)
        results: list[QuestionResult] = []
        append = results.append
        ignored: list[str] = []
        for compiled in self.questions:
            code = compiled.code
            answer = visible.get(code)
            if answer is None:
                if compiled.show_if is not None and not holds(compiled.show_if, facts):
                    append(compiled.hidden_unanswered)
                elif not compiled.scored:
                    append(compiled.not_scored_unanswered)
                else:
                    applicable[compiled.dimension_index] += 1
                    append(compiled.unanswered)
                if point_overrides and code in point_overrides:
                    ignored.append(code)
                continue
            outcome = compiled.outcome_of(answer, compiled.threshold is not None and code in evidence)
            if compiled.show_if is not None and not holds(compiled.show_if, facts):
                del visible[code]
                append(outcome.hidden())
                if point_overrides and code in point_overrides:
                    ignored.append(code)
                continue
            kind = outcome.kind
            if kind >= _NOT_APPLICABLE:
                append(outcome.shown)
                if point_overrides and code in point_overrides:
                    ignored.append(code)
                continue
            index = compiled.dimension_index
            applicable[index] += 1
            answered[index] += 1
            if kind == _DONT_KNOW:
                dont_knows[index] += 1
            elif outcome.claim:
                claims += 1
                if outcome.evidenced:
                    evidenced_claims += 1
            override = point_overrides.get(code) if point_overrides else None
            if override is None:
                sums[index] += outcome.weighted
                append(outcome.shown)
            else:
                sums[index] += compiled.weight_d * _dec(override.points)
                append(dataclasses.replace(outcome.shown, override=override, points=float(override.points)))
            weights[index] += compiled.weight_d

        score_step = self.score_step
        scores_d = [
            (_HUNDRED * sums[i] / weights[i]).quantize(score_step, ROUND_HALF_UP)
            if weights[i]
            else _ZERO.quantize(score_step)
            for i in range(count)
        ]
        scores = {self.dimensions[i].code: float(scores_d[i]) for i in range(count)}
        raw_levels = [self.level_of(scores_d[i]) for i in range(count)]
        target_of = {
            dimension.code: targets.get(dimension.code, dimension.default_target)
            for dimension in self.dimensions
        }
        levels: dict[str, int] = {}
        for i, dimension in enumerate(self.dimensions):
            override_level = level_overrides.get(dimension.code)
            levels[dimension.code] = override_level.level if override_level is not None else raw_levels[i]
        facts = _Facts(visible, scores, levels, target_of)
        gate_results: list[tuple[GateResult, ...]] = [()] * count
        computed_levels = list(raw_levels)
        for i in self.gate_order:
            dimension = self.dimensions[i]
            level = raw_levels[i]
            hits: list[GateResult] = []
            for gate in self.gates_of[dimension.code]:
                if holds(gate.when, facts):
                    hits.append(
                        GateResult(
                            gate.code,
                            gate.max_level,
                            gate.max_level < raw_levels[i],
                            gate.message,
                            evaluate(gate.when, facts),
                        )
                    )
                    level = min(level, gate.max_level)
            gate_results[i] = tuple(hits)
            computed_levels[i] = level
            override_level = level_overrides.get(dimension.code)
            levels[dimension.code] = override_level.level if override_level is not None else level

        warnings = tuple(
            ConsistencyWarning(check.code, check.questions, check.message, evaluate(check.when, facts))
            for check in self.framework.scoring.consistency
            if holds(check.when, facts)
        )

        ten = _TEN
        total_weight = self.total_weight
        terms = [self.dimension_weights[i] * scores_d[i] for i in range(count)]
        index_d = (sum(terms, _ZERO) * ten / total_weight).quantize(self.index_step, ROUND_HALF_UP)
        dimension_results: list[DimensionResult] = []
        group_terms: dict[str, Decimal] = dict.fromkeys(self.groups, _ZERO)
        dti_terms: dict[str, Decimal] = dict.fromkeys(self.dti_codes, _ZERO)
        for i, dimension in enumerate(self.dimensions):
            group_terms[dimension.group] = group_terms.get(dimension.group, _ZERO) + terms[i]
            dti_terms[dimension.dti] = dti_terms.get(dimension.dti, _ZERO) + terms[i]
            final = levels[dimension.code]
            target = target_of[dimension.code]
            dimension_results.append(
                DimensionResult(
                    code=dimension.code,
                    group=dimension.group,
                    dti=dimension.dti,
                    weight=float(dimension.weight),
                    score=scores[dimension.code],
                    raw_level=raw_levels[i],
                    gates=gate_results[i],
                    computed_level=computed_levels[i],
                    level_override=level_overrides.get(dimension.code),
                    level=final,
                    coverage=answered[i] / applicable[i] if applicable[i] else 1.0,
                    applicable=applicable[i],
                    answered=answered[i],
                    dont_know=dont_knows[i],
                    counted_weight=float(weights[i]),
                    target=target,
                    gap=max(0, target - final),
                    contribution=float(
                        (terms[i] * ten / total_weight).quantize(self.contribution_step, ROUND_HALF_UP)
                    ),
                )
            )

        def subtotals(parts: dict[str, Decimal]) -> tuple[Subtotal, ...]:
            return tuple(
                Subtotal(code, float((part * ten / total_weight).quantize(self.index_step, ROUND_HALF_UP)))
                for code, part in parts.items()
            )

        total_applicable = sum(applicable)
        total_answered = sum(answered)
        total_known = total_answered - sum(dont_knows)
        known_d = Decimal(total_known) / Decimal(total_applicable) if total_applicable else _ONE
        evidenced_d = Decimal(evidenced_claims) / Decimal(claims) if claims else _ONE
        confidence = (known_d * (_HALF + _HALF * evidenced_d) * _WARNING_FACTOR ** len(warnings)).quantize(
            _CONFIDENCE_STEP, ROUND_HALF_UP
        )
        return ScoreResult(
            framework_id=self.framework.id,
            framework_version=self.framework.version,
            engine_version=ENGINE_VERSION,
            questions=tuple(results),
            dimensions=tuple(dimension_results),
            index=float(index_d),
            level=self.level_of(index_d / ten),
            groups=subtotals(group_terms),
            dti=subtotals(dti_terms),
            warnings=warnings,
            coverage=total_answered / total_applicable if total_applicable else 1.0,
            known=float(known_d),
            evidenced=float(evidenced_d),
            confidence=float(confidence),
            ignored_overrides=tuple(ignored),
        )

    # -- next-level guidance -----------------------------------------------------------------------------

    def guidance(
        self,
        answers: Mapping[str, Answer],
        result: ScoreResult | None = None,
        *,
        evidence: Iterable[str] = frozenset(),
        point_overrides: Mapping[str, PointsOverride] | None = None,
        level_overrides: Mapping[str, LevelOverride] | None = None,
        targets: Mapping[str, int] | None = None,
        dimensions: Collection[str] | None = None,
    ) -> tuple[DimensionGuidance, ...]:
        """Per dimension below level 5 (of `dimensions` only, when given), the fewest answer changes found
        that lift it one level.

        Gates that cap the dimension below the next level are cleared first (the smallest set of changes to
        the answers their condition reads); then questions of the dimension are improved greedily, the
        largest score gain first (weight × points gained, as a change of the score), and the last step is
        the least change that reaches the level. Every step is re-scored, so `level_after` is real.
        """
        evidence_set = frozenset(_evidence_set(evidence))
        self._check_inputs(evidence_set, point_overrides or {}, level_overrides or {}, targets or {})
        inputs = _Inputs(
            evidence_set,
            point_overrides or {},
            level_overrides or {},
            targets or {},
        )
        with localcontext(_CONTEXT):
            if result is None:
                result = self._score(answers, *inputs.as_args())
            guides: list[DimensionGuidance] = []
            for dimension_result in result.dimensions:
                if dimension_result.level >= 5:
                    continue
                if dimensions is not None and dimension_result.code not in dimensions:
                    continue  # a page that shows one dimension's guidance need not pay for the others
                if dimension_result.level_override is not None:
                    guides.append(
                        DimensionGuidance(
                            dimension_result.code,
                            dimension_result.level,
                            dimension_result.level + 1,
                            GuidanceStatus.LEVEL_OVERRIDDEN,
                            (),
                            dimension_result.level,
                        )
                    )
                    continue
                guides.append(self._guide(dimension_result.code, answers, result, inputs))
        return tuple(guides)

    def _guide(
        self, dimension: str, answers: Mapping[str, Answer], result: ScoreResult, inputs: _Inputs
    ) -> DimensionGuidance:
        start = result.dimension(dimension).level
        target = start + 1
        work = dict(answers)
        work_evidence = set(inputs.evidence)
        changes: list[AnswerChange] = []
        current = result
        tried_gates: set[str] = set()
        for _ in range(len(self.questions) + len(self.framework.scoring.gates) + 2):
            state = current.dimension(dimension)
            if state.computed_level >= target:
                return DimensionGuidance(
                    dimension, start, target, GuidanceStatus.REACHABLE, tuple(changes), state.computed_level
                )
            blocking = [gate for gate in state.gates if gate.max_level < target]
            if blocking:
                gate_result = blocking[0]
                found = None
                if gate_result.code not in tried_gates:
                    tried_gates.add(gate_result.code)
                    found = self._clear_gate(gate_result.code, current)
                if found is None:
                    return DimensionGuidance(
                        dimension,
                        start,
                        target,
                        GuidanceStatus.BLOCKED_BY_GATE,
                        tuple(changes),
                        state.computed_level,
                        tuple(gate.code for gate in blocking),
                    )
                group: list[tuple[str, Answer | None, Answer, bool, float | None]] = []
                for code, answer, points in found:
                    add = self._needs_evidence(code, points, work_evidence)
                    group.append((code, work.get(code), answer, add, points))
                    work[code] = answer
                    if add:
                        work_evidence.add(code)
                current = self._score(work, frozenset(work_evidence), *inputs.as_args()[1:])
                level_after = current.dimension(dimension).computed_level
                for code, previous, answer, add, points in group:
                    changes.append(
                        AnswerChange(
                            code,
                            self.by_code[code].dimension,
                            previous,
                            answer,
                            add,
                            points,
                            gate_result.code,
                            level_after,
                        )
                    )
                continue
            step = self._best_step(dimension, target, work, work_evidence, current, inputs)
            if step is None:
                return DimensionGuidance(
                    dimension,
                    start,
                    target,
                    GuidanceStatus.OUT_OF_REACH,
                    tuple(changes),
                    state.computed_level,
                )
            code, answer, add, points, current = step
            previous = work.get(code)
            work[code] = answer
            if add:
                work_evidence.add(code)
            changes.append(
                AnswerChange(
                    code,
                    dimension,
                    previous,
                    answer,
                    add,
                    points,
                    None,
                    current.dimension(dimension).computed_level,
                )
            )
        state = current.dimension(dimension)  # pragma: no cover - the loop always returns
        return DimensionGuidance(  # pragma: no cover
            dimension, start, target, GuidanceStatus.OUT_OF_REACH, tuple(changes), state.computed_level
        )

    def _needs_evidence(self, code: str, points: float | None, evidence: set[str]) -> bool:
        threshold = self.by_code[code].threshold
        return (
            points is not None
            and threshold is not None
            and _dec(points) >= threshold
            and code not in evidence
        )

    def _candidates(
        self, compiled: _CompiledQuestion, current: Answer | None
    ) -> list[tuple[Answer, Decimal]]:
        """Concrete answers worth suggesting for a question, each with its raw points."""
        question = compiled.question
        found: list[Answer] = []
        if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE):
            found = [Answer.of(option.code) for option in question.options]
        elif question.type is QuestionType.MULTI_CHOICE:
            plain = [option.code for option in question.options if not option.exclusive]
            chosen: frozenset[str] = frozenset()
            if current is not None and isinstance(current.value, frozenset):
                chosen = current.value - compiled.exclusive
            found = [Answer.of(chosen | {code}) for code in plain if code not in chosen]
            found += [Answer.of(chosen - {code}) for code in plain if code in chosen and len(chosen) > 1]
            found += [Answer.of(frozenset({code})) for code in plain]
            found += [Answer.of(frozenset({option.code})) for option in question.options if option.exclusive]
            if plain:
                found.append(Answer.of(frozenset(plain)))
        elif question.type is QuestionType.YES_NO:
            found = [Answer.of(True), Answer.of(False)]
        elif question.type in (QuestionType.NUMBER, QuestionType.PERCENT):
            values = [min(max(value, compiled.low), compiled.high) for value in compiled.step_values]
            found = [Answer.of(value) for value in dict.fromkeys(values) if math.isfinite(value)]
        unique: dict[Answer, Decimal] = {}
        for answer in found:
            if answer in unique or answer == current:
                continue
            points = compiled.check(answer)
            if points is not None:
                unique[answer] = points
        return list(unique.items())

    def _best_step(
        self,
        dimension: str,
        target: int,
        work: dict[str, Answer],
        work_evidence: set[str],
        current: ScoreResult,
        inputs: _Inputs,
    ) -> tuple[str, Answer, bool, float | None, ScoreResult] | None:
        state = current.dimension(dimension)
        total = sum(
            (
                _dec(q.weight) * _dec(q.points)
                for q in current.questions
                if q.dimension == dimension and q.points is not None
            ),
            _ZERO,
        )
        weight = _dec(state.counted_weight)
        old_score = _HUNDRED * total / weight if weight else _ZERO
        ranked: list[tuple[Decimal, bool, Decimal, int, str, Answer, bool]] = []
        order = 0
        for question in current.questions:
            if question.dimension != dimension or question.override is not None:
                continue
            if question.exclusion not in (None, Exclusion.UNANSWERED):
                continue
            compiled = self.by_code[question.code]
            old_points = _dec(question.points) if question.points is not None else None
            for answer, raw in self._candidates(compiled, question.answer):
                add = (
                    compiled.threshold is not None
                    and raw >= compiled.threshold
                    and question.code not in work_evidence
                )
                new_weight = weight if old_points is not None else weight + compiled.weight_d
                new_total = total - (compiled.weight_d * old_points if old_points is not None else _ZERO)
                new_total += compiled.weight_d * raw
                new_score = _HUNDRED * new_total / new_weight
                gain = new_score - old_score
                if gain <= 0:
                    continue
                reaches = self.level_of(new_score.quantize(self.score_step, ROUND_HALF_UP)) >= target
                ranked.append((gain, reaches, raw, order, question.code, answer, add))
                order += 1
            # The same answer with evidence attached, when its claim is now discounted.
            if question.evidence_discounted and question.answer is not None and old_points is not None:
                raw_now = _dec(question.points_before_discount or 0.0)
                new_score = (
                    _HUNDRED * (total - compiled.weight_d * old_points + compiled.weight_d * raw_now) / weight
                )
                gain = new_score - old_score
                if gain > 0:
                    reaches = self.level_of(new_score.quantize(self.score_step, ROUND_HALF_UP)) >= target
                    ranked.append((gain, reaches, raw_now, order, question.code, question.answer, True))
                    order += 1
        # Reaching the level in one change beats anything else, and then the smallest such change does;
        # otherwise the biggest gain first. Ties keep file and option order.
        ranked.sort(key=lambda item: (not item[1], item[0] if item[1] else -item[0], item[3]))
        blocking_before = {gate.code for gate in state.gates if gate.max_level < target}
        for _gain, _reaches, raw, _order, code, answer, add in ranked[:8]:
            trial = dict(work)
            trial[code] = answer
            trial_evidence = work_evidence | {code} if add else work_evidence
            rescored = self._score(trial, frozenset(trial_evidence), *inputs.as_args()[1:])
            after = rescored.dimension(dimension)
            new_blocking = {gate.code for gate in after.gates if gate.max_level < target} - blocking_before
            if new_blocking or after.score <= state.score:
                continue
            return code, answer, add, float(raw), rescored
        return None

    def _clear_gate(
        self, gate_code: str, current: ScoreResult
    ) -> list[tuple[str, Answer, float | None]] | None:
        """The smallest set of answer changes (up to three questions) after which the gate no longer holds."""
        gate = next(gate for gate in self.framework.scoring.gates if gate.code == gate_code)
        leaves = _condition_leaves(gate.when)
        refs = [
            code
            for code in _unique(leaf.ref for leaf in leaves if leaf.subject is Subject.ANSWER)
            if self.by_code[code].question.type is not QuestionType.TEXT
            and current.question(code).override is None
        ]
        visible = {
            q.code: q.answer
            for q in current.questions
            if q.answer is not None and q.exclusion is not Exclusion.HIDDEN
        }
        facts = _Facts(
            visible,
            {d.code: d.score for d in current.dimensions},
            {d.code: d.level for d in current.dimensions},
            {d.code: d.target for d in current.dimensions},
        )
        options: dict[str, list[tuple[Answer, Decimal | None]]] = {}
        for code in refs:
            compiled = self.by_code[code]
            candidates: list[tuple[Answer, Decimal | None]] = list(
                self._candidates(compiled, visible.get(code))
            )
            seen = {answer for answer, _ in candidates}
            for leaf in leaves:
                if leaf.ref != code or leaf.subject is not Subject.ANSWER:
                    continue
                for value in _leaf_probe_values(compiled, leaf):
                    answer = Answer.of(value)
                    if answer in seen or answer == visible.get(code):
                        continue
                    try:
                        points = compiled.check(answer)
                    except InvalidAnswer:
                        continue
                    seen.add(answer)
                    candidates.append((answer, points))
            options[code] = candidates
        budget = 20_000
        for size in range(1, min(3, len(refs)) + 1):
            best: tuple[Decimal, list[tuple[str, Answer, float | None]]] | None = None
            for codes in combinations(refs, size):
                for picks in product(*(options[code] for code in codes)):
                    budget -= 1
                    if budget < 0:
                        break
                    trial = dict(visible)
                    for code, (answer, _points) in zip(codes, picks, strict=True):
                        trial[code] = answer
                    facts.answers = trial
                    if holds(gate.when, facts):
                        continue
                    merit = sum(
                        (
                            self.by_code[code].weight_d * (points if points is not None else _ZERO)
                            for code, (_answer, points) in zip(codes, picks, strict=True)
                        ),
                        _ZERO,
                    )
                    if best is None or merit > best[0]:
                        best = (
                            merit,
                            [
                                (code, answer, float(points) if points is not None else None)
                                for code, (answer, points) in zip(codes, picks, strict=True)
                            ],
                        )
            if best is not None:
                return best[1]
        return None


def _leaf_probe_values(compiled: _CompiledQuestion, leaf: Leaf) -> list[AnswerValue]:
    """Values around a numeric leaf's threshold, to cross it in either direction."""
    if compiled.question.type not in (QuestionType.NUMBER, QuestionType.PERCENT):
        return []
    raw_values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    probes: list[AnswerValue] = []
    for value in raw_values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        for probe in (value - 1, value, value + 1, compiled.low, compiled.high):
            if math.isfinite(probe):
                probes.append(float(probe))
    return probes


@dataclass(frozen=True, slots=True)
class _Inputs:
    evidence: frozenset[str]
    point_overrides: Mapping[str, PointsOverride]
    level_overrides: Mapping[str, LevelOverride]
    targets: Mapping[str, int]

    def as_args(
        self,
    ) -> tuple[frozenset[str], Mapping[str, PointsOverride], Mapping[str, LevelOverride], Mapping[str, int]]:
        return self.evidence, self.point_overrides, self.level_overrides, self.targets


def _replace_guidance(result: ScoreResult, guidance: tuple[DimensionGuidance, ...] | None) -> ScoreResult:
    return ScoreResult(
        result.framework_id,
        result.framework_version,
        result.engine_version,
        result.questions,
        result.dimensions,
        result.index,
        result.level,
        result.groups,
        result.dti,
        result.warnings,
        result.coverage,
        result.known,
        result.evidenced,
        result.confidence,
        result.ignored_overrides,
        guidance,
    )


# ---------------------------------------------------------------------------------------------------------
# Module-level API

_SCORERS: dict[int, tuple[Framework, Scorer]] = {}
_SCORERS_MAX = 16


def scorer_for(framework: Framework) -> Scorer:
    """The compiled scorer of a framework, built once (keyed by identity; frameworks are immutable)."""
    entry = _SCORERS.get(id(framework))
    if entry is not None and entry[0] is framework:
        return entry[1]
    scorer = Scorer(framework)
    if len(_SCORERS) >= _SCORERS_MAX:
        _SCORERS.pop(next(iter(_SCORERS)))
    _SCORERS[id(framework)] = (framework, scorer)
    return scorer


def score(
    framework: Framework,
    answers: Mapping[str, Answer],
    *,
    evidence: Iterable[str] = frozenset(),
    point_overrides: Mapping[str, PointsOverride] | None = None,
    level_overrides: Mapping[str, LevelOverride] | None = None,
    targets: Mapping[str, int] | None = None,
    guidance: bool = True,
) -> ScoreResult:
    """Score an assessment. Raises InvalidAnswer for an answer the framework does not allow and InvalidInput
    for a bad override or target. `evidence` holds the codes of questions whose answer has evidence."""
    return scorer_for(framework).score(
        answers,
        evidence=evidence,
        point_overrides=point_overrides,
        level_overrides=level_overrides,
        targets=targets,
        guidance=guidance,
    )


def next_level_guidance(
    framework: Framework,
    answers: Mapping[str, Answer],
    result: ScoreResult | None = None,
    *,
    evidence: Iterable[str] = frozenset(),
    point_overrides: Mapping[str, PointsOverride] | None = None,
    level_overrides: Mapping[str, LevelOverride] | None = None,
    targets: Mapping[str, int] | None = None,
    dimensions: Collection[str] | None = None,
) -> tuple[DimensionGuidance, ...]:
    """The guidance that `score(..., guidance=True)` attaches, for a result scored without it; only for
    `dimensions` when given."""
    return scorer_for(framework).guidance(
        answers,
        result,
        evidence=evidence,
        point_overrides=point_overrides,
        level_overrides=level_overrides,
        targets=targets,
        dimensions=dimensions,
    )


def validate_answer(question: Question, answer: Answer) -> None:
    """Raise InvalidAnswer (with a machine code) if `question` does not allow `answer`."""
    _CompiledQuestion(question, 0).check(answer)


def validate_answers(framework: Framework, answers: Mapping[str, Answer]) -> tuple[InvalidAnswer, ...]:
    """Every problem with a set of answers, unknown questions first (sorted), then in file order."""
    return scorer_for(framework).validate(answers)


def with_answers(answers: Mapping[str, Answer], changes: Mapping[str, Answer | None]) -> dict[str, Answer]:
    """A copy of `answers` with `changes` applied; a change to None removes the answer (what-if)."""
    merged = dict(answers)
    for code, answer in changes.items():
        if answer is None:
            merged.pop(code, None)
        else:
            merged[code] = answer
    return merged


def project_with_initiatives(
    framework: Framework, result: ScoreResult, initiative_codes: Iterable[str]
) -> Projection:
    """Levels and scores if the initiatives were done: level + Σ uplift (at most 5); a raised dimension's
    score lifted to at least its projected level's band minimum (others keep theirs, so no initiatives
    means no change); the index from those scores, rounded as in scoring."""
    scorer = scorer_for(framework)
    codes = tuple(sorted(set(initiative_codes)))
    known = {initiative.code for initiative in framework.initiatives}
    for code in codes:
        if code not in known:
            raise InvalidInput("initiative_unknown", code, "no such initiative in the framework")
    uplift: dict[str, int] = {}
    for code in codes:
        for raise_ in framework.initiative(code).raises:
            uplift[raise_.dimension] = uplift.get(raise_.dimension, 0) + raise_.levels
    projections: list[DimensionProjection] = []
    with localcontext(_CONTEXT):
        total = _ZERO
        for i, dimension_result in enumerate(result.dimensions):
            gain = uplift.get(dimension_result.code, 0)
            level = min(5, dimension_result.level + gain)
            projected = (
                max(dimension_result.score, scorer.band_minimum(level)) if gain else dimension_result.score
            )
            projections.append(
                DimensionProjection(
                    dimension_result.code,
                    dimension_result.level,
                    level,
                    dimension_result.score,
                    projected,
                    gain,
                )
            )
            total += scorer.dimension_weights[i] * _dec(projected)
        index = (total * _TEN / scorer.total_weight).quantize(scorer.index_step, ROUND_HALF_UP)
        overall = scorer.level_of(index / _TEN)
    return Projection(codes, tuple(projections), float(index), overall)


# ---------------------------------------------------------------------------------------------------------
# Snapshots: JSON-serialisable dicts and back


def _encode_value(value: object) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, AnswerState):
        return {"state": value.value}
    if isinstance(value, str):
        return value
    if isinstance(value, frozenset):
        return {"set": sorted(value)}
    if isinstance(value, tuple):
        return [_encode_value(item) for item in value]
    raise TypeError(f"cannot encode {type(value).__name__}")  # pragma: no cover


def _decode_value(data: Any) -> Any:
    if isinstance(data, dict):
        if "state" in data:
            return AnswerState(data["state"])
        return frozenset(data["set"])
    if isinstance(data, list):
        return tuple(_decode_value(item) for item in data)
    return data


def _encode_answer(answer: Answer | None) -> Any:
    if answer is None:
        return None
    return {"state": answer.state.value, "value": _encode_value(answer.value)}


def _decode_answer(data: Any) -> Answer | None:
    if data is None:
        return None
    return Answer(AnswerState(data["state"]), _decode_value(data["value"]))


def _encode_text(text: LocalText) -> Any:
    return [[locale, value] for locale, value in text.translations]


def _decode_text(data: Any) -> LocalText:
    return LocalText(tuple((str(locale), str(value)) for locale, value in data))


def _encode_condition(condition: Condition) -> Any:
    if isinstance(condition, Leaf):
        return {
            "subject": condition.subject.value,
            "ref": condition.ref,
            "op": condition.op.value,
            "value": _encode_value(condition.value),
            "option_order": list(condition.option_order),
        }
    if isinstance(condition, AllOf):
        return {"all": [_encode_condition(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"any": [_encode_condition(item) for item in condition.items]}
    return {"not": _encode_condition(condition.item)}


def _decode_leaf(data: Any) -> Leaf:
    value: LeafValue = _decode_value(data["value"])
    return Leaf(
        Subject(data["subject"]), data["ref"], Operator(data["op"]), value, tuple(data["option_order"])
    )


def encode_evaluation(evaluation: Evaluation) -> Any:
    return {
        "holds": evaluation.holds,
        "trace": [
            {
                "leaf": _encode_condition(step.leaf),
                "actual": _encode_value(step.actual),
                "holds": step.holds,
                "negated": step.negated,
            }
            for step in evaluation.trace
        ],
    }


def decode_evaluation(data: Any) -> Evaluation:
    return Evaluation(
        bool(data["holds"]),
        tuple(
            LeafTrace(
                _decode_leaf(step["leaf"]),
                _decode_value(step["actual"]),
                bool(step["holds"]),
                bool(step.get("negated", False)),
            )
            for step in data["trace"]
        ),
    )


def _encode_override(override: PointsOverride | LevelOverride | None) -> Any:
    if override is None:
        return None
    value = override.points if isinstance(override, PointsOverride) else override.level
    return {"value": value, "justification": override.justification, "author": override.author}


def result_to_dict(result: ScoreResult) -> dict[str, Any]:
    """A JSON-serialisable snapshot of a result (stored with the assessment; see result_from_dict)."""
    return {
        "engine_version": result.engine_version,
        "framework_id": result.framework_id,
        "framework_version": result.framework_version,
        "index": result.index,
        "level": result.level,
        "coverage": result.coverage,
        "known": result.known,
        "evidenced": result.evidenced,
        "confidence": result.confidence,
        "groups": [[subtotal.code, subtotal.value] for subtotal in result.groups],
        "dti": [[subtotal.code, subtotal.value] for subtotal in result.dti],
        "ignored_overrides": list(result.ignored_overrides),
        "questions": [
            {
                "code": q.code,
                "dimension": q.dimension,
                "answer": _encode_answer(q.answer),
                "weight": q.weight,
                "counted": q.counted,
                "exclusion": q.exclusion.value if q.exclusion is not None else None,
                "dont_know": q.dont_know,
                "points_before_discount": q.points_before_discount,
                "evidence_required": q.evidence_required,
                "has_evidence": q.has_evidence,
                "evidence_discounted": q.evidence_discounted,
                "computed_points": q.computed_points,
                "override": _encode_override(q.override),
                "points": q.points,
            }
            for q in result.questions
        ],
        "dimensions": [
            {
                "code": d.code,
                "group": d.group,
                "dti": d.dti,
                "weight": d.weight,
                "score": d.score,
                "raw_level": d.raw_level,
                "gates": [
                    {
                        "code": gate.code,
                        "max_level": gate.max_level,
                        "capped": gate.capped,
                        "message": _encode_text(gate.message),
                        "evaluation": encode_evaluation(gate.evaluation),
                    }
                    for gate in d.gates
                ],
                "computed_level": d.computed_level,
                "level_override": _encode_override(d.level_override),
                "level": d.level,
                "coverage": d.coverage,
                "applicable": d.applicable,
                "answered": d.answered,
                "dont_know": d.dont_know,
                "counted_weight": d.counted_weight,
                "target": d.target,
                "gap": d.gap,
                "contribution": d.contribution,
            }
            for d in result.dimensions
        ],
        "warnings": [
            {
                "code": warning.code,
                "questions": list(warning.questions),
                "message": _encode_text(warning.message),
                "evaluation": encode_evaluation(warning.evaluation),
            }
            for warning in result.warnings
        ],
        "guidance": None
        if result.guidance is None
        else [
            {
                "dimension": g.dimension,
                "current_level": g.current_level,
                "target_level": g.target_level,
                "status": g.status.value,
                "reached_level": g.reached_level,
                "blocking_gates": list(g.blocking_gates),
                "changes": [
                    {
                        "question": c.question,
                        "dimension": c.dimension,
                        "previous": _encode_answer(c.previous),
                        "answer": _encode_answer(c.answer),
                        "add_evidence": c.add_evidence,
                        "points": c.points,
                        "clears_gate": c.clears_gate,
                        "level_after": c.level_after,
                    }
                    for c in g.changes
                ],
            }
            for g in result.guidance
        ],
    }


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def result_from_dict(data: Mapping[str, Any]) -> ScoreResult:
    """The result that result_to_dict() serialised (equal to the original)."""

    def points_override(raw: Any) -> PointsOverride | None:
        if raw is None:
            return None
        return PointsOverride(float(raw["value"]), raw["justification"], raw["author"])

    def level_override(raw: Any) -> LevelOverride | None:
        if raw is None:
            return None
        return LevelOverride(int(raw["value"]), raw["justification"], raw["author"])

    guidance = data["guidance"]
    return ScoreResult(
        framework_id=data["framework_id"],
        framework_version=data["framework_version"],
        engine_version=data["engine_version"],
        questions=tuple(
            QuestionResult(
                code=q["code"],
                dimension=q["dimension"],
                answer=_decode_answer(q["answer"]),
                weight=float(q["weight"]),
                counted=bool(q["counted"]),
                exclusion=Exclusion(q["exclusion"]) if q["exclusion"] is not None else None,
                dont_know=bool(q["dont_know"]),
                points_before_discount=_optional_float(q["points_before_discount"]),
                evidence_required=bool(q["evidence_required"]),
                has_evidence=bool(q["has_evidence"]),
                evidence_discounted=bool(q["evidence_discounted"]),
                computed_points=_optional_float(q["computed_points"]),
                override=points_override(q["override"]),
                points=_optional_float(q["points"]),
            )
            for q in data["questions"]
        ),
        dimensions=tuple(
            DimensionResult(
                code=d["code"],
                group=d["group"],
                dti=d["dti"],
                weight=float(d["weight"]),
                score=float(d["score"]),
                raw_level=int(d["raw_level"]),
                gates=tuple(
                    GateResult(
                        gate["code"],
                        int(gate["max_level"]),
                        bool(gate["capped"]),
                        _decode_text(gate["message"]),
                        decode_evaluation(gate["evaluation"]),
                    )
                    for gate in d["gates"]
                ),
                computed_level=int(d["computed_level"]),
                level_override=level_override(d["level_override"]),
                level=int(d["level"]),
                coverage=float(d["coverage"]),
                applicable=int(d["applicable"]),
                answered=int(d["answered"]),
                dont_know=int(d["dont_know"]),
                counted_weight=float(d["counted_weight"]),
                target=int(d["target"]),
                gap=int(d["gap"]),
                contribution=float(d["contribution"]),
            )
            for d in data["dimensions"]
        ),
        index=float(data["index"]),
        level=int(data["level"]),
        groups=tuple(Subtotal(code, float(value)) for code, value in data["groups"]),
        dti=tuple(Subtotal(code, float(value)) for code, value in data["dti"]),
        warnings=tuple(
            ConsistencyWarning(
                warning["code"],
                tuple(warning["questions"]),
                _decode_text(warning["message"]),
                decode_evaluation(warning["evaluation"]),
            )
            for warning in data["warnings"]
        ),
        coverage=float(data["coverage"]),
        known=float(data["known"]),
        evidenced=float(data["evidenced"]),
        confidence=float(data["confidence"]),
        ignored_overrides=tuple(data["ignored_overrides"]),
        guidance=None
        if guidance is None
        else tuple(
            DimensionGuidance(
                dimension=g["dimension"],
                current_level=int(g["current_level"]),
                target_level=int(g["target_level"]),
                status=GuidanceStatus(g["status"]),
                changes=tuple(
                    AnswerChange(
                        question=c["question"],
                        dimension=c["dimension"],
                        previous=_decode_answer(c["previous"]),
                        answer=_decode_answer(c["answer"]) or Answer.dont_know(),
                        add_evidence=bool(c["add_evidence"]),
                        points=_optional_float(c["points"]),
                        clears_gate=c["clears_gate"],
                        level_after=int(c["level_after"]),
                    )
                    for c in g["changes"]
                ),
                reached_level=int(g["reached_level"]),
                blocking_gates=tuple(g["blocking_gates"]),
            )
            for g in guidance
        ),
    )
