"""A framework's questions compiled for scoring: exact points, a validating points function per question
type, and the memoised outcome of each answer; and the facts that conditions see while scoring."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from roadmap.engine.answers import Answer, AnswerState
from roadmap.engine.conditions import AllOf, AnyOf, Condition, Leaf, ProfileValue
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.exact import ONE, ZERO, dec
from roadmap.engine.framework import Question, ScoringRules
from roadmap.engine.question_types import QUESTION_TYPES
from roadmap.engine.scoring.results import Exclusion, QuestionResult


class Facts:
    """What conditions see: visible answers and, once known, dimension scores, levels and gaps."""

    __slots__ = ("answers", "levels", "profile_values", "scores", "targets")

    def __init__(
        self,
        answers: Mapping[str, Answer],
        scores: Mapping[str, float] | None = None,
        levels: Mapping[str, int] | None = None,
        targets: Mapping[str, int] | None = None,
        profile: Mapping[str, ProfileValue] | None = None,
    ) -> None:
        self.answers = answers
        self.scores = scores or {}
        self.levels = levels or {}
        self.targets = targets or {}
        self.profile_values = profile or {}

    def answer(self, question_code: str) -> Answer | None:
        return self.answers.get(question_code)

    def profile(self, profile_code: str) -> ProfileValue | None:
        return self.profile_values.get(profile_code)

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


COUNTED, DONT_KNOW, NOT_APPLICABLE, NOT_SCORED = range(4)
_MEMO_LIMIT = 512  # outcomes memoised per question (number answers can take many values)


class Outcome:
    """A validated answer's effect on its question: its result when shown and, when it counts, weight × points
    and whether it is a claim needing evidence (and has it). The result when hidden is built when needed."""

    __slots__ = ("_hidden", "claim", "evidenced", "kind", "shown", "weighted")

    def __init__(
        self,
        kind: int,
        shown: QuestionResult,
        weighted: Decimal = ZERO,
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


class CompiledQuestion:
    """One question with its weight as an exact decimal and the validating points function of its type
    (roadmap.engine.question_types)."""

    __slots__ = (
        "allow_dont_know",
        "allow_na",
        "applies_if",
        "code",
        "dated",
        "dimension",
        "dimension_index",
        "dont_know_points",
        "hidden_unanswered",
        "keep_after_discount",
        "kind",
        "memo",
        "not_scored_unanswered",
        "points_of",
        "question",
        "scored",
        "show_if",
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
        self.weight_d = dec(question.weight)
        self.kind = kind = QUESTION_TYPES.of(question)
        self.scored = question.weight > 0 and kind.scored
        self.show_if = question.show_if
        self.applies_if = question.applies_if
        self.allow_na = question.allow_na
        self.allow_dont_know = question.allow_dont_know
        threshold = question.evidence_threshold
        self.threshold = None if threshold is None else dec(threshold)
        self.points_of = kind.points_function(question)
        # Its points depend on the reference date of the scoring (a date's age), which the memo then keys.
        self.dated = kind.needs_reference_date(question)
        self.dont_know_points = dec(rules.dont_know_points) if rules is not None else ZERO
        self.keep_after_discount = ONE - dec(rules.evidence_discount) if rules is not None else ONE
        self.memo: dict[tuple[object, ...], Outcome] = {}
        self.unanswered = self._result(None, Exclusion.UNANSWERED)
        self.hidden_unanswered = self._result(None, Exclusion.HIDDEN)
        self.not_scored_unanswered = self._result(None, Exclusion.NOT_SCORED)

    def outcome_of(self, answer: Answer, has_evidence: bool, reference: dt.date | None) -> Outcome:
        """What `answer` makes of this question (validated), memoised: results are immutable and shared."""
        value = answer.value
        if value.__class__ is float and value == 0.0:
            # -0.0 == 0.0: not memoised, so that a result always carries the answer it was given.
            return self._outcome(answer, has_evidence, reference)
        key: tuple[object, ...] = (answer.state, value.__class__, value, has_evidence)
        if self.dated:
            key = (*key, reference)
        try:
            outcome = self.memo.get(key)
        except TypeError:  # an unhashable value: _outcome refuses it with a clear message
            return self._outcome(answer, has_evidence, reference)
        if outcome is None:
            outcome = self._outcome(answer, has_evidence, reference)
            if len(self.memo) < _MEMO_LIMIT:
                self.memo[key] = outcome
        return outcome

    def _outcome(self, answer: Answer, has_evidence: bool, reference: dt.date | None) -> Outcome:
        raw = self.check(answer, reference)
        if not self.scored:
            return Outcome(NOT_SCORED, self._result(answer, Exclusion.NOT_SCORED))
        if answer.state is AnswerState.NOT_APPLICABLE:
            return Outcome(NOT_APPLICABLE, self._result(answer, Exclusion.NOT_APPLICABLE))
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
            return Outcome(DONT_KNOW, shown, self.weight_d * self.dont_know_points)
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
        return Outcome(COUNTED, shown, self.weight_d * counted, claim, claim and has_evidence)

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

    def check(self, answer: Answer, reference: dt.date | None = None) -> Decimal | None:
        """Validate `answer`; the raw points of an answered value of a scored type, else None. `reference` is
        the scoring's reference date (None when only validating)."""
        value = answer.value
        state = answer.state
        if state is AnswerState.ANSWERED:
            if value is None:
                raise InvalidAnswer("value_missing", self.code, "an answer needs a value")
            return self.points_of(value, reference)
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


def evidence_set(evidence: Iterable[str]) -> frozenset[str] | set[str]:
    if isinstance(evidence, str):
        raise TypeError("evidence is a collection of question codes, not one string")
    return evidence if isinstance(evidence, frozenset | set) else frozenset(evidence)


def condition_leaves(condition: Condition) -> list[Leaf]:
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, (AllOf, AnyOf)):
        return [leaf for item in condition.items for leaf in condition_leaves(item)]
    return condition_leaves(condition.item)


def unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
