"""Next-level guidance: per dimension below level 5, the fewest answer changes found that lift it one level.

Gates that cap the dimension below the next level are cleared first (the smallest set of changes to the
answers their condition reads); then questions of the dimension are improved greedily, the largest score
gain first (weight × points gained, as a change of the score), and the last step is the least change that
reaches the level. Every step is re-scored, so `level_after` is real.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations, product
from typing import TYPE_CHECKING

from roadmap.engine.answers import Answer
from roadmap.engine.conditions import ProfileValue, Subject, holds
from roadmap.engine.errors import InvalidAnswer
from roadmap.engine.exact import HUNDRED, ZERO, dec
from roadmap.engine.scoring.compiled import CompiledQuestion, Facts, condition_leaves, unique
from roadmap.engine.scoring.results import (
    AnswerChange,
    DimensionGuidance,
    DimensionResult,
    Exclusion,
    GuidanceStatus,
    LevelOverride,
    PointsOverride,
    ScoreResult,
)

if TYPE_CHECKING:  # the scorer calls the guide, and the guide re-scores through the scorer
    from roadmap.engine.scoring.scorer import Scorer


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a score is computed from besides the answers, the same for every re-scored step."""

    evidence: frozenset[str]
    point_overrides: Mapping[str, PointsOverride]
    level_overrides: Mapping[str, LevelOverride]
    targets: Mapping[str, int]
    reference_date: dt.date | None = None
    profile: Mapping[str, ProfileValue] = field(default_factory=dict)

    def as_args(
        self,
    ) -> tuple[
        frozenset[str],
        Mapping[str, PointsOverride],
        Mapping[str, LevelOverride],
        Mapping[str, int],
        dt.date | None,
        Mapping[str, ProfileValue],
    ]:
        return (
            self.evidence,
            self.point_overrides,
            self.level_overrides,
            self.targets,
            self.reference_date,
            self.profile,
        )


class Guide:
    """The guidance of one scored assessment: `scorer` re-scores every step with the same `inputs`."""

    def __init__(self, scorer: Scorer, inputs: Inputs) -> None:
        self.scorer = scorer
        self.inputs = inputs

    def dimensions(
        self, answers: Mapping[str, Answer], result: ScoreResult, only: Collection[str] | None
    ) -> tuple[DimensionGuidance, ...]:
        """Guidance for every dimension of `result` below level 5 (of `only`, when given)."""
        guides: list[DimensionGuidance] = []
        for dimension_result in result.dimensions:
            if dimension_result.level >= self.scorer.top_level or not dimension_result.applies:
                continue
            if only is not None and dimension_result.code not in only:
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
            guides.append(self._guide(dimension_result.code, answers, result, self.inputs))
        return tuple(guides)

    def _guide(
        self, dimension: str, answers: Mapping[str, Answer], result: ScoreResult, inputs: Inputs
    ) -> DimensionGuidance:
        start = result.dimension(dimension).level
        target = start + 1
        work = dict(answers)
        work_evidence = set(inputs.evidence)
        changes: list[AnswerChange] = []
        current = result
        tried_gates: set[str] = set()
        for _ in range(len(self.scorer.questions) + len(self.scorer.framework.scoring.gates) + 2):
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
                current = self.scorer.result_of(work, frozenset(work_evidence), *inputs.as_args()[1:])
                level_after = current.dimension(dimension).computed_level
                for code, previous, answer, add, points in group:
                    changes.append(
                        AnswerChange(
                            code,
                            self.scorer.by_code[code].dimension,
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
        threshold = self.scorer.by_code[code].threshold
        return (
            points is not None and threshold is not None and dec(points) >= threshold and code not in evidence
        )

    def _candidates(self, compiled: CompiledQuestion, current: Answer | None) -> list[tuple[Answer, Decimal]]:
        """Concrete answers worth suggesting for a question, each with its raw points."""
        reference = self.inputs.reference_date
        found = [
            Answer.of(value) for value in compiled.kind.suggestions(compiled.question, current, reference)
        ]
        unique: dict[Answer, Decimal] = {}
        for answer in found:
            if answer in unique or answer == current:
                continue
            points = compiled.check(answer, reference)
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
        inputs: Inputs,
    ) -> tuple[str, Answer, bool, float | None, ScoreResult] | None:
        state = current.dimension(dimension)
        total = sum(
            (
                dec(q.weight) * dec(q.points)
                for q in current.questions
                if q.dimension == dimension and q.points is not None
            ),
            ZERO,
        )
        weight = dec(state.counted_weight)
        old_score = HUNDRED * total / weight if weight else ZERO
        ranked: list[tuple[Decimal, bool, Decimal, int, str, Answer, bool]] = []
        order = 0
        for question in current.questions:
            if question.dimension != dimension or question.override is not None:
                continue
            if question.exclusion not in (None, Exclusion.UNANSWERED):
                continue
            compiled = self.scorer.by_code[question.code]
            old_points = dec(question.points) if question.points is not None else None
            for answer, raw in self._candidates(compiled, question.answer):
                add = (
                    compiled.threshold is not None
                    and raw >= compiled.threshold
                    and question.code not in work_evidence
                )
                new_weight = weight if old_points is not None else weight + compiled.weight_d
                new_total = total - (compiled.weight_d * old_points if old_points is not None else ZERO)
                new_total += compiled.weight_d * raw
                new_score = HUNDRED * new_total / new_weight
                gain = new_score - old_score
                if gain <= 0:
                    continue
                reaches = (
                    self.scorer.level_of(new_score.quantize(self.scorer.score_step, ROUND_HALF_UP)) >= target
                )
                ranked.append((gain, reaches, raw, order, question.code, answer, add))
                order += 1
            # The same answer with evidence attached, when its claim is now discounted.
            if question.evidence_discounted and question.answer is not None and old_points is not None:
                raw_now = dec(question.points_before_discount or 0.0)
                new_score = (
                    HUNDRED * (total - compiled.weight_d * old_points + compiled.weight_d * raw_now) / weight
                )
                gain = new_score - old_score
                if gain > 0:
                    reaches = (
                        self.scorer.level_of(new_score.quantize(self.scorer.score_step, ROUND_HALF_UP))
                        >= target
                    )
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
            rescored = self.scorer.result_of(trial, frozenset(trial_evidence), *inputs.as_args()[1:])
            after = rescored.dimension(dimension)
            new_blocking = {gate.code for gate in after.gates if gate.max_level < target} - blocking_before
            # Progress is judged on the answers' own score: a gate's cap may hold the counted one still.
            if new_blocking or _answers_score(after) <= _answers_score(state):
                continue
            return code, answer, add, float(raw), rescored
        return None

    def _clear_gate(
        self, gate_code: str, current: ScoreResult
    ) -> list[tuple[str, Answer, float | None]] | None:
        """The smallest set of answer changes (up to three questions) after which the gate no longer holds."""
        gate = next(gate for gate in self.scorer.framework.scoring.gates if gate.code == gate_code)
        leaves = condition_leaves(gate.when)
        refs = [
            code
            for code in unique(leaf.ref for leaf in leaves if leaf.subject is Subject.ANSWER)
            if self.scorer.by_code[code].kind.scored and current.question(code).override is None
        ]
        visible = {
            q.code: q.answer
            for q in current.questions
            if q.answer is not None
            and q.exclusion not in (Exclusion.HIDDEN, Exclusion.NOT_APPLICABLE_BY_RULE)
        }
        applying = [d for d in current.dimensions if d.applies]
        facts = Facts(
            visible,
            {d.code: d.score for d in applying},
            {d.code: d.level for d in applying},
            {d.code: d.target for d in current.dimensions},
            self.inputs.profile,
        )
        options: dict[str, list[tuple[Answer, Decimal | None]]] = {}
        for code in refs:
            compiled = self.scorer.by_code[code]
            candidates: list[tuple[Answer, Decimal | None]] = list(
                self._candidates(compiled, visible.get(code))
            )
            seen = {answer for answer, _ in candidates}
            for leaf in leaves:
                if leaf.ref != code or leaf.subject is not Subject.ANSWER:
                    continue
                for value in compiled.kind.probes(compiled.question, leaf):
                    answer = Answer.of(value)
                    if answer in seen or answer == visible.get(code):
                        continue
                    try:
                        points = compiled.check(answer, self.inputs.reference_date)
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
                            self.scorer.by_code[code].weight_d * (points if points is not None else ZERO)
                            for code, (_answer, points) in zip(codes, picks, strict=True)
                        ),
                        ZERO,
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


def _answers_score(dimension: DimensionResult) -> float:
    """The score of a dimension's answers before any gate's cap."""
    return dimension.score if dimension.raw_score is None else dimension.raw_score
